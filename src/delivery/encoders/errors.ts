/** A request the encoders cannot serve (a caller error: bad schema, unsupported combination). */
export class EncodeRequestError extends Error {
  override readonly name = 'EncodeRequestError'
}

/** The encoder pool was closed before or while the request was pending. */
export class EncoderClosedError extends Error {
  override readonly name = 'EncoderClosedError'
  constructor() {
    super('the encoder pool is closed')
  }
}

/** The worker thread encoding the request died (out of memory, killed, a bug). Safe to retry. */
export class EncoderCrashedError extends Error {
  override readonly name = 'EncoderCrashedError'
}

/** A file that is not a valid Snappy stream (our decoders, used by tests and the query side). */
export class CorruptStreamError extends Error {
  override readonly name = 'CorruptStreamError'
}

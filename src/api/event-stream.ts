import { EventStreamCodec } from '@smithy/core/event-streams'
import { fromUtf8, toUtf8 } from '@smithy/core/serde'

/**
 * AWS's event-stream framing (`application/vnd.amazon.eventstream`), for responses that are a
 * stream of messages (SubscribeToShard): each message is a prelude with its lengths and CRC,
 * typed headers, a payload and a CRC of the whole. The framing is Smithy's own codec (the one the
 * SDKs decode with), so what a client reads is what its SDK expects byte for byte.
 * https://docs.aws.amazon.com/AmazonS3/latest/API/RESTSelectObjectAppendix.html (the format)
 */
export const EVENT_STREAM_CONTENT_TYPE = 'application/vnd.amazon.eventstream'

const codec = new EventStreamCodec(toUtf8, fromUtf8)
const JSON_TYPE = { type: 'string', value: 'application/json' } as const
const EVENT = { type: 'string', value: 'event' } as const
const EXCEPTION = { type: 'string', value: 'exception' } as const

/** An event message: `:event-type` names the union member (`initial-response`, `SubscribeToShardEvent`). */
export function eventMessage(type: string, payload: Uint8Array): Uint8Array {
  return codec.encode({
    headers: {
      ':event-type': { type: 'string', value: type },
      ':content-type': JSON_TYPE,
      ':message-type': EVENT,
    },
    body: payload,
  })
}

/** An exception message, ending a stream that had started: `{"message": ...}` of type `code`. */
export function exceptionMessage(code: string, message: string): Uint8Array {
  return codec.encode({
    headers: {
      ':exception-type': { type: 'string', value: code },
      ':content-type': JSON_TYPE,
      ':message-type': EXCEPTION,
    },
    body: fromUtf8(JSON.stringify({ message })),
  })
}

import type { EncodeRequest, EncodeResult, Encoder } from '../types.ts'
import { encodeSync } from './encode.ts'
import { EncoderClosedError } from './errors.ts'

/**
 * Encodes on the calling thread: for tests and tiny deliveries, where a worker hop costs more
 * than the work. Blocks the event loop for the duration of each request.
 *
 * @example
 * const encoder = new InlineEncoder()
 * const file = await encoder.encode({ format: 'ndjson', records, appendNewline: true, compression: 'UNCOMPRESSED', fileTimeMs: 0 })
 */
export class InlineEncoder implements Encoder {
  private closed = false

  async encode(request: EncodeRequest): Promise<EncodeResult> {
    if (this.closed) throw new EncoderClosedError()
    return encodeSync(request)
  }

  async close(): Promise<void> {
    this.closed = true
  }
}

import { EncodedEvent, eventBuffer } from '../encoded-event.ts'

/** A record as a Kinesis mapping holds it between reading and invoking. */
export interface MappedRecord {
  ordinal: number
  sequenceNumber: string
  partitionKey: string
  /**
   * Base64 text of the data as bytes (ASCII), exactly as Lambda puts it in the event. Bytes, not
   * a string: queued records then keep their payload off the JS heap (no scavenger work, no
   * promotion) and it is copied straight into the encoded event.
   */
  data: Buffer
  /** Arrival time, ms since epoch. */
  timestamp: number
  encrypted: boolean
}

/** What every record of one shard's events shares. */
export interface ShardEventSource {
  shardId: string
  streamArn: string
  region: string
  account: string
}

/** Any UTF-16 code unit outside ASCII (surrogates included). */
const NON_ASCII = /[\u0080-\uffff]/

/**
 * Writes Lambda's Kinesis event for a batch straight into JSON bytes: field for field (and in the
 * same order) what `JSON.stringify` of the event object would give, without building the object
 * graph or cloning it into the worker (see {@link EncodedEvent}). The text every record of the
 * shard shares is rendered once.
 */
export class KinesisEventEncoder {
  /** Between the sequence number in `eventID` and the end of the record. */
  readonly #tail: string
  /** From the end of `kinesis` to the shard id part of `eventID`. */
  readonly #middle: string
  /** Whether every shared piece is ASCII (then only partition keys can need UTF-8). */
  readonly #ascii: boolean

  constructor(source: ShardEventSource) {
    this.#middle = `},"eventSource":"aws:kinesis","eventVersion":"1.0","eventID":${JSON.stringify(`${source.shardId}:`).slice(0, -1)}`
    this.#tail =
      `","eventName":"aws:kinesis:record"` +
      `,"invokeIdentityArn":${JSON.stringify(`arn:aws:iam::${source.account}:role/tributary-lambda-role`)}` +
      `,"awsRegion":${JSON.stringify(source.region)},"eventSourceARN":${JSON.stringify(source.streamArn)}}`
    this.#ascii = !NON_ASCII.test(this.#middle + this.#tail)
  }

  /**
   * `{"Records":[...]}` for `records`, plus the top-level fields of `extra` (tumbling windows add
   * `window`, `state`, ...), as UTF-8 JSON in a buffer of its own (so it can be transferred).
   */
  encode(records: readonly MappedRecord[], extra?: Record<string, unknown>): EncodedEvent {
    const n = records.length
    // Per record: the text before the data (it holds the partition key) and after it. Pure ASCII
    // text is written as latin1 (a plain copy); anything else as UTF-8.
    const heads = new Array<string>(n)
    const tails = new Array<string>(n)
    const headBytes = new Array<number>(n)
    const tailBytes = new Array<number>(n)
    let size = 0
    for (let i = 0; i < n; i++) {
      const r = records[i]!
      const head =
        `${i === 0 ? '' : ','}{"kinesis":{"kinesisSchemaVersion":"1.0","partitionKey":${JSON.stringify(r.partitionKey)}` +
        `,"sequenceNumber":"${r.sequenceNumber}","data":"`
      const tail =
        `","approximateArrivalTimestamp":${r.timestamp / 1000}${r.encrypted ? ',"encryptionType":"KMS"' : ''}` +
        `${this.#middle}${r.sequenceNumber}${this.#tail}`
      heads[i] = head
      tails[i] = tail
      const hb = NON_ASCII.test(r.partitionKey) ? Buffer.byteLength(head) : head.length
      const tb = this.#ascii ? tail.length : Buffer.byteLength(tail)
      headBytes[i] = hb
      tailBytes[i] = tb
      size += hb + r.data.length + tb
    }
    let close = ']}'
    if (extra) {
      const json = JSON.stringify(extra)
      if (json !== '{}') close = `],${json.slice(1)}`
    }
    const closeBytes = Buffer.byteLength(close)
    const open = '{"Records":['
    const buf = eventBuffer(open.length + size + closeBytes)
    let at = buf.write(open, 0, 'latin1')
    for (let i = 0; i < n; i++) {
      const head = heads[i]!
      const tail = tails[i]!
      at += buf.write(head, at, headBytes[i] === head.length ? 'latin1' : 'utf8')
      at += records[i]!.data.copy(buf, at)
      at += buf.write(tail, at, tailBytes[i] === tail.length ? 'latin1' : 'utf8')
    }
    buf.write(close, at, 'utf8')
    return new EncodedEvent(buf)
  }
}

/** Approximate size of a record inside the invocation payload (for Lambda's 6 MB cap). */
export function payloadSize(r: MappedRecord): number {
  return r.data.length + r.partitionKey.length + 420
}

/** Lambda's synchronous invocation payload limit. */
export const MAX_PAYLOAD_BYTES = 6 * 1024 * 1024

/** The view filters see: metadata plus `data` parsed as JSON when it is JSON (as Lambda does). */
export function filterView(r: MappedRecord): Record<string, unknown> {
  const view: Record<string, unknown> = {
    kinesisSchemaVersion: '1.0',
    partitionKey: r.partitionKey,
    sequenceNumber: r.sequenceNumber,
    approximateArrivalTimestamp: r.timestamp / 1000,
  }
  try {
    view.data = JSON.parse(Buffer.from(r.data.toString('latin1'), 'base64').toString('utf8'))
  } catch {
    // Not JSON: only the metadata can be filtered on.
  }
  return view
}

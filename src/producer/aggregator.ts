import type { HashKeyHex } from '../stream/hash-key.ts'
import type { Attempt, UserRecordResult } from './types.ts'

/**
 * A user record inside the producer, from `put` to its result. Up to `maxOutstandingRecords` of
 * these are alive at once, so each holds only what its PutRecords entry and its result need
 * (docs/producer.md, "Memory"): times are integer ms since the producer started (small integers
 * V8 stores inline, where epoch milliseconds would each be a 12-byte heap number), the expiry is
 * `receivedAt + recordTtl`, and there is no promise unless the caller asks for one.
 */
export interface InFlight {
  partitionKey: string
  explicitHashKey: string | undefined
  hashKey: HashKeyHex
  data: Uint8Array
  /** UTF-8 bytes of the partition key. */
  keyBytes: number
  /** data + partition key: what Kinesis counts against its limits, and back-pressure counts. */
  bytes: number
  receivedAt: number
  /** When the record must leave the buffer (`recordMaxBufferedTime` after `put`, sooner on retry). */
  deadline: number
  /** End of the previous attempt (or `receivedAt`): the next attempt's `delay` starts here. */
  lastEnd: number
  /** Made at the first attempt. */
  attempts: Attempt[] | undefined
  /** The `flush` generation the record was put in. */
  generation: number
  /** Who hears the result: `put`'s `onResult`, the ticket's promise, or both. */
  settle: ((result: UserRecordResult) => void) | undefined
  /** The result, once known (for a ticket whose `result` is first read after that). */
  outcome: UserRecordResult | undefined
}

/** What one PutRecords entry carries: one user record alone, or several aggregated (same shard). */
export interface KinesisRecord {
  shardId: string
  records: InFlight[]
  /** Bytes counted against the shard's and the request's limits (data + partition key). */
  size: number
  deadline: number
}

export function varintLength(n: number): number {
  let length = 1
  while (n >= 0x80) {
    n = Math.floor(n / 0x80)
    length++
  }
  return length
}

const field = (payload: number) => 1 + varintLength(payload) + payload
/** Magic (4 bytes) + MD5 trailer (16 bytes) around the protobuf message. */
const FRAMING = 4 + 16

/**
 * Packs one shard's user records into KPL aggregated records, keeping the exact encoded size as
 * records are added (so a record never passes `maxSize` and is never re-encoded to find out). An
 * aggregate of one record is sent as that plain record, as the KPL does: consumers without a
 * de-aggregator read it unchanged.
 */
export class Aggregator {
  #records: InFlight[] = []
  #keys = new Map<string, number>()
  #hashKeys = new Map<string, number>()
  #message = 0
  #deadline = Number.POSITIVE_INFINITY

  constructor(
    readonly shardId: string,
    readonly maxCount: number,
    readonly maxSize: number,
  ) {}

  get deadline(): number {
    return this.#deadline
  }

  get length(): number {
    return this.#records.length
  }

  /** Adds a record; returns the aggregates that are complete (0, 1 or 2). */
  add(record: InFlight): KinesisRecord[] {
    const sealed: KinesisRecord[] = []
    let growth = this.#growth(record)
    if (
      this.#records.length > 0 &&
      (FRAMING + this.#message + growth > this.maxSize || this.#records.length + 1 > this.maxCount)
    ) {
      sealed.push(this.seal()!)
      growth = this.#growth(record)
    }
    if (!this.#keys.has(record.partitionKey)) this.#keys.set(record.partitionKey, this.#keys.size)
    if (record.explicitHashKey !== undefined && !this.#hashKeys.has(record.explicitHashKey))
      this.#hashKeys.set(record.explicitHashKey, this.#hashKeys.size)
    this.#message += growth
    this.#records.push(record)
    this.#deadline = Math.min(this.#deadline, record.deadline)
    if (FRAMING + this.#message >= this.maxSize || this.#records.length >= this.maxCount)
      sealed.push(this.seal()!)
    return sealed
  }

  /** Closes the open aggregate, if any. */
  seal(): KinesisRecord | undefined {
    if (this.#records.length === 0) return undefined
    const records = this.#records
    const first = records[0]!
    const size =
      records.length === 1 ? first.data.length + first.keyBytes : FRAMING + this.#message + first.keyBytes
    const sealed: KinesisRecord = { shardId: this.shardId, records, size, deadline: this.#deadline }
    this.#records = []
    this.#keys.clear()
    this.#hashKeys.clear()
    this.#message = 0
    this.#deadline = Number.POSITIVE_INFINITY
    return sealed
  }

  /** Bytes `record` adds to the protobuf message: new table entries and its own Record field. */
  #growth(record: InFlight): number {
    let growth = 0
    let keyIndex = this.#keys.get(record.partitionKey)
    if (keyIndex === undefined) {
      keyIndex = this.#keys.size
      growth += field(record.keyBytes)
    }
    let inner = 1 + varintLength(keyIndex) + 1 + varintLength(record.data.length) + record.data.length
    if (record.explicitHashKey !== undefined) {
      let hashIndex = this.#hashKeys.get(record.explicitHashKey)
      if (hashIndex === undefined) {
        hashIndex = this.#hashKeys.size
        growth += field(record.explicitHashKey.length)
      }
      inner += 1 + varintLength(hashIndex)
    }
    return growth + field(inner)
  }
}

/**
 * AWS's per-shard throughput limits, as token buckets on the engine's clock.
 * https://docs.aws.amazon.com/streams/latest/dev/service-sizes-and-limits.html
 *
 * - Writes (PutRecord, PutRecords): 1,000 records/s and 1 MiB/s per shard.
 * - Reads (GetRecords, shared by every polling consumer): 5 calls/s and 2 MiB/s per shard.
 * - Enhanced fan-out (SubscribeToShard): 2 MiB/s per consumer per shard, apart from the above.
 *
 * AWS does not publish its exact algorithm; it documents per-second limits and that a shard
 * absorbs short bursts. The model here: each limit is a bucket holding one second of capacity,
 * refilled continuously (1 record per ms, 1,048.576 bytes per ms, ...). A full bucket therefore
 * takes exactly one second's worth at once, and a steady rate at the limit is never throttled.
 *
 * A record (or a GetRecords response) larger than what the byte bucket can hold is let through
 * when the bucket is full and leaves it in debt, which later calls wait out: this is AWS's "if a
 * call returns 10 MiB, subsequent calls made within the next 5 seconds throw an exception".
 *
 * Counts are kept in integer units (a thousandth of a record or of a byte), so refills are exact
 * and a test on a manual clock sees the thresholds exactly. Nothing here allocates.
 */

export const WRITE_RECORDS_PER_SECOND = 1_000
export const WRITE_BYTES_PER_SECOND = 1024 * 1024
export const READ_CALLS_PER_SECOND = 5
export const READ_BYTES_PER_SECOND = 2 * 1024 * 1024
export const FAN_OUT_BYTES_PER_SECOND = 2 * 1024 * 1024

/** Units per token: buckets count thousandths, so a millisecond's refill is a whole number. */
const SCALE = 1000

/** One limit: capacity of one second, refilled per millisecond. */
class Bucket {
  readonly #capacity: number
  /** Refill per millisecond, in units (= the per-second limit, since a unit is 1/1000). */
  readonly #perMs: number
  #units: number
  #at = Number.NEGATIVE_INFINITY

  constructor(perSecond: number) {
    this.#capacity = perSecond * SCALE
    this.#perMs = perSecond
    this.#units = this.#capacity
  }

  refill(now: number): void {
    const elapsed = now - this.#at
    if (elapsed <= 0) return
    this.#at = now
    const units = this.#units + elapsed * this.#perMs
    this.#units = units > this.#capacity ? this.#capacity : units
  }

  /** Whether `amount` tokens are there now (a full bucket takes any amount, going into debt). */
  has(amount: number): boolean {
    return this.#units >= amount * SCALE || this.#units === this.#capacity
  }

  /** Whether some capacity is left (not empty, not in debt). */
  get positive(): boolean {
    return this.#units > 0
  }

  take(amount: number): void {
    this.#units -= amount * SCALE
  }

  /** Milliseconds until some capacity is back (0: there is some now). */
  msUntilPositive(): number {
    return this.#units > 0 ? 0 : Math.floor(-this.#units / this.#perMs) + 1
  }
}

/** The write and read buckets of one shard. */
export class ShardThroughput {
  readonly #writeRecords = new Bucket(WRITE_RECORDS_PER_SECOND)
  readonly #writeBytes = new Bucket(WRITE_BYTES_PER_SECOND)
  readonly #readCalls = new Bucket(READ_CALLS_PER_SECOND)
  readonly #readBytes = new Bucket(READ_BYTES_PER_SECOND)

  /**
   * Admits one record of `bytes` (data plus partition key) at `now`, or refuses it without
   * taking anything.
   */
  admitWrite(bytes: number, now: number): boolean {
    const records = this.#writeRecords
    const size = this.#writeBytes
    records.refill(now)
    size.refill(now)
    if (!records.has(1) || !size.has(bytes)) return false
    records.take(1)
    size.take(bytes)
    return true
  }

  /**
   * Admits one GetRecords call at `now`: a call is refused when 5 calls were made in the last
   * second's worth of capacity, or while earlier responses' bytes are still being paid off.
   * The response's size is charged afterwards with {@link chargeRead}.
   */
  admitRead(now: number): boolean {
    const calls = this.#readCalls
    const size = this.#readBytes
    calls.refill(now)
    size.refill(now)
    if (!calls.has(1) || !size.positive) return false
    calls.take(1)
    return true
  }

  /** Charges the bytes a GetRecords call returned (may leave the byte bucket in debt). */
  chargeRead(bytes: number): void {
    this.#readBytes.take(bytes)
  }
}

/**
 * One enhanced fan-out consumer's budget on one shard: 2 MiB/s pushed by SubscribeToShard, its
 * own (it takes nothing from the shard's shared read limits). A push is made while the bucket is
 * not in debt and charged afterwards, as GetRecords' bytes are; the pusher waits out a debt.
 */
export class FanOutThroughput {
  readonly #bytes = new Bucket(FAN_OUT_BYTES_PER_SECOND)

  /** Milliseconds to wait at `now` before the next push may go (0: now). */
  waitMs(now: number): number {
    this.#bytes.refill(now)
    return this.#bytes.msUntilPositive()
  }

  /** Charges the bytes a push carried (data plus partition keys). */
  charge(bytes: number): void {
    this.#bytes.take(bytes)
  }
}

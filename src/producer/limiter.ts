import { SHARD_WRITE_BYTES_PER_SECOND, SHARD_WRITE_RECORDS_PER_SECOND } from './config.ts'

/** A token bucket that refills continuously at `perSecond`, holding at most one second's worth. */
export class TokenBucket {
  #tokens: number
  #at: number

  constructor(
    readonly perSecond: number,
    now: number,
  ) {
    this.#tokens = perSecond
    this.#at = now
  }

  #refill(now: number): void {
    if (now > this.#at) {
      this.#tokens = Math.min(this.perSecond, this.#tokens + ((now - this.#at) * this.perSecond) / 1000)
      this.#at = now
    }
  }

  /** ms until `n` tokens are there (0: now). More than a full bucket waits for a full bucket. */
  wait(n: number, now: number): number {
    this.#refill(now)
    const need = Math.min(n, this.perSecond) - this.#tokens
    return need <= 0 ? 0 : Math.ceil((need * 1000) / this.perSecond)
  }

  take(n: number, now: number): void {
    this.#refill(now)
    this.#tokens -= Math.min(n, this.perSecond)
  }
}

/**
 * The KPL's per-shard rate limit: separate buckets for Kinesis records and bytes, each refilled at
 * `rateLimit` % of the shard's write limit (150 % by default, so one producer can fill a shard
 * and still leave room for its retries). Records leave in order: a record that has to wait holds
 * the ones behind it, so a shard's records keep their order through the limiter.
 */
export class ShardLimiter<T extends { size: number }> {
  readonly #records: TokenBucket
  readonly #bytes: TokenBucket
  readonly #queue: T[] = []
  readonly #retried = new WeakSet<T>()
  #head = 0

  constructor(rateLimitPercent: number, now: number) {
    this.#records = new TokenBucket((SHARD_WRITE_RECORDS_PER_SECOND * rateLimitPercent) / 100, now)
    this.#bytes = new TokenBucket((SHARD_WRITE_BYTES_PER_SECOND * rateLimitPercent) / 100, now)
  }

  get length(): number {
    return this.#queue.length - this.#head
  }

  push(item: T): void {
    this.#queue.push(item)
  }

  /**
   * Queues a retry ahead of first attempts (after earlier retries), as the KPL's deadline-ordered
   * limiter does: a throttled record does not wait behind the whole backlog again, past its TTL.
   */
  pushRetry(item: T): void {
    let i = this.#head
    while (i < this.#queue.length && this.#retried.has(this.#queue[i]!)) i++
    this.#queue.splice(i, 0, item)
    this.#retried.add(item)
  }

  /** Every queued item, oldest first (for expiry sweeps). */
  items(): readonly T[] {
    return this.#queue.slice(this.#head)
  }

  /** Removes the items `drop` says to drop. */
  filter(keep: (item: T) => boolean): void {
    const rest = this.#queue.slice(this.#head).filter(keep)
    this.#queue.length = 0
    this.#queue.push(...rest)
    this.#head = 0
  }

  /**
   * Takes every item the buckets allow now, in order. Returns them and, if some remain, the ms
   * until the next one may go.
   */
  drain(now: number): { ready: T[]; waitMs?: number } {
    const ready: T[] = []
    while (this.#head < this.#queue.length) {
      const item = this.#queue[this.#head]!
      const wait = Math.max(this.#records.wait(1, now), this.#bytes.wait(item.size, now))
      if (wait > 0) {
        this.#compact()
        return { ready, waitMs: wait }
      }
      this.#records.take(1, now)
      this.#bytes.take(item.size, now)
      ready.push(item)
      this.#head++
    }
    this.#compact()
    return { ready }
  }

  #compact(): void {
    if (this.#head > 1024 && this.#head * 2 > this.#queue.length) {
      this.#queue.splice(0, this.#head)
      this.#head = 0
    }
    if (this.#head === this.#queue.length) {
      this.#queue.length = 0
      this.#head = 0
    }
  }
}

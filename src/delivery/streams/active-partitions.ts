import { IntervalCounts } from './interval-counts.ts'

/**
 * Firehose's quota of active partitions, counted per delivery stream as AWS counts it.
 *
 * AWS: "When the number of active partitions exceeds a limit of 500 per delivery stream, the
 * remaining records are delivered to the S3 error bucket prefix"; "a new partition is created
 * when an S3 prefix is evaluated to a new value"; each partition has its own buffer, and "once
 * data is delivered in a partition, then this partition is no longer active"
 * (https://docs.aws.amazon.com/firehose/latest/dev/buffering.html,
 * https://docs.aws.amazon.com/firehose/latest/dev/limits.html).
 *
 * Here a partition opens with its first record and stays open for the buffering interval (its
 * own buffer's interval hint, as on AWS; the per-partition size hint, 64 MB or more with dynamic
 * partitioning, is not modelled). Windows are arrival times from the log, not wall-clock moments
 * of flushing, so shards that flush independently still count each other's partitions: a buffer
 * of shard 2 that overlaps in time a buffer of shard 1 sees shard 1's partitions as active,
 * whichever shard flushes first.
 *
 * Replays are deterministic because a buffer's decision is recorded before any of its objects
 * is written and is reused whenever that buffer is planned again (a retry, a restart after a
 * crash): the same partitions are admitted and the same records go to the error prefix.
 */

/** One partition of one buffer: its evaluated prefix and when its first record arrived. */
export interface PartitionRequest {
  prefix: string
  firstArrivalMs: number
}

/** Decides which partitions of a buffer may open under the delivery stream's quota. */
export interface PartitionAdmission {
  /**
   * The prefixes of `partitions` the buffer `buffer` may write; the records of the others go to
   * the error output. Synchronous, so concurrent flushes of other shards decide one at a time.
   */
  admit(buffer: string, partitions: readonly PartitionRequest[]): ReadonlySet<string>
}

/** A recorded decision: a partition of a buffer, its window, and whether it was admitted. */
export interface PartitionWindow {
  buffer: string
  prefix: string
  openedMs: number
  closesMs: number
  admitted: boolean
}

export interface PartitionLedgerOptions {
  /** Firehose's default quota: 500 active partitions per delivery stream. */
  limit: number
  /** How long a partition stays active after its first record: the buffering interval. */
  windowMs: number
  /** Decisions recorded earlier (after a restart). */
  recorded?: readonly PartitionWindow[]
  /** Records new decisions durably; called before `admit` returns. */
  persist?(windows: readonly PartitionWindow[]): void
  /** Forgets decisions whose window closed before `beforeMs`. */
  prune?(beforeMs: number): void
}

/**
 * Windows are kept for an hour of data time after they close: long enough for shards that lag
 * behind to count them, and for a buffer whose writes keep failing to find its decision again.
 */
export const KEEP_WINDOWS_MS = 3_600_000

/**
 * The active partitions of one delivery stream: every decision made, by buffer, and the windows
 * later buffers count.
 *
 * @example
 * const ledger = new PartitionLedger({ limit: 500, windowMs: 60_000 })
 * ledger.admit('d-shardId-000000000000-1-9', [{ prefix: 'device=a/', firstArrivalMs: 1000 }])
 */
export class PartitionLedger implements PartitionAdmission {
  readonly #o: PartitionLedgerOptions
  readonly #byBuffer = new Map<string, Map<string, PartitionWindow>>()
  #windows: PartitionWindow[] = []
  #newestOpenedMs = Number.NEGATIVE_INFINITY
  #prunedAt = Number.NEGATIVE_INFINITY

  constructor(options: PartitionLedgerOptions) {
    this.#o = options
    for (const w of options.recorded ?? []) this.#remember(w)
  }

  admit(buffer: string, partitions: readonly PartitionRequest[]): ReadonlySet<string> {
    const admitted = new Set<string>()
    if (partitions.length === 0) return admitted
    const recorded = this.#byBuffer.get(buffer)
    const window = this.#o.windowMs
    const ordered = [...partitions].sort((a, b) => a.firstArrivalMs - b.firstArrivalMs)
    const from = ordered[0]!.firstArrivalMs
    const to = ordered[ordered.length - 1]!.firstArrivalMs + window
    const open = this.#openDuring(buffer, from, to)
    const moments: number[] = []
    for (const intervals of open.values()) for (const [s, e] of intervals) moments.push(s, e)
    for (const w of recorded?.values() ?? []) moments.push(w.openedMs, w.closesMs)
    for (const p of ordered) moments.push(p.firstArrivalMs, p.firstArrivalMs + window)
    const counts = new IntervalCounts(moments)
    for (const intervals of open.values()) for (const [s, e] of intervals) counts.add(s, e)
    for (const w of recorded?.values() ?? []) if (w.admitted) counts.add(w.openedMs, w.closesMs)

    const decided: PartitionWindow[] = []
    for (const p of ordered) {
      const earlier = recorded?.get(p.prefix)
      if (earlier) {
        // Planned before (a retry, or a restart after a crash): the decision stands.
        if (earlier.admitted) admitted.add(p.prefix)
        continue
      }
      const t = p.firstArrivalMs
      const joined = open.get(p.prefix)?.find(([s, e]) => s <= t && t <= e)
      if (joined) {
        // Already open (another shard's records opened it): these records join it.
        admitted.add(p.prefix)
        decided.push({ buffer, prefix: p.prefix, openedMs: t, closesMs: joined[1], admitted: true })
        continue
      }
      // Admitted only if the quota holds at every moment the partition would be open: other
      // shards' partitions that open later in that time count too, whoever flushed first.
      const ok = counts.maxIn(t, t + window) < this.#o.limit
      if (ok) {
        counts.add(t, t + window)
        admitted.add(p.prefix)
      }
      decided.push({ buffer, prefix: p.prefix, openedMs: t, closesMs: t + window, admitted: ok })
    }
    if (decided.length > 0) {
      this.#o.persist?.(decided)
      for (const w of decided) this.#remember(w)
      this.#prune()
    }
    return admitted
  }

  /** Other buffers' admitted partitions open at some moment of [from, to], merged per prefix. */
  #openDuring(buffer: string, from: number, to: number): Map<string, [number, number][]> {
    const byPrefix = new Map<string, [number, number][]>()
    for (const w of this.#windows) {
      if (!w.admitted || w.buffer === buffer || w.closesMs < from || w.openedMs > to) continue
      const list = byPrefix.get(w.prefix) ?? []
      list.push([w.openedMs, w.closesMs])
      byPrefix.set(w.prefix, list)
    }
    for (const [prefix, list] of byPrefix) {
      list.sort((a, b) => a[0] - b[0])
      const merged: [number, number][] = []
      for (const [s, e] of list) {
        const last = merged[merged.length - 1]
        if (last && s <= last[1]) last[1] = Math.max(last[1], e)
        else merged.push([s, e])
      }
      byPrefix.set(prefix, merged)
    }
    return byPrefix
  }

  #remember(w: PartitionWindow): void {
    const forBuffer = this.#byBuffer.get(w.buffer) ?? new Map<string, PartitionWindow>()
    this.#byBuffer.set(w.buffer, forBuffer)
    forBuffer.set(w.prefix, w)
    this.#windows.push(w)
    this.#newestOpenedMs = Math.max(this.#newestOpenedMs, w.openedMs)
  }

  /** Drops windows that closed long before the newest one opened (data time, not the clock). */
  #prune(): void {
    if (this.#newestOpenedMs - this.#prunedAt < KEEP_WINDOWS_MS / 4) return
    this.#prunedAt = this.#newestOpenedMs
    const before = this.#newestOpenedMs - KEEP_WINDOWS_MS
    if (!this.#windows.some((w) => w.closesMs < before)) return
    this.#o.prune?.(before)
    this.#windows = this.#windows.filter((w) => w.closesMs >= before)
    for (const [buffer, windows] of this.#byBuffer) {
      for (const [prefix, w] of windows) if (w.closesMs < before) windows.delete(prefix)
      if (windows.size === 0) this.#byBuffer.delete(buffer)
    }
  }
}

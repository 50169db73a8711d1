/**
 * Kinesis on-demand capacity, as AWS documents it (docs/kinesis-api.md#on-demand-scaling):
 * https://docs.aws.amazon.com/streams/latest/dev/how-do-i-size-a-stream.html
 *
 * - A new on-demand stream has 4 MiB/s and 4,000 records/s of write capacity: 4 shards.
 * - It "accommodates up to double its previous peak write throughput observed in the previous 30
 *   days"; when traffic reaches a new peak, capacity grows to double that peak.
 * - Each shard keeps the provisioned limits (1 MiB/s, 1,000 records/s): a hot shard throttles
 *   until it is split.
 *
 * AWS does not publish how it measures a peak or which shards it splits. The model here: write
 * traffic offered to each open shard (accepted or throttled: demand, not what got in) is summed
 * over a window (a minute by default: "sustained"); a window's throughput in shard units is the
 * larger of its bytes per MiB/s and its records per 1,000/s. The stream's peak is the highest
 * window of the last 30 days; the capacity it is owed is twice that, at least 4 shards. While it
 * has fewer open shards, the hottest shards are split at the middle of their hash ranges, each
 * at most once per window (children are measured in the next), so capacity doubles per window at
 * most. Nothing here scales down (AWS merges shards back over time; Tributary keeps them).
 */
import { type HashKeyHex, hashKeyFromBigInt, hashKeyToBigInt } from './hash-key.ts'
import { WRITE_BYTES_PER_SECOND, WRITE_RECORDS_PER_SECOND } from './shard-throughput.ts'

export const ON_DEMAND_INITIAL_SHARDS = 4
/** "the previous peak write throughput observed in the previous 30 days" */
export const PEAK_MEMORY_MS = 30 * 24 * 3_600_000
/** The default window over which traffic must be sustained to count as a peak. */
export const ON_DEMAND_WINDOW_MS = 60_000

/** Write traffic offered to one open shard over a window. */
export interface ShardLoad {
  index: number
  start: HashKeyHex
  end: HashKeyHex
  bytes: number
  records: number
}

/** Throughput in shards' worth: the larger of the byte and the record share. */
export function shardUnits(bytes: number, records: number, windowMs: number): number {
  const seconds = windowMs / 1000
  return Math.max(bytes / (WRITE_BYTES_PER_SECOND * seconds), records / (WRITE_RECORDS_PER_SECOND * seconds))
}

/** A stream's peaks: the highest window per day, for 30 days. */
export class PeakHistory {
  readonly #days = new Map<number, number>()

  /** Records a window's throughput (shard units) that ended at `at`; returns the 30-day peak. */
  observe(units: number, at: number): number {
    const day = Math.floor(at / 86_400_000)
    this.#days.set(day, Math.max(this.#days.get(day) ?? 0, units))
    let peak = 0
    for (const [d, u] of this.#days) {
      if ((day - d) * 86_400_000 > PEAK_MEMORY_MS) this.#days.delete(d)
      else peak = Math.max(peak, u)
    }
    return peak
  }
}

/** The open shards an on-demand stream is owed for a 30-day peak of `peakUnits`. */
export function onDemandTarget(peakUnits: number): number {
  return Math.max(ON_DEMAND_INITIAL_SHARDS, Math.ceil(2 * peakUnits - 1e-9))
}

/** One split: the shard and the first hash key of its upper child. */
export interface HotSplit {
  shard: number
  at: HashKeyHex
}

/**
 * The splits that bring the open shards toward `target`: the hottest shards with traffic first
 * (ties: the lower hash range), each split once, at the middle of its range; a shard of a single
 * hash key cannot split. At most `room` splits (the account's shard quota).
 */
export function planHotSplits(loads: readonly ShardLoad[], target: number, room: number): HotSplit[] {
  const wanted = Math.min(target - loads.length, room)
  if (wanted <= 0) return []
  const hot = loads
    .filter((l) => (l.bytes > 0 || l.records > 0) && l.start < l.end)
    .sort(
      (a, b) =>
        shardUnits(b.bytes, b.records, 1000) - shardUnits(a.bytes, a.records, 1000) ||
        (a.start < b.start ? -1 : 1),
    )
  return hot.slice(0, wanted).map((l) => {
    const lo = hashKeyToBigInt(l.start)
    const hi = hashKeyToBigInt(l.end)
    return { shard: l.index, at: hashKeyFromBigInt(lo + (hi - lo + 1n) / 2n) }
  })
}

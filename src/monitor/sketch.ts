/**
 * A mergeable log-bucketed histogram (the DDSketch idea) for percentiles: every value lands in a
 * bin whose bounds grow by a factor of {@link GAMMA}, so any quantile is answered within ±1 %
 * relative error of a value that really occurred near that rank. Bins merge by adding counts,
 * which is what lets 1-second buckets roll up into minutes and minutes into any period.
 */
export const GAMMA = 1.02
const LN_GAMMA = Math.log(GAMMA)
/** Keys for negative values are offset so one numeric map holds both signs. */
const NEGATIVE_OFFSET = 1_000_000
const ZERO_KEY = 2_000_000
/** Enough for ~18 orders of magnitude at ±1 %; beyond that the lowest bins are merged upwards. */
export const MAX_BINS = 2048

export class Sketch {
  readonly bins = new Map<number, number>()

  add(value: number, count = 1): void {
    const key = keyOf(value)
    this.bins.set(key, (this.bins.get(key) ?? 0) + count)
    if (this.bins.size > MAX_BINS) this.#collapse()
  }

  merge(other: Sketch): void {
    for (const [key, count] of other.bins) this.bins.set(key, (this.bins.get(key) ?? 0) + count)
    if (this.bins.size > MAX_BINS) this.#collapse()
  }

  /** The value at quantile `q` (0..1), or undefined when empty. */
  quantile(q: number): number | undefined {
    const entries = [...this.bins].map(([key, count]) => [binValue(key), count] as const)
    if (entries.length === 0) return undefined
    entries.sort((a, b) => a[0] - b[0])
    let total = 0
    for (const [, count] of entries) total += count
    // Nearest rank: the smallest value with at least q of the samples at or below it.
    const rank = Math.max(1, Math.ceil(q * total))
    let seen = 0
    for (const [value, count] of entries) {
      seen += count
      if (seen >= rank) return value
    }
    return entries[entries.length - 1]![0]
  }

  toJSON(): [number, number][] {
    return [...this.bins]
  }

  static fromJSON(pairs: readonly (readonly [number, number])[]): Sketch {
    const sketch = new Sketch()
    for (const [key, count] of pairs) sketch.bins.set(key, count)
    return sketch
  }

  #collapse(): void {
    const keys = [...this.bins.keys()].sort((a, b) => binValue(a) - binValue(b))
    while (this.bins.size > MAX_BINS) {
      const lowest = keys.shift()!
      const next = keys[0]!
      this.bins.set(next, (this.bins.get(next) ?? 0) + (this.bins.get(lowest) ?? 0))
      this.bins.delete(lowest)
    }
  }
}

function keyOf(value: number): number {
  if (value === 0 || !Number.isFinite(value)) return ZERO_KEY
  const key = Math.ceil(Math.log(Math.abs(value)) / LN_GAMMA)
  return value > 0 ? key : key + NEGATIVE_OFFSET
}

function binValue(key: number): number {
  if (key === ZERO_KEY) return 0
  const negative = key > NEGATIVE_OFFSET / 2
  const k = negative ? key - NEGATIVE_OFFSET : key
  // The midpoint (in relative terms) of the bin (gamma^(k-1), gamma^k].
  const magnitude = (2 * GAMMA ** k) / (GAMMA + 1)
  return negative ? -magnitude : magnitude
}

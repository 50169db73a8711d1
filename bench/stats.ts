/** Nearest-rank percentile (p in 0..100) of unsorted values; NaN when there are none. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN
  const sorted = [...values].sort((a, b) => a - b)
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length))
  return sorted[rank - 1]!
}

export function median(values: readonly number[]): number {
  return percentile(values, 50)
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms))

/** Monotonic time in microseconds; the same clock V8 stamps .cpuprofile samples with. */
export function monoUs(): number {
  return Number(process.hrtime.bigint() / 1000n)
}

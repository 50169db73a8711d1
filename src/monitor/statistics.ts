import { z } from 'zod'
import { Sketch } from './sketch.ts'

/** CloudWatch's statistics: the five standard ones and percentiles `p0`..`p100` (e.g. `p99.9`). */
export type Statistic = 'Sum' | 'Average' | 'Minimum' | 'Maximum' | 'SampleCount' | `p${number}`

export const STANDARD_STATISTICS = ['Sum', 'Average', 'Minimum', 'Maximum', 'SampleCount'] as const
const PERCENTILE = /^p(100|\d{1,2}(\.\d{1,10})?)$/

export const statisticSchema = z
  .string()
  .refine((s) => (STANDARD_STATISTICS as readonly string[]).includes(s) || PERCENTILE.test(s), {
    message: 'expected Sum, Average, Minimum, Maximum, SampleCount or a percentile such as p99',
  })
  .transform((s) => s as Statistic)

export function isPercentile(stat: Statistic): boolean {
  return stat.startsWith('p')
}

/** Sum, count, min, max and a percentile sketch: everything a statistic needs, and mergeable. */
export class Aggregate {
  sum = 0
  count = 0
  min = Number.POSITIVE_INFINITY
  max = Number.NEGATIVE_INFINITY
  sketch = new Sketch()

  add(value: number): void {
    this.sum += value
    this.count++
    if (value < this.min) this.min = value
    if (value > this.max) this.max = value
    this.sketch.add(value)
  }

  merge(other: Aggregate): void {
    this.sum += other.sum
    this.count += other.count
    if (other.min < this.min) this.min = other.min
    if (other.max > this.max) this.max = other.max
    this.sketch.merge(other.sketch)
  }

  /** The statistic's value, or undefined for an empty aggregate (CloudWatch returns no datapoint). */
  stat(stat: Statistic): number | undefined {
    if (this.count === 0) return undefined
    switch (stat) {
      case 'Sum':
        return this.sum
      case 'Average':
        return this.sum / this.count
      case 'Minimum':
        return this.min
      case 'Maximum':
        return this.max
      case 'SampleCount':
        return this.count
    }
    const q = Number(stat.slice(1)) / 100
    if (q <= 0) return this.min
    if (q >= 1) return this.max
    const v = this.sketch.quantile(q)
    // The sketch answers with a bin's midpoint; never report outside what was really seen.
    return v === undefined ? undefined : Math.min(this.max, Math.max(this.min, v))
  }
}

import type { Dimensions, MetricSpec, MetricUnit } from './catalog/define.ts'

/**
 * Where every stage publishes its metrics, with CloudWatch's names and dimensions (AWS/Lambda
 * Invocations by FunctionName, and so on). This is the publishing side only; the monitoring stage
 * stores, aggregates and alarms on what arrives here. Stages publish through the catalog
 * (`catalog/`), which fixes each AWS metric's name, unit and dimensions.
 */
export type { MetricUnit }

export interface MetricDatum {
  namespace: string
  name: string
  dimensions: Readonly<Record<string, string>>
  value: number
  unit: MetricUnit
  /** ms since epoch. */
  timestamp: number
}

export interface MetricSink {
  record(datum: MetricDatum): void
}

interface Totals {
  sum: number
  count: number
  max: number
  last: number
}

/**
 * Keeps running totals per (namespace, name, dimensions) in memory: enough for `tributary dev`'s
 * live summary and for tests. Dimension sets come from configured resources, so the key space is
 * bounded.
 */
export class MetricTotals implements MetricSink {
  readonly #totals = new Map<string, Totals>()
  readonly #listeners = new Set<(d: MetricDatum) => void>()

  static key(namespace: string, name: string, dimensions: Readonly<Record<string, string>>): string {
    const dims = Object.keys(dimensions)
      .sort()
      .map((k) => `${k}=${dimensions[k]}`)
      .join(',')
    return `${namespace}|${name}|${dims}`
  }

  record(datum: MetricDatum): void {
    const key = MetricTotals.key(datum.namespace, datum.name, datum.dimensions)
    const t = this.#totals.get(key) ?? { sum: 0, count: 0, max: Number.NEGATIVE_INFINITY, last: 0 }
    t.sum += datum.value
    t.count++
    t.max = Math.max(t.max, datum.value)
    t.last = datum.value
    this.#totals.set(key, t)
    for (const listener of this.#listeners) listener(datum)
  }

  /** Totals for one metric, or zeros if nothing was recorded. */
  get(namespace: string, name: string, dimensions: Readonly<Record<string, string>>): Totals {
    return (
      this.#totals.get(MetricTotals.key(namespace, name, dimensions)) ?? { sum: 0, count: 0, max: 0, last: 0 }
    )
  }

  /** Totals for one series of a catalog metric. */
  of<D extends string>(spec: MetricSpec<string, string, D>, dimensions: Dimensions<D>): Totals {
    return this.get(spec.namespace, spec.name, dimensions)
  }

  /** Every datum as it arrives (the monitoring stage's store subscribes here). */
  subscribe(listener: (d: MetricDatum) => void): () => void {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }
}

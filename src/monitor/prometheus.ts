import { Counter, collectDefaultMetrics, Gauge, Registry } from 'prom-client'
import { AWS_METRICS } from './catalog/index.ts'
import type { SeriesTotals } from './metric-store.ts'

/**
 * Metrics that are a level, not a flow (the catalog's `level` kind): exported as gauges of the
 * latest value. Everything else with unit Count is a counter of the summed values; other units
 * export `_sum` and `_count`. Matched by name, so a custom metric named like one is a gauge too.
 */
const GAUGES = new Set(AWS_METRICS.filter((m) => m.kind === 'level').map((m) => m.name))

const UNIT_SUFFIX: Record<string, string> = {
  Milliseconds: '_milliseconds',
  Bytes: '_bytes',
  Percent: '_percent',
}

/** `AWS/Lambda` → `aws_lambda`, `DeliveryToS3.Records` → `delivery_to_s3_records`. */
export function snakeCase(s: string): string {
  return s
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1_$2')
    .replace(/[^A-Za-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .toLowerCase()
}

export interface MetricsSource {
  totals(): SeriesTotals[]
}

export interface PrometheusOutput {
  contentType: string
  body: string
}

/**
 * Renders the store's series in the Prometheus text format via prom-client:
 * `tributary_<namespace>_<metric>` with dimensions as snake_case labels, e.g.
 * `tributary_aws_lambda_invocations_total{function_name="f"}`.
 *
 * @example
 * const exporter = new PrometheusExporter(store)
 * const { contentType, body } = await exporter.render()
 */
export class PrometheusExporter {
  readonly #source: MetricsSource
  readonly #defaults: Registry | undefined

  constructor(source: MetricsSource, options: { defaultMetrics?: boolean } = {}) {
    this.#source = source
    if (options.defaultMetrics ?? true) {
      this.#defaults = new Registry()
      collectDefaultMetrics({ register: this.#defaults })
    }
  }

  async render(): Promise<PrometheusOutput> {
    const registry = pipelineRegistry(this.#source.totals())
    const merged = this.#defaults ? Registry.merge([registry, this.#defaults]) : registry
    return { contentType: merged.contentType, body: await merged.metrics() }
  }
}

/** One registry holding the given series (built per scrape, as series come and go). */
export function pipelineRegistry(totals: readonly SeriesTotals[]): Registry {
  const registry = new Registry()
  const groups = new Map<string, SeriesTotals[]>()
  for (const t of totals) {
    const base = `tributary_${snakeCase(t.namespace)}_${snakeCase(t.name)}`
    const name = t.unit === 'Count' || t.unit === 'None' ? base : base + (UNIT_SUFFIX[t.unit] ?? '')
    const list = groups.get(name) ?? []
    list.push(t)
    groups.set(name, list)
  }
  for (const [name, series] of [...groups].sort(([a], [b]) => a.localeCompare(b))) {
    const labelNames = [...new Set(series.flatMap((s) => Object.keys(s.dimensions).map(snakeCase)))].sort()
    const labels = (s: SeriesTotals) =>
      Object.fromEntries(Object.entries(s.dimensions).map(([k, v]) => [snakeCase(k), v]))
    const first = series[0]!
    const help = `CloudWatch ${first.namespace} ${first.name}`
    if (GAUGES.has(first.name)) {
      const g = new Gauge({ name, help: `${help} (latest value)`, labelNames, registers: [registry] })
      for (const s of series) g.set(labels(s), s.last)
    } else if (first.unit === 'Count' && series.every((s) => s.sum >= 0)) {
      const c = new Counter({
        name: `${name}_total`,
        help: `${help} (sum)`,
        labelNames,
        registers: [registry],
      })
      for (const s of series) c.inc(labels(s), s.sum)
    } else {
      const sum = new Counter({
        name: `${name}_sum`,
        help: `${help} (sum of values)`,
        labelNames,
        registers: [registry],
      })
      const count = new Counter({
        name: `${name}_count`,
        help: `${help} (samples)`,
        labelNames,
        registers: [registry],
      })
      for (const s of series) {
        if (s.sum >= 0) sum.inc(labels(s), s.sum)
        count.inc(labels(s), s.count)
      }
    }
  }
  return registry
}

import { Firehose, Kinesis, Lambda, type MetricDefinition } from '../monitor/catalog/index.ts'
import type { Statistic } from '../monitor/statistics.ts'
import type { DashboardSource } from './source.ts'

/** One chart: a line per series, one value per second (null where nothing was recorded). */
export interface ChartSpec {
  id: string
  title: string
  unit: string
  /** The value of every line for the second starting at `second` (ms since epoch). */
  sample(source: DashboardSource, second: number): Map<string, number | null>
}

/** Lines per chart: more series than this are summed up by the metric store's other views. */
export const MAX_LINES = 8

function seriesLabel(dimensions: Readonly<Record<string, string>>): string {
  const values = Object.values(dimensions)
  return values.length === 0 ? 'all' : values.join('/')
}

/** A chart of one CloudWatch metric, a line per dimension set, from the metric store's 1-second buckets. */
export function metricChart(spec: {
  id: string
  title: string
  unit: string
  /** The catalog metric charted. */
  metric: MetricDefinition
  stat: Statistic
  /** What a second without datapoints shows: 0 for counts, a gap for gauges and latencies. */
  missing: 0 | null
}): ChartSpec {
  return {
    id: spec.id,
    title: spec.title,
    unit: spec.unit,
    sample(source, second) {
      const lines = new Map<string, number | null>()
      const series = source.metrics
        .series()
        .filter((s) => s.namespace === spec.metric.namespace && s.name === spec.metric.name)
        .map((s) => ({ dimensions: s.dimensions, label: seriesLabel(s.dimensions) }))
        .sort((a, b) => (a.label < b.label ? -1 : a.label > b.label ? 1 : 0))
        .slice(0, MAX_LINES)
      for (const s of series) {
        const points = source.metrics.query({
          namespace: spec.metric.namespace,
          name: spec.metric.name,
          dimensions: s.dimensions,
          stat: spec.stat,
          period: 1,
          start: second,
          end: second + 1000,
        })
        lines.set(s.label, points[0]?.value ?? spec.missing)
      }
      return lines
    },
  }
}

/**
 * The charts the Metrics panel shows, as data: adding one is adding an entry. Queue depth is read
 * from the queues themselves each second (the SQS gauges are only published once a minute).
 */
export const CHARTS: ChartSpec[] = [
  metricChart({
    id: 'throughput',
    title: 'Incoming records',
    unit: 'records/s',
    metric: Kinesis.IncomingRecords,
    stat: 'Sum',
    missing: 0,
  }),
  metricChart({
    id: 'iterator-age',
    title: 'Iterator age (max)',
    unit: 'ms',
    metric: Lambda.IteratorAge,
    stat: 'Maximum',
    missing: null,
  }),
  metricChart({
    id: 'errors',
    title: 'Function errors',
    unit: 'errors/s',
    metric: Lambda.Errors,
    stat: 'Sum',
    missing: 0,
  }),
  metricChart({
    id: 'latency',
    title: 'Function duration (p99)',
    unit: 'ms',
    metric: Lambda.Duration,
    stat: 'p99',
    missing: null,
  }),
  {
    id: 'queue-depth',
    title: 'Queue / DLQ depth (visible)',
    unit: 'messages',
    sample(source) {
      const lines = new Map<string, number | null>()
      for (const q of source.queues.list().slice(0, MAX_LINES)) lines.set(q.name, q.depth.visible)
      return lines
    },
  },
  metricChart({
    id: 'lake-files',
    title: 'Lake files written',
    unit: 'files/s',
    metric: Firehose.DeliveryToS3_ObjectCount,
    stat: 'Sum',
    missing: 0,
  }),
]

/** One second of every chart: `{ chartId: { line: value } }`. */
export interface ChartFrame {
  /** Seconds since epoch (uPlot's x unit). */
  t: number
  charts: Record<string, Record<string, number | null>>
}

/** Chart data of the last `capacity` seconds in a fixed-size ring: memory stays flat for any uptime. */
export class FrameRing {
  readonly #frames: Array<ChartFrame | undefined>
  #next = 0
  #size = 0

  constructor(readonly capacity: number) {
    this.#frames = new Array(capacity)
  }

  push(frame: ChartFrame): void {
    this.#frames[this.#next] = frame
    this.#next = (this.#next + 1) % this.capacity
    this.#size = Math.min(this.#size + 1, this.capacity)
  }

  get size(): number {
    return this.#size
  }

  /** Oldest first. */
  toArray(): ChartFrame[] {
    const out: ChartFrame[] = []
    for (let i = 0; i < this.#size; i++) {
      out.push(this.#frames[(this.#next - this.#size + i + this.capacity) % this.capacity]!)
    }
    return out
  }
}

export function sampleFrame(source: DashboardSource, second: number, charts = CHARTS): ChartFrame {
  const frame: ChartFrame = { t: second / 1000, charts: {} }
  for (const chart of charts) {
    try {
      frame.charts[chart.id] = Object.fromEntries(chart.sample(source, second))
    } catch {
      // A chart whose source failed this second shows a gap; the others still update.
      frame.charts[chart.id] = {}
    }
  }
  return frame
}

/** The history the page starts from: per chart, the x values and one aligned array per line. */
export function chartHistory(frames: ChartFrame[], charts = CHARTS) {
  return charts.map((chart) => {
    const labels: string[] = []
    for (const f of frames)
      for (const label of Object.keys(f.charts[chart.id] ?? {}))
        if (!labels.includes(label) && labels.length < MAX_LINES) labels.push(label)
    return {
      id: chart.id,
      title: chart.title,
      unit: chart.unit,
      labels,
      t: frames.map((f) => f.t),
      values: labels.map((label) => frames.map((f) => f.charts[chart.id]?.[label] ?? null)),
    }
  })
}

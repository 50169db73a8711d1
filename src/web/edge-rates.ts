import { RECENT_SECONDS } from '../functions/binding-usage.ts'
import { mappingUuid } from '../functions/kinesis/mapping.ts'
import {
  Events,
  Firehose,
  Kinesis,
  Lambda,
  type MetricSeriesRef,
  metricSeries,
  SNS,
  SQS,
} from '../monitor/catalog/index.ts'
import type { GraphEdge, PipelineGraph } from './graph.ts'
import type { DashboardSource } from './source.ts'

interface RateRule {
  /** What is counted: `rec`, `msg`, `inv`, `calls` (the page adds `/s` or `/min`). */
  unit: string
  /** The series that counts what flows along the edge. */
  metric(from: string, to: string): MetricSeriesRef
}

/** Edges with a metric of their own, keyed `<from kind>><to kind>:<label>`. */
const EDGE_METRICS: Record<string, RateRule> = {
  'stream>function:mapping': {
    unit: 'rec',
    metric: (stream, fn) =>
      metricSeries(Lambda.InvokedEventCount, {
        EventSourceMappingUUID: mappingUuid(fn, `stream:${stream}`),
      }),
  },
  'queue>function:mapping': {
    unit: 'msg',
    metric: (queue) => metricSeries(SQS.NumberOfMessagesReceived, { QueueName: queue }),
  },
  'stream>delivery:source': {
    unit: 'rec',
    metric: (_, delivery) =>
      metricSeries(Firehose.DataReadFromKinesisStream_Records, { DeliveryStreamName: delivery }),
  },
  'delivery>bucket:writes': {
    unit: 'rec',
    metric: (delivery) => metricSeries(Firehose.DeliveryToS3_Records, { DeliveryStreamName: delivery }),
  },
  'schedule>function:trigger': {
    unit: 'inv',
    metric: (rule) => metricSeries(Events.Invocations, { RuleName: rule }),
  },
}

/** What arrives at a resource, by its kind: the rate of an edge that is its only way in. */
const INBOUND_METRICS: Record<string, RateRule> = {
  queue: {
    unit: 'msg',
    metric: (_, queue) => metricSeries(SQS.NumberOfMessagesSent, { QueueName: queue }),
  },
  topic: {
    unit: 'msg',
    metric: (_, topic) => metricSeries(SNS.NumberOfMessagesPublished, { TopicName: topic }),
  },
  function: {
    unit: 'inv',
    metric: (_, fn) => metricSeries(Lambda.Invocations, { FunctionName: fn }),
  },
  stream: {
    unit: 'rec',
    metric: (_, stream) => metricSeries(Kinesis.IncomingRecords, { StreamName: stream }),
  },
}

/** Seconds a rate is averaged over: once-a-minute work shows as a steady rate, not a blip. */
export const RATE_WINDOW_SECONDS = RECENT_SECONDS

const split = (id: string) => [id.slice(0, id.indexOf(':')), id.slice(id.indexOf(':') + 1)] as const

type Source = { type: 'metric'; metric: MetricSeriesRef } | { type: 'binding'; keys: string[] }

/** Where each edge's rate comes from, if anywhere; `unit` is what the page shows. */
function rateSources(graph: PipelineGraph): Map<string, { unit: string; source: Source }> {
  const inbound = new Map<string, number>()
  for (const e of graph.edges) if (e.type !== 'metric') inbound.set(e.to, (inbound.get(e.to) ?? 0) + 1)
  const found = new Map<string, { unit: string; source: Source }>()
  for (const edge of graph.edges) {
    const [fromKind, from] = split(edge.from)
    const [toKind, to] = split(edge.to)
    if (edge.type === 'binding') {
      if (!edge.observed) continue
      const [fn, kind, name] = edge.from.startsWith('function:') ? [from, toKind, to] : [to, fromKind, from]
      const accesses = edge.twoWay
        ? ['read', 'write']
        : [edge.from.startsWith('function:') ? 'write' : 'read']
      const keys = accesses.map((a) => bindingKey(fn, kind, name, a))
      found.set(edge.id, { unit: kind === 'stream' ? 'rec' : 'calls', source: { type: 'binding', keys } })
      continue
    }
    if (edge.type !== 'config') continue
    const rule =
      EDGE_METRICS[`${fromKind}>${toKind}:${edge.label}`] ??
      (inbound.get(edge.to) === 1 && !edge.from.startsWith('alarm:') ? INBOUND_METRICS[toKind] : undefined)
    if (rule)
      found.set(edge.id, { unit: rule.unit, source: { type: 'metric', metric: rule.metric(from, to) } })
  }
  return found
}

const bindingKey = (fn: string, kind: string, resource: string, access: string) =>
  `${fn}\0${kind}\0${resource}\0${access}`

/** The graph's edges, each with the unit of its live rate when one can be measured. */
export function withRateUnits(
  graph: PipelineGraph,
): PipelineGraph & { edges: Array<GraphEdge & { rate?: string }> } {
  const sources = rateSources(graph)
  return {
    ...graph,
    edges: graph.edges.map((e) => (sources.has(e.id) ? { ...e, rate: sources.get(e.id)!.unit } : e)),
  }
}

/**
 * Live rates of a graph's edges, per second over the last {@link RATE_WINDOW_SECONDS}: metric
 * edges from the metric store, binding edges from the calls of the last minute the bindings host
 * counted (no metric counts calls per function and resource).
 */
export class EdgeRates {
  readonly #source: DashboardSource

  constructor(source: DashboardSource) {
    this.#source = source
  }

  /** Each rated edge's rate for the window ending with `second` (ms), or null while unknown. */
  sample(graph: PipelineGraph, second: number): Record<string, number | null> {
    const recent = new Map<string, number>()
    for (const u of this.#source.bindingUse?.() ?? [])
      recent.set(bindingKey(u.function, u.kind, u.resource, u.access), u.recent)
    const rates: Record<string, number | null> = {}
    for (const [id, { source }] of rateSources(graph)) {
      if (source.type === 'binding') {
        rates[id] = source.keys.reduce((n, k) => n + (recent.get(k) ?? 0), 0) / RATE_WINDOW_SECONDS
        continue
      }
      try {
        const points = this.#source.metrics.query({
          ...source.metric,
          stat: 'Sum',
          period: 1,
          start: second - (RATE_WINDOW_SECONDS - 1) * 1000,
          end: second + 1000,
        })
        rates[id] = points.reduce((n, p) => n + p.value, 0) / RATE_WINDOW_SECONDS
      } catch {
        rates[id] = null
      }
    }
    return rates
  }
}

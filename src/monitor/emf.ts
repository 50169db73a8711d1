import type { MetricDatum, MetricUnit } from './metrics.ts'

/**
 * CloudWatch embedded metric format (EMF): a JSON log line whose `_aws` member tells CloudWatch
 * Logs which top-level members are metrics. Limits from the specification:
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html
 */
export const EMF_MAX_DIMENSIONS_PER_SET = 30
export const EMF_MAX_METRICS_PER_DIRECTIVE = 100
export const EMF_MAX_VALUES_PER_METRIC = 100
const MAX_NAME = 1024
const MAX_NAMESPACE = 255

const KNOWN_UNITS: readonly MetricUnit[] = ['Count', 'Milliseconds', 'Bytes', 'None', 'Percent']

/**
 * The metrics one log line carries, or `[]` for an ordinary log line or an invalid EMF document
 * (CloudWatch keeps such a line as a log event and extracts nothing). Each dimension set yields
 * its own datapoints; an array value yields one datapoint per element. Units the sink has no name
 * for (Seconds, Count/Second, ...) are recorded as `None`.
 *
 * @example
 * parseEmf('{"_aws":{"Timestamp":1700000000000,"CloudWatchMetrics":[{"Namespace":"App","Dimensions":[["Service"]],"Metrics":[{"Name":"Latency","Unit":"Milliseconds"}]}]},"Service":"api","Latency":[12,15]}')
 * // two datapoints: App/Latency {Service: 'api'} 12 and 15
 */
export function parseEmf(line: string): MetricDatum[] {
  const text = line.trim()
  if (!text.startsWith('{') || !text.includes('"_aws"')) return []
  let doc: unknown
  try {
    doc = JSON.parse(text)
  } catch {
    return []
  }
  if (!isObject(doc) || !isObject(doc._aws)) return []
  const { Timestamp, CloudWatchMetrics } = doc._aws
  if (typeof Timestamp !== 'number' || !Number.isFinite(Timestamp) || !Array.isArray(CloudWatchMetrics))
    return []
  const out: MetricDatum[] = []
  for (const directive of CloudWatchMetrics) {
    const data = parseDirective(doc, directive, Math.trunc(Timestamp))
    // One invalid directive invalidates the document, as CloudWatch rejects it whole.
    if (!data) return []
    out.push(...data)
  }
  return out
}

function parseDirective(
  root: Record<string, unknown>,
  directive: unknown,
  timestamp: number,
): MetricDatum[] | undefined {
  if (!isObject(directive)) return undefined
  const { Namespace, Dimensions, Metrics } = directive
  if (typeof Namespace !== 'string' || Namespace.length === 0 || Namespace.length > MAX_NAMESPACE)
    return undefined
  if (!Array.isArray(Dimensions) || !Array.isArray(Metrics)) return undefined
  if (Metrics.length > EMF_MAX_METRICS_PER_DIRECTIVE) return undefined
  const sets: Record<string, string>[] = []
  for (const set of Dimensions) {
    if (!Array.isArray(set) || set.length > EMF_MAX_DIMENSIONS_PER_SET) return undefined
    const dims: Record<string, string> = {}
    for (const name of set) {
      if (typeof name !== 'string') return undefined
      const value = root[name]
      // Dimension values are strings on the root node.
      if (typeof value !== 'string') return undefined
      dims[name] = value
    }
    sets.push(dims)
  }
  // No dimension set at all: the metric is published without dimensions.
  if (sets.length === 0) sets.push({})
  const out: MetricDatum[] = []
  for (const metric of Metrics) {
    if (!isObject(metric) || typeof metric.Name !== 'string') return undefined
    if (metric.Name.length === 0 || metric.Name.length > MAX_NAME) return undefined
    const values = valuesOf(root[metric.Name])
    if (!values) return undefined
    const unit = KNOWN_UNITS.includes(metric.Unit as MetricUnit) ? (metric.Unit as MetricUnit) : 'None'
    for (const dimensions of sets) {
      for (const value of values) {
        out.push({ namespace: Namespace, name: metric.Name, dimensions, value, unit, timestamp })
      }
    }
  }
  return out
}

function valuesOf(member: unknown): number[] | undefined {
  if (typeof member === 'number') return Number.isFinite(member) ? [member] : undefined
  if (!Array.isArray(member) || member.length === 0 || member.length > EMF_MAX_VALUES_PER_METRIC)
    return undefined
  if (!member.every((v) => typeof v === 'number' && Number.isFinite(v))) return undefined
  return member as number[]
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

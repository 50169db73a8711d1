import {
  type Expr,
  evaluateExpression,
  MathSyntaxError,
  parseExpression,
  referencedIds,
} from '../../monitor/alarms/math.ts'
import type { MetricStore } from '../../monitor/metric-store.ts'
import type { MetricUnit } from '../../monitor/metrics.ts'
import { STANDARD_STATISTICS, type Statistic, statisticSchema } from '../../monitor/statistics.ts'
import { AwsError } from '../errors.ts'
import type { OperationContext } from '../operation.ts'
import type { PipelineServices } from '../pipeline-services.ts'
import {
  cwError,
  DIMENSION,
  DOUBLE,
  defineCloudWatch,
  dimensionList,
  dimensionsOf,
  invalidCombination,
  invalidValue,
  page,
  required,
  TIMESTAMP,
} from './shared.ts'

/** CloudWatch's units (StandardUnit). */
export const UNITS = [
  'Seconds',
  'Microseconds',
  'Milliseconds',
  'Bytes',
  'Kilobytes',
  'Megabytes',
  'Gigabytes',
  'Terabytes',
  'Bits',
  'Kilobits',
  'Megabits',
  'Gigabits',
  'Terabits',
  'Percent',
  'Count',
  'Bytes/Second',
  'Kilobytes/Second',
  'Megabytes/Second',
  'Gigabytes/Second',
  'Terabytes/Second',
  'Bits/Second',
  'Kilobits/Second',
  'Megabits/Second',
  'Gigabits/Second',
  'Terabits/Second',
  'Count/Second',
  'None',
] as const

const HOUR = 3_600_000
const DAY = 86_400_000
/** CloudWatch takes datapoints up to two weeks old and two hours ahead. */
const MAX_AGE_MS = 14 * DAY
const MAX_AHEAD_MS = 2 * HOUR
/** Samples one request may expand to (Values × Counts, StatisticValues' SampleCount): a Tributary bound. */
export const MAX_SAMPLES_PER_REQUEST = 100_000
/** GetMetricStatistics' cap on datapoints per call. */
const MAX_DATAPOINTS = 1440
/** ListMetrics' page. */
const LIST_PAGE = 500

export function pipelineOf(ctx: OperationContext): PipelineServices {
  if (!ctx.pipeline)
    throw new AwsError('InvalidAction', 'CloudWatch is served with a pipeline (tributary dev)')
  return ctx.pipeline
}

export function checkUnit(unit: string | undefined, parameter: string): MetricUnit | undefined {
  if (unit === undefined) return undefined
  if (!(UNITS as readonly string[]).includes(unit))
    throw invalidValue(`The parameter ${parameter} must be a value in the set [ ${UNITS.join(', ')} ].`)
  // The monitor's unit type lists the units the pipeline's own metrics use; the store keeps
  // any unit as given.
  return unit as MetricUnit
}

/** CloudWatch rejects values too large or too small in magnitude, and non-finite ones. */
function checkValue(value: number, parameter: string): number {
  const abs = Math.abs(value)
  if (!Number.isFinite(value) || abs > 2 ** 360 || (abs !== 0 && abs < 2 ** -260))
    throw invalidValue(`The value ${value} for parameter ${parameter} is invalid.`)
  return value
}

/** Valid periods: 1, 5, 10, 30 or a multiple of 60 seconds. */
export function checkPeriod(period: number | undefined, parameter: string): number {
  const p = required(period, parameter)
  if (p < 1) throw invalidValue(`The parameter ${parameter} must be greater than 0.`)
  if (![1, 5, 10, 30].includes(p) && p % 60 !== 0)
    throw invalidValue(`The parameter ${parameter} must be 1, 5, 10, 30 or a multiple of 60.`)
  return p
}

const METRIC_DATUM = {
  type: 'Structure',
  children: {
    MetricName: { type: 'String' },
    Dimensions: { type: 'List', children: DIMENSION },
    Timestamp: TIMESTAMP,
    Value: DOUBLE,
    StatisticValues: {
      type: 'Structure',
      children: { SampleCount: DOUBLE, Sum: DOUBLE, Minimum: DOUBLE, Maximum: DOUBLE },
    },
    Values: { type: 'List', children: DOUBLE },
    Counts: { type: 'List', children: DOUBLE },
    Unit: { type: 'String' },
    StorageResolution: { type: 'Integer' },
  },
} as const

export const putMetricData = defineCloudWatch({
  name: 'PutMetricData',
  spec: {
    Namespace: { type: 'String' },
    MetricData: { type: 'List', children: METRIC_DATUM },
  },
  handle(input, ctx) {
    const namespace = required(input.Namespace, 'Namespace')
    if (namespace.length > 255 || namespace.startsWith('AWS/') || !/^[\x20-\x7e]+$/.test(namespace))
      throw invalidValue(`The value ${namespace} for parameter Namespace is invalid.`)
    const data = required(input.MetricData, 'MetricData')
    if (data.length === 0) throw cwErrorMissing('MetricData')
    if (data.length > 1000)
      throw invalidValue('The collection MetricData must not have a size greater than 1000.')
    const now = ctx.engine.clock.now()
    // Everything is checked before anything is recorded: a refused request records nothing.
    const samples: {
      name: string
      dims: Record<string, string>
      unit: MetricUnit
      at: number
      values: number[]
    }[] = []
    let total = 0
    data.forEach((datum, i) => {
      const at = `MetricData.member.${i + 1}`
      const name = required(datum?.MetricName, `${at}.MetricName`)
      if (name.length > 255) throw invalidValue(`The value for parameter ${at}.MetricName is invalid.`)
      const dims = dimensionsOf(datum?.Dimensions, `${at}.Dimensions`)
      const unit = checkUnit(datum?.Unit, `${at}.Unit`) ?? 'None'
      const resolution = datum?.StorageResolution
      if (resolution !== undefined && resolution !== 1 && resolution !== 60)
        throw invalidValue(`The value ${resolution} for parameter ${at}.StorageResolution is invalid.`)
      const timestamp = datum?.Timestamp === undefined ? now : Math.round(datum.Timestamp * 1000)
      if (timestamp < now - MAX_AGE_MS || timestamp > now + MAX_AHEAD_MS)
        throw invalidValue(
          `The parameter ${at}.Timestamp must specify a time no more than two weeks in the past and no more than two hours in the future.`,
        )
      const values = datumValues(datum ?? {}, at)
      total += values.length
      if (total > MAX_SAMPLES_PER_REQUEST)
        throw invalidValue(
          `The request expands to more than ${MAX_SAMPLES_PER_REQUEST} samples (Values × Counts, StatisticValues.SampleCount): Tributary records each sample.`,
        )
      samples.push({ name, dims, unit, at: timestamp, values })
    })
    const sink = pipelineOf(ctx).metrics()
    for (const s of samples)
      for (const value of s.values)
        sink.record({ namespace, name: s.name, dimensions: s.dims, value, unit: s.unit, timestamp: s.at })
    return undefined
  },
})

function cwErrorMissing(name: string) {
  return required(undefined, name) as never
}

interface DatumValues {
  Value?: number
  StatisticValues?: { SampleCount?: number; Sum?: number; Minimum?: number; Maximum?: number }
  Values?: (number | undefined)[]
  Counts?: (number | undefined)[]
}

/**
 * The samples one datum stands for: `Value`; `Values` each repeated its (rounded) count; a
 * statistic set as SampleCount samples with its minimum, its maximum and the rest at the value
 * that keeps the sum (so Sum, SampleCount, Minimum, Maximum and Average read back exactly).
 */
function datumValues(datum: DatumValues, at: string): number[] {
  const given = [
    datum.Value !== undefined && 'Value',
    datum.StatisticValues !== undefined && 'StatisticValues',
    datum.Values !== undefined && 'Values',
  ].filter((x): x is string => x !== false)
  if (given.length > 1)
    throw invalidCombination(
      `The parameters ${at}.${given[0]} and ${at}.${given[1]} are mutually exclusive and you have specified both.`,
    )
  if (datum.Counts !== undefined && datum.Values === undefined)
    throw invalidCombination(`The parameter ${at}.Counts may only be specified with ${at}.Values.`)
  if (datum.Value !== undefined) return [checkValue(datum.Value, `${at}.Value`)]
  if (datum.StatisticValues !== undefined) {
    const s = datum.StatisticValues
    const count = checkValue(
      required(s.SampleCount, `${at}.StatisticValues.SampleCount`),
      `${at}.StatisticValues.SampleCount`,
    )
    const sum = checkValue(required(s.Sum, `${at}.StatisticValues.Sum`), `${at}.StatisticValues.Sum`)
    const min = checkValue(
      required(s.Minimum, `${at}.StatisticValues.Minimum`),
      `${at}.StatisticValues.Minimum`,
    )
    const max = checkValue(
      required(s.Maximum, `${at}.StatisticValues.Maximum`),
      `${at}.StatisticValues.Maximum`,
    )
    const n = Math.round(count)
    if (n < 1 || min > max)
      throw invalidValue(
        `The parameter ${at}.StatisticValues is invalid: SampleCount must be at least 1 and Minimum at most Maximum.`,
      )
    if (n > MAX_SAMPLES_PER_REQUEST)
      throw invalidValue(
        `The value ${count} for parameter ${at}.StatisticValues.SampleCount is more than Tributary records (${MAX_SAMPLES_PER_REQUEST} samples per request).`,
      )
    if (n === 1) return [sum]
    if (n === 2) return [min, max]
    const rest = (sum - min - max) / (n - 2)
    return [min, max, ...new Array<number>(n - 2).fill(rest)]
  }
  if (datum.Values !== undefined) {
    const values = datum.Values
    if (values.length > 150)
      throw invalidValue(`The collection ${at}.Values must not have a size greater than 150.`)
    const counts = datum.Counts
    if (counts !== undefined && counts.length !== values.length)
      throw invalidValue(`The parameters ${at}.Values and ${at}.Counts must be of the same size.`)
    const out: number[] = []
    values.forEach((v, j) => {
      const value = checkValue(required(v, `${at}.Values.member.${j + 1}`), `${at}.Values.member.${j + 1}`)
      const count = counts === undefined ? 1 : required(counts[j], `${at}.Counts.member.${j + 1}`)
      if (!Number.isFinite(count) || count < 0)
        throw invalidValue(`The value ${count} for parameter ${at}.Counts.member.${j + 1} is invalid.`)
      const n = Math.min(Math.round(count), MAX_SAMPLES_PER_REQUEST + 1)
      for (let k = 0; k < n; k++) out.push(value)
    })
    return out
  }
  throw cwErrorMissing(`${at}.Value`)
}

/** The unit the store has for a series (the first datum's), if it knows the series. */
function seriesUnit(
  store: MetricStore,
  namespace: string,
  name: string,
  dims: Readonly<Record<string, string>>,
): string | undefined {
  const keys = Object.keys(dims)
  const found = store
    .series()
    .find(
      (s) =>
        s.namespace === namespace &&
        s.name === name &&
        Object.keys(s.dimensions).length === keys.length &&
        keys.every((k) => s.dimensions[k] === dims[k]),
    )
  return found?.unit
}

/** A percentile statistic (`p99`, `p99.9`) or InvalidParameterValue naming the parameter. */
function percentile(stat: string, parameter: string): Statistic {
  const parsed = statisticSchema.safeParse(stat)
  if (!parsed.success || !stat.startsWith('p'))
    throw invalidValue(
      `The value ${stat} for parameter ${parameter} is invalid: Tributary serves percentiles p0 to p100 (such as p99 or p99.9).`,
    )
  return parsed.data
}

export const getMetricStatistics = defineCloudWatch({
  name: 'GetMetricStatistics',
  spec: {
    Namespace: { type: 'String' },
    MetricName: { type: 'String' },
    Dimensions: { type: 'List', children: DIMENSION },
    StartTime: TIMESTAMP,
    EndTime: TIMESTAMP,
    Period: { type: 'Integer' },
    Statistics: { type: 'List', children: { type: 'String' } },
    ExtendedStatistics: { type: 'List', children: { type: 'String' } },
    Unit: { type: 'String' },
  },
  handle(input, ctx) {
    const namespace = required(input.Namespace, 'Namespace')
    const name = required(input.MetricName, 'MetricName')
    const start = Math.round(required(input.StartTime, 'StartTime') * 1000)
    const end = Math.round(required(input.EndTime, 'EndTime') * 1000)
    const period = checkPeriod(input.Period, 'Period')
    const dims = dimensionsOf(input.Dimensions, 'Dimensions')
    const unit = checkUnit(input.Unit, 'Unit')
    const statistics = input.Statistics ?? []
    const extended = input.ExtendedStatistics ?? []
    if (statistics.length === 0 && extended.length === 0)
      throw required(undefined, 'Statistics or ExtendedStatistics') as never
    if (statistics.length > 0 && extended.length > 0)
      throw invalidCombination(
        'The parameters Statistics and ExtendedStatistics are mutually exclusive and you have specified both.',
      )
    if (statistics.length > 5)
      throw invalidValue('The collection Statistics must not have a size greater than 5.')
    if (extended.length > 10)
      throw invalidValue('The collection ExtendedStatistics must not have a size greater than 10.')
    statistics.forEach((s, i) => {
      if (!(STANDARD_STATISTICS as readonly string[]).includes(s))
        throw invalidValue(
          `The parameter Statistics.member.${i + 1} must be a value in the set [ ${STANDARD_STATISTICS.join(', ')} ].`,
        )
    })
    const percentiles = extended.map((s, i) => percentile(s, `ExtendedStatistics.member.${i + 1}`))
    if (start >= end) throw invalidValue('The parameter StartTime must be less than the parameter EndTime.')
    const periodMs = period * 1000
    const requested = Math.ceil((end - Math.floor(start / periodMs) * periodMs) / periodMs)
    if (requested > MAX_DATAPOINTS)
      throw invalidCombination(
        `You have requested up to ${requested} datapoints, which exceeds the limit of ${MAX_DATAPOINTS}. You may reduce the datapoints requested by increasing Period, or decreasing the time range.`,
      )
    const store = pipelineOf(ctx).metricStore()
    const known = seriesUnit(store, namespace, name, dims)
    const datapoints = new Map<number, Record<string, unknown>>()
    if (known !== undefined && (unit === undefined || unit === known)) {
      const point = (timestamp: number) => {
        let p = datapoints.get(timestamp)
        if (!p) {
          p = { Timestamp: new Date(timestamp) }
          datapoints.set(timestamp, p)
        }
        return p
      }
      const query = { namespace, name, dimensions: dims, period, start, end }
      for (const stat of statistics)
        for (const d of store.query({ ...query, stat: stat as Statistic })) point(d.timestamp)[stat] = d.value
      for (const stat of percentiles)
        for (const d of store.query({ ...query, stat })) {
          const p = point(d.timestamp)
          p.ExtendedStatistics = { ...(p.ExtendedStatistics as object), [stat]: d.value }
        }
      for (const p of datapoints.values()) p.Unit = known
    }
    return {
      Label: name,
      Datapoints: [...datapoints.keys()].sort((a, b) => a - b).map((t) => datapoints.get(t)!),
    }
  },
})

export const listMetrics = defineCloudWatch({
  name: 'ListMetrics',
  spec: {
    Namespace: { type: 'String' },
    MetricName: { type: 'String' },
    Dimensions: { type: 'List', children: DIMENSION },
    NextToken: { type: 'String' },
    RecentlyActive: { type: 'String' },
    IncludeLinkedAccounts: { type: 'Boolean' },
    OwningAccount: { type: 'String' },
  },
  handle(input, ctx) {
    if (input.RecentlyActive !== undefined && input.RecentlyActive !== 'PT3H')
      throw invalidValue('The parameter RecentlyActive must be a value in the set [ PT3H ].')
    const filters = (input.Dimensions ?? []).map((d, i) => ({
      name: required(d?.Name, `Dimensions.member.${i + 1}.Name`),
      value: d?.Value,
    }))
    if (filters.length > 10)
      throw invalidValue('The collection Dimensions must not have a size greater than 10.')
    const metrics = pipelineOf(ctx)
      .metricStore()
      .series()
      .filter(
        (s) =>
          (input.Namespace === undefined || s.namespace === input.Namespace) &&
          (input.MetricName === undefined || s.name === input.MetricName) &&
          filters.every(
            (f) => f.name in s.dimensions && (f.value === undefined || s.dimensions[f.name] === f.value),
          ),
      )
      .map((s) => ({ Namespace: s.namespace, MetricName: s.name, Dimensions: dimensionList(s.dimensions) }))
    const key = (m: (typeof metrics)[number]) =>
      `${m.Namespace}\u0000${m.MetricName}\u0000${m.Dimensions.map((d) => `${d.Name}=${d.Value}`).join('\u0000')}`
    metrics.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0))
    const { items, next } = page(metrics, input.NextToken, LIST_PAGE)
    return { Metrics: items, NextToken: next }
  },
})

/** GetMetricData's cap on a request's datapoints (the default MaxDatapoints). */
const MAX_METRIC_DATA_POINTS = 100_800

export const METRIC_DATA_QUERY = {
  type: 'Structure',
  children: {
    Id: { type: 'String' },
    MetricStat: {
      type: 'Structure',
      children: {
        Metric: {
          type: 'Structure',
          children: {
            Namespace: { type: 'String' },
            MetricName: { type: 'String' },
            Dimensions: { type: 'List', children: DIMENSION },
          },
        },
        Period: { type: 'Integer' },
        Stat: { type: 'String' },
        Unit: { type: 'String' },
      },
    },
    Expression: { type: 'String' },
    Label: { type: 'String' },
    ReturnData: { type: 'Boolean' },
    Period: { type: 'Integer' },
    AccountId: { type: 'String' },
  },
} as const

interface Resolved {
  values: Map<number, number>
  period: number
}

export const getMetricData = defineCloudWatch({
  name: 'GetMetricData',
  spec: {
    MetricDataQueries: { type: 'List', children: METRIC_DATA_QUERY },
    StartTime: TIMESTAMP,
    EndTime: TIMESTAMP,
    NextToken: { type: 'String' },
    ScanBy: { type: 'String' },
    MaxDatapoints: { type: 'Integer' },
    LabelOptions: { type: 'Structure', children: { Timezone: { type: 'String' } } },
  },
  handle(input, ctx) {
    const queries = required(input.MetricDataQueries, 'MetricDataQueries')
    if (queries.length === 0) return required(undefined, 'MetricDataQueries') as never
    if (queries.length > 500)
      throw invalidValue('The collection MetricDataQueries must not have a size greater than 500.')
    const start = Math.round(required(input.StartTime, 'StartTime') * 1000)
    const end = Math.round(required(input.EndTime, 'EndTime') * 1000)
    if (start >= end) throw invalidValue('The parameter StartTime must be less than the parameter EndTime.')
    const scanBy = input.ScanBy ?? 'TimestampDescending'
    if (scanBy !== 'TimestampDescending' && scanBy !== 'TimestampAscending')
      throw invalidValue(
        'The parameter ScanBy must be a value in the set [ TimestampDescending, TimestampAscending ].',
      )
    const maxPoints = input.MaxDatapoints ?? MAX_METRIC_DATA_POINTS
    if (maxPoints < 1) throw invalidValue('The parameter MaxDatapoints must be greater than 0.')
    if (input.NextToken !== undefined)
      throw cwError('InvalidNextToken', 'The service returned an invalid NextToken.')

    const byId = new Map<string, (typeof queries)[number] & { at: string }>()
    queries.forEach((q, i) => {
      const at = `MetricDataQueries.member.${i + 1}`
      const id = required(q?.Id, `${at}.Id`)
      if (!/^[a-z][a-zA-Z0-9_]{0,254}$/.test(id))
        throw validation(
          `Invalid metric data query id '${id}': it must start with a lowercase letter and hold letters, digits and underscores.`,
        )
      if (byId.has(id)) throw validation(`The value ${id} for parameter ${at}.Id is not unique.`)
      if ((q.MetricStat === undefined) === (q.Expression === undefined))
        throw validation(
          `The parameters ${at}.MetricStat and ${at}.Expression are mutually exclusive and you have specified ${q.MetricStat === undefined ? 'neither' : 'both'}.`,
        )
      byId.set(id, { ...q, at })
    })

    const store = pipelineOf(ctx).metricStore()
    const resolved = new Map<string, Resolved>()
    const visiting = new Set<string>()
    const resolve = (id: string): Resolved => {
      const known = resolved.get(id)
      if (known) return known
      const q = byId.get(id)!
      if (visiting.has(id)) throw validation(`Circular dependency in metric math expressions: ${id}.`)
      visiting.add(id)
      let out: Resolved
      if (q.MetricStat) {
        const stat = q.MetricStat
        const metric = stat.Metric ?? {}
        const namespace = required(metric.Namespace, `${q.at}.MetricStat.Metric.Namespace`)
        const name = required(metric.MetricName, `${q.at}.MetricStat.Metric.MetricName`)
        const dims = dimensionsOf(metric.Dimensions, `${q.at}.MetricStat.Metric.Dimensions`)
        const period = checkPeriod(stat.Period, `${q.at}.MetricStat.Period`)
        const statName = required(stat.Stat, `${q.at}.MetricStat.Stat`)
        const parsed = statisticSchema.safeParse(statName)
        if (!parsed.success)
          throw validation(`The value for parameter ${q.at}.MetricStat.Stat is not a valid statistic.`)
        const unit = checkUnit(stat.Unit, `${q.at}.MetricStat.Unit`)
        const known = seriesUnit(store, namespace, name, dims)
        const points =
          known !== undefined && (unit === undefined || unit === known)
            ? store.query({ namespace, name, dimensions: dims, stat: parsed.data, period, start, end })
            : []
        out = { values: new Map(points.map((d) => [d.timestamp, d.value])), period }
      } else {
        let expr: Expr
        try {
          expr = parseExpression(q.Expression!)
        } catch (error) {
          if (!(error instanceof MathSyntaxError)) throw error
          throw validation(`Error in expression '${id}': ${error.message}.`)
        }
        const refs = [...referencedIds(expr)]
        for (const ref of refs)
          if (!byId.has(ref))
            throw validation(`Error in expression '${id}': Unrecognized metric identifier '${ref}'.`)
        const inputs = new Map(refs.map((ref) => [ref, resolve(ref)]))
        const period =
          q.Period !== undefined
            ? checkPeriod(q.Period, `${q.at}.Period`)
            : inputs.size > 0
              ? Math.min(...[...inputs.values()].map((r) => r.period))
              : 60
        const periodMs = period * 1000
        const timestamps = new Set<number>()
        for (const r of inputs.values()) for (const t of r.values.keys()) timestamps.add(t)
        const first = Math.floor(start / periodMs) * periodMs
        if ((end - first) / periodMs > MAX_METRIC_DATA_POINTS)
          throw validation(
            `Error in expression '${id}': too many datapoints requested; increase the period or shorten the range.`,
          )
        for (let t = first; t < end; t += periodMs) timestamps.add(t)
        const values = new Map<number, number>()
        for (const t of [...timestamps].sort((a, b) => a - b)) {
          const v = evaluateExpression(expr, (ref) => inputs.get(ref)?.values.get(t))
          if (v !== undefined) values.set(t, v)
        }
        out = { values, period }
      }
      visiting.delete(id)
      resolved.set(id, out)
      return out
    }

    let budget = maxPoints
    const results = [...byId.values()]
      .filter((q) => q.ReturnData !== false)
      .map((q) => {
        const r = resolve(q.Id!)
        let timestamps = [...r.values.keys()].sort((a, b) => a - b)
        if (scanBy === 'TimestampDescending') timestamps.reverse()
        const partial = timestamps.length > budget
        timestamps = timestamps.slice(0, Math.max(0, budget))
        budget -= timestamps.length
        return {
          Id: q.Id,
          Label: q.Label ?? (q.MetricStat ? q.MetricStat.Metric?.MetricName : q.Id),
          Timestamps: timestamps.map((t) => new Date(t)),
          Values: timestamps.map((t) => r.values.get(t)!),
          StatusCode: partial ? 'PartialData' : 'Complete',
        }
      })
    // Queries that return no data are still evaluated, so their errors are reported.
    for (const id of byId.keys()) resolve(id)
    return { MetricDataResults: results, Messages: [] }
  },
})

function validation(message: string) {
  return cwError('ValidationError', message)
}

import { type AlarmConfigInput, MAX_ALARM_ACTIONS } from '../../monitor/alarms/config.ts'
import { STANDARD_STATISTICS, statisticSchema } from '../../monitor/statistics.ts'
import { AwsError } from '../errors.ts'
import type { OperationContext } from '../operation.ts'
import type { OperationSpec } from '../spec.ts'
import { checkValidations } from '../validation.ts'
import { pipelineOf, UNITS } from './metrics.ts'
import { cwError, DIMENSION, dimensionsOf } from './shared.ts'

/**
 * PutMetricAlarm's input checks, in CloudWatch's words: the model's constraints, the single metric
 * or the metric math, the action ARNs (topics of the pipeline).
 */

const COMPARISONS = [
  'GreaterThanOrEqualToThreshold',
  'GreaterThanThreshold',
  'LessThanThreshold',
  'LessThanOrEqualToThreshold',
  'LessThanLowerOrGreaterThanUpperThreshold',
  'LessThanLowerThreshold',
  'GreaterThanUpperThreshold',
] as const
export const ANOMALY_BANDS: readonly string[] = COMPARISONS.slice(4)
export const TREAT_MISSING = ['missing', 'ignore', 'breaching', 'notBreaching']
export const LOW_SAMPLE = ['evaluate', 'ignore']

export const ACTIONS = { type: 'List', children: { type: 'String' } } as const
export const TAG = {
  type: 'Structure',
  children: { Key: { type: 'String' }, Value: { type: 'String' } },
} as const

/**
 * PutMetricAlarm's constraints as the service model states them, checked in the handler (so on
 * both protocols) and reported as CloudWatch does: `ValidationError`, "N validation errors
 * detected: Value ... at 'alarmName' failed to satisfy constraint: ...".
 */
export const CONSTRAINTS: OperationSpec = {
  AlarmName: { type: 'String', notNull: true, lengthGreaterThanOrEqual: 1, lengthLessThanOrEqual: 255 },
  AlarmDescription: { type: 'String', lengthLessThanOrEqual: 1024 },
  OKActions: { ...ACTIONS, lengthLessThanOrEqual: MAX_ALARM_ACTIONS, childLengths: [1, 1024] },
  AlarmActions: { ...ACTIONS, lengthLessThanOrEqual: MAX_ALARM_ACTIONS, childLengths: [1, 1024] },
  InsufficientDataActions: { ...ACTIONS, lengthLessThanOrEqual: MAX_ALARM_ACTIONS, childLengths: [1, 1024] },
  MetricName: { type: 'String', lengthGreaterThanOrEqual: 1, lengthLessThanOrEqual: 255 },
  Namespace: { type: 'String', regex: '[^:].*', lengthGreaterThanOrEqual: 1, lengthLessThanOrEqual: 255 },
  Statistic: { type: 'String', enum: ['SampleCount', 'Average', 'Sum', 'Minimum', 'Maximum'] },
  ExtendedStatistic: { type: 'String' },
  Dimensions: { type: 'List', children: DIMENSION, lengthLessThanOrEqual: 30 },
  Period: { type: 'Integer', greaterThanOrEqual: 1 },
  Unit: { type: 'String', enum: UNITS },
  EvaluationPeriods: { type: 'Integer', notNull: true, greaterThanOrEqual: 1 },
  DatapointsToAlarm: { type: 'Integer', greaterThanOrEqual: 1 },
  ComparisonOperator: { type: 'String', notNull: true, enum: COMPARISONS },
  TreatMissingData: { type: 'String', lengthGreaterThanOrEqual: 1, lengthLessThanOrEqual: 255 },
  EvaluateLowSampleCountPercentile: {
    type: 'String',
    lengthGreaterThanOrEqual: 1,
    lengthLessThanOrEqual: 255,
  },
  ThresholdMetricId: { type: 'String', lengthGreaterThanOrEqual: 1, lengthLessThanOrEqual: 255 },
}

export const validation = (message: string) => cwError('ValidationError', message)

/**
 * The model's constraints of an alarm operation, checked in its handler (so on both protocols) and
 * reported as CloudWatch reports them: `ValidationError` "1 validation error detected: ...".
 */
export function checkConstraints(input: unknown, spec: OperationSpec): void {
  try {
    checkValidations(input as never, spec)
  } catch (error) {
    if (error instanceof AwsError) throw validation(error.message)
    throw error
  }
}

/** The Metrics of a PutMetricAlarm, as its spec types them. */
export type Query = {
  Id?: string
  MetricStat?: {
    Metric?: { Namespace?: string; MetricName?: string; Dimensions?: { Name?: string; Value?: string }[] }
    Period?: number
    Stat?: string
    Unit?: string
  }
  Expression?: string
  Label?: string
  ReturnData?: boolean
  Period?: number
}

export function checkPeriod(period: number, parameter: string): void {
  if (![10, 20, 30].includes(period) && period % 60 !== 0)
    throw validation(`${parameter} must be 10, 20, 30 or a multiple of 60`)
}

/** `arn:aws:sns:<region>:<account>:<topic>` of one of the pipeline's topics: its name. */
export function topicOf(arn: string, ctx: OperationContext): string {
  const { region, account } = ctx.engine
  const prefix = `arn:aws:sns:${region}:${account}:`
  const name = arn.startsWith(prefix) ? arn.slice(prefix.length) : undefined
  if (name === undefined || !pipelineOf(ctx).topics().has(name))
    throw validation(
      `Invalid action ${arn}: alarm actions must be the ARNs of this pipeline's SNS topics (${prefix}<topic>).`,
    )
  return name
}

/** The Metrics of a metric-math alarm as its configuration's queries, and their one period. */
export function queriesOf(metrics: Query[]): { queries: AlarmConfigInput['metrics']; period: number } {
  let period: number | undefined
  const queries = metrics.map((q, i) => {
    const at = `Metrics.member.${i + 1}`
    if (q.Id === undefined) throw validation(`${at}.Id must not be null`)
    if ((q.MetricStat === undefined) === (q.Expression === undefined))
      throw validation(`Exactly one of MetricStat and Expression must be set in ${at}`)
    const returnData = q.ReturnData !== false
    if (!q.MetricStat) return { id: q.Id, expression: q.Expression, label: q.Label, returnData }
    const stat = q.MetricStat
    const metric = stat.Metric ?? {}
    if (metric.MetricName === undefined)
      throw validation(`${at}.MetricStat.Metric.MetricName must not be null`)
    if (metric.Namespace === undefined) throw validation(`${at}.MetricStat.Metric.Namespace must not be null`)
    if (stat.Period === undefined) throw validation(`${at}.MetricStat.Period must not be null`)
    if (stat.Stat === undefined) throw validation(`${at}.MetricStat.Stat must not be null`)
    checkPeriod(stat.Period, 'Period')
    // One period per alarm: the evaluator compares one series of periods.
    if (period !== undefined && stat.Period !== period)
      throw validation(
        `All metrics of an alarm must have the same period in Tributary (${at}.MetricStat.Period is ${stat.Period}, another is ${period}).`,
      )
    period = stat.Period
    if (!statisticSchema.safeParse(stat.Stat).success)
      throw validation(`The value ${stat.Stat} for parameter ${at}.MetricStat.Stat is not a valid statistic.`)
    if (stat.Unit !== undefined && !(UNITS as readonly string[]).includes(stat.Unit))
      throw validation(`The value ${stat.Unit} for parameter ${at}.MetricStat.Unit is not a valid unit.`)
    return {
      id: q.Id,
      metric: {
        namespace: metric.Namespace,
        name: metric.MetricName,
        dimensions: dimensionsOf(metric.Dimensions, `${at}.MetricStat.Metric.Dimensions`),
        stat: stat.Stat,
        ...(stat.Unit === undefined ? {} : { unit: stat.Unit }),
      },
      label: q.Label,
      returnData,
    }
  })
  // ReturnData defaults to true: every query but the alarm's own must say false.
  if (metrics.filter((q) => q.ReturnData !== false).length !== 1)
    throw validation('Exactly one element of the metrics list should return data.')
  if (period === undefined)
    throw validation(
      'Metrics must contain at least one MetricStat (an alarm over expressions alone is not served).',
    )
  return { queries, period }
}

/** PutMetricAlarm's single metric (`MetricName`, `Namespace`, `Statistic` or `ExtendedStatistic`, ...). */
export function singleMetric(input: {
  MetricName?: string
  Namespace?: string
  Period?: number
  Statistic?: string
  ExtendedStatistic?: string
  Dimensions?: ({ Name?: string; Value?: string } | undefined)[]
}): { metric: NonNullable<AlarmConfigInput['metric']>; period: number } {
  if (input.MetricName === undefined) throw validation('MetricName must not be null')
  if (input.Namespace === undefined) throw validation('Namespace must not be null')
  if (input.Period === undefined) throw validation('Period must not be null')
  if ((input.Statistic === undefined) === (input.ExtendedStatistic === undefined))
    throw validation('Exactly one of Statistic and ExtendedStatistic must be set.')
  const stat = input.Statistic ?? input.ExtendedStatistic!
  if (
    input.ExtendedStatistic !== undefined &&
    (!statisticSchema.safeParse(stat).success || (STANDARD_STATISTICS as readonly string[]).includes(stat))
  )
    throw validation(`The value ${stat} for parameter ExtendedStatistic is not a valid percentile.`)
  checkPeriod(input.Period, 'Period')
  return {
    metric: {
      namespace: input.Namespace,
      name: input.MetricName,
      dimensions: dimensionsOf(input.Dimensions, 'Dimensions'),
      stat,
    },
    period: input.Period,
  }
}

/** PutMetricAlarm's metric math (`Metrics`), with none of the single metric's fields beside it. */
export function mathMetrics(
  input: Readonly<Partial<Record<(typeof SINGLE_METRIC_FIELDS)[number], unknown>>>,
  metrics: Query[],
): { queries: AlarmConfigInput['metrics']; period: number } {
  for (const field of SINGLE_METRIC_FIELDS)
    if (input[field] !== undefined) throw validation(`${field} should not be set if list of Metrics is set.`)
  if (metrics.length === 0 || metrics.length > 20)
    throw validation('The collection Metrics must have between 1 and 20 members.')
  return queriesOf(metrics)
}

const SINGLE_METRIC_FIELDS = [
  'MetricName',
  'Namespace',
  'Statistic',
  'ExtendedStatistic',
  'Dimensions',
  'Period',
  'Unit',
] as const

import {
  type AlarmConfigInput,
  alarmConfigSchema,
  type ComparisonOperator,
  MAX_ALARM_ACTIONS,
  MAX_EVALUATION_SECONDS,
  MAX_LONG_EVALUATION_SECONDS,
  type TreatMissingData,
} from '../../monitor/alarms/config.ts'
import { DeclaredAlarmError } from '../../monitor/alarms/evaluator.ts'
import { STANDARD_STATISTICS, statisticSchema } from '../../monitor/statistics.ts'
import { AwsError } from '../errors.ts'
import type { OperationContext } from '../operation.ts'
import type { OperationSpec } from '../spec.ts'
import { checkValidations } from '../validation.ts'
import { METRIC_DATA_QUERY, pipelineOf, UNITS } from './metrics.ts'
import { cwError, DIMENSION, DOUBLE, defineCloudWatch, dimensionsOf } from './shared.ts'

const COMPARISONS = [
  'GreaterThanOrEqualToThreshold',
  'GreaterThanThreshold',
  'LessThanThreshold',
  'LessThanOrEqualToThreshold',
  'LessThanLowerOrGreaterThanUpperThreshold',
  'LessThanLowerThreshold',
  'GreaterThanUpperThreshold',
] as const
const ANOMALY_BANDS: readonly string[] = COMPARISONS.slice(4)
const TREAT_MISSING = ['missing', 'ignore', 'breaching', 'notBreaching']
const LOW_SAMPLE = ['evaluate', 'ignore']

const ACTIONS = { type: 'List', children: { type: 'String' } } as const
const TAG = { type: 'Structure', children: { Key: { type: 'String' }, Value: { type: 'String' } } } as const

/**
 * PutMetricAlarm's constraints as the service model states them, checked in the handler (so on
 * both protocols) and reported as CloudWatch does: `ValidationError`, "N validation errors
 * detected: Value ... at 'alarmName' failed to satisfy constraint: ...".
 */
const CONSTRAINTS: OperationSpec = {
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

const validation = (message: string) => cwError('ValidationError', message)

/** The Metrics of a PutMetricAlarm, as its spec types them. */
type Query = {
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

function checkPeriod(period: number, parameter: string): void {
  if (![10, 20, 30].includes(period) && period % 60 !== 0)
    throw validation(`${parameter} must be 10, 20, 30 or a multiple of 60`)
}

/** `arn:aws:sns:<region>:<account>:<topic>` of one of the pipeline's topics: its name. */
function topicOf(arn: string, ctx: OperationContext): string {
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
function queriesOf(metrics: Query[]): { queries: AlarmConfigInput['metrics']; period: number } {
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

export const putMetricAlarm = defineCloudWatch({
  name: 'PutMetricAlarm',
  spec: {
    AlarmName: { type: 'String' },
    AlarmDescription: { type: 'String' },
    ActionsEnabled: { type: 'Boolean' },
    OKActions: ACTIONS,
    AlarmActions: ACTIONS,
    InsufficientDataActions: ACTIONS,
    MetricName: { type: 'String' },
    Namespace: { type: 'String' },
    Statistic: { type: 'String' },
    ExtendedStatistic: { type: 'String' },
    Dimensions: { type: 'List', children: DIMENSION },
    Period: { type: 'Integer' },
    Unit: { type: 'String' },
    EvaluationPeriods: { type: 'Integer' },
    DatapointsToAlarm: { type: 'Integer' },
    Threshold: DOUBLE,
    ComparisonOperator: { type: 'String' },
    TreatMissingData: { type: 'String' },
    EvaluateLowSampleCountPercentile: { type: 'String' },
    Metrics: { type: 'List', children: METRIC_DATA_QUERY },
    Tags: { type: 'List', children: TAG },
    ThresholdMetricId: { type: 'String' },
  },
  handle(input, ctx) {
    try {
      checkValidations(input as never, CONSTRAINTS)
    } catch (error) {
      if (error instanceof AwsError) throw validation(error.message)
      throw error
    }
    const name = input.AlarmName!
    const operator = input.ComparisonOperator!
    if (ANOMALY_BANDS.includes(operator) || input.ThresholdMetricId !== undefined)
      throw validation(
        `Anomaly detection alarms are not served by Tributary: ComparisonOperator ${operator} and ThresholdMetricId need an ANOMALY_DETECTION_BAND model.`,
      )
    const treat = input.TreatMissingData ?? 'missing'
    if (!TREAT_MISSING.includes(treat))
      throw validation(
        `Option ${treat} is not supported. Supported options for parameter TreatMissingData are: [${TREAT_MISSING.join(', ')}].`,
      )
    const lowSample = input.EvaluateLowSampleCountPercentile
    if (lowSample !== undefined && !LOW_SAMPLE.includes(lowSample))
      throw validation(
        `Option ${lowSample} is not supported. Supported options for parameter EvaluateLowSampleCountPercentile are: [${LOW_SAMPLE.join(', ')}].`,
      )
    let metric: AlarmConfigInput['metric']
    let metrics: AlarmConfigInput['metrics']
    let period: number
    if (input.Metrics !== undefined) {
      for (const field of [
        'MetricName',
        'Namespace',
        'Statistic',
        'ExtendedStatistic',
        'Dimensions',
        'Period',
        'Unit',
      ] as const)
        if (input[field] !== undefined)
          throw validation(`${field} should not be set if list of Metrics is set.`)
      if (input.Metrics.length === 0 || input.Metrics.length > 20)
        throw validation('The collection Metrics must have between 1 and 20 members.')
      ;({ queries: metrics, period } = queriesOf(input.Metrics as Query[]))
    } else {
      if (input.MetricName === undefined) throw validation('MetricName must not be null')
      if (input.Namespace === undefined) throw validation('Namespace must not be null')
      if (input.Period === undefined) throw validation('Period must not be null')
      if ((input.Statistic === undefined) === (input.ExtendedStatistic === undefined))
        throw validation('Exactly one of Statistic and ExtendedStatistic must be set.')
      const stat = input.Statistic ?? input.ExtendedStatistic!
      if (input.ExtendedStatistic !== undefined && !statisticSchema.safeParse(stat).success)
        throw validation(`The value ${stat} for parameter ExtendedStatistic is not a valid percentile.`)
      if ((STANDARD_STATISTICS as readonly string[]).includes(input.ExtendedStatistic ?? ''))
        throw validation(`The value ${stat} for parameter ExtendedStatistic is not a valid percentile.`)
      period = input.Period
      checkPeriod(period, 'Period')
      metric = {
        namespace: input.Namespace,
        name: input.MetricName,
        dimensions: dimensionsOf(input.Dimensions, 'Dimensions'),
        stat,
      }
    }
    if (input.Threshold === undefined) throw validation('Threshold must not be null')
    const evaluationPeriods = input.EvaluationPeriods!
    if (input.DatapointsToAlarm !== undefined && input.DatapointsToAlarm > evaluationPeriods)
      throw validation('DatapointsToAlarm must be less than or equal to EvaluationPeriods')
    const window = period * evaluationPeriods
    if (window > (period >= 3600 ? MAX_LONG_EVALUATION_SECONDS : MAX_EVALUATION_SECONDS))
      throw validation(
        period >= 3600
          ? 'The product of Period and EvaluationPeriods must not exceed 604800 seconds (7 days).'
          : 'The product of Period and EvaluationPeriods must not exceed 86400 seconds (1 day) for periods under an hour.',
      )
    const actions = {
      alarm: (input.AlarmActions ?? []).map((arn) => topicOf(arn, ctx)),
      ok: (input.OKActions ?? []).map((arn) => topicOf(arn, ctx)),
      insufficientData: (input.InsufficientDataActions ?? []).map((arn) => topicOf(arn, ctx)),
    }
    const parsed = alarmConfigSchema.safeParse({
      description: input.AlarmDescription,
      metric,
      metrics,
      period,
      evaluationPeriods,
      datapointsToAlarm: input.DatapointsToAlarm,
      // Checked above: one of the four static-threshold operators, one of the four treatments.
      comparisonOperator: operator as ComparisonOperator,
      threshold: input.Threshold,
      treatMissingData: treat as TreatMissingData,
      actions,
    } satisfies AlarmConfigInput)
    // What is left: the metric-math checks (ids, references, cycles, syntax) declared alarms share.
    if (!parsed.success)
      throw validation(`Invalid Metrics: ${parsed.error.issues.map((i) => i.message).join('; ')}.`)
    // The schema keeps no unit on a query's metric: MetricStat.Unit is put back to be described.
    parsed.data.metrics?.forEach((q, i) => {
      const unit = (metrics?.[i]?.metric as { unit?: string } | undefined)?.unit
      if (q.metric && unit !== undefined) Object.assign(q.metric, { unit })
    })
    const tags = (input.Tags ?? []).map((t, i) => {
      if (t?.Key === undefined || t.Value === undefined)
        throw validation(`Tags.member.${i + 1} must have a Key and a Value.`)
      return { key: t.Key, value: t.Value }
    })
    try {
      pipelineOf(ctx)
        .alarms()
        .put(
          {
            ...parsed.data,
            name,
            ...(input.Unit === undefined ? {} : { unit: input.Unit }),
            ...(lowSample === undefined ? {} : { evaluateLowSampleCountPercentile: lowSample }),
            ...(tags.length === 0 ? {} : { tags }),
          },
          input.ActionsEnabled ?? true,
        )
    } catch (error) {
      if (error instanceof DeclaredAlarmError) throw declaredAlarm(name)
      throw error
    }
    return undefined
  },
})

/**
 * A declared alarm belongs to the pipeline definition: PutMetricAlarm and DeleteAlarms refuse it
 * (CloudWatch has no such error; `ValidationError` is its closest, see docs/aws-apis.md).
 */
export function declaredAlarm(name: string): AwsError {
  return validation(
    `Alarm ${name} is declared in the pipeline definition; change or remove it there (alarms: ${name}).`,
  )
}

import {
  type AlarmConfigInput,
  alarmConfigSchema,
  type ComparisonOperator,
  MAX_EVALUATION_SECONDS,
  MAX_LONG_EVALUATION_SECONDS,
  type TreatMissingData,
} from '../../monitor/alarms/config.ts'
import { DeclaredAlarmError } from '../../monitor/alarms/evaluator.ts'
import type { AwsError } from '../errors.ts'
import {
  ACTIONS,
  ANOMALY_BANDS,
  CONSTRAINTS,
  checkConstraints,
  LOW_SAMPLE,
  mathMetrics,
  type Query,
  singleMetric,
  TAG,
  TREAT_MISSING,
  topicOf,
  validation,
} from './alarm-input.ts'
import { METRIC_DATA_QUERY, pipelineOf } from './metrics.ts'
import { DIMENSION, DOUBLE, defineCloudWatch } from './shared.ts'

/**
 * PutMetricAlarm: creates or replaces an alarm put through the API, kept in the state store and
 * evaluated beside the declared ones (see docs/aws-apis.md, CloudWatch).
 */
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
    checkConstraints(input, CONSTRAINTS)
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
    if (input.Metrics !== undefined)
      ({ queries: metrics, period } = mathMetrics(input, input.Metrics as Query[]))
    else ({ metric, period } = singleMetric(input))
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

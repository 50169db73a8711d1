import type { AlarmStatus } from '../../monitor/alarms/alarm-store.ts'
import { type AlarmDefinition, returnedQuery } from '../../monitor/alarms/config.ts'
import { isPercentile } from '../../monitor/statistics.ts'
import type { OperationContext } from '../operation.ts'
import { pipelineOf } from './metrics.ts'
import {
  cwError,
  DIMENSION,
  defineCloudWatch,
  dimensionList,
  dimensionsOf,
  invalidCombination,
  invalidValue,
  page,
  required,
  TIMESTAMP,
} from './shared.ts'

const STATES = ['OK', 'ALARM', 'INSUFFICIENT_DATA'] as const
const ALARM_TYPES = ['CompositeAlarm', 'MetricAlarm'] as const
const HISTORY_TYPES = ['ConfigurationUpdate', 'StateUpdate', 'Action'] as const

function oneOf(value: string | undefined, allowed: readonly string[], parameter: string): void {
  if (value !== undefined && !allowed.includes(value))
    throw invalidValue(`The parameter ${parameter} must be a value in the set [ ${allowed.join(', ')} ].`)
}

function maxRecords(value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback
  if (value < 1 || value > 100)
    throw invalidValue(
      `The value ${value} for parameter MaxRecords is invalid: it must be between 1 and 100.`,
    )
  return value
}

function arns(ctx: OperationContext) {
  const { region, account } = ctx.engine
  return {
    alarm: (name: string) => `arn:aws:cloudwatch:${region}:${account}:alarm:${name}`,
    topic: (name: string) => `arn:aws:sns:${region}:${account}:${name}`,
  }
}

/** A pipeline alarm as DescribeAlarms' MetricAlarm. */
function metricAlarm(status: AlarmStatus, ctx: OperationContext): Record<string, unknown> {
  // The evaluator stores each alarm's definition (without its name) as its configuration; alarms
  // put through the API also carry their unit, low-sample setting and tags.
  const config = status.config as Omit<AlarmDefinition, 'name'>
  const arn = arns(ctx)
  const stat = (s: string) => (isPercentile(s as never) ? { ExtendedStatistic: s } : { Statistic: s })
  const returned = config.metrics ? returnedQuery(config.metrics) : undefined
  return {
    AlarmName: status.name,
    AlarmArn: arn.alarm(status.name),
    AlarmDescription: config.description,
    AlarmConfigurationUpdatedTimestamp: new Date(status.configUpdatedAt),
    ActionsEnabled: status.actionsEnabled,
    OKActions: config.actions.ok.map(arn.topic),
    AlarmActions: config.actions.alarm.map(arn.topic),
    InsufficientDataActions: config.actions.insufficientData.map(arn.topic),
    StateValue: status.state,
    StateReason: status.reason,
    StateReasonData: status.reasonData === undefined ? undefined : JSON.stringify(status.reasonData),
    StateUpdatedTimestamp: new Date(status.updatedAt),
    StateTransitionedTimestamp: new Date(status.updatedAt),
    ...(config.metric
      ? {
          MetricName: config.metric.name,
          Namespace: config.metric.namespace,
          ...stat(config.metric.stat),
          Dimensions: dimensionList(config.metric.dimensions),
          Period: config.period,
          Unit: config.unit,
        }
      : {
          Dimensions: [],
          Metrics: (config.metrics ?? []).map((q) => ({
            Id: q.id,
            ...(q.metric
              ? {
                  MetricStat: {
                    Metric: {
                      Namespace: q.metric.namespace,
                      MetricName: q.metric.name,
                      Dimensions: dimensionList(q.metric.dimensions),
                    },
                    Period: config.period,
                    Stat: q.metric.stat,
                    Unit: (q.metric as { unit?: string }).unit,
                  },
                }
              : { Expression: q.expression }),
            Label: q.label,
            ReturnData: q === returned,
          })),
        }),
    EvaluationPeriods: config.evaluationPeriods,
    DatapointsToAlarm: config.datapointsToAlarm ?? config.evaluationPeriods,
    Threshold: config.threshold,
    ComparisonOperator: config.comparisonOperator,
    TreatMissingData: config.treatMissingData,
    EvaluateLowSampleCountPercentile: config.evaluateLowSampleCountPercentile,
  }
}

export const describeAlarms = defineCloudWatch({
  name: 'DescribeAlarms',
  spec: {
    AlarmNames: { type: 'List', children: { type: 'String' } },
    AlarmNamePrefix: { type: 'String' },
    AlarmTypes: { type: 'List', children: { type: 'String' } },
    ChildrenOfAlarmName: { type: 'String' },
    ParentsOfAlarmName: { type: 'String' },
    StateValue: { type: 'String' },
    ActionPrefix: { type: 'String' },
    MaxRecords: { type: 'Integer' },
    NextToken: { type: 'String' },
  },
  handle(input, ctx) {
    const names = input.AlarmNames
    if (names !== undefined && names.length > 100)
      throw invalidValue('The collection AlarmNames must not have a size greater than 100.')
    if (names !== undefined && input.AlarmNamePrefix !== undefined)
      throw invalidCombination(
        'The parameters AlarmNames and AlarmNamePrefix are mutually exclusive and you have specified both.',
      )
    oneOf(input.StateValue, STATES, 'StateValue')
    const types = input.AlarmTypes ?? []
    for (const [i, t] of types.entries()) oneOf(t, ALARM_TYPES, `AlarmTypes.member.${i + 1}`)
    const max = maxRecords(input.MaxRecords, 50)
    // Without AlarmTypes only metric alarms are returned, as on CloudWatch; the pipeline has no
    // composite alarms, so children and parents of an alarm are none.
    const wantMetric =
      (types.length === 0 || types.includes('MetricAlarm')) &&
      input.ChildrenOfAlarmName === undefined &&
      input.ParentsOfAlarmName === undefined
    const wantComposite = types.includes('CompositeAlarm')
    const arn = arns(ctx)
    const alarms = wantMetric
      ? pipelineOf(ctx)
          .alarms()
          .listAlarms()
          .filter(
            (a) =>
              (names === undefined || names.includes(a.name)) &&
              (input.AlarmNamePrefix === undefined || a.name.startsWith(input.AlarmNamePrefix)) &&
              (input.StateValue === undefined || a.state === input.StateValue) &&
              (input.ActionPrefix === undefined ||
                Object.values((a.config as AlarmDefinition).actions)
                  .flat()
                  .some((t) => arn.topic(t).startsWith(input.ActionPrefix!))),
          )
      : []
    const { items, next } = page(alarms, input.NextToken, max)
    return {
      ...(wantComposite ? { CompositeAlarms: [] } : {}),
      MetricAlarms: items.map((a) => metricAlarm(a, ctx)),
      NextToken: next,
    }
  },
})

export const describeAlarmHistory = defineCloudWatch({
  name: 'DescribeAlarmHistory',
  spec: {
    AlarmName: { type: 'String' },
    AlarmTypes: { type: 'List', children: { type: 'String' } },
    HistoryItemType: { type: 'String' },
    StartDate: TIMESTAMP,
    EndDate: TIMESTAMP,
    MaxRecords: { type: 'Integer' },
    NextToken: { type: 'String' },
    ScanBy: { type: 'String' },
  },
  handle(input, ctx) {
    oneOf(input.HistoryItemType, HISTORY_TYPES, 'HistoryItemType')
    oneOf(input.ScanBy, ['TimestampDescending', 'TimestampAscending'], 'ScanBy')
    const types = input.AlarmTypes ?? []
    for (const [i, t] of types.entries()) oneOf(t, ALARM_TYPES, `AlarmTypes.member.${i + 1}`)
    const max = maxRecords(input.MaxRecords, 100)
    const start = input.StartDate === undefined ? Number.NEGATIVE_INFINITY : input.StartDate * 1000
    const end = input.EndDate === undefined ? Number.POSITIVE_INFINITY : input.EndDate * 1000
    const evaluator = pipelineOf(ctx).alarms()
    const wantMetric = types.length === 0 || types.includes('MetricAlarm')
    // CloudWatch keeps an alarm's history after the alarm is deleted.
    const all = !wantMetric
      ? []
      : input.AlarmName === undefined
        ? evaluator.allHistory(10_000)
        : evaluator.history(input.AlarmName, 10_000)
    const items = all
      .filter(
        (h) =>
          h.timestamp >= start &&
          h.timestamp <= end &&
          (input.HistoryItemType === undefined || h.type === input.HistoryItemType),
      )
      .sort((a, b) => b.timestamp - a.timestamp)
    if (input.ScanBy === 'TimestampAscending') items.reverse()
    const { items: shown, next } = page(items, input.NextToken, max)
    return {
      AlarmHistoryItems: shown.map((h) => ({
        AlarmName: h.name,
        AlarmType: 'MetricAlarm',
        Timestamp: new Date(h.timestamp),
        HistoryItemType: h.type,
        HistorySummary: h.summary,
        HistoryData: JSON.stringify(
          h.type === 'StateUpdate'
            ? {
                version: '1.0',
                oldState: { stateValue: h.oldState },
                newState: { stateValue: h.newState, stateReason: h.reason, stateReasonData: h.data },
              }
            : {
                version: '1.0',
                type: h.summary.endsWith('created')
                  ? 'Create'
                  : h.summary.endsWith('deleted')
                    ? 'Delete'
                    : 'Update',
                alarm: h.data,
              },
        ),
      })),
      NextToken: next,
    }
  },
})

export const setAlarmState = defineCloudWatch({
  name: 'SetAlarmState',
  spec: {
    AlarmName: { type: 'String' },
    StateValue: { type: 'String' },
    StateReason: { type: 'String' },
    StateReasonData: { type: 'String' },
  },
  handle(input, ctx) {
    const name = required(input.AlarmName, 'AlarmName')
    const state = required(input.StateValue, 'StateValue')
    const reason = required(input.StateReason, 'StateReason')
    oneOf(state, STATES, 'StateValue')
    if (reason.length > 1023)
      throw invalidValue('The value for parameter StateReason must be at most 1023 characters long.')
    let data: unknown
    if (input.StateReasonData !== undefined) {
      try {
        data = JSON.parse(input.StateReasonData)
      } catch {
        throw cwError('InvalidFormat', 'Invalid JSON in StateReasonData')
      }
    }
    const evaluator = pipelineOf(ctx).alarms()
    if (!evaluator.listAlarms().some((a) => a.name === name))
      throw cwError('ResourceNotFound', `Alarm ${name} not found`)
    // Actions fire on the change, as CloudWatch's do; the next evaluation sets what the data says.
    evaluator.setState(name, state as (typeof STATES)[number], reason, data)
    return undefined
  },
})

/**
 * DescribeAlarmsForMetric: the metric alarms watching the metric (namespace, name, and the
 * statistic, dimensions, period and unit when given); metric-math alarms are not matched, as on
 * CloudWatch.
 */
export const describeAlarmsForMetric = defineCloudWatch({
  name: 'DescribeAlarmsForMetric',
  spec: {
    MetricName: { type: 'String' },
    Namespace: { type: 'String' },
    Statistic: { type: 'String' },
    ExtendedStatistic: { type: 'String' },
    Dimensions: { type: 'List', children: DIMENSION },
    Period: { type: 'Integer' },
    Unit: { type: 'String' },
  },
  handle(input, ctx) {
    const name = required(input.MetricName, 'MetricName')
    const namespace = required(input.Namespace, 'Namespace')
    const dims = input.Dimensions === undefined ? undefined : dimensionsOf(input.Dimensions, 'Dimensions')
    const stat = input.Statistic ?? input.ExtendedStatistic
    const alarms = pipelineOf(ctx)
      .alarms()
      .listAlarms()
      .filter((a) => {
        const config = a.config as Omit<AlarmDefinition, 'name'>
        const m = config.metric
        return (
          m !== undefined &&
          m.name === name &&
          m.namespace === namespace &&
          (stat === undefined || m.stat === stat) &&
          (input.Period === undefined || config.period === input.Period) &&
          (input.Unit === undefined || config.unit === input.Unit) &&
          (dims === undefined ||
            JSON.stringify(dimensionList(dims)) === JSON.stringify(dimensionList(m.dimensions)))
        )
      })
    return { MetricAlarms: alarms.map((a) => metricAlarm(a, ctx)) }
  },
})

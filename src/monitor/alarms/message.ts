import type { AlarmDefinition, MetricStat } from './config.ts'
import type { AlarmState } from './evaluate.ts'

export interface AlarmMessageInput {
  alarm: AlarmDefinition
  from: AlarmState
  to: AlarmState
  reason: string
  /** ms since epoch of the state change. */
  timestamp: number
  /** ms since epoch of the alarm's last configuration change. */
  configUpdatedAt?: number
  region?: string
  account?: string
  reasonData?: unknown
}

const REGION_NAMES: Record<string, string> = {
  'us-east-1': 'US East (N. Virginia)',
  'us-east-2': 'US East (Ohio)',
  'us-west-1': 'US West (N. California)',
  'us-west-2': 'US West (Oregon)',
  'eu-west-1': 'EU (Ireland)',
  'eu-west-2': 'EU (London)',
  'eu-central-1': 'EU (Frankfurt)',
  'ap-southeast-1': 'Asia Pacific (Singapore)',
  'ap-southeast-2': 'Asia Pacific (Sydney)',
  'ap-northeast-1': 'Asia Pacific (Tokyo)',
}

const STANDARD: Record<string, string> = {
  Sum: 'SUM',
  Average: 'AVERAGE',
  Minimum: 'MINIMUM',
  Maximum: 'MAXIMUM',
  SampleCount: 'SAMPLE_COUNT',
}

/** CloudWatch's timestamps in alarm notifications: `2026-01-01T00:03:00.000+0000`. */
function time(ms: number): string {
  return new Date(ms).toISOString().replace('Z', '+0000')
}

function dimensions(m: MetricStat): { value: string; name: string }[] {
  return Object.entries(m.dimensions).map(([name, value]) => ({ value, name }))
}

/**
 * The JSON CloudWatch publishes to an SNS topic when an alarm changes state (the `Message` of
 * the SNS notification, as an object; `JSON.stringify` it for publishing).
 *
 * @example
 * topics.publish('alerts', JSON.stringify(alarmMessage({ ...transition, region: 'us-east-1', account: '000000000000' })))
 */
export function alarmMessage(input: AlarmMessageInput): Record<string, unknown> {
  const { alarm } = input
  const region = input.region ?? 'us-east-1'
  const account = input.account ?? '000000000000'
  const arn = (topic: string) => `arn:aws:sns:${region}:${account}:${topic}`
  const common = {
    Period: alarm.period,
    EvaluationPeriods: alarm.evaluationPeriods,
    DatapointsToAlarm: alarm.datapointsToAlarm ?? alarm.evaluationPeriods,
    ComparisonOperator: alarm.comparisonOperator,
    Threshold: alarm.threshold,
    TreatMissingData: alarm.treatMissingData,
    EvaluateLowSampleCountPercentile: '',
  }
  let trigger: Record<string, unknown>
  if (alarm.metric) {
    const m = alarm.metric
    const standard = STANDARD[m.stat]
    trigger = {
      MetricName: m.name,
      Namespace: m.namespace,
      StatisticType: standard ? 'Statistic' : 'ExtendedStatistic',
      ...(standard ? { Statistic: standard } : { ExtendedStatistic: m.stat }),
      Unit: null,
      Dimensions: dimensions(m),
      ...common,
    }
  } else {
    trigger = {
      Metrics: alarm.metrics!.map((q) => ({
        Id: q.id,
        ...(q.expression !== undefined ? { Expression: q.expression } : {}),
        ...(q.label !== undefined ? { Label: q.label } : {}),
        ...(q.metric
          ? {
              MetricStat: {
                Metric: {
                  Dimensions: dimensions(q.metric),
                  MetricName: q.metric.name,
                  Namespace: q.metric.namespace,
                },
                Period: alarm.period,
                Stat: q.metric.stat,
              },
            }
          : {}),
        ReturnData: q.returnData ?? q.expression !== undefined,
      })),
      ...common,
    }
  }
  return {
    AlarmName: alarm.name,
    AlarmDescription: alarm.description ?? null,
    AWSAccountId: account,
    AlarmConfigurationUpdatedTimestamp: time(input.configUpdatedAt ?? input.timestamp),
    NewStateValue: input.to,
    NewStateReason: input.reason,
    StateChangeTime: time(input.timestamp),
    Region: REGION_NAMES[region] ?? region,
    AlarmArn: `arn:aws:cloudwatch:${region}:${account}:alarm:${alarm.name}`,
    OldStateValue: input.from,
    OKActions: alarm.actions.ok.map(arn),
    AlarmActions: alarm.actions.alarm.map(arn),
    InsufficientDataActions: alarm.actions.insufficientData.map(arn),
    Trigger: trigger,
  }
}

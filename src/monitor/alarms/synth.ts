import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch'
import type { ITopic } from 'aws-cdk-lib/aws-sns'
import { cdk } from '../../kind/cdk-synth.ts'
import { ConfigProblem } from '../../kind/kind.ts'
import type { SynthContext, SynthFace } from '../../kind/synth.ts'
import { isPercentile } from '../statistics.ts'
import { type AlarmConfig, DIMENSION_KINDS, type MetricStat, returnedQuery } from './config.ts'

const { CfnAlarm } = cdk.aws_cloudwatch

/** Which kind a dimension names, for the dimensions CloudWatch gives the kinds' metrics. */
const DIMENSIONS: Readonly<Record<string, string>> = {
  ...DIMENSION_KINDS,
  TableName: 'table',
  BucketName: 'bucket',
}

/** PutMetricAlarm's `Period`: 10, 20, 30 or a multiple of 60. */
const deployablePeriod = (p: number) => p === 10 || p === 20 || p === 30 || p % 60 === 0

/**
 * Alarms become CloudWatch alarms as declared (one metric or metric math, M out of N, missing
 * data, actions to the topics). A dimension naming a resource of the pipeline (`FunctionName:
 * 'processor'`) is given that resource's AWS name, as AWS publishes the metric under it.
 */
export const alarmSynth: SynthFace<AlarmConfig> = {
  localOnly: [],
  synth(ctx, alarms) {
    for (const { name, config: a } of alarms) {
      if (!deployablePeriod(a.period))
        throw new ConfigProblem(`CloudWatch takes 10, 20, 30 or a multiple of 60 seconds (got ${a.period})`, [
          name,
          'period',
        ])
      const topics = (names: readonly string[]) =>
        names.map((t) => ctx.get<ITopic>('topic', t).construct.topicArn)
      // Dimensions may name functions and buckets, which are synthesized after the alarms' topics.
      ctx.defer(() => {
        new CfnAlarm(ctx.stack, ctx.id('alarm', name), {
          ...(a.description !== undefined ? { alarmDescription: a.description } : {}),
          comparisonOperator: a.comparisonOperator,
          evaluationPeriods: a.evaluationPeriods,
          ...(a.datapointsToAlarm !== undefined ? { datapointsToAlarm: a.datapointsToAlarm } : {}),
          threshold: a.threshold,
          treatMissingData: a.treatMissingData,
          alarmActions: topics(a.actions.alarm),
          okActions: topics(a.actions.ok),
          insufficientDataActions: topics(a.actions.insufficientData),
          ...(a.metric ? single(ctx, a.metric, a.period) : { metrics: math(ctx, a) }),
        })
      })
    }
  },
}

function dimensions(ctx: SynthContext, metric: MetricStat): cloudwatch.CfnAlarm.DimensionProperty[] {
  return Object.entries(metric.dimensions).map(([dimension, value]) => {
    const kind = DIMENSIONS[dimension]
    let physical: string | undefined
    if (kind !== undefined) {
      try {
        physical = ctx.get(kind, value).physicalName
      } catch {
        // Not a resource of the pipeline: the value is AWS's name already.
      }
    }
    return { name: dimension, value: physical ?? value }
  })
}

function single(ctx: SynthContext, metric: MetricStat, period: number) {
  return {
    namespace: metric.namespace,
    metricName: metric.name,
    dimensions: dimensions(ctx, metric),
    period,
    ...(isPercentile(metric.stat) ? { extendedStatistic: metric.stat } : { statistic: metric.stat }),
  }
}

function math(ctx: SynthContext, a: AlarmConfig): cloudwatch.CfnAlarm.MetricDataQueryProperty[] {
  const metrics = a.metrics ?? []
  const returned = returnedQuery(metrics)
  return metrics.map((q) => ({
    id: q.id,
    ...(q.label !== undefined ? { label: q.label } : {}),
    // CloudWatch returns every query's data unless told: an alarm needs exactly one.
    returnData: q === returned,
    ...(q.expression !== undefined
      ? { expression: q.expression }
      : {
          metricStat: {
            metric: {
              namespace: q.metric!.namespace,
              metricName: q.metric!.name,
              dimensions: dimensions(ctx, q.metric!),
            },
            period: a.period,
            stat: q.metric!.stat,
          },
        }),
  }))
}

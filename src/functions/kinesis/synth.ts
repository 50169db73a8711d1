import type * as kinesis from 'aws-cdk-lib/aws-kinesis'
import type { IStream } from 'aws-cdk-lib/aws-kinesis'
import type { IFunction } from 'aws-cdk-lib/aws-lambda'
import { cdk } from '../../kind/cdk-synth.ts'
import { ConfigProblem } from '../../kind/kind.ts'
import type { SynthFace } from '../../kind/synth.ts'
import { filterPatterns, onFailureDestination } from '../mapping-synth.ts'
import type { KinesisMappingConfig } from './config.ts'

const { Duration } = cdk
const { PolicyStatement } = cdk.aws_iam
const { CfnStreamConsumer } = cdk.aws_kinesis
const { EventSourceMapping, StartingPosition } = cdk.aws_lambda

/**
 * What Lambda's event source mapping calls on the stream
 * (https://docs.aws.amazon.com/lambda/latest/dg/with-kinesis.html#events-kinesis-permissions).
 */
export const KINESIS_MAPPING_ACTIONS = [
  'kinesis:DescribeStream',
  'kinesis:DescribeStreamSummary',
  'kinesis:GetRecords',
  'kinesis:GetShardIterator',
  'kinesis:ListShards',
  'kinesis:SubscribeToShard',
]

/** What a mapping reading through an enhanced fan-out consumer calls on the consumer. */
export const KINESIS_CONSUMER_ACTIONS = ['kinesis:DescribeStreamConsumer', 'kinesis:SubscribeToShard']

/**
 * Kinesis mappings become Lambda event source mappings with every knob as declared; one that
 * names a `consumer` reads through an AWS::Kinesis::StreamConsumer (its EventSourceArn is the
 * consumer's ARN), one per stream and consumer name.
 */
export const kinesisMappingSynth: SynthFace<KinesisMappingConfig> = {
  localOnly: [],
  synth(ctx, mappings) {
    const seen = new Set<string>()
    const consumers = new Map<string, kinesis.CfnStreamConsumer>()
    for (const { name, config: m, index } of mappings) {
      const id = ctx.id('mapping', `${m.stream}-${m.function}`)
      // CreateEventSourceMapping: one mapping per event source and function.
      if (seen.has(id))
        throw new ConfigProblem(
          `a second mapping of stream '${m.stream}' to function '${m.function}': Lambda allows one`,
          [index ?? name, 'stream'],
          'merge the two mappings',
        )
      seen.add(id)
      const fn = ctx.get<IFunction>('function', m.function).construct
      const stream = ctx.get<IStream>('stream', m.stream).construct
      fn.addToRolePolicy(
        new PolicyStatement({ actions: KINESIS_MAPPING_ACTIONS, resources: [stream.streamArn] }),
      )
      let eventSourceArn = stream.streamArn
      if (m.consumer !== undefined) {
        const key = `${m.stream}/${m.consumer}`
        let consumer = consumers.get(key)
        if (!consumer) {
          consumer = new CfnStreamConsumer(ctx.stack, ctx.id('consumer', `${m.stream}-${m.consumer}`), {
            consumerName: m.consumer,
            streamArn: stream.streamArn,
          })
          consumers.set(key, consumer)
        }
        fn.addToRolePolicy(
          new PolicyStatement({ actions: KINESIS_CONSUMER_ACTIONS, resources: [consumer.attrConsumerArn] }),
        )
        eventSourceArn = consumer.attrConsumerArn
      }
      let timestamp: number | undefined
      if (m.startingPositionTimestamp !== undefined) {
        timestamp =
          typeof m.startingPositionTimestamp === 'number'
            ? m.startingPositionTimestamp
            : Date.parse(m.startingPositionTimestamp) / 1000
        if (!Number.isFinite(timestamp))
          throw new ConfigProblem('is not a date Lambda can take (an ISO date or epoch seconds)', [
            index ?? name,
            'startingPositionTimestamp',
          ])
      }
      const onFailure = m.destinationConfig?.onFailure
      new EventSourceMapping(ctx.stack, id, {
        target: fn,
        eventSourceArn,
        startingPosition: StartingPosition[m.startingPosition],
        ...(timestamp !== undefined ? { startingPositionTimestamp: timestamp } : {}),
        batchSize: m.batchSize,
        maxBatchingWindow: Duration.seconds(m.maximumBatchingWindowInSeconds),
        bisectBatchOnError: m.bisectBatchOnFunctionError,
        ...(m.maximumRetryAttempts !== -1 ? { retryAttempts: m.maximumRetryAttempts } : {}),
        ...(m.maximumRecordAgeInSeconds !== -1
          ? { maxRecordAge: Duration.seconds(m.maximumRecordAgeInSeconds) }
          : {}),
        reportBatchItemFailures: m.functionResponseTypes.includes('ReportBatchItemFailures'),
        parallelizationFactor: m.parallelizationFactor,
        ...(m.tumblingWindowInSeconds > 0
          ? { tumblingWindow: Duration.seconds(m.tumblingWindowInSeconds) }
          : {}),
        ...(m.filterCriteria ? { filters: filterPatterns(m.filterCriteria) } : {}),
        ...(onFailure ? { onFailure: onFailureDestination(ctx, fn, onFailure) } : {}),
        enabled: m.enabled,
      })
    }
  },
}

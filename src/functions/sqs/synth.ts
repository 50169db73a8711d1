import type { IFunction } from 'aws-cdk-lib/aws-lambda'
import type { IQueue } from 'aws-cdk-lib/aws-sqs'
import { cdk } from '../../kind/cdk-synth.ts'
import { ConfigProblem } from '../../kind/kind.ts'
import type { SynthFace } from '../../kind/synth.ts'
import type { FunctionConfig } from '../config.ts'
import { filterPatterns } from '../mapping-synth.ts'
import type { SqsMappingSchemaConfig } from './config.ts'
import { SQS_MAPPING_LIMITS } from './sqs-mapping-config.ts'

const { Duration } = cdk
const { PolicyStatement } = cdk.aws_iam
const { EventSourceMapping } = cdk.aws_lambda

/**
 * What Lambda's event source mapping calls on the queue
 * (https://docs.aws.amazon.com/lambda/latest/dg/with-sqs.html#events-sqs-permissions).
 */
export const SQS_MAPPING_ACTIONS = ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes']

/** SQS mappings become Lambda event source mappings with every knob as declared. */
export const sqsMappingSynth: SynthFace<SqsMappingSchemaConfig> = {
  localOnly: [],
  synth(ctx, mappings) {
    const queues = (ctx.definition.queues ?? {}) as Record<
      string,
      { visibilityTimeout: number; fifo?: boolean }
    >
    const functions = (ctx.definition.functions ?? {}) as Record<string, FunctionConfig>
    const seen = new Set<string>()
    for (const { name, config: m, index } of mappings) {
      const id = ctx.id('mapping', `${m.queue}-${m.function}`)
      // CreateEventSourceMapping: one mapping per event source and function.
      if (seen.has(id))
        throw new ConfigProblem(
          `a second mapping of queue '${m.queue}' to function '${m.function}': Lambda allows one`,
          [index ?? name, 'queue'],
          'merge the two mappings',
        )
      seen.add(id)
      const visibility = queues[m.queue]?.visibilityTimeout
      const timeout = functions[m.function]?.timeout
      // CreateEventSourceMapping refuses a queue that would show a message again mid-invocation.
      if (visibility !== undefined && timeout !== undefined && visibility < timeout)
        throw new ConfigProblem(
          `queue '${m.queue}' has visibilityTimeout ${visibility} s, below function '${m.function}' timeout ${timeout} s: Lambda refuses the mapping`,
          [index ?? name, 'queue'],
          `raise queues.${m.queue}.visibilityTimeout to at least ${timeout} (AWS suggests 6 times the timeout)`,
        )
      // Lambda on a FIFO queue: BatchSize up to 10 and no batching window.
      if (queues[m.queue]?.fifo && m.batchSize > SQS_MAPPING_LIMITS.fifoBatchSize)
        throw new ConfigProblem(
          `queue '${m.queue}' is FIFO: Lambda takes a batchSize of at most ${SQS_MAPPING_LIMITS.fifoBatchSize}`,
          [index ?? name, 'batchSize'],
        )
      if (queues[m.queue]?.fifo && m.maximumBatchingWindowInSeconds > 0)
        throw new ConfigProblem(`queue '${m.queue}' is FIFO: Lambda supports no batching window on it`, [
          index ?? name,
          'maximumBatchingWindowInSeconds',
        ])
      const fn = ctx.get<IFunction>('function', m.function).construct
      const queue = ctx.get<IQueue>('queue', m.queue).construct
      fn.addToRolePolicy(new PolicyStatement({ actions: SQS_MAPPING_ACTIONS, resources: [queue.queueArn] }))
      new EventSourceMapping(ctx.stack, id, {
        target: fn,
        eventSourceArn: queue.queueArn,
        batchSize: m.batchSize,
        maxBatchingWindow: Duration.seconds(m.maximumBatchingWindowInSeconds),
        reportBatchItemFailures: m.functionResponseTypes.includes('ReportBatchItemFailures'),
        ...(m.filterCriteria ? { filters: filterPatterns(m.filterCriteria) } : {}),
        ...(m.maximumConcurrency !== undefined ? { maxConcurrency: m.maximumConcurrency } : {}),
        enabled: m.enabled,
      })
    }
  },
}

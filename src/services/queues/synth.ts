import type * as sqs from 'aws-cdk-lib/aws-sqs'
import { cdk } from '../../kind/cdk-synth.ts'
import { ConfigProblem } from '../../kind/kind.ts'
import type { SynthFace } from '../../kind/synth.ts'
import type { QueueDefinition } from './definition.ts'

const { Duration } = cdk
const { PolicyStatement } = cdk.aws_iam
const { DeduplicationScope, FifoThroughputLimit, Queue, QueueEncryption } = cdk.aws_sqs

/** The FIFO settings as the CDK's Queue props take them (none for a standard queue). */
function fifoProps(config: QueueDefinition): Partial<sqs.QueueProps> {
  if (!config.fifo) return {}
  return {
    fifo: true,
    ...(config.contentBasedDeduplication !== undefined
      ? { contentBasedDeduplication: config.contentBasedDeduplication }
      : {}),
    ...(config.deduplicationScope
      ? {
          deduplicationScope:
            config.deduplicationScope === 'messageGroup'
              ? DeduplicationScope.MESSAGE_GROUP
              : DeduplicationScope.QUEUE,
        }
      : {}),
    ...(config.fifoThroughputLimit
      ? {
          fifoThroughputLimit:
            config.fifoThroughputLimit === 'perMessageGroupId'
              ? FifoThroughputLimit.PER_MESSAGE_GROUP_ID
              : FifoThroughputLimit.PER_QUEUE,
        }
      : {}),
  }
}

/** What `queue(name).send` calls on AWS. */
export const QUEUE_WRITE_ACTIONS = ['sqs:SendMessage']

/**
 * Queues become SQS queues (standard, or FIFO with `fifo: true`; the CDK names a FIFO queue
 * `<generated>.fifo`) with the declared attributes and redrive policy, encrypted
 * with SQS-managed keys and refusing requests without TLS. Dead-letter queues are made first.
 */
export const queueSynth: SynthFace<QueueDefinition> = {
  localOnly: [],
  synth(ctx, queues) {
    const configs = new Map(queues.map((q) => [q.name, q.config]))
    const made = new Map<string, sqs.Queue>()
    const making = new Set<string>()
    const make = (name: string): sqs.Queue => {
      const existing = made.get(name)
      if (existing) return existing
      if (making.has(name))
        throw new ConfigProblem('dead-letter queues redrive into each other in a cycle', [
          name,
          'deadLetterQueue',
        ])
      making.add(name)
      const config = configs.get(name)!
      const dlq = config.deadLetterQueue
      const queue = new Queue(ctx.stack, ctx.id('queue', name), {
        visibilityTimeout: Duration.seconds(config.visibilityTimeout),
        deliveryDelay: Duration.seconds(config.delaySeconds),
        retentionPeriod: Duration.seconds(config.messageRetentionPeriod),
        encryption: QueueEncryption.SQS_MANAGED,
        enforceSSL: true,
        ...fifoProps(config),
        ...(dlq ? { deadLetterQueue: { queue: make(dlq.queue), maxReceiveCount: dlq.maxReceiveCount } } : {}),
      })
      if (!dlq)
        ctx.acknowledge(
          queue,
          'AwsSolutions-SQS3',
          `the pipeline declares no deadLetterQueue for queue '${name}' (it is a dead-letter or failure queue itself, or its messages are kept until retention ends)`,
        )
      made.set(name, queue)
      ctx.add('queue', name, {
        construct: queue,
        physicalName: queue.queueName,
        bindingValue: queue.queueUrl,
        grant: (grantee, access) => {
          if (access === 'write')
            grantee.grantPrincipal.addToPrincipalPolicy(
              new PolicyStatement({ actions: QUEUE_WRITE_ACTIONS, resources: [queue.queueArn] }),
            )
        },
      })
      ctx.output('queue', name, 'Url', queue.queueUrl)
      return queue
    }
    for (const { name } of queues) make(name)
  },
}

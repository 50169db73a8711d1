import type { QueueConfig as PipelineQueueConfig } from '../../pipeline/schema.ts'
import type { QueueConfig } from './config.ts'

/**
 * A queue as the pipeline definition spells it (SQS's attribute names: `visibilityTimeout`,
 * `messageRetentionPeriod`, `deadLetterQueue: { queue, maxReceiveCount }`) in the queue service's
 * terms. Mappings (`SqsMappingConfig`) and topics (`subscriptions`) are accepted as they are.
 *
 * @example
 * queues.declareAll(Object.fromEntries(Object.entries(pipeline.queues).map(([n, q]) => [n, fromPipelineQueue(q)])))
 */
export function fromPipelineQueue(queue: PipelineQueueConfig): QueueConfig {
  return {
    visibilityTimeoutSeconds: queue.visibilityTimeout,
    delaySeconds: queue.delaySeconds,
    messageRetentionSeconds: queue.messageRetentionPeriod,
    ...(queue.deadLetterQueue
      ? {
          deadLetterQueue: queue.deadLetterQueue.queue,
          maxReceiveCount: queue.deadLetterQueue.maxReceiveCount,
        }
      : {}),
  }
}

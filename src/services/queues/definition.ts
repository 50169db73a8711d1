import { z } from 'zod'
import { resourceName } from '../../kind/name.ts'
import type { QueueConfig } from './config.ts'

/**
 * An SQS queue, standard or FIFO, with SQS's attribute names and defaults (in camelCase, as the
 * CDK spells them) and an optional redrive policy. A FIFO queue's name ends in `.fifo`, and its
 * dead-letter queue is FIFO too.
 *
 * @example
 * queues: {
 *   orders: { visibilityTimeout: 60, deadLetterQueue: { queue: 'orders-dlq', maxReceiveCount: 3 } },
 *   'orders-dlq': { messageRetentionPeriod: 1_209_600 },
 *   'payments.fifo': { fifo: true, contentBasedDeduplication: true },
 * }
 */
export const queueSchema = z
  .object({
    /** Seconds, 0-43,200 (SQS default 30). */
    visibilityTimeout: z.int().min(0).max(43_200).default(30),
    /** Seconds a new message stays invisible, 0-900. */
    delaySeconds: z.int().min(0).max(900).default(0),
    /** Seconds, 60-1,209,600 (SQS default 4 days). */
    messageRetentionPeriod: z.int().min(60).max(1_209_600).default(345_600),
    /** The redrive policy: messages received `maxReceiveCount` (1-1,000) times move to `queue`. */
    deadLetterQueue: z
      .object({
        /** The dead-letter queue. */
        queue: resourceName,
        /** Receives before a message moves there, 1-1,000. */
        maxReceiveCount: z.int().min(1).max(1000),
      })
      .strict()
      .optional(),
    /** A FIFO queue: exactly-once sends within 5 minutes, order kept per message group. The name must end in `.fifo`. */
    fifo: z.boolean().optional(),
    /** FIFO only: a message without a MessageDeduplicationId is deduplicated by the SHA-256 of its body. */
    contentBasedDeduplication: z.boolean().optional(),
    /** FIFO only: deduplication IDs are unique per `queue` (default) or per `messageGroup`. */
    deduplicationScope: z.enum(['queue', 'messageGroup']).optional(),
    /** FIFO only: SQS's throughput quota applies `perQueue` (default) or `perMessageGroupId`; kept, not enforced locally. */
    fifoThroughputLimit: z.enum(['perQueue', 'perMessageGroupId']).optional(),
  })
  .strict()

export type QueueDefinition = z.output<typeof queueSchema>

/**
 * A queue as the definition spells it (SQS's attribute names: `visibilityTimeout`,
 * `messageRetentionPeriod`, `deadLetterQueue: { queue, maxReceiveCount }`) in the queue service's
 * terms (which the wire API's CreateQueue attributes also arrive in).
 *
 * @example
 * queues.declareAll({ orders: fromPipelineQueue(queueSchema.parse({ visibilityTimeout: 60 })) })
 */
export function fromPipelineQueue(queue: QueueDefinition): QueueConfig {
  return {
    visibilityTimeoutSeconds: queue.visibilityTimeout,
    delaySeconds: queue.delaySeconds,
    messageRetentionSeconds: queue.messageRetentionPeriod,
    ...(queue.fifo !== undefined ? { fifo: queue.fifo } : {}),
    ...(queue.contentBasedDeduplication !== undefined
      ? { contentBasedDeduplication: queue.contentBasedDeduplication }
      : {}),
    ...(queue.deduplicationScope !== undefined ? { deduplicationScope: queue.deduplicationScope } : {}),
    ...(queue.fifoThroughputLimit !== undefined ? { fifoThroughputLimit: queue.fifoThroughputLimit } : {}),
    ...(queue.deadLetterQueue
      ? {
          deadLetterQueue: queue.deadLetterQueue.queue,
          maxReceiveCount: queue.deadLetterQueue.maxReceiveCount,
        }
      : {}),
  }
}

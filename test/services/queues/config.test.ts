import { describe, expect, it } from 'vitest'
import { type QueueConfig, resolveQueueConfig } from '../../../src/services/queues/config.ts'
import {
  publishQueueDepthMetrics,
  startQueueDepthMetrics,
} from '../../../src/services/queues/queue-metrics.ts'
import { openQueues, sqsMetric } from './fixtures.ts'

describe('queue configuration', () => {
  it('fills in SQS’s defaults', () => {
    expect(resolveQueueConfig('orders')).toEqual({
      visibilityTimeoutSeconds: 30,
      delaySeconds: 0,
      messageRetentionSeconds: 345_600,
      maximumMessageSize: 262_144,
      redrive: undefined,
    })
  })

  it('fills in a FIFO queue’s defaults, and keeps its settings', () => {
    expect(resolveQueueConfig('q.fifo', { fifo: true }).fifo).toEqual({
      contentBasedDeduplication: false,
      deduplicationScope: 'queue',
      fifoThroughputLimit: 'perQueue',
    })
    expect(
      resolveQueueConfig('q.fifo', {
        fifo: true,
        contentBasedDeduplication: true,
        deduplicationScope: 'messageGroup',
        fifoThroughputLimit: 'perMessageGroupId',
      }).fifo,
    ).toEqual({
      contentBasedDeduplication: true,
      deduplicationScope: 'messageGroup',
      fifoThroughputLimit: 'perMessageGroupId',
    })
    expect(resolveQueueConfig('q').fifo).toBeUndefined()
  })

  it('accepts the ends of every range', () => {
    expect(
      resolveQueueConfig('q', {
        visibilityTimeoutSeconds: 43_200,
        delaySeconds: 900,
        messageRetentionSeconds: 60,
        maximumMessageSize: 1_048_576,
        maxReceiveCount: 1_000,
        deadLetterQueue: 'dlq',
      }),
    ).toMatchObject({
      visibilityTimeoutSeconds: 43_200,
      redrive: { maxReceiveCount: 1_000, deadLetterQueue: 'dlq' },
    })
  })

  it.each([
    ['bad name!', {}, 'queues.bad name!: a queue name has 1 to 80 letters, digits, hyphens or underscores'],
    [
      'q',
      { visibilityTimeoutSeconds: 43_201 },
      'queues.q.visibilityTimeoutSeconds: must be an integer from 0 to 43200 (got 43201)',
    ],
    ['q', { delaySeconds: 1.5 }, 'queues.q.delaySeconds: must be an integer from 0 to 900 (got 1.5)'],
    [
      'q',
      { messageRetentionSeconds: 59 },
      'queues.q.messageRetentionSeconds: must be an integer from 60 to 1209600 (got 59)',
    ],
    [
      'q',
      { maximumMessageSize: 1_023 },
      'queues.q.maximumMessageSize: must be an integer from 1024 to 1048576 (got 1023)',
    ],
    ['q', { maxReceiveCount: 3 }, 'queues.q.deadLetterQueue: required when maxReceiveCount is set'],
    ['q', { deadLetterQueue: 'dlq' }, 'queues.q.maxReceiveCount: required when deadLetterQueue is set'],
    [
      'q',
      { maxReceiveCount: 0, deadLetterQueue: 'dlq' },
      'queues.q.maxReceiveCount: must be an integer from 1 to 1000 (got 0)',
    ],
    [
      'q',
      { maxReceiveCount: 3, deadLetterQueue: 'q' },
      'queues.q.deadLetterQueue: a queue cannot be its own dead-letter queue',
    ],
    ['q', { fifo: true }, "queues.q.fifo: a FIFO queue's name must end in .fifo"],
    ['q.fifo', {}, 'queues.q.fifo.fifo: a queue named .fifo must be declared with fifo: true'],
    [
      'q',
      { contentBasedDeduplication: true },
      'queues.q.contentBasedDeduplication: only a FIFO queue has it',
    ],
    [
      'q.fifo',
      { fifo: true, deduplicationScope: 'group' },
      "queues.q.fifo.deduplicationScope: must be 'queue' or 'messageGroup'",
    ],
    [
      'q.fifo',
      { fifo: true, fifoThroughputLimit: 'fast' },
      "queues.q.fifo.fifoThroughputLimit: must be 'perQueue' or 'perMessageGroupId'",
    ],
    [
      'q.fifo',
      { fifo: true, maxReceiveCount: 3, deadLetterQueue: 'dlq' },
      'queues.q.fifo.deadLetterQueue: Dead-letter queue must be same type of queue as the source.',
    ],
    [
      'q',
      { maxReceiveCount: 3, deadLetterQueue: 'dlq.fifo' },
      'queues.q.deadLetterQueue: Dead-letter queue must be same type of queue as the source.',
    ],
    [
      `${'a'.repeat(76)}.fifo`,
      { fifo: true },
      'a queue name has 1 to 80 letters, digits, hyphens or underscores (a FIFO queue ends in .fifo)',
    ],
    ['q', { visibility: 10 }, 'queues.q.visibility: unknown queue setting'],
  ])('rejects %s %o', (name, config, message) => {
    expect(() => resolveQueueConfig(name, config as QueueConfig)).toThrow(message)
  })
})

describe('queue depth metrics', () => {
  it('publishes SQS’s gauges every minute', async () => {
    const { queues, clock, metrics } = await openQueues()
    queues.declare('q')
    queues.send('q', 'visible')
    queues.send('q', 'delayed', { delaySeconds: 120 })
    queues.send('q', 'in flight')
    await queues.receive('q', { visibilityTimeoutSeconds: 600 })
    const stop = startQueueDepthMetrics(queues, metrics, clock)
    clock.advance(59_999)
    expect(sqsMetric(metrics, 'ApproximateNumberOfMessagesVisible', 'q').count).toBe(0)
    clock.advance(1)
    const gauge = (name: string) => sqsMetric(metrics, name, 'q').last
    expect(gauge('ApproximateNumberOfMessagesVisible')).toBe(1)
    expect(gauge('ApproximateNumberOfMessagesNotVisible')).toBe(1)
    expect(gauge('ApproximateNumberOfMessagesDelayed')).toBe(1)
    expect(gauge('ApproximateAgeOfOldestMessage')).toBe(60)
    clock.advance(60_000)
    expect(sqsMetric(metrics, 'ApproximateNumberOfMessagesVisible', 'q').count).toBe(2)
    expect(gauge('ApproximateNumberOfMessagesVisible')).toBe(2)
    stop()
    clock.advance(600_000)
    expect(sqsMetric(metrics, 'ApproximateNumberOfMessagesVisible', 'q').count).toBe(2)
    publishQueueDepthMetrics(queues, metrics, clock.now())
    expect(sqsMetric(metrics, 'ApproximateNumberOfMessagesVisible', 'q').count).toBe(3)
  })
})

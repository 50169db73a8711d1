import { describe, expect, it } from 'vitest'
import { queueTopicDestinations } from '../../../src/services/topics/destinations.ts'
import { openTopics } from './fixtures.ts'

describe('on-failure destinations', () => {
  it('sends failure records to a queue, or publishes them to a topic', async () => {
    const { queues, topics } = await openTopics()
    queues.declare('dlq')
    queues.declare('alerts-inbox')
    topics.declare('alerts', { subscriptions: [{ queue: 'alerts-inbox', rawMessageDelivery: true }] })
    const destinations = queueTopicDestinations(queues, topics)
    await destinations.send({ queue: 'dlq' }, '{"condition":"RetryAttemptsExhausted"}')
    await destinations.send({ topic: 'alerts' }, '{"condition":"RecordAgeExceeded"}')
    expect((await queues.receive('dlq')).map((m) => m.body)).toEqual([
      '{"condition":"RetryAttemptsExhausted"}',
    ])
    expect((await queues.receive('alerts-inbox')).map((m) => m.body)).toEqual([
      '{"condition":"RecordAgeExceeded"}',
    ])
    await expect(destinations.send({ queue: 'missing' }, 'x')).rejects.toThrow(
      expect.objectContaining({ name: 'QueueDoesNotExist' }),
    )
  })
})

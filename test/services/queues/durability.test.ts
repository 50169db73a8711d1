import { describe, expect, it } from 'vitest'
import { openQueues, settle, T0 } from './fixtures.ts'

describe('restart', () => {
  it('keeps queues, messages, receive counts and in-flight state across a restart', async () => {
    const before = await openQueues()
    before.queues.declareAll({
      jobs: { visibilityTimeoutSeconds: 60, maxReceiveCount: 5, deadLetterQueue: 'dlq' },
      dlq: {},
    })
    before.queues.send('jobs', 'in-flight')
    before.queues.send('jobs', 'visible')
    before.queues.send('jobs', 'delayed', { delaySeconds: 120 })
    const [inFlight] = await before.queues.receive('jobs')
    before.clock.advance(10_000)

    const after = before.restart()
    const { queues, clock } = after
    expect(queues.names()).toEqual(['dlq', 'jobs'])
    expect(queues.config('jobs').redrive).toEqual({ maxReceiveCount: 5, deadLetterQueue: 'dlq' })
    expect(queues.depth('jobs')).toEqual({ visible: 1, inFlight: 1, delayed: 1, oldestAgeMs: 10_000 })

    // The in-flight message reappears when its visibility timeout passes, not before.
    const [visible] = await queues.receive('jobs', { max: 10 })
    expect(visible!.body).toBe('visible')
    clock.advance(45_000)
    let woke = false
    const pending = queues.receive('jobs', { waitTimeSeconds: 20, max: 10 }).finally(() => {
      woke = true
    })
    clock.advance(4_999)
    await settle()
    expect(woke).toBe(false)
    clock.advance(1)
    const [back] = await pending
    expect(back!.body).toBe('in-flight')
    expect(back!.attributes).toMatchObject({
      ApproximateReceiveCount: '2',
      ApproximateFirstReceiveTimestamp: String(T0),
      SentTimestamp: String(T0),
    })
    // The handle from before the restart is stale now.
    expect(queues.delete('jobs', inFlight!.receiptHandle)).toBe(false)
    expect(queues.delete('jobs', back!.receiptHandle)).toBe(true)
  })

  it('a receipt handle from before a restart still deletes the message', async () => {
    const before = await openQueues()
    before.queues.declare('q')
    before.queues.send('q', 'a')
    const [m] = await before.queues.receive('q')
    const { queues } = before.restart()
    expect(queues.delete('q', m!.receiptHandle)).toBe(true)
    expect(queues.depth('q')).toMatchObject({ visible: 0, inFlight: 0 })
  })
})

import { describe, expect, it } from 'vitest'
import { openQueues, settle, sqsMetric } from './fixtures.ts'

describe('long polling (WaitTimeSeconds)', () => {
  it('resolves as soon as a message is sent, without the clock moving', async () => {
    const { queues, clock } = await openQueues()
    queues.declare('q')
    const start = clock.now()
    const pending = queues.receive('q', { waitTimeSeconds: 20 })
    await settle()
    queues.send('q', 'wake up')
    const messages = await pending
    expect(messages.map((m) => m.body)).toEqual(['wake up'])
    expect(clock.now()).toBe(start)
  })

  it('returns nothing once the wait time has passed', async () => {
    const { queues, clock, metrics } = await openQueues()
    queues.declare('q')
    let result: unknown
    void queues.receive('q', { waitTimeSeconds: 20 }).then((r) => {
      result = r
    })
    clock.advance(19_999)
    await settle()
    expect(result).toBeUndefined()
    clock.advance(1)
    await settle()
    expect(result).toEqual([])
    expect(sqsMetric(metrics, 'NumberOfEmptyReceives', 'q').sum).toBe(1)
  })

  it('wakes when a delayed message becomes visible', async () => {
    const { queues, clock } = await openQueues()
    queues.declare('q')
    queues.send('q', 'later', { delaySeconds: 5 })
    const pending = queues.receive('q', { waitTimeSeconds: 20 })
    clock.advance(5_000)
    expect((await pending).map((m) => m.body)).toEqual(['later'])
  })

  it('wakes when an in-flight message comes back after its visibility timeout', async () => {
    const { queues, clock } = await openQueues()
    queues.declare('q', { visibilityTimeoutSeconds: 10 })
    queues.send('q', 'retry me')
    await queues.receive('q')
    const pending = queues.receive('q', { waitTimeSeconds: 20 })
    clock.advance(10_000)
    const [again] = await pending
    expect(again!.attributes.ApproximateReceiveCount).toBe('2')
  })

  it('serves waiters in arrival order, one message each', async () => {
    const { queues } = await openQueues()
    queues.declare('q')
    const first = queues.receive('q', { waitTimeSeconds: 20 })
    const second = queues.receive('q', { waitTimeSeconds: 20 })
    let secondDone = false
    void second.then(() => {
      secondDone = true
    })
    queues.send('q', 'one')
    expect((await first).map((m) => m.body)).toEqual(['one'])
    await settle()
    expect(secondDone).toBe(false)
    queues.send('q', 'two')
    expect((await second).map((m) => m.body)).toEqual(['two'])
  })

  it('wakes a waiter on its dead-letter queue when a message is moved there', async () => {
    const { queues, clock } = await openQueues()
    queues.declareAll({ q: { maxReceiveCount: 1, deadLetterQueue: 'dlq' }, dlq: {} })
    queues.send('q', 'poison')
    await queues.receive('q')
    clock.advance(30_000)
    const dead = queues.receive('dlq', { waitTimeSeconds: 20 })
    expect(await queues.receive('q')).toEqual([])
    expect((await dead).map((m) => m.body)).toEqual(['poison'])
  })

  it('ends early with nothing when aborted or when the service closes', async () => {
    const { queues } = await openQueues()
    queues.declare('q')
    const controller = new AbortController()
    const aborted = queues.receive('q', { waitTimeSeconds: 20, signal: controller.signal })
    controller.abort()
    expect(await aborted).toEqual([])
    const closed = queues.receive('q', { waitTimeSeconds: 20 })
    queues.close()
    expect(await closed).toEqual([])
  })
})

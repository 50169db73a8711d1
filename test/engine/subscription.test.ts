import { describe, expect, it } from 'vitest'
import { putRecords } from '../../src/engine/records.ts'
import { subscribe } from '../../src/engine/subscription.ts'
import { FAN_OUT_BYTES_PER_SECOND } from '../../src/stream/shard-throughput.ts'
import { engineWithStream } from '../helpers/engine.ts'

/** A record whose data decodes to `bytes` bytes (base64 as stored). */
const record = (bytes: number) => ({ partitionKey: 'k', data: Buffer.alloc(bytes, 7).toString('base64') })

describe('ShardSubscription', () => {
  it("pushes within the consumer's 2 MiB/s on the shard when limits are on, and waits out a debt on the clock", async () => {
    const { engine, clock } = await engineWithStream('s')
    const consumer = engine.consumers.register('s', 'c')
    clock.advance(500)
    const size = 700 * 1024
    // Puts without the write limits: the read side is what is measured.
    await putRecords(
      engine,
      's',
      [1, 2, 3, 4].map(() => record(size)),
      { shardLimits: false },
    )
    const sub = await subscribe(engine, {
      consumerArn: consumer.arn,
      shardId: 'shardId-000000000000',
      type: 'TRIM_HORIZON',
    })
    const events = sub.events()

    const first = [await events.next(), await events.next(), await events.next()]
    const start = clock.now()
    const fourth = events.next()
    // 3 × 700 KiB took the 2 MiB bucket 52 KiB into debt: the fourth waits for it to refill.
    const debt = 3 * (size + 1) - FAN_OUT_BYTES_PER_SECOND
    const due = start + Math.floor((debt * 1000) / FAN_OUT_BYTES_PER_SECOND) + 1
    await expect.poll(() => clock.nextTimerAt()).toBe(due)
    clock.advance(due - start)
    const last = await fourth

    expect(first.map((e) => (e.done ? 0 : e.value.records.length))).toEqual([1, 1, 1])
    expect(last.done ? 0 : last.value.records.length).toBe(1)
    sub.stop()
    expect((await events.next()).done).toBe(true)
  })

  it('does not wait when the stream lifts its limits', async () => {
    const { engine, clock } = await engineWithStream('s')
    engine.setShardLimits('s', false)
    const consumer = engine.consumers.register('s', 'c')
    clock.advance(500)
    await putRecords(
      engine,
      's',
      [1, 2, 3, 4].map(() => record(700 * 1024)),
      { shardLimits: false },
    )
    const sub = await subscribe(engine, {
      consumerArn: consumer.arn,
      shardId: 'shardId-000000000000',
      type: 'TRIM_HORIZON',
    })
    const events = sub.events()

    let records = 0
    while (records < 4) {
      const step = await events.next()
      if (step.done) break
      records += step.value.records.length
    }

    expect(records).toBe(4)
    sub.stop()
  })
})

import { describe, expect, it } from 'vitest'
import { getRecords, putRecords, shardIterator } from '../../../src/engine/records.ts'
import { mappingHarness, numbered } from './harness.ts'

describe('Kinesis mapping through an enhanced fan-out consumer', () => {
  it('registers its consumer, starts once it is ACTIVE, and delivers every record in order', async () => {
    const h = await mappingHarness()
    await h.put(numbered(300, () => 'k'))
    const mapping = h.map({ consumer: 'lambda-efo', batchSize: 100 })

    await h.until(() => h.engine.consumers.list('events').length > 0, { stepMs: 0 })
    const registered = h.engine.consumers.list('events')
    const callsWhileCreating = h.calls.length
    await h.until(() => h.calls.flatMap((c) => c.records).length >= 300)

    expect(registered.map((c) => [c.name, c.status])).toEqual([['lambda-efo', 'CREATING']])
    expect(callsWhileCreating).toBe(0)
    expect(h.engine.consumers.list('events')[0]?.status).toBe('ACTIVE')
    expect(h.calls.flatMap((c) => c.records)).toEqual(numbered(300).map((r) => r.data))
    expect(mapping.status()).toMatchObject({ consumerName: 'lambda-efo', state: 'Enabled' })
    await h.close()
  })

  it("reads within the consumer's own 2 MiB/s per shard, leaving the shard's GetRecords limits untouched", async () => {
    const h = await mappingHarness()
    const big = 'x'.repeat(700 * 1024)
    // Put past the shard's write limit (1 MiB/s): the read side is what is measured.
    const records = Array.from({ length: 6 }, (_, i) => ({
      partitionKey: 'k',
      data: Buffer.from(`${i}${big}`).toString('base64'),
    }))
    await putRecords(h.engine, 'events', records, { shardLimits: false })
    h.engine.consumers.register('events', 'lambda-efo')
    h.clock.advance(500)
    h.map({ consumer: 'lambda-efo', batchSize: 1 })

    // The clock stands still: a full bucket (2 MiB) lets three 700 KiB reads through, the third
    // into debt; the fourth read waits for the clock.
    await h.until(() => h.calls.length >= 3, { stepMs: 0 })
    const stalled = h.until(() => h.calls.length >= 4, { stepMs: 0, maxTurns: 400 })
    await expect(stalled).rejects.toThrow('condition not reached')
    const debt = 3 * (700 * 1024 + 2) - 2 * 1024 * 1024
    h.clock.advance(Math.floor((debt * 1000) / (2 * 1024 * 1024)) + 1)
    await h.until(() => h.calls.length >= 4, { stepMs: 0 })
    await h.until(() => h.calls.length >= 6, { stepMs: 10 })
    // Five GetRecords calls in the same millisecond are admitted: the shard's shared budget (5
    // calls and 2 MiB a second, refused while in debt) is all there.
    const iterator = await shardIterator(h.engine, {
      streamName: 'events',
      shardId: 'shardId-000000000000',
      type: 'LATEST',
    })
    for (let i = 0; i < 5; i++) (await getRecords(h.engine, iterator, 1)).release()

    expect(h.calls.map((c) => c.records[0]![0])).toEqual(['0', '1', '2', '3', '4', '5'])
    await h.close()
  })
})

import { fileURLToPath } from 'node:url'
import {
  CreateStreamCommand,
  DescribeStreamSummaryCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  ListShardsCommand,
  type Shard,
} from '@aws-sdk/client-kinesis'
import { describe, expect, it, onTestFinished } from 'vitest'
import { putRecords } from '../../../src/engine/records.ts'
import { hashKeyFromBigInt, hashKeyToBigInt } from '../../../src/stream/hash-key.ts'
import { onDemandTarget, PeakHistory, planHotSplits, type ShardLoad } from '../../../src/stream/on-demand.ts'
import { startPipeline } from '../../../src/testing/index.ts'
import { startServer, type TestServer } from '../../helpers/server.ts'

const WINDOW_MS = 5000
const STEP_MS = 100
/** Offered per step: 8,000 records/s, twice an on-demand stream's initial 4,000/s. */
const PER_STEP = 800
const KEYS = 256

const load = (index: number, start: bigint, end: bigint, records: number): ShardLoad => ({
  index,
  start: hashKeyFromBigInt(start),
  end: hashKeyFromBigInt(end),
  bytes: records * 100,
  records,
})

describe('on-demand capacity (the model)', () => {
  it('owes 4 shards at first and twice the 30-day peak after', () => {
    expect(onDemandTarget(0)).toBe(4)
    expect(onDemandTarget(1.9)).toBe(4)
    expect(onDemandTarget(2.5)).toBe(5)
    expect(onDemandTarget(8)).toBe(16)
    const peaks = new PeakHistory()
    const day = 86_400_000
    expect(peaks.observe(6, 0)).toBe(6)
    expect(peaks.observe(2, 10 * day)).toBe(6)
    // Past 30 days, the old peak is forgotten.
    expect(peaks.observe(1, 31 * day)).toBe(2)
    expect(peaks.observe(1, 41 * day)).toBe(1)
  })

  it('splits the hottest shards with traffic, each once, at the middle of its range, within the room left', () => {
    const q = 2n ** 126n
    const loads = [
      load(0, 0n, q - 1n, 10),
      load(1, q, 2n * q - 1n, 900),
      load(2, 2n * q, 3n * q - 1n, 0),
      load(3, 3n * q, 4n * q - 1n, 500),
    ]
    expect(planHotSplits(loads, 6, 100)).toEqual([
      { shard: 1, at: hashKeyFromBigInt(q + q / 2n) },
      { shard: 3, at: hashKeyFromBigInt(3n * q + q / 2n) },
    ])
    // More owed than shards with traffic: only those split (the idle one is not hot).
    expect(planHotSplits(loads, 16, 100).map((s) => s.shard)).toEqual([1, 3, 0])
    expect(planHotSplits(loads, 16, 1).map((s) => s.shard)).toEqual([1])
    expect(planHotSplits(loads, 4, 100)).toEqual([])
    // A shard of one hash key cannot split.
    expect(planHotSplits([load(7, 5n, 5n, 1000)], 8, 100)).toEqual([])
  })
})

/** Reads every shard from TRIM_HORIZON to its end with the SDK, parents before their children. */
async function readAll(t: TestServer): Promise<{ records: string[]; shards: Shard[] }> {
  const { Shards: shards = [] } = await t.client.send(new ListShardsCommand({ StreamName: 's' }))
  const records: string[] = []
  const done = new Set<string>()
  const queue = shards.filter((s) => !s.ParentShardId).map((s) => s.ShardId!)
  while (queue.length > 0) {
    const shardId = queue.shift()!
    let iterator = (
      await t.client.send(
        new GetShardIteratorCommand({ StreamName: 's', ShardId: shardId, ShardIteratorType: 'TRIM_HORIZON' }),
      )
    ).ShardIterator
    for (let calls = 0; iterator; calls++) {
      // AWS's read limit (5 calls/s per shard): a second passes every few calls.
      if (calls % 4 === 3) await t.settle(1000)
      const out = await t.client.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 10_000 }))
      for (const r of out.Records ?? []) records.push(Buffer.from(r.Data!).toString())
      if (out.ChildShards) {
        done.add(shardId)
        for (const child of out.ChildShards)
          if (child.ParentShards!.every((p) => done.has(p)) && !queue.includes(child.ShardId!))
            queue.push(child.ShardId!)
      }
      // An open shard read to its end: nothing more now.
      iterator = out.Records!.length === 0 && !out.ChildShards ? undefined : out.NextShardIterator
    }
  }
  return { records, shards }
}

describe('on-demand scaling', () => {
  it('splits hot shards under sustained load over capacity: nothing lost, per-key order kept, throttling gone', async () => {
    const t = await startServer({ onDemandWindowMs: WINDOW_MS, sync: { mode: 'os' } })
    await t.client.send(
      new CreateStreamCommand({ StreamName: 's', StreamModeDetails: { StreamMode: 'ON_DEMAND' } }),
    )
    await t.settle()
    expect(t.engine.stream('s').openShardCount()).toBe(4)
    // Each step offers the next records of every key; what a shard throttles is offered again
    // next step (the same numbers), so a key's records are accepted in their order or not at all.
    const next = new Array<number>(KEYS).fill(0)
    const windows: { offered: number; throttled: number; shards: number }[] = []
    const start = t.clock.now()
    let disorder = 0
    for (let step = 0; step < (4 * WINDOW_MS) / STEP_MS; step++) {
      const w = Math.floor((t.clock.now() - start) / WINDOW_MS)
      windows[w] ??= { offered: 0, throttled: 0, shards: t.engine.stream('s').openShardCount() }
      const counts = new Array<number>(KEYS).fill(0)
      const keys = Array.from({ length: PER_STEP }, (_, i) => (step * PER_STEP + i) % KEYS)
      const entries = keys.map((k) => ({
        partitionKey: `key-${k}`,
        data: Buffer.from(`${k}:${next[k]! + counts[k]!++}`).toString('base64'),
      }))
      const { outcomes } = await putRecords(t.engine, 's', entries)
      const refused = new Set<number>()
      outcomes.forEach((o, i) => {
        const k = keys[i]!
        if (!o.ok) refused.add(k)
        // A shard refuses from its first refusal on: a key never has an accepted record after a refused one.
        else if (refused.has(k)) disorder++
        else next[k]!++
      })
      windows[w].offered += entries.length
      windows[w].throttled += outcomes.filter((o) => !o.ok).length
      t.clock.advance(STEP_MS)
      await t.engine.whenSettled()
    }
    // 4 shards → 8 after the first window (its peak, 8,000 records/s, is owed 16 shards' capacity)
    // → 16 after the second; then the stream has what it is owed.
    expect(disorder).toBe(0)
    expect(windows.map((w) => w.shards)).toEqual([4, 8, 16, 16])
    const share = windows.map((w) => w.throttled / w.offered)
    // About half of the first window (less: its first second drew on the shards' full buckets),
    // nothing once the stream has twice the capacity.
    expect(share[0]).toBeGreaterThan(0.2)
    expect(share[2]).toBeLessThan(share[0]! / 10)
    expect(share[3]).toBeLessThan(share[0]! / 10)
    const summary = await t.client.send(new DescribeStreamSummaryCommand({ StreamName: 's' }))
    expect(summary.StreamDescriptionSummary).toMatchObject({ StreamStatus: 'ACTIVE', OpenShardCount: 16 })

    const { records, shards } = await readAll(t)
    // Splits only: every closed shard has two children covering its range; children are open or split again.
    const closed = shards.filter((s) => s.SequenceNumberRange!.EndingSequenceNumber)
    expect(closed).toHaveLength(12)
    expect(shards).toHaveLength(28)
    for (const parent of closed) {
      const children = shards.filter((s) => s.ParentShardId === parent.ShardId)
      expect(children).toHaveLength(2)
      expect(children.every((c) => c.AdjacentParentShardId === undefined)).toBe(true)
      const [lo, hi] = children.sort((a, b) =>
        hashKeyToBigInt(a.HashKeyRange!.StartingHashKey as never) <
        hashKeyToBigInt(b.HashKeyRange!.StartingHashKey as never)
          ? -1
          : 1,
      )
      expect(lo!.HashKeyRange!.StartingHashKey).toBe(parent.HashKeyRange!.StartingHashKey)
      expect(hi!.HashKeyRange!.EndingHashKey).toBe(parent.HashKeyRange!.EndingHashKey)
    }
    // Every accepted record once, and each key's in the order it was accepted.
    expect(records).toHaveLength(next.reduce((a, b) => a + b, 0))
    const seen = new Array<number>(KEYS).fill(0)
    for (const r of records) {
      const [k, n] = r.split(':').map(Number) as [number, number]
      expect(n).toBe(seen[k])
      seen[k]!++
    }
    expect(seen).toEqual(next)
  }, 120_000)

  it('leaves a stream below its capacity alone, and PROVISIONED streams always', async () => {
    const t = await startServer({ onDemandWindowMs: WINDOW_MS, sync: { mode: 'os' } })
    await t.client.send(
      new CreateStreamCommand({ StreamName: 's', StreamModeDetails: { StreamMode: 'ON_DEMAND' } }),
    )
    await t.client.send(new CreateStreamCommand({ StreamName: 'p', ShardCount: 1 }))
    await t.settle()
    for (let step = 0; step < (3 * WINDOW_MS) / STEP_MS; step++) {
      // 1,500 records/s: 1.5 shards' worth, owed 3 (< 4) on the on-demand stream; over the
      // provisioned stream's one shard.
      const entries = Array.from({ length: 150 }, (_, i) => ({
        partitionKey: `k${i}`,
        data: Buffer.from('x').toString('base64'),
      }))
      await putRecords(t.engine, 's', entries)
      await putRecords(t.engine, 'p', entries)
      t.clock.advance(STEP_MS)
      await t.engine.whenSettled()
    }
    expect(t.engine.stream('s').openShardCount()).toBe(4)
    expect(t.engine.stream('p').openShardCount()).toBe(1)
  }, 60_000)

  it('a Kinesis mapping follows the splits: its handler gets every record, each key in order, parents before children', async () => {
    const p = await startPipeline(
      {
        name: 'on-demand-mapping',
        streams: { s: { mode: 'ON_DEMAND' } },
        functions: { consumer: { handler: 'on-demand.handler' } },
        mappings: [{ function: 'consumer', stream: 's', startingPosition: 'TRIM_HORIZON', batchSize: 1000 }],
      },
      {
        dir: fileURLToPath(new URL('../../fixtures/handlers', import.meta.url)),
        onDemandWindowMs: 2000,
        teardown: onTestFinished,
      },
    )
    // 4,000 records/s for three windows: owed 8 shards after the first.
    const KEYS_HERE = 64
    let n = 0
    for (let step = 0; step < 24; step++) {
      const records = Array.from({ length: 1000 }, () => n++)
      await p.put('s', records.map(String), { partitionKey: (_r, i) => `key-${records[i]! % KEYS_HERE}` })
      await p.advance(250)
    }
    expect(p.runtime.engine.stream('s').openShardCount()).toBe(8)
    const batches = () => p.logs.filter((l) => l.message.startsWith('batch '))
    const received = () => batches().reduce((sum, l) => sum + l.message.split(' ')[2]!.split(',').length, 0)
    await p.until(() => received() >= n)
    expect(received()).toBe(n)
    const last = new Map<number, number>()
    const shards = new Set<string>()
    for (const line of batches()) {
      const [, shard, data] = line.message.split(' ')
      shards.add(shard!)
      for (const value of data!.split(',').map(Number)) {
        const key = value % KEYS_HERE
        expect(value).toBeGreaterThan(last.get(key) ?? -1)
        last.set(key, value)
      }
    }
    // The four first shards and the eight children all delivered.
    expect(shards.size).toBe(12)
  }, 120_000)
})

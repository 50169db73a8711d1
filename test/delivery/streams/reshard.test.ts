import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it, onTestFinished } from 'vitest'
import { putRecords } from '../../../src/engine/records.ts'
import type { PipelineDefinition } from '../../../src/pipeline/schema.ts'
import { startPipeline, type TestPipeline } from '../../../src/testing/index.ts'

const CONFIG = new URL('../../fixtures/pipelines/delivery-reshard/tributary.config.ts', import.meta.url)
  .pathname
const KEYS = 12

describe('a delivery stream while its source stream is resharded', () => {
  it('follows splits and merges: every record once, each key in order, children after parents', async () => {
    const p = await startPipeline(CONFIG, { teardown: onTestFinished })
    await p.active()
    const engine = p.runtime.engine
    const created: string[] = []
    p.runtime.buckets.onObjectCreated((c) => {
      if (c.bucket === 'lake') created.push(c.key)
    })
    let next = 0
    const put = async (count: number) => {
      const entries = Array.from({ length: count }, () => {
        const n = next++
        return {
          partitionKey: `key-${n % KEYS}`,
          data: Buffer.from(JSON.stringify({ n })).toString('base64'),
        }
      })
      const result = await putRecords(engine, 'events', entries)
      expect(result.outcomes.every((o) => o.ok)).toBe(true)
    }
    const reshard = async (target: number) => {
      engine.beginUpdate('events', { kind: 'scale', target })
      await p.until(() => engine.stream('events').state.status === 'ACTIVE')
      expect(engine.stream('events').openShardCount()).toBe(target)
    }
    const delivered = () =>
      p.metric('DeliveryToS3.Records', { DeliveryStreamName: 'raw' }, 'AWS/Firehose').sum

    // The two first shards' files are refused for a while (each attempt is retried a second
    // later): their children, with buffers due meanwhile, must wait for them.
    let holdParents = true
    p.runtime.buckets.onPutIntent((c) => {
      if (holdParents && c.bucket === 'lake' && /shardId-00000000000[01]-/.test(c.key))
        throw new Error('held by the test')
    })
    await put(300)
    await reshard(4) // 2 → 4: splits
    await put(300)
    const heldFrom = p.clock.now()
    await p.until(() => p.clock.now() - heldFrom > 150_000) // past every buffer's 60 s interval
    expect(created).toEqual([])
    holdParents = false
    await reshard(1) // 4 → 1: merges
    await put(300)
    await p.until(() => delivered() === 900)

    // Files in the order they were committed; within each, records in log order.
    const records: { n: number; file: string }[] = []
    for (const key of created) {
      // No expression in the prefix: Firehose appends YYYY/MM/dd/HH/.
      expect(key).toMatch(/^raw\/\d{4}\/\d{2}\/\d{2}\/\d{2}\/raw-shardId-\d{12}-\d+-\d+\.json$/)
      const body = await readFile(join(p.dataDir, 'lake', 'lake', key), 'utf8')
      for (const line of body.split('\n').filter(Boolean)) records.push({ n: JSON.parse(line).n, file: key })
    }
    expect(records.map((r) => r.n).sort((a, b) => a - b)).toEqual(Array.from({ length: 900 }, (_, i) => i))
    // A key moves to a child shard only after its parent's records are all in the lake.
    for (let k = 0; k < KEYS; k++) {
      const ns = records.filter((r) => r.n % KEYS === k).map((r) => r.n)
      expect(ns).toEqual([...ns].sort((a, b) => a - b))
    }
    // Records from at least 1 + 2 + 4 + 1 shards' buffers: parents, children and the merged one.
    const shards = new Set(created.map((key) => /shardId-\d{12}/.exec(key)![0]))
    expect(shards.size).toBeGreaterThanOrEqual(5)
  })

  it("keeps flushing other delivery streams while one's writes keep failing", async () => {
    const p = await startPipeline(CONFIG, { teardown: onTestFinished })
    await p.active()
    let refused = 0
    p.runtime.buckets.onPutIntent((c) => {
      if (c.bucket !== 'lake') return
      refused++
      throw new Error('the lake refuses every write')
    })
    const entries = Array.from({ length: 200 }, (_, n) => ({
      partitionKey: `key-${n}`,
      data: Buffer.from(JSON.stringify({ n })).toString('base64'),
    }))
    expect((await putRecords(p.runtime.engine, 'events', entries)).outcomes.every((o) => o.ok)).toBe(true)
    const delivered = (name: string) =>
      p.metric('DeliveryToS3.Records', { DeliveryStreamName: name }, 'AWS/Firehose').sum
    // Both of raw's buffers retry every second; copy's must still get the flush slots (when a
    // failing buffer kept its slot, copy never got one, however often raw retried).
    await p.until(() => delivered('copy') === 200 || refused > 200)
    expect([delivered('copy'), delivered('raw')]).toEqual([200, 0])
    expect(refused).toBeGreaterThan(0)
  })
})

/** A delivery stream at Firehose's default starting position, LATEST (none: no delivery yet). */
const latest = (shards: number, delivery = true): PipelineDefinition => ({
  name: 'delivery-reshard-latest',
  streams: { events: { shardCount: shards } },
  buckets: { lake: {} },
  deliveries: delivery
    ? {
        raw: {
          stream: 'events',
          bucket: 'lake',
          prefix: 'raw/',
          appendNewline: true,
          bufferingHints: { sizeInMBs: 1, intervalInSeconds: 60 },
        },
      }
    : {},
})

/** Puts `{ n }` records numbered on from the last, over KEYS partition keys; reshards; reads the lake. */
function driver(p: TestPipeline, first = 0) {
  let next = first
  let hold = false
  const engine = () => p.runtime.engine
  const driving = {
    /** While set, the lake refuses the delivery's files (each attempt retried a second later). */
    set hold(on: boolean) {
      hold = on
    },
    put: (count: number) =>
      p.put(
        'events',
        Array.from({ length: count }, () => ({ n: next++ })),
        { partitionKey: (r) => `key-${r.n % KEYS}` },
      ),
    async reshard(target: number) {
      engine().beginUpdate('events', { kind: 'scale', target })
      await p.until(() => engine().stream('events').state.status === 'ACTIVE')
      expect(engine().stream('events').openShardCount()).toBe(target)
    },
    closedShards: () =>
      new Set(
        engine()
          .stream('events')
          .orderedShards()
          .filter((s) => !s.open)
          .map((s) => s.id),
      ),
    /** Every `n` in the lake, sorted. */
    lake: async () =>
      (await p.lake.rowsUnder<{ n: number }>('lake', 'raw/')).map((r) => r.n).sort((a, b) => a - b),
  }
  p.runtime.buckets.onPutIntent((c) => {
    if (hold && c.bucket === 'lake') throw new Error('held by the test')
  })
  return driving
}

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i)

describe('a LATEST delivery stream while its source stream is resharded', () => {
  it.each([
    ['split', 1, 2],
    ['merge', 2, 1],
  ])(
    'reads the children of a %s from their start: records put into them while the parents drain land once',
    async (_, from, to) => {
      const p = await startPipeline(latest(from), { teardown: onTestFinished })
      // Every shard there at the start is pinned at LATEST (its end: nothing yet).
      await p.settle()
      const d = driver(p)
      const delivered = () =>
        p.metric('DeliveryToS3.Records', { DeliveryStreamName: 'raw' }, 'AWS/Firehose').sum
      // The parents' files are refused until released: they are still delivering (so their
      // children cannot start) when records are put into the children.
      d.hold = true
      await d.put(100)
      await d.reshard(to)
      const parents = d.closedShards()
      const intoChildren = await d.put(100)
      expect(intoChildren.some((r) => parents.has(r.shardId))).toBe(false)
      expect(delivered()).toBe(0)

      d.hold = false
      const released = p.clock.now()
      await p.until(() => delivered() >= 200 || p.clock.now() - released > 10 * 60_000)
      expect(await d.lake()).toEqual(range(0, 200))
      expect(delivered()).toBe(200)
    },
  )

  it('restarted while the parent drains, reads the children from their start', async () => {
    const first = await startPipeline(latest(1), { teardown: onTestFinished })
    await first.settle()
    const d = driver(first)
    d.hold = true
    await d.put(100)
    await d.reshard(2)
    await d.put(100)
    await first.close()

    const p = await startPipeline(latest(1), {
      dataDir: first.dataDir,
      clock: first.clock,
      teardown: onTestFinished,
    })
    const again = driver(p)
    const started = p.clock.now()
    await p.until(async () => (await again.lake()).length >= 200 || p.clock.now() - started > 10 * 60_000)
    expect(await again.lake()).toEqual(range(0, 200))
  })

  it('first reading a resharded stream, starts every shard there at LATEST, closed parents and children alike', async () => {
    const before = await startPipeline(latest(1, false), { teardown: onTestFinished })
    const d = driver(before)
    await d.put(100)
    await d.reshard(2)
    await d.put(100) // into the children, before the delivery stream exists
    await before.close()

    const p = await startPipeline(latest(1), {
      dataDir: before.dataDir,
      clock: before.clock,
      teardown: onTestFinished,
    })
    await p.settle()
    const after = driver(p, 200)
    await after.put(100)
    const started = p.clock.now()
    await p.until(async () => (await after.lake()).length >= 100 || p.clock.now() - started > 10 * 60_000)
    await p.advance(120_000)
    expect(await after.lake()).toEqual(range(200, 300))
  })
})

import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it, onTestFinished } from 'vitest'
import { putRecords } from '../../../src/engine/records.ts'
import { startPipeline } from '../../../src/testing/index.ts'

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

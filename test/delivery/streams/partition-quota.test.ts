import { join } from 'node:path'
import { describe, expect, it, onTestFinished } from 'vitest'
import { ACTIVE_PARTITIONS_EXCEEDED } from '../../../src/delivery/streams/flush.ts'
import { putRecords } from '../../../src/engine/records.ts'
import { startPipeline } from '../../../src/testing/index.ts'
import { readPartitionLake, valueEntries } from './partition-lake.ts'

const CONFIG = new URL('./fixtures/partitions/tributary.config.ts', import.meta.url).pathname

const toWire = (entries: ReturnType<typeof valueEntries>) =>
  entries.map((e) => ({ ...e, data: e.data.toString('base64') }))

describe('the active-partition quota of a delivery stream', () => {
  it('counts across shards as Firehose does: 600 values over 2 shards → 500 written, 100 to the error prefix', async () => {
    const p = await startPipeline(CONFIG, { teardown: onTestFinished })
    await p.active()
    const engine = p.runtime.engine
    for (const [from, shard] of [
      [0, 0],
      [300, 1],
    ] as const) {
      const result = await putRecords(engine, 'values', toWire(valueEntries(from, 300, shard)))
      expect(result.outcomes.every((o) => o.ok)).toBe(true)
    }
    const firehose = (name: string) => p.metric(name, { DeliveryStreamName: 'byValue' }, 'AWS/Firehose').sum
    await p.until(
      () => firehose('DeliveryToS3.Records') + firehose('DeliveryToS3.ErrorOutputRecords') === 600,
    )

    const lake = await readPartitionLake(join(p.dataDir, 'lake', 'lake'))
    expect(lake.data.length).toBe(500) // one object per partition
    expect(new Set(lake.written).size).toBe(500)
    expect(lake.errors.length).toBe(100)
    for (const e of lake.errors) {
      expect(e.errorCode).toBe(ACTIVE_PARTITIONS_EXCEEDED.code)
      expect(e.errorMessage).toBe(ACTIVE_PARTITIONS_EXCEEDED.message)
    }
    // Every value exactly once, written or in the error output.
    expect([...lake.written, ...lake.errors.map((e) => e.value)].sort()).toEqual(
      Array.from({ length: 600 }, (_, i) => `v${i}`).sort(),
    )
    expect(firehose('PartitionCountExceeded')).toBeGreaterThanOrEqual(1)
  })
})

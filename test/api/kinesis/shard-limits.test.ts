import {
  GetRecordsCommand,
  GetShardIteratorCommand,
  PutRecordCommand,
  PutRecordsCommand,
  type PutRecordsRequestEntry,
} from '@aws-sdk/client-kinesis'
import { describe, expect, it, onTestFinished } from 'vitest'
import { Kinesis } from '../../../src/monitor/catalog/index.ts'
import { MetricTotals } from '../../../src/monitor/metrics.ts'
import { startPipeline } from '../../../src/testing/index.ts'
import { ACCOUNT, expectAwsError, MAX_HASH, shardId } from '../../helpers/kinesis.ts'
import {
  createActiveStream,
  startServer,
  type TestServer,
  type TestServerOptions,
} from '../../helpers/server.ts'

const MiB = 1024 * 1024
const HALF = (MAX_HASH + 1n) / 2n

/** `n` records of `bytes` bytes of data each, keyed `k` (1 byte), to shard 0 or 1 of a 2-shard stream. */
function records(n: number, bytes = 10, shard = 0): PutRecordsRequestEntry[] {
  const data = Buffer.alloc(bytes, 'x')
  const ExplicitHashKey = (BigInt(shard) * HALF).toString()
  return Array.from({ length: n }, () => ({ Data: data, PartitionKey: 'k', ExplicitHashKey }))
}

const throttledWrite = (shard: number, stream = 's') => ({
  ErrorCode: 'ProvisionedThroughputExceededException',
  ErrorMessage: `Rate exceeded for shard ${shardId(shard)} in stream ${stream} under account ${ACCOUNT}.`,
})

async function server(options: TestServerOptions = {}): Promise<TestServer & { metrics: MetricTotals }> {
  const metrics = new MetricTotals()
  const t = await startServer({ ...options, metrics })
  return Object.assign(t, { metrics })
}

async function put(t: TestServer, entries: PutRecordsRequestEntry[], stream = 's') {
  const out = await t.client.send(new PutRecordsCommand({ StreamName: stream, Records: entries }))
  return {
    failed: out.FailedRecordCount,
    ok: out.Records!.filter((r) => r.SequenceNumber).length,
    errors: out.Records!.filter((r) => r.ErrorCode),
  }
}

describe('write limits: 1,000 records/s and 1 MiB/s per shard', () => {
  it('takes 1,000 records at once, refuses the 1,001st, and one more per millisecond after', async () => {
    const t = await server()
    await createActiveStream(t, 's')

    expect(await put(t, records(500))).toMatchObject({ failed: 0, ok: 500 })
    expect(await put(t, records(500))).toMatchObject({ failed: 0, ok: 500 })
    const over = await put(t, records(3))
    expect(over).toMatchObject({ failed: 3, ok: 0 })
    expect(over.errors).toEqual([throttledWrite(0), throttledWrite(0), throttledWrite(0)])

    t.clock.advance(1)
    expect(await put(t, records(2))).toMatchObject({ failed: 1, ok: 1 })
    t.clock.advance(999)
    expect(await put(t, records(500))).toMatchObject({ failed: 0, ok: 500 })
    expect(await put(t, records(500))).toMatchObject({ failed: 1, ok: 499 })
  })

  it('takes 1 MiB at once (data plus partition key), then 1,048.576 bytes per millisecond', async () => {
    const t = await server()
    await createActiveStream(t, 's')
    // 10,240 bytes of data + a 1-byte key: 102 records fit in 1 MiB (1,044,582 bytes), 103 do not.
    const out = await t.client.send(new PutRecordsCommand({ StreamName: 's', Records: records(110, 10_240) }))
    expect(out.FailedRecordCount).toBe(8)
    // The refused ones are the request's last: the shard takes none after the first it refuses.
    expect(out.Records!.slice(0, 102).every((r) => r.ShardId === shardId(0))).toBe(true)
    expect(out.Records!.slice(102)).toEqual(Array(8).fill(throttledWrite(0)))
    // 3,994 bytes are left: small records still fit (3 × 2 bytes), a 10,241-byte one does not.
    expect(await put(t, records(3, 1))).toMatchObject({ failed: 0, ok: 3 })
    expect(await put(t, records(1, 10_240))).toMatchObject({ failed: 1 })
    // 3,988 + 5 ms × 1,048.576 = 9,230.88 bytes < 10,241; after 6 ms, 10,279.456 bytes ≥ 10,241.
    t.clock.advance(5)
    expect(await put(t, records(1, 10_240))).toMatchObject({ failed: 1 })
    t.clock.advance(1)
    expect(await put(t, records(2, 10_240))).toMatchObject({ failed: 1, ok: 1 })
  })

  it('fails only the throttled shard’s records of a PutRecords, in request order', async () => {
    const t = await server()
    await createActiveStream(t, 's', 2)
    await put(t, records(500, 10, 0))
    await put(t, records(499, 10, 0))

    const mixed = [...records(2, 10, 0), ...records(2, 10, 1), ...records(1, 10, 0)]
    const out = await t.client.send(new PutRecordsCommand({ StreamName: 's', Records: mixed }))
    expect(out.FailedRecordCount).toBe(2)
    expect(out.Records!.map((r) => r.ShardId ?? r.ErrorCode)).toEqual([
      shardId(0),
      'ProvisionedThroughputExceededException',
      shardId(1),
      shardId(1),
      'ProvisionedThroughputExceededException',
    ])
  })

  it('fails a whole PutRecord with a 400 ProvisionedThroughputExceededException', async () => {
    const t = await server()
    await createActiveStream(t, 's')
    await put(t, records(500))
    await put(t, records(500))
    const call = t.client.send(
      new PutRecordCommand({ StreamName: 's', PartitionKey: 'k', Data: Buffer.from('x') }),
    )
    await expectAwsError(call, {
      name: 'ProvisionedThroughputExceededException',
      message: `Rate exceeded for shard ${shardId(0)} in stream s under account ${ACCOUNT}.`,
    })
    t.clock.advance(1)
    const ok = await t.client.send(
      new PutRecordCommand({ StreamName: 's', PartitionKey: 'k', Data: Buffer.from('x') }),
    )
    expect(ok.ShardId).toBe(shardId(0))
  })

  it('lets a record bigger than a second of capacity through a full bucket, then waits out the debt', async () => {
    const t = await server()
    t.engine.createStream('big', { shardCount: 1, maxRecordSizeKiB: 2048 })
    await t.settle()
    const twoMiB = records(1, 2 * MiB - 1, 0)
    expect(await put(t, twoMiB, 'big')).toMatchObject({ failed: 0 })
    t.clock.advance(999)
    expect(await put(t, records(1, 1), 'big')).toMatchObject({ failed: 1 })
    t.clock.advance(2)
    expect(await put(t, records(1, 1), 'big')).toMatchObject({ failed: 0 })
  })

  it('counts refused records in WriteProvisionedThroughputExceeded, accepted ones in IncomingRecords', async () => {
    const t = await server()
    await createActiveStream(t, 's')
    await put(t, records(500))
    await put(t, records(500))
    await put(t, records(7))
    await t.client
      .send(new PutRecordCommand({ StreamName: 's', PartitionKey: 'k', Data: Buffer.from('x') }))
      .catch(() => undefined)
    expect(t.metrics.of(Kinesis.WriteProvisionedThroughputExceeded, { StreamName: 's' }).sum).toBe(8)
    expect(t.metrics.of(Kinesis.IncomingRecords, { StreamName: 's' }).sum).toBe(1000)
  })
})

describe('read limits: 5 GetRecords calls/s and 2 MiB/s per shard', () => {
  async function iterator(t: TestServer): Promise<string> {
    const out = await t.client.send(
      new GetShardIteratorCommand({
        StreamName: 's',
        ShardId: shardId(0),
        ShardIteratorType: 'TRIM_HORIZON',
      }),
    )
    return out.ShardIterator!
  }
  const throttledRead = {
    name: 'ProvisionedThroughputExceededException',
    message: `Rate exceeded for Shard - ${ACCOUNT}/s/${shardId(0)}`,
  }

  it('takes 5 calls at once, refuses the 6th, and one more every 200 ms after', async () => {
    const t = await server()
    await createActiveStream(t, 's')
    let it = await iterator(t)
    for (let i = 0; i < 5; i++) {
      it = (await t.client.send(new GetRecordsCommand({ ShardIterator: it }))).NextShardIterator!
    }
    await expectAwsError(t.client.send(new GetRecordsCommand({ ShardIterator: it })), throttledRead)
    t.clock.advance(199)
    await expectAwsError(t.client.send(new GetRecordsCommand({ ShardIterator: it })), throttledRead)
    t.clock.advance(1)
    await t.client.send(new GetRecordsCommand({ ShardIterator: it }))
    await expectAwsError(t.client.send(new GetRecordsCommand({ ShardIterator: it })), throttledRead)

    const read = (name: 'ReadProvisionedThroughputExceeded' | 'GetRecords_Success') =>
      t.metrics.of(Kinesis[name], { StreamName: 's' }).sum
    expect(read('ReadProvisionedThroughputExceeded')).toBe(3)
    expect(read('GetRecords_Success')).toBe(6)
  })

  it('lets one call read past 2 MiB and refuses the next ones until the debt is paid', async () => {
    const t = await server()
    await createActiveStream(t, 's')
    // 3 MiB in, over three seconds: 3 × 102 records of 10,240 bytes (+ 1-byte keys) = 3,133,746 bytes.
    for (let s = 0; s < 3; s++) {
      expect(await put(t, records(102, 10_240))).toMatchObject({ failed: 0 })
      t.clock.advance(1000)
    }
    const first = await t.client.send(new GetRecordsCommand({ ShardIterator: await iterator(t) }))
    expect(first.Records).toHaveLength(306)
    // 2,097,152 − 3,133,746 = −1,036,594 bytes: paid off at 2,097.152 bytes/ms after 494.28 ms.
    const next = { ShardIterator: first.NextShardIterator! }
    await expectAwsError(t.client.send(new GetRecordsCommand(next)), throttledRead)
    t.clock.advance(494)
    await expectAwsError(t.client.send(new GetRecordsCommand(next)), throttledRead)
    t.clock.advance(1)
    expect((await t.client.send(new GetRecordsCommand(next))).Records).toEqual([])
  })
})

describe('turning the limits off', () => {
  it('for the whole engine (--shard-limits off)', async () => {
    const t = await server({ shardLimits: false })
    await createActiveStream(t, 's')
    for (let i = 0; i < 5; i++) expect(await put(t, records(500))).toMatchObject({ failed: 0 })
    const it = await t.client.send(
      new GetShardIteratorCommand({ StreamName: 's', ShardId: shardId(0), ShardIteratorType: 'LATEST' }),
    )
    for (let i = 0; i < 10; i++)
      await t.client.send(new GetRecordsCommand({ ShardIterator: it.ShardIterator! }))
    expect(t.metrics.of(Kinesis.WriteProvisionedThroughputExceeded, { StreamName: 's' }).count).toBe(0)
  })

  it('for one stream, leaving the others limited', async () => {
    const t = await server()
    await createActiveStream(t, 's')
    await createActiveStream(t, 'free')
    t.engine.setShardLimits('free', false)
    for (let i = 0; i < 4; i++) expect(await put(t, records(500), 'free')).toMatchObject({ failed: 0 })
    await put(t, records(500))
    await put(t, records(500))
    expect(await put(t, records(1))).toMatchObject({ failed: 1 })
  })

  it("from the pipeline definition: a stream's shardLimits: false", async () => {
    const p = await startPipeline(
      {
        name: 'limits',
        streams: { limited: { shardCount: 1 }, free: { shardCount: 1, shardLimits: false } },
      },
      { serve: true, teardown: onTestFinished },
    )
    const send = async (stream: string) => {
      let failed = 0
      for (let i = 0; i < 3; i++) {
        const out = await p.kinesis!.send(
          new PutRecordsCommand({ StreamName: stream, Records: records(500) }),
        )
        failed += out.FailedRecordCount ?? 0
      }
      return failed
    }
    expect(await send('free')).toBe(0)
    expect(await send('limited')).toBe(500)
  })
})

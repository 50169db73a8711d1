import {
  CreateStreamCommand,
  DeleteStreamCommand,
  DescribeStreamCommand,
  DescribeStreamSummaryCommand,
  EnableEnhancedMonitoringCommand,
  GetRecordsCommand,
  IncreaseStreamRetentionPeriodCommand,
  ListStreamsCommand,
  ListTagsForStreamCommand,
  PutRecordCommand,
  PutRecordsCommand,
  SplitShardCommand,
  StartStreamEncryptionCommand,
  UpdateShardCountCommand,
  UpdateStreamModeCommand,
} from '@aws-sdk/client-kinesis'
import { describe, expect, it } from 'vitest'
import {
  arnOf,
  describeShards,
  expectAwsError,
  expectValidLineage,
  iteratorFor,
  MAX_HASH,
  notFound,
  readShard,
  shardId,
  streamStatus,
  text,
} from '../../helpers/kinesis.ts'
import { createActiveStream, startServer, type TestServer } from '../../helpers/server.ts'

const START = Date.UTC(2026, 2, 1, 12, 0, 0, 0)
const HOUR = 3_600_000

/** Closes `t` and opens a new engine and server on its data directory, at the same time. */
async function restart(t: TestServer): Promise<TestServer> {
  const now = t.clock.now()
  await t.close()
  return startServer({ dataDir: t.dataDir, startTime: now })
}

/** Everything a client can observe about the streams, records included. */
async function snapshot(t: TestServer) {
  const names = (await t.client.send(new ListStreamsCommand({}))).StreamNames!
  const streams: Record<string, unknown> = {}
  for (const name of names) {
    const description = (await t.client.send(new DescribeStreamCommand({ StreamName: name })))
      .StreamDescription!
    const summary = (await t.client.send(new DescribeStreamSummaryCommand({ StreamName: name })))
      .StreamDescriptionSummary
    const tags = (await t.client.send(new ListTagsForStreamCommand({ StreamName: name }))).Tags
    const records: Record<string, unknown> = {}
    for (const shard of description.Shards!) {
      const read = await readShard(t, name, shard.ShardId!)
      records[shard.ShardId!] = read.records.map((r) => ({
        data: Buffer.from(r.Data!).toString('base64'),
        key: r.PartitionKey,
        seq: r.SequenceNumber,
        at: r.ApproximateArrivalTimestamp?.getTime(),
        kms: r.EncryptionType,
      }))
    }
    streams[name] = { description, summary, tags, records }
  }
  return streams
}

describe('durability across a restart', () => {
  it('keeps streams, shards (closed ones too), tags, settings and every record', async () => {
    const t = await startServer({ startTime: START })
    await t.client.send(new CreateStreamCommand({ StreamName: 'a', ShardCount: 2, Tags: { team: 'data' } }))
    await t.settle()
    const batch = (tag: string) =>
      t.client.send(
        new PutRecordsCommand({
          StreamName: 'a',
          Records: Array.from({ length: 30 }, (_, i) => ({
            PartitionKey: `${tag}-${i}`,
            Data: Buffer.from(`${tag}-${i}`),
          })),
        }),
      )
    await batch('before-split')
    t.clock.advance(1000)
    await t.client.send(
      new SplitShardCommand({
        StreamName: 'a',
        ShardToSplit: shardId(0),
        NewStartingHashKey: String(MAX_HASH / 4n),
      }),
    )
    await t.settle()
    await batch('after-split')
    await t.client.send(
      new IncreaseStreamRetentionPeriodCommand({ StreamName: 'a', RetentionPeriodHours: 72 }),
    )
    await t.client.send(
      new EnableEnhancedMonitoringCommand({ StreamName: 'a', ShardLevelMetrics: ['IncomingBytes'] }),
    )
    await t.client.send(
      new StartStreamEncryptionCommand({ StreamName: 'a', EncryptionType: 'KMS', KeyId: 'alias/k' }),
    )
    await t.settle()
    await batch('encrypted')
    await t.client.send(
      new CreateStreamCommand({ StreamName: 'b', StreamModeDetails: { StreamMode: 'ON_DEMAND' } }),
    )
    await t.settle()
    await t.client.send(
      new PutRecordCommand({ StreamName: 'b', PartitionKey: 'k', Data: Buffer.from([0, 1, 2, 255]) }),
    )
    const iterator = await iteratorFor(t, { StreamName: 'a', ShardId: shardId(0) })
    const before = await snapshot(t)

    const t2 = await restart(t)

    expect(await snapshot(t2)).toEqual(before)
    const shards = await describeShards(t2, 'a')
    expect(shards.map((s) => [s.ShardId, s.SequenceNumberRange!.EndingSequenceNumber !== undefined])).toEqual(
      [
        [shardId(0), true],
        [shardId(1), false],
        [shardId(2), false],
        [shardId(3), false],
      ],
    )
    expectValidLineage(shards, 3)
    const resumed = await t2.client.send(new GetRecordsCommand({ ShardIterator: iterator }))
    expect(resumed.Records!.map(text).slice(0, 3)).toEqual(
      ((before.a as { records: Record<string, { data: string }[]> }).records[shardId(0)] ?? [])
        .slice(0, 3)
        .map((r) => Buffer.from(r.data, 'base64').toString()),
    )
  })

  it('issues sequence numbers above every number issued before the restart', async () => {
    const t = await startServer({ startTime: START })
    await createActiveStream(t, 's', 2)
    const old = []
    for (let i = 0; i < 10; i++) {
      old.push(
        await t.client.send(
          new PutRecordCommand({
            StreamName: 's',
            PartitionKey: 'k',
            ExplicitHashKey: String(i % 2 ? MAX_HASH : 0n),
            Data: Buffer.from(`${i}`),
          }),
        ),
      )
    }

    const t2 = await restart(t)
    const fresh = []
    for (const hashKey of [0n, MAX_HASH]) {
      fresh.push(
        await t2.client.send(
          new PutRecordCommand({
            StreamName: 's',
            PartitionKey: 'k',
            ExplicitHashKey: String(hashKey),
            Data: Buffer.from('new'),
          }),
        ),
      )
    }

    for (const put of fresh) {
      const sameShard = old.filter((o) => o.ShardId === put.ShardId).map((o) => BigInt(o.SequenceNumber!))
      expect(sameShard).toHaveLength(5)
      for (const seq of sameShard) expect(BigInt(put.SequenceNumber!) > seq).toBe(true)
      const { records } = await readShard(t2, 's', put.ShardId!)
      expect(records.map(text).at(-1)).toBe('new')
      expect(records).toHaveLength(6)
    }
  })

  it('completes the changes that were pending when it stopped', async () => {
    const t = await startServer({ startTime: START })
    await createActiveStream(t, 'split', 1)
    await createActiveStream(t, 'scale', 2)
    await createActiveStream(t, 'mode', 1)
    await createActiveStream(t, 'doomed', 1)
    await t.client.send(new CreateStreamCommand({ StreamName: 'young', ShardCount: 3 }))
    await t.client.send(
      new SplitShardCommand({ StreamName: 'split', ShardToSplit: shardId(0), NewStartingHashKey: '12345' }),
    )
    await t.client.send(
      new UpdateShardCountCommand({
        StreamName: 'scale',
        TargetShardCount: 3,
        ScalingType: 'UNIFORM_SCALING',
      }),
    )
    await t.client.send(
      new UpdateStreamModeCommand({
        StreamARN: arnOf('mode'),
        StreamModeDetails: { StreamMode: 'ON_DEMAND' },
      }),
    )
    await t.client.send(new DeleteStreamCommand({ StreamName: 'doomed' }))

    const t2 = await restart(t)

    expect(await streamStatus(t2, 'young')).toBe('CREATING')
    expect(await streamStatus(t2, 'split')).toBe('UPDATING')
    expect(await streamStatus(t2, 'scale')).toBe('UPDATING')
    expect(await streamStatus(t2, 'mode')).toBe('UPDATING')
    expect(await streamStatus(t2, 'doomed')).toBe('DELETING')
    await t2.settle()
    for (const name of ['young', 'split', 'scale', 'mode'])
      expect(await streamStatus(t2, name)).toBe('ACTIVE')
    expect(await describeShards(t2, 'young')).toHaveLength(3)
    expectValidLineage(await describeShards(t2, 'split'), 2)
    expectValidLineage(await describeShards(t2, 'scale'), 3)
    const mode = (await t2.client.send(new DescribeStreamSummaryCommand({ StreamName: 'mode' })))
      .StreamDescriptionSummary
    expect(mode!.StreamModeDetails).toEqual({ StreamMode: 'ON_DEMAND' })
    await expectAwsError(
      t2.client.send(new DescribeStreamSummaryCommand({ StreamName: 'doomed' })),
      notFound('doomed'),
    )
  })

  it('keeps expired records hidden, even when retention was raised before the restart', async () => {
    const t = await startServer({ startTime: START })
    await createActiveStream(t, 's', 1)
    await t.client.send(
      new PutRecordCommand({ StreamName: 's', PartitionKey: 'k', Data: Buffer.from('old') }),
    )
    t.clock.advance(2 * HOUR)
    await t.client.send(
      new PutRecordCommand({ StreamName: 's', PartitionKey: 'k', Data: Buffer.from('young') }),
    )
    t.clock.set(START + 25 * HOUR)
    await t.client.send(
      new IncreaseStreamRetentionPeriodCommand({ StreamName: 's', RetentionPeriodHours: 168 }),
    )

    const t2 = await restart(t)

    expect((await readShard(t2, 's', shardId(0))).records.map(text)).toEqual(['young'])
    const summary = (await t2.client.send(new DescribeStreamSummaryCommand({ StreamName: 's' })))
      .StreamDescriptionSummary
    expect(summary!.RetentionPeriodHours).toBe(168)
  })

  it('numbers shards created after a restart after every earlier shard', async () => {
    const t = await startServer({ startTime: START })
    await createActiveStream(t, 's', 1)
    await t.client.send(
      new SplitShardCommand({ StreamName: 's', ShardToSplit: shardId(0), NewStartingHashKey: '1000' }),
    )
    await t.settle()

    const t2 = await restart(t)
    await t2.client.send(
      new SplitShardCommand({
        StreamName: 's',
        ShardToSplit: shardId(2),
        NewStartingHashKey: String(MAX_HASH / 2n),
      }),
    )
    await t2.settle()

    const shards = await describeShards(t2, 's')
    expect(shards.map((s) => [s.ShardId, s.ParentShardId])).toEqual([
      [shardId(0), undefined],
      [shardId(1), shardId(0)],
      [shardId(2), shardId(0)],
      [shardId(3), shardId(2)],
      [shardId(4), shardId(2)],
    ])
    expectValidLineage(shards, 3)
  })
})

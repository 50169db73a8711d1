import {
  CreateStreamCommand,
  DescribeStreamSummaryCommand,
  MergeShardsCommand,
  type MergeShardsCommandInput,
  PutRecordCommand,
  PutRecordsCommand,
  type ScalingType,
  SplitShardCommand,
  type SplitShardCommandInput,
  UpdateShardCountCommand,
  type UpdateShardCountCommandInput,
} from '@aws-sdk/client-kinesis'
import { describe, expect, it } from 'vitest'
import {
  ACCOUNT,
  arnOf,
  describeShards,
  expectAwsError,
  expectStrictlyIncreasing,
  expectValidLineage,
  invalidArgument,
  MAX_HASH,
  notActive,
  notFound,
  readShard,
  shardId,
  streamStatus,
  text,
  validation,
} from '../../helpers/kinesis.ts'
import { createActiveStream, startServer, type TestServer } from '../../helpers/server.ts'

const HALF = (MAX_HASH + 1n) / 2n

const alreadyClosed = (shard: string) =>
  invalidArgument(
    `Shard ${shard} in stream s under account ${ACCOUNT} has already been merged or split, and thus is not eligible for merging or splitting.`,
  )
const onDemand = (name: string) => ({
  name: 'ValidationException',
  message: `Request is invalid. Stream ${name} under account ${ACCOUNT} is in On-Demand mode.`,
})
const shardLimit = (current: number, limit: number, additional: number) => ({
  name: 'LimitExceededException',
  message:
    `This request would exceed the shard limit for the account ${ACCOUNT} in us-east-1. ` +
    `Current shard count for the account: ${current}. Limit: ${limit}. ` +
    `Number of additional shards that would have resulted from this request: ${additional}. ` +
    'Refer to the AWS Service Limits page (http://docs.aws.amazon.com/general/latest/gr/aws_service_limits.html) ' +
    'for current limits and how to request higher limits.',
})

async function putByKey(t: TestServer, stream: string, data: string, hashKey: bigint) {
  return t.client.send(
    new PutRecordCommand({
      StreamName: stream,
      PartitionKey: data,
      ExplicitHashKey: String(hashKey),
      Data: Buffer.from(data),
    }),
  )
}

describe('SplitShard', () => {
  it('is UPDATING until the delay has passed, then closes the parent and opens two children', async () => {
    const t = await startServer()
    await createActiveStream(t, 's', 1)
    const before = await putByKey(t, 's', 'before', 0n)

    await t.client.send(
      new SplitShardCommand({ StreamName: 's', ShardToSplit: shardId(0), NewStartingHashKey: String(HALF) }),
    )

    expect(await streamStatus(t, 's')).toBe('UPDATING')
    const during = await putByKey(t, 's', 'during', MAX_HASH)
    await t.settle(499)
    expect(await streamStatus(t, 's')).toBe('UPDATING')
    await t.settle(1)
    expect(await streamStatus(t, 's')).toBe('ACTIVE')
    const left = await putByKey(t, 's', 'left', HALF - 1n)
    const right = await putByKey(t, 's', 'right', HALF)

    const shards = await describeShards(t, 's')
    expect(shards.map((s) => [s.ShardId, s.ParentShardId, s.HashKeyRange])).toEqual([
      [shardId(0), undefined, { StartingHashKey: '0', EndingHashKey: String(MAX_HASH) }],
      [shardId(1), shardId(0), { StartingHashKey: '0', EndingHashKey: String(HALF - 1n) }],
      [shardId(2), shardId(0), { StartingHashKey: String(HALF), EndingHashKey: String(MAX_HASH) }],
    ])
    expectValidLineage(shards, 2)
    expect([before.ShardId, during.ShardId, left.ShardId, right.ShardId]).toEqual([
      shardId(0),
      shardId(0),
      shardId(1),
      shardId(2),
    ])
    const parent = await readShard(t, 's', shardId(0))
    expect(parent.records.map(text)).toEqual(['before', 'during'])
    expect(
      BigInt(shards[0]!.SequenceNumberRange!.EndingSequenceNumber!) > BigInt(during.SequenceNumber!),
    ).toBe(true)
    expect((await readShard(t, 's', shardId(1))).records.map(text)).toEqual(['left'])
    expect((await readShard(t, 's', shardId(2))).records.map(text)).toEqual(['right'])
    const summary = await t.client.send(new DescribeStreamSummaryCommand({ StreamName: 's' }))
    expect(summary.StreamDescriptionSummary!.OpenShardCount).toBe(2)
  })

  it.each<[string, Partial<SplitShardCommandInput>, { name: string; message: string }]>([
    ['an unknown stream', { StreamName: 'ghost' }, notFound('ghost')],
    [
      'an unknown shard',
      { ShardToSplit: 'shardId-000000000009' },
      {
        name: 'ResourceNotFoundException',
        message: `Could not find shard shardId-000000000009 in stream s under account ${ACCOUNT}.`,
      },
    ],
    [
      'a hash key not above StartingHashKey + 1',
      { NewStartingHashKey: '1' },
      invalidArgument(
        `NewStartingHashKey 1 used in SplitShard() on shard shardId-000000000000 in stream s under account ${ACCOUNT} ` +
          `is not both greater than one plus the shard's StartingHashKey 0 and less than the shard's EndingHashKey ${HALF - 1n}.`,
      ),
    ],
    [
      "the shard's EndingHashKey",
      { NewStartingHashKey: String(HALF - 1n) },
      invalidArgument(
        `NewStartingHashKey ${HALF - 1n} used in SplitShard() on shard shardId-000000000000 in stream s under account ${ACCOUNT} ` +
          `is not both greater than one plus the shard's StartingHashKey 0 and less than the shard's EndingHashKey ${HALF - 1n}.`,
      ),
    ],
    [
      'a non-numeric hash key',
      { NewStartingHashKey: '1e9' },
      validation(
        "Value '1e9' at 'newStartingHashKey' failed to satisfy constraint: Member must satisfy regular expression pattern: 0|([1-9]\\d{0,38})",
      ),
    ],
    [
      'a 129-character shard id',
      { ShardToSplit: 'x'.repeat(129) },
      validation(
        `Value '${'x'.repeat(129)}' at 'shardToSplit' failed to satisfy constraint: Member must have length less than or equal to 128`,
      ),
    ],
  ])('rejects %s', async (_case, input, expected) => {
    const t = await startServer()
    await createActiveStream(t, 's', 2)

    await expectAwsError(
      t.client.send(
        new SplitShardCommand({
          StreamName: 's',
          ShardToSplit: shardId(0),
          NewStartingHashKey: '1000',
          ...input,
        }),
      ),
      expected,
    )
    expect(await streamStatus(t, 's')).toBe('ACTIVE')
  })

  it('refuses while the stream is CREATING or UPDATING', async () => {
    const t = await startServer()
    t.engine.createStream('s', { shardCount: 1 })
    const split = () =>
      t.client.send(
        new SplitShardCommand({ StreamName: 's', ShardToSplit: shardId(0), NewStartingHashKey: '1000' }),
      )

    await expectAwsError(split(), notActive('s', 'CREATING'))
    await t.settle()
    await split()
    await expectAwsError(split(), notActive('s', 'UPDATING'))
  })

  it('refuses a shard that was already split', async () => {
    const t = await startServer()
    await createActiveStream(t, 's', 1)
    await t.client.send(
      new SplitShardCommand({ StreamName: 's', ShardToSplit: shardId(0), NewStartingHashKey: '1000' }),
    )
    await t.settle()

    await expectAwsError(
      t.client.send(
        new SplitShardCommand({ StreamName: 's', ShardToSplit: shardId(0), NewStartingHashKey: '2000' }),
      ),
      alreadyClosed(shardId(0)),
    )
  })

  it('refuses to go over the account shard limit', async () => {
    const t = await startServer({ shardLimit: 2 })
    await createActiveStream(t, 's', 2)

    await expectAwsError(
      t.client.send(
        new SplitShardCommand({ StreamName: 's', ShardToSplit: shardId(0), NewStartingHashKey: '1000' }),
      ),
      shardLimit(2, 2, 1),
    )
  })
})

describe('MergeShards', () => {
  it('closes two adjacent shards and opens one child covering both', async () => {
    const t = await startServer()
    await createActiveStream(t, 's', 3)
    const third = (MAX_HASH + 1n) / 3n
    const a = await putByKey(t, 's', 'a', 0n)
    const b = await putByKey(t, 's', 'b', third)

    await t.client.send(
      new MergeShardsCommand({
        StreamARN: arnOf('s'),
        ShardToMerge: shardId(0),
        AdjacentShardToMerge: shardId(1),
      }),
    )

    expect(await streamStatus(t, 's')).toBe('UPDATING')
    await t.settle()
    const c = await putByKey(t, 's', 'c', third)
    const shards = await describeShards(t, 's')
    expect(shards[3]).toMatchObject({
      ShardId: shardId(3),
      ParentShardId: shardId(0),
      AdjacentParentShardId: shardId(1),
      HashKeyRange: { StartingHashKey: '0', EndingHashKey: String(2n * third - 1n) },
    })
    expectValidLineage(shards, 2)
    expect([a.ShardId, b.ShardId, c.ShardId]).toEqual([shardId(0), shardId(1), shardId(3)])
    expect((await readShard(t, 's', shardId(0))).records.map(text)).toEqual(['a'])
    expect((await readShard(t, 's', shardId(1))).records.map(text)).toEqual(['b'])
    expect((await readShard(t, 's', shardId(3))).records.map(text)).toEqual(['c'])
  })

  it.each<[string, Partial<MergeShardsCommandInput>, { name: string; message: string }]>([
    ['an unknown stream', { StreamName: 'ghost' }, notFound('ghost')],
    [
      'an unknown shard',
      { AdjacentShardToMerge: 'shardId-000000000007' },
      {
        name: 'ResourceNotFoundException',
        message: `Could not find shard shardId-000000000007 in stream s under account ${ACCOUNT}.`,
      },
    ],
    [
      'shards that are not adjacent',
      { AdjacentShardToMerge: shardId(2) },
      invalidArgument(
        `Shards shardId-000000000000 and shardId-000000000002 in stream s under account ${ACCOUNT} are not an adjacent pair of shards eligible for merging`,
      ),
    ],
    [
      'a shard merged with itself',
      { AdjacentShardToMerge: shardId(0) },
      invalidArgument(
        `Shards shardId-000000000000 and shardId-000000000000 in stream s under account ${ACCOUNT} are not an adjacent pair of shards eligible for merging`,
      ),
    ],
    [
      'no adjacent shard',
      { AdjacentShardToMerge: undefined },
      validation(
        "Value null at 'adjacentShardToMerge' failed to satisfy constraint: Member must not be null",
      ),
    ],
  ])('rejects %s', async (_case, input, expected) => {
    const t = await startServer()
    await createActiveStream(t, 's', 3)

    await expectAwsError(
      t.client.send(
        new MergeShardsCommand({
          StreamName: 's',
          ShardToMerge: shardId(0),
          AdjacentShardToMerge: shardId(1),
          ...input,
        } as MergeShardsCommandInput),
      ),
      expected,
    )
    expect(await streamStatus(t, 's')).toBe('ACTIVE')
  })

  it('refuses shards that were already merged, and a stream that is UPDATING', async () => {
    const t = await startServer()
    await createActiveStream(t, 's', 3)
    const merge = (a: number, b: number) =>
      t.client.send(
        new MergeShardsCommand({
          StreamName: 's',
          ShardToMerge: shardId(a),
          AdjacentShardToMerge: shardId(b),
        }),
      )
    await merge(0, 1)

    await expectAwsError(merge(1, 2), notActive('s', 'UPDATING'))
    await t.settle()
    await expectAwsError(merge(1, 2), alreadyClosed(shardId(1)))
    await expectAwsError(merge(2, 0), alreadyClosed(shardId(0)))
  })
})

describe('UpdateShardCount', () => {
  it('scales up and down uniformly, keeping a valid lineage and every record', async () => {
    const t = await startServer()
    await createActiveStream(t, 's', 1)
    const written = new Map<string, string>()
    let batch = 0
    const write = async () => {
      const records = Array.from({ length: 20 }, (_, i) => ({
        PartitionKey: `key-${batch}-${i}`,
        Data: Buffer.from(`${batch}-${i}`),
      }))
      const out = await t.client.send(new PutRecordsCommand({ StreamName: 's', Records: records }))
      out.Records!.forEach((r, i) => {
        written.set(`${batch}-${i}`, r.ShardId!)
      })
      batch++
    }

    for (const [current, target] of [
      [1, 2],
      [2, 4],
      [4, 3],
      [3, 5],
      [5, 8],
      [8, 4],
      [4, 2],
      [2, 1],
    ] as const) {
      await write()
      const out = await t.client.send(
        new UpdateShardCountCommand({
          StreamName: 's',
          TargetShardCount: target,
          ScalingType: 'UNIFORM_SCALING',
        }),
      )
      expect(out).toMatchObject({
        StreamName: 's',
        StreamARN: arnOf('s'),
        CurrentShardCount: current,
        TargetShardCount: target,
      })
      expect(await streamStatus(t, 's')).toBe('UPDATING')
      await write()
      await t.settle()

      expect(await streamStatus(t, 's')).toBe('ACTIVE')
      const shards = await describeShards(t, 's')
      expectValidLineage(shards, target)
      const open = shards
        .filter((s) => s.SequenceNumberRange!.EndingSequenceNumber === undefined)
        .map((s) => BigInt(s.HashKeyRange!.StartingHashKey!))
        .sort((a, b) => (a < b ? -1 : 1))
      const width = (MAX_HASH + 1n) / BigInt(target)
      expect(open).toEqual(Array.from({ length: target }, (_, i) => width * BigInt(i)))
    }
    await write()

    const read = new Map<string, string>()
    for (const shard of await describeShards(t, 's')) {
      const { records } = await readShard(t, 's', shard.ShardId!)
      expectStrictlyIncreasing(records.map((r) => r.SequenceNumber))
      for (const r of records) {
        expect(read.has(text(r)), `${text(r)} read once`).toBe(false)
        read.set(text(r), shard.ShardId!)
      }
    }
    expect(read).toEqual(written)
  })

  const scale = (input: Partial<UpdateShardCountCommandInput>) =>
    new UpdateShardCountCommand({
      StreamName: 's',
      TargetShardCount: 2,
      ScalingType: 'UNIFORM_SCALING',
      ...input,
    })

  it.each<[string, Partial<UpdateShardCountCommandInput>, { name: string; message: string }]>([
    ['an unknown stream', { StreamName: 'ghost' }, notFound('ghost')],
    [
      'more than double the open shards',
      { TargetShardCount: 9 },
      {
        name: 'LimitExceededException',
        message:
          'UpdateShardCount cannot scale up over double your current open shard count. Current open shard count: 4 Target shard count: 9',
      },
    ],
    [
      'less than half the open shards',
      { TargetShardCount: 1 },
      {
        name: 'LimitExceededException',
        message:
          'UpdateShardCount cannot scale down below half your current open shard count. Current open shard count: 4 Target shard count: 1',
      },
    ],
    [
      'TargetShardCount 0',
      { TargetShardCount: 0 },
      validation(
        "Value '0' at 'targetShardCount' failed to satisfy constraint: Member must have value greater than or equal to 1",
      ),
    ],
    [
      'an unknown scaling type',
      { ScalingType: 'EXPONENTIAL' as ScalingType },
      validation(
        "Value 'EXPONENTIAL' at 'scalingType' failed to satisfy constraint: Member must satisfy enum value set: [UNIFORM_SCALING]",
      ),
    ],
  ])('rejects %s', async (_case, input, expected) => {
    const t = await startServer()
    await createActiveStream(t, 's', 4)

    await expectAwsError(t.client.send(scale(input)), expected)
    expect(await streamStatus(t, 's')).toBe('ACTIVE')
  })

  it('refuses while UPDATING and beyond the account shard limit', async () => {
    const t = await startServer({ shardLimit: 3 })
    await createActiveStream(t, 's', 2)

    await expectAwsError(t.client.send(scale({ TargetShardCount: 4 })), shardLimit(2, 3, 2))
    await t.client.send(scale({ TargetShardCount: 3 }))
    await expectAwsError(t.client.send(scale({ TargetShardCount: 4 })), notActive('s', 'UPDATING'))
  })
})

describe('resharding an ON_DEMAND stream', () => {
  it.each([
    [
      'SplitShard',
      () => new SplitShardCommand({ StreamName: 'od', ShardToSplit: shardId(0), NewStartingHashKey: '1000' }),
    ],
    [
      'MergeShards',
      () =>
        new MergeShardsCommand({
          StreamName: 'od',
          ShardToMerge: shardId(0),
          AdjacentShardToMerge: shardId(1),
        }),
    ],
    [
      'UpdateShardCount',
      () =>
        new UpdateShardCountCommand({
          StreamName: 'od',
          TargetShardCount: 5,
          ScalingType: 'UNIFORM_SCALING',
        }),
    ],
  ])('%s is refused: only provisioned streams are resharded by hand', async (_op, command) => {
    const t = await startServer()
    await t.client.send(
      new CreateStreamCommand({ StreamName: 'od', StreamModeDetails: { StreamMode: 'ON_DEMAND' } }),
    )
    await t.settle()

    await expectAwsError(t.client.send(command() as SplitShardCommand), onDemand('od'))
    expect(await streamStatus(t, 'od')).toBe('ACTIVE')
    expect(await describeShards(t, 'od')).toHaveLength(4)
  })
})

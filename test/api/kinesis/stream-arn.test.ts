import { GetShardIteratorCommand, PutRecordCommand } from '@aws-sdk/client-kinesis'
import { describe, expect, it } from 'vitest'
import {
  ACCOUNT,
  arnOf,
  describeShards,
  expectAwsError,
  invalidArgument,
  notFound,
  readShard,
  send,
  shardId,
  streamStatus,
  text,
  validation,
} from '../../helpers/kinesis.ts'
import { startServer, type TestServer } from '../../helpers/server.ts'

const ARN = arnOf('s')

interface Case {
  /** Extra request members (besides StreamARN). */
  input?: (t: TestServer) => Promise<object> | object
  /** What the call must have done to stream `s` (and only to it). */
  verify: (t: TestServer, output: Record<string, unknown>) => Promise<void> | void
}

async function summary(t: TestServer) {
  return (await send(t, 'DescribeStreamSummary', { StreamName: 's' })) as {
    StreamDescriptionSummary: Record<string, unknown>
  }
}

const iterator = async (t: TestServer) =>
  (
    await t.client.send(
      new GetShardIteratorCommand({
        StreamName: 's',
        ShardId: shardId(0),
        ShardIteratorType: 'TRIM_HORIZON',
      }),
    )
  ).ShardIterator

/** Every operation whose model takes StreamARN in place of StreamName. */
const CASES: Record<string, Case> = {
  AddTagsToStream: {
    input: () => ({ Tags: { via: 'arn' } }),
    verify: async (t) =>
      expect((await send(t, 'ListTagsForStream', { StreamName: 's' })) as object).toMatchObject({
        Tags: [{ Key: 'via', Value: 'arn' }],
      }),
  },
  DecreaseStreamRetentionPeriod: {
    input: async (t) => {
      await send(t, 'IncreaseStreamRetentionPeriod', { StreamName: 's', RetentionPeriodHours: 48 })
      return { RetentionPeriodHours: 36 }
    },
    verify: async (t) => expect((await summary(t)).StreamDescriptionSummary.RetentionPeriodHours).toBe(36),
  },
  DeleteStream: { verify: async (t) => expect(await streamStatus(t, 's')).toBe('DELETING') },
  DescribeStream: {
    verify: (_t, out) =>
      expect(out).toMatchObject({ StreamDescription: { StreamName: 's', StreamARN: ARN, Shards: [{}, {}] } }),
  },
  DescribeStreamSummary: {
    verify: (_t, out) =>
      expect(out).toMatchObject({ StreamDescriptionSummary: { StreamName: 's', OpenShardCount: 2 } }),
  },
  DisableEnhancedMonitoring: {
    input: async (t) => {
      await send(t, 'EnableEnhancedMonitoring', { StreamName: 's', ShardLevelMetrics: ['IncomingBytes'] })
      return { ShardLevelMetrics: ['ALL'] }
    },
    verify: (_t, out) =>
      expect(out).toMatchObject({
        StreamName: 's',
        CurrentShardLevelMetrics: ['IncomingBytes'],
        DesiredShardLevelMetrics: [],
      }),
  },
  EnableEnhancedMonitoring: {
    input: () => ({ ShardLevelMetrics: ['IncomingRecords'] }),
    verify: async (t) =>
      expect((await summary(t)).StreamDescriptionSummary.EnhancedMonitoring).toEqual([
        { ShardLevelMetrics: ['IncomingRecords'] },
      ]),
  },
  GetRecords: {
    input: async (t) => {
      await t.client.send(
        new PutRecordCommand({
          StreamName: 's',
          PartitionKey: 'k',
          ExplicitHashKey: '0',
          Data: Buffer.from('hi'),
        }),
      )
      return { ShardIterator: await iterator(t) }
    },
    verify: (_t, out) =>
      expect((out.Records as { Data: Uint8Array }[]).map((r) => Buffer.from(r.Data).toString())).toEqual([
        'hi',
      ]),
  },
  GetShardIterator: {
    input: () => ({ ShardId: shardId(1), ShardIteratorType: 'LATEST' }),
    verify: async (t, out) => {
      await t.client.send(
        new PutRecordCommand({
          StreamName: 's',
          PartitionKey: 'k',
          ExplicitHashKey: String(2n ** 127n),
          Data: Buffer.from('x'),
        }),
      )
      const page = (await send(t, 'GetRecords', { ShardIterator: out.ShardIterator })) as {
        Records: unknown[]
      }
      expect(page.Records).toHaveLength(1)
    },
  },
  IncreaseStreamRetentionPeriod: {
    input: () => ({ RetentionPeriodHours: 72 }),
    verify: async (t) => expect((await summary(t)).StreamDescriptionSummary.RetentionPeriodHours).toBe(72),
  },
  ListShards: {
    verify: (_t, out) =>
      expect((out.Shards as { ShardId: string }[]).map((s) => s.ShardId)).toEqual([shardId(0), shardId(1)]),
  },
  ListTagsForStream: {
    input: async (t) => {
      await send(t, 'AddTagsToStream', { StreamName: 's', Tags: { a: 'b' } })
      return {}
    },
    verify: (_t, out) => expect(out).toMatchObject({ Tags: [{ Key: 'a', Value: 'b' }], HasMoreTags: false }),
  },
  MergeShards: {
    input: () => ({ ShardToMerge: shardId(0), AdjacentShardToMerge: shardId(1) }),
    verify: async (t) => {
      await t.settle()
      expect((await describeShards(t, 's')).map((s) => s.ShardId)).toEqual([
        shardId(0),
        shardId(1),
        shardId(2),
      ])
    },
  },
  PutRecord: {
    input: () => ({ PartitionKey: 'k', ExplicitHashKey: '0', Data: Buffer.from('one') }),
    verify: async (t) => expect((await readShard(t, 's', shardId(0))).records.map(text)).toEqual(['one']),
  },
  PutRecords: {
    input: () => ({ Records: [{ PartitionKey: 'k', ExplicitHashKey: '0', Data: Buffer.from('many') }] }),
    verify: async (t) => expect((await readShard(t, 's', shardId(0))).records.map(text)).toEqual(['many']),
  },
  RemoveTagsFromStream: {
    input: async (t) => {
      await send(t, 'AddTagsToStream', { StreamName: 's', Tags: { a: 'b', c: 'd' } })
      return { TagKeys: ['a'] }
    },
    verify: async (t) =>
      expect((await send(t, 'ListTagsForStream', { StreamName: 's' })) as object).toMatchObject({
        Tags: [{ Key: 'c' }],
      }),
  },
  SplitShard: {
    input: () => ({ ShardToSplit: shardId(1), NewStartingHashKey: String(2n ** 127n + 10n) }),
    verify: async (t) => {
      await t.settle()
      expect(await describeShards(t, 's')).toHaveLength(4)
    },
  },
  StartStreamEncryption: {
    input: () => ({ EncryptionType: 'KMS', KeyId: 'alias/k' }),
    verify: async (t) => {
      await t.settle()
      expect((await summary(t)).StreamDescriptionSummary).toMatchObject({
        EncryptionType: 'KMS',
        KeyId: 'alias/k',
      })
    },
  },
  StopStreamEncryption: {
    input: async (t) => {
      await send(t, 'StartStreamEncryption', { StreamName: 's', EncryptionType: 'KMS', KeyId: 'alias/k' })
      await t.settle()
      return { EncryptionType: 'KMS', KeyId: 'alias/k' }
    },
    verify: async (t) => {
      await t.settle()
      expect((await summary(t)).StreamDescriptionSummary.EncryptionType).toBe('NONE')
    },
  },
  UpdateMaxRecordSize: {
    input: () => ({ MaxRecordSizeInKiB: 3072 }),
    verify: async (t) => expect((await summary(t)).StreamDescriptionSummary.MaxRecordSizeInKiB).toBe(3072),
  },
  UpdateShardCount: {
    input: () => ({ TargetShardCount: 3, ScalingType: 'UNIFORM_SCALING' }),
    verify: async (t, out) => {
      expect(out).toMatchObject({
        StreamName: 's',
        StreamARN: ARN,
        CurrentShardCount: 2,
        TargetShardCount: 3,
      })
      await t.settle()
      expect((await summary(t)).StreamDescriptionSummary.OpenShardCount).toBe(3)
    },
  },
  UpdateStreamMode: {
    input: () => ({ StreamModeDetails: { StreamMode: 'ON_DEMAND' } }),
    verify: async (t) => {
      await t.settle()
      expect((await summary(t)).StreamDescriptionSummary.StreamModeDetails).toEqual({
        StreamMode: 'ON_DEMAND',
      })
    },
  },
}

async function twoStreams(): Promise<TestServer> {
  const t = await startServer()
  t.engine.createStream('s', { shardCount: 2 })
  t.engine.createStream('bystander', { shardCount: 2 })
  await t.settle()
  return t
}

describe('StreamARN in place of StreamName', () => {
  it.each(Object.keys(CASES))('%s acts on the stream the ARN names', async (operation) => {
    const t = await twoStreams()
    const { input, verify } = CASES[operation]!
    const extra = input ? await input(t) : {}

    const out = (await send(t, operation, { ...extra, StreamARN: ARN })) as Record<string, unknown>

    await verify(t, out)
    expect(await streamStatus(t, 'bystander')).toBe('ACTIVE')
    expect((await summary(t)).StreamDescriptionSummary.StreamName).toBe('s')
  })

  /** UpdateMaxRecordSize and UpdateStreamMode have no StreamName member: the ARN is the only way. */
  const withName = Object.keys(CASES).filter(
    (op) => op !== 'UpdateMaxRecordSize' && op !== 'UpdateStreamMode',
  )

  it.each(withName)('%s also accepts a StreamName that matches the ARN', async (operation) => {
    const t = await twoStreams()
    const { input, verify } = CASES[operation]!
    const extra = input ? await input(t) : {}

    const out = (await send(t, operation, { ...extra, StreamARN: ARN, StreamName: 's' })) as Record<
      string,
      unknown
    >

    await verify(t, out)
  })

  const failures = Object.keys(CASES).filter((op) => op !== 'GetRecords')
  // GetShardIterator names the shard it was asked for (shard 1 here) when the stream is missing.
  const missingShard = (name: string) => ({
    name: 'ResourceNotFoundException',
    message: `Shard shardId-000000000001 in stream ${name} under account ${ACCOUNT} does not exist`,
  })
  const expectNotFound = (operation: string, name: string, account = ACCOUNT) =>
    operation === 'GetShardIterator' && account === ACCOUNT ? missingShard(name) : notFound(name, account)

  it.each(failures)('%s answers ResourceNotFoundException for an ARN of no stream', async (operation) => {
    const t = await twoStreams()
    const extra = await (CASES[operation]!.input ?? (() => ({})))(t)

    await expectAwsError(
      send(t, operation, { ...extra, StreamARN: arnOf('ghost') }),
      expectNotFound(operation, 'ghost'),
    )
  })

  it.each(failures)(
    '%s answers ResourceNotFoundException for an ARN of another account',
    async (operation) => {
      const t = await twoStreams()
      const extra = await (CASES[operation]!.input ?? (() => ({})))(t)

      await expectAwsError(
        send(t, operation, { ...extra, StreamARN: arnOf('s', '111111111111') }),
        expectNotFound(operation, 's', '111111111111'),
      )
      expect(await streamStatus(t, 's')).not.toBe('DELETING')
    },
  )

  it.each(failures.filter((op) => withName.includes(op)))(
    '%s refuses an ARN and a StreamName that name different streams',
    async (operation) => {
      const t = await twoStreams()
      const extra = await (CASES[operation]!.input ?? (() => ({})))(t)

      await expectAwsError(
        send(t, operation, { ...extra, StreamARN: ARN, StreamName: 'bystander' }),
        invalidArgument(`StreamARN ${ARN} and StreamName bystander do not refer to the same stream.`),
      )
    },
  )

  it.each(Object.keys(CASES))('%s refuses a malformed StreamARN', async (operation) => {
    const t = await twoStreams()
    const extra = await (CASES[operation]!.input ?? (() => ({})))(t)

    await expectAwsError(
      send(t, operation, { ...extra, StreamARN: 'arn:aws:kinesis:us-east-1:0000:stream/s' }),
      validation(
        "Value 'arn:aws:kinesis:us-east-1:0000:stream/s' at 'streamARN' failed to satisfy constraint: " +
          'Member must satisfy regular expression pattern: arn:aws.*:kinesis:.*:\\d{12}:stream/\\S+',
      ),
    )
  })
})

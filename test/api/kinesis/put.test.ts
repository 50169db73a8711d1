import {
  PutRecordCommand,
  type PutRecordCommandInput,
  PutRecordsCommand,
  type PutRecordsCommandInput,
  SplitShardCommand,
} from '@aws-sdk/client-kinesis'
import { describe, expect, it } from 'vitest'
import {
  ACCOUNT,
  arnOf,
  describeShards,
  expectAwsError,
  expectStrictlyIncreasing,
  hashOf,
  invalidArgument,
  MAX_HASH,
  notFound,
  readShard,
  shardFor,
  shardId,
  text,
  validation,
} from '../../helpers/kinesis.ts'
import { createActiveStream, startServer } from '../../helpers/server.ts'

const MiB = 1024 * 1024
const QUARTER = (MAX_HASH + 1n) / 4n
const buffer = (bytes: number) => Buffer.alloc(bytes, 'x')

describe('PutRecord', () => {
  it('routes by the MD5 of the partition key and returns the shard and sequence number', async () => {
    const t = await startServer()
    await createActiveStream(t, 's', 4)
    const shards = await describeShards(t, 's')
    const keys = Array.from({ length: 20 }, (_, i) => `user-${i}`)

    const puts = []
    for (const key of keys) {
      puts.push(
        await t.client.send(
          new PutRecordCommand({ StreamName: 's', PartitionKey: key, Data: Buffer.from(key) }),
        ),
      )
    }

    expect(puts.map((p) => p.ShardId)).toEqual(keys.map((k) => shardFor(shards, hashOf(k))))
    expect(new Set(puts.map((p) => p.ShardId)).size).toBeGreaterThan(1)
    for (const p of puts) {
      expect(p.SequenceNumber).toMatch(/^\d{56,57}$/)
      expect(p.EncryptionType).toBeUndefined()
    }
    for (const shard of shards) {
      const { records } = await readShard(t, 's', shard.ShardId!)
      const expected = puts.filter((p) => p.ShardId === shard.ShardId)
      expect(records.map((r) => r.SequenceNumber)).toEqual(expected.map((p) => p.SequenceNumber))
      expect(records.map(text)).toEqual(keys.filter((k) => shardFor(shards, hashOf(k)) === shard.ShardId))
      expectStrictlyIncreasing(records.map((r) => r.SequenceNumber))
    }
  })

  it.each([
    ['0', 0],
    [String(QUARTER - 1n), 0],
    [String(QUARTER), 1],
    [String(3n * QUARTER), 3],
    [String(MAX_HASH), 3],
  ])('routes ExplicitHashKey %s to shard %i whatever the partition key', async (hashKey, shard) => {
    const t = await startServer()
    await createActiveStream(t, 's', 4)

    const out = await t.client.send(
      new PutRecordCommand({
        StreamName: 's',
        PartitionKey: 'same-key',
        ExplicitHashKey: hashKey,
        Data: Buffer.from('x'),
      }),
    )

    expect(out.ShardId).toBe(shardId(shard))
  })

  it('accepts a SequenceNumberForOrdering it issued; numbers keep increasing', async () => {
    const t = await startServer()
    await createActiveStream(t, 's', 1)
    const first = await t.client.send(
      new PutRecordCommand({ StreamName: 's', PartitionKey: 'k', Data: Buffer.from('1') }),
    )

    const second = await t.client.send(
      new PutRecordCommand({
        StreamName: 's',
        PartitionKey: 'k',
        Data: Buffer.from('2'),
        SequenceNumberForOrdering: first.SequenceNumber,
      }),
    )

    expectStrictlyIncreasing([first.SequenceNumber, second.SequenceNumber])
    expect((await readShard(t, 's', shardId(0))).records.map(text)).toEqual(['1', '2'])
  })

  it('takes writes while the stream is UPDATING, and by StreamARN', async () => {
    const t = await startServer()
    await createActiveStream(t, 's', 1)
    await t.client.send(
      new SplitShardCommand({ StreamName: 's', ShardToSplit: shardId(0), NewStartingHashKey: '99' }),
    )

    const out = await t.client.send(
      new PutRecordCommand({ StreamARN: arnOf('s'), PartitionKey: 'k', Data: Buffer.from('u') }),
    )

    expect(out.ShardId).toBe(shardId(0))
  })

  it('accepts a record of exactly 1 MiB including its partition key', async () => {
    const t = await startServer()
    await createActiveStream(t, 's', 1)

    const out = await t.client.send(
      new PutRecordCommand({ StreamName: 's', PartitionKey: 'kk', Data: buffer(MiB - 2) }),
    )

    expect(out.ShardId).toBe(shardId(0))
    const { records } = await readShard(t, 's', shardId(0))
    expect(Buffer.from(records[0]!.Data!).equals(buffer(MiB - 2))).toBe(true)
  })

  it.each<[string, Partial<PutRecordCommandInput>, { name: string; message: string }]>([
    ['an unknown stream', { StreamName: 'ghost' }, notFound('ghost')],
    [
      'a record over 1 MiB with its key',
      { PartitionKey: 'kk', Data: buffer(MiB - 1) },
      validation(
        `Value 'java.nio.HeapByteBuffer[pos=0 lim=${MiB - 1} cap=${MiB - 1}]' at 'data' failed to satisfy constraint: Member must have length less than or equal to ${MiB}`,
      ),
    ],
    [
      'an empty partition key',
      { PartitionKey: '' },
      validation(
        "Value '' at 'partitionKey' failed to satisfy constraint: Member must have length greater than or equal to 1",
      ),
    ],
    [
      'a 257-character partition key',
      { PartitionKey: 'p'.repeat(257) },
      validation(
        `Value '${'p'.repeat(257)}' at 'partitionKey' failed to satisfy constraint: Member must have length less than or equal to 256`,
      ),
    ],
    [
      'ExplicitHashKey 2^128',
      { ExplicitHashKey: String(MAX_HASH + 1n) },
      invalidArgument(
        'Invalid ExplicitHashKey. ExplicitHashKey must be in the range: [0, 2^128-1]. Specified value was 340282366920938463463374607431768211456',
      ),
    ],
    [
      'a non-numeric ExplicitHashKey',
      { ExplicitHashKey: 'abc' },
      validation(
        "Value 'abc' at 'explicitHashKey' failed to satisfy constraint: Member must satisfy regular expression pattern: 0|([1-9]\\d{0,38})",
      ),
    ],
    [
      'a SequenceNumberForOrdering it never issued',
      { SequenceNumberForOrdering: '1' },
      invalidArgument(
        `ExclusiveMinimumSequenceNumber 1 used in PutRecord on stream s under account ${ACCOUNT} is invalid.`,
      ),
    ],
    [
      'a non-numeric SequenceNumberForOrdering',
      { SequenceNumberForOrdering: 'x1' },
      validation(
        "Value 'x1' at 'sequenceNumberForOrdering' failed to satisfy constraint: Member must satisfy regular expression pattern: 0|([1-9]\\d{0,128})",
      ),
    ],
  ])('rejects %s', async (_case, input, expected) => {
    const t = await startServer()
    await createActiveStream(t, 's', 1)

    await expectAwsError(
      t.client.send(
        new PutRecordCommand({ StreamName: 's', PartitionKey: 'k', Data: Buffer.from('x'), ...input }),
      ),
      expected,
    )

    expect((await readShard(t, 's', shardId(0))).records).toEqual([])
  })

  it('answers ResourceNotFoundException while the stream is CREATING', async () => {
    const t = await startServer()
    t.engine.createStream('young', { shardCount: 1 })

    await expectAwsError(
      t.client.send(new PutRecordCommand({ StreamName: 'young', PartitionKey: 'k', Data: Buffer.from('x') })),
      notFound('young'),
    )
  })
})

describe('PutRecords', () => {
  it('routes and returns partition keys that JSON must escape, exactly as sent', async () => {
    const t = await startServer()
    await createActiveStream(t, 's', 4)
    const shards = await describeShards(t, 's')
    const keys = [
      'quote"d',
      'back\\slash',
      'new\nline',
      'nul\u0000byte',
      'tab\tbell\u0007',
      'żółw 🐢',
      '\u2028sep',
      '</script>',
    ]

    const single = await t.client.send(
      new PutRecordCommand({ StreamName: 's', PartitionKey: keys[0]!, Data: Buffer.from('single') }),
    )
    const batch = await t.client.send(
      new PutRecordsCommand({
        StreamName: 's',
        Records: keys.map((k, i) => ({ PartitionKey: k, Data: Buffer.from(String(i)) })),
      }),
    )

    expect(single.ShardId).toBe(shardFor(shards, hashOf(keys[0]!)))
    expect(batch.Records!.map((r) => r.ShardId)).toEqual(keys.map((k) => shardFor(shards, hashOf(k))))
    const read = new Map<string, string>()
    for (const shard of shards) {
      for (const r of (await readShard(t, 's', shard.ShardId!)).records)
        read.set(`${text(r)}@${r.PartitionKey}`, shard.ShardId!)
    }
    expect(read).toEqual(
      new Map([
        [`single@${keys[0]}`, single.ShardId!],
        ...keys.map((k, i) => [`${i}@${k}`, batch.Records![i]!.ShardId!] as [string, string]),
      ]),
    )
  })

  it('answers entry by entry, in request order, each with its shard and sequence number', async () => {
    const t = await startServer()
    await createActiveStream(t, 's', 2)
    const half = String((MAX_HASH + 1n) / 2n)

    const out = await t.client.send(
      new PutRecordsCommand({
        StreamName: 's',
        Records: [
          { PartitionKey: 'a', ExplicitHashKey: '0', Data: Buffer.from('0') },
          { PartitionKey: 'a', ExplicitHashKey: half, Data: Buffer.from('1') },
          { PartitionKey: 'a', ExplicitHashKey: '1', Data: Buffer.from('2') },
          { PartitionKey: 'a', ExplicitHashKey: String(MAX_HASH), Data: Buffer.from('3') },
        ],
      }),
    )

    expect(out.FailedRecordCount).toBe(0)
    expect(out.EncryptionType).toBeUndefined()
    expect(out.Records!.map((r) => r.ShardId)).toEqual([shardId(0), shardId(1), shardId(0), shardId(1)])
    expect((await readShard(t, 's', shardId(0))).records.map((r) => [text(r), r.SequenceNumber])).toEqual([
      ['0', out.Records![0]!.SequenceNumber],
      ['2', out.Records![2]!.SequenceNumber],
    ])
    expect((await readShard(t, 's', shardId(1))).records.map((r) => [text(r), r.SequenceNumber])).toEqual([
      ['1', out.Records![1]!.SequenceNumber],
      ['3', out.Records![3]!.SequenceNumber],
    ])
  })

  it('accepts 500 records and a request of exactly 5 MiB', async () => {
    // 5 MiB into one shard at once is over its 1 MiB/s: this is about request limits.
    const t = await startServer({ shardLimits: false })
    await createActiveStream(t, 's', 1)

    const many = await t.client.send(
      new PutRecordsCommand({
        StreamARN: arnOf('s'),
        Records: Array.from({ length: 500 }, (_, i) => ({ PartitionKey: 'k', Data: Buffer.from(String(i)) })),
      }),
    )
    const big = await t.client.send(
      new PutRecordsCommand({
        StreamName: 's',
        Records: Array.from({ length: 5 }, () => ({ PartitionKey: 'k', Data: buffer(MiB - 1) })),
      }),
    )

    expect(many.FailedRecordCount).toBe(0)
    expectStrictlyIncreasing(many.Records!.map((r) => r.SequenceNumber))
    expect(big.FailedRecordCount).toBe(0)
    expect((await readShard(t, 's', shardId(0))).records).toHaveLength(505)
  })

  const entry = { PartitionKey: 'k', Data: Buffer.from('x') }
  const member = 'com.amazonaws.kinesis.v20131202.PutRecordsRequestEntry@c965e310'
  it.each<[string, Partial<PutRecordsCommandInput>, { name: string; message: string }]>([
    ['an unknown stream', { StreamName: 'ghost' }, notFound('ghost')],
    [
      'no records',
      { Records: [] },
      validation(
        "Value '[]' at 'records' failed to satisfy constraint: Member must have length greater than or equal to 1",
      ),
    ],
    [
      '501 records',
      { Records: Array.from({ length: 501 }, () => entry) },
      validation(
        `Value '[${Array.from({ length: 501 }, () => member).join(', ')}]' at 'records' failed to satisfy constraint: Member must have length less than or equal to 500`,
      ),
    ],
    [
      'an empty partition key',
      { Records: [entry, { PartitionKey: '', Data: Buffer.from('x') }] },
      validation(
        "Value '' at 'records.2.member.partitionKey' failed to satisfy constraint: Member must have length greater than or equal to 1",
      ),
    ],
    [
      'a 257-character partition key',
      { Records: [{ PartitionKey: 'p'.repeat(257), Data: Buffer.from('x') }] },
      validation(
        `Value '${'p'.repeat(257)}' at 'records.1.member.partitionKey' failed to satisfy constraint: Member must have length less than or equal to 256`,
      ),
    ],
    [
      'a non-numeric ExplicitHashKey',
      { Records: [{ ...entry, ExplicitHashKey: '-1' }] },
      validation(
        "Value '-1' at 'records.1.member.explicitHashKey' failed to satisfy constraint: Member must satisfy regular expression pattern: 0|([1-9]\\d{0,38})",
      ),
    ],
    [
      'ExplicitHashKey 2^128',
      { Records: [entry, { ...entry, ExplicitHashKey: String(MAX_HASH + 1n) }] },
      invalidArgument(
        'Invalid ExplicitHashKey. ExplicitHashKey must be in the range: [0, 2^128-1]. Specified value was 340282366920938463463374607431768211456',
      ),
    ],
    [
      'a record over 1 MiB with its key',
      { Records: [entry, { PartitionKey: 'k', Data: buffer(MiB) }] },
      validation(
        `Value 'java.nio.HeapByteBuffer[pos=0 lim=${MiB} cap=${MiB}]' at 'records.2.member.data' failed to satisfy constraint: Member must have length less than or equal to ${MiB}`,
      ),
    ],
    [
      'more than 5 MiB in all',
      {
        Records: [...Array.from({ length: 5 }, () => ({ PartitionKey: 'k', Data: buffer(MiB - 1) })), entry],
      },
      invalidArgument('Records size exceeds 5 MB limit'),
    ],
    [
      'neither records nor a stream',
      { StreamName: undefined, Records: undefined },
      validation(
        "Value null at 'records' failed to satisfy constraint: Member must not be null",
        "Value null at 'streamName' failed to satisfy constraint: Member must not be null",
      ),
    ],
  ])('rejects %s, storing nothing', async (_case, input, expected) => {
    const t = await startServer()
    await createActiveStream(t, 's', 1)

    await expectAwsError(
      t.client.send(
        new PutRecordsCommand({ StreamName: 's', Records: [entry], ...input } as PutRecordsCommandInput),
      ),
      expected,
    )

    expect((await readShard(t, 's', shardId(0))).records).toEqual([])
  })
})

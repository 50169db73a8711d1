import { randomBytes } from 'node:crypto'
import {
  DeleteStreamCommand,
  GetRecordsCommand,
  MergeShardsCommand,
  PutRecordCommand,
  PutRecordsCommand,
  SplitShardCommand,
} from '@aws-sdk/client-kinesis'
import { describe, expect, it } from 'vitest'
import {
  ACCOUNT,
  arnOf,
  expectAwsError,
  expectStrictlyIncreasing,
  invalidArgument,
  iteratorFor,
  MAX_HASH,
  readAll,
  readShard,
  shardId,
  text,
  validation,
} from '../../helpers/kinesis.ts'
import { createActiveStream, startServer, type TestServer } from '../../helpers/server.ts'

const START = Date.UTC(2026, 2, 1, 12, 0, 0, 0)

async function put(t: TestServer, stream: string, data: string, hashKey = '0') {
  return t.client.send(
    new PutRecordCommand({
      StreamName: stream,
      PartitionKey: `pk-${data}`,
      ExplicitHashKey: hashKey,
      Data: Buffer.from(data),
    }),
  )
}

describe('GetRecords', () => {
  it('returns records byte for byte, with their key, sequence number and arrival time', async () => {
    const t = await startServer({ startTime: START })
    await createActiveStream(t, 's', 1)
    const payloads = [
      Buffer.from(Array.from({ length: 256 }, (_, i) => i)),
      Buffer.alloc(0),
      randomBytes(100_000),
      Buffer.from('{"utf8":"żółw 🐢"}'),
    ]
    t.clock.advance(1234)

    const puts = await t.client.send(
      new PutRecordsCommand({
        StreamName: 's',
        Records: payloads.map((Data, i) => ({ Data, PartitionKey: `key ${i} ✓` })),
      }),
    )
    const { records } = await readShard(t, 's', shardId(0))

    expect(records).toHaveLength(payloads.length)
    records.forEach((r, i) => {
      expect(Buffer.from(r.Data!).equals(payloads[i]!)).toBe(true)
      expect(r.PartitionKey).toBe(`key ${i} ✓`)
      expect(r.SequenceNumber).toBe(puts.Records![i]!.SequenceNumber)
      expect(r.ApproximateArrivalTimestamp).toEqual(new Date(START + 2234))
      expect(r.EncryptionType).toBeUndefined()
    })
    expectStrictlyIncreasing(records.map((r) => r.SequenceNumber))
  })

  it('returns at most Limit records per call and continues where it stopped', async () => {
    const t = await startServer()
    await createActiveStream(t, 's', 1)
    for (let i = 0; i < 7; i++) await put(t, 's', `r${i}`)
    const iterator = await iteratorFor(t, { StreamName: 's', ShardId: shardId(0) })

    const first = await t.client.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 3 }))
    const second = await t.client.send(
      new GetRecordsCommand({ ShardIterator: first.NextShardIterator, Limit: 3 }),
    )
    const third = await t.client.send(
      new GetRecordsCommand({ ShardIterator: second.NextShardIterator, Limit: 3 }),
    )
    const fourth = await t.client.send(
      new GetRecordsCommand({ ShardIterator: third.NextShardIterator, Limit: 3 }),
    )

    expect([first, second, third, fourth].map((p) => p.Records!.map(text))).toEqual([
      ['r0', 'r1', 'r2'],
      ['r3', 'r4', 'r5'],
      ['r6'],
      [],
    ])
    expect(fourth.NextShardIterator).toEqual(expect.any(String))
  })

  it('reports how far behind the newest record a page is (MillisBehindLatest)', async () => {
    const t = await startServer({ startTime: START })
    await createActiveStream(t, 's', 1)
    await put(t, 's', 'r0')
    t.clock.advance(5000)
    await put(t, 's', 'r1')
    t.clock.advance(3000)
    const iterator = await iteratorFor(t, { StreamName: 's', ShardId: shardId(0) })

    const first = await t.client.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 1 }))
    const second = await t.client.send(
      new GetRecordsCommand({ ShardIterator: first.NextShardIterator, Limit: 1 }),
    )
    const caughtUp = await t.client.send(new GetRecordsCommand({ ShardIterator: second.NextShardIterator }))

    expect(first.Records!.map(text)).toEqual(['r0'])
    expect(first.MillisBehindLatest).toBe(8000)
    expect(second.Records!.map(text)).toEqual(['r1'])
    expect(second.MillisBehindLatest).toBe(0)
    expect(caughtUp.MillisBehindLatest).toBe(0)
  })

  it('expires an iterator 300 s after it was issued; NextShardIterator is a fresh one', async () => {
    const t = await startServer({ startTime: START })
    await createActiveStream(t, 's', 1)
    const iterator = await iteratorFor(t, { StreamName: 's', ShardId: shardId(0) })
    t.clock.advance(300_000)
    const page = await t.client.send(new GetRecordsCommand({ ShardIterator: iterator }))
    t.clock.advance(1)
    await put(t, 's', 'late')

    await expectAwsError(t.client.send(new GetRecordsCommand({ ShardIterator: iterator })), {
      name: 'ExpiredIteratorException',
      message:
        'Iterator expired. The iterator was created at time Sun Mar 01 12:00:01 UTC 2026 while right now it is ' +
        'Sun Mar 01 12:05:01 UTC 2026 which is further in the future than the tolerated delay of 300000 milliseconds.',
    })
    const next = await t.client.send(new GetRecordsCommand({ ShardIterator: page.NextShardIterator }))
    expect(next.Records!.map(text)).toEqual(['late'])
  })

  it('reads a closed parent to its end, then names its children and ends the iteration', async () => {
    // More than 5 GetRecords a second on one shard: about resharding, not read limits.
    const t = await startServer({ shardLimits: false })
    await createActiveStream(t, 's', 1)
    const mid = (MAX_HASH + 1n) / 2n
    await put(t, 's', 'a')
    await put(t, 's', 'b', String(MAX_HASH))
    await t.client.send(
      new SplitShardCommand({ StreamName: 's', ShardToSplit: shardId(0), NewStartingHashKey: String(mid) }),
    )
    await put(t, 's', 'c') // while UPDATING: still the parent
    await t.settle()
    await put(t, 's', 'd', '0')
    await put(t, 's', 'e', String(MAX_HASH))

    const parent = await readShard(t, 's', shardId(0))
    const paged = await readAll(t, await iteratorFor(t, { StreamName: 's', ShardId: shardId(0) }), 1)
    const left = await readShard(t, 's', shardId(1))
    const right = await readShard(t, 's', shardId(2))

    const children = [
      {
        ShardId: shardId(1),
        ParentShards: [shardId(0)],
        HashKeyRange: { StartingHashKey: '0', EndingHashKey: String(mid - 1n) },
      },
      {
        ShardId: shardId(2),
        ParentShards: [shardId(0)],
        HashKeyRange: { StartingHashKey: String(mid), EndingHashKey: String(MAX_HASH) },
      },
    ]
    for (const read of [parent, paged]) {
      expect(read.records.map(text)).toEqual(['a', 'b', 'c'])
      expect(read.last.NextShardIterator).toBeUndefined()
      expect(read.last.ChildShards).toEqual(children)
    }
    expect(left.records.map(text)).toEqual(['d'])
    expect(left.last.ChildShards).toBeUndefined()
    expect(right.records.map(text)).toEqual(['e'])
  })

  it('names the merged child, with both parents, at the end of each parent', async () => {
    const t = await startServer()
    await createActiveStream(t, 's', 2)
    await t.client.send(
      new MergeShardsCommand({ StreamName: 's', ShardToMerge: shardId(0), AdjacentShardToMerge: shardId(1) }),
    )
    await t.settle()

    for (const parent of [shardId(0), shardId(1)]) {
      const { records, last } = await readShard(t, 's', parent, 'LATEST')
      expect(records).toEqual([])
      expect(last.NextShardIterator).toBeUndefined()
      expect(last.ChildShards).toEqual([
        {
          ShardId: shardId(2),
          ParentShards: [shardId(0), shardId(1)],
          HashKeyRange: { StartingHashKey: '0', EndingHashKey: String(MAX_HASH) },
        },
      ])
    }
  })

  it('accepts the StreamARN of the stream the iterator reads', async () => {
    const t = await startServer()
    await createActiveStream(t, 's', 1)
    await put(t, 's', 'x')
    const iterator = await iteratorFor(t, { StreamName: 's', ShardId: shardId(0) })

    const out = await t.client.send(new GetRecordsCommand({ ShardIterator: iterator, StreamARN: arnOf('s') }))

    expect(out.Records!.map(text)).toEqual(['x'])
  })

  it.each([
    [
      'an iterator this server did not issue',
      () => 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
    ],
    ['a tampered iterator', (it: string) => `${it.slice(0, 10)}${it[10] === 'A' ? 'B' : 'A'}${it.slice(11)}`],
    ['a truncated iterator', (it: string) => it.slice(0, 20)],
  ])('rejects %s', async (_case, forge) => {
    const t = await startServer()
    await createActiveStream(t, 's', 1)
    const iterator = await iteratorFor(t, { StreamName: 's', ShardId: shardId(0) })

    await expectAwsError(
      t.client.send(new GetRecordsCommand({ ShardIterator: forge(iterator) })),
      invalidArgument('Invalid ShardIterator.'),
    )
  })

  it.each([
    [
      'Limit 0',
      { Limit: 0 },
      validation(
        "Value '0' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1",
      ),
    ],
    [
      'Limit 10001',
      { Limit: 10001 },
      validation(
        "Value '10001' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 10000",
      ),
    ],
    [
      'an empty iterator',
      { ShardIterator: '' },
      validation(
        "Value '' at 'shardIterator' failed to satisfy constraint: Member must have length greater than or equal to 1",
      ),
    ],
    [
      'a 513-character iterator',
      { ShardIterator: 'a'.repeat(513) },
      validation(
        `Value '${'a'.repeat(513)}' at 'shardIterator' failed to satisfy constraint: Member must have length less than or equal to 512`,
      ),
    ],
  ])('rejects %s', async (_case, input, expected) => {
    const t = await startServer()
    await createActiveStream(t, 's', 1)
    const iterator = await iteratorFor(t, { StreamName: 's', ShardId: shardId(0) })

    await expectAwsError(
      t.client.send(new GetRecordsCommand({ ShardIterator: iterator, ...input })),
      expected,
    )
  })

  // Recorded against AWS by kinesalite: the error names the shard once the stream is gone.
  it('rejects an iterator of a deleted stream, naming its shard', async () => {
    const t = await startServer()
    await createActiveStream(t, 's', 2)
    const iterator = await iteratorFor(t, { StreamName: 's', ShardId: shardId(1) })
    await t.client.send(new DeleteStreamCommand({ StreamName: 's' }))
    await t.settle()

    await expectAwsError(t.client.send(new GetRecordsCommand({ ShardIterator: iterator })), {
      name: 'ResourceNotFoundException',
      message: `Shard shardId-000000000001 in stream s under account ${ACCOUNT} does not exist`,
    })
  })
})

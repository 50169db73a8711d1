import { MergeShardsCommand, PutRecordCommand, SplitShardCommand } from '@aws-sdk/client-kinesis'
import { describe, expect, it } from 'vitest'
import { parseClientSequenceNumber, printedShardId } from '../../../src/stream/sequence-layout.ts'
import {
  ACCOUNT,
  expectAwsError,
  fromHex,
  invalidArgument,
  iteratorAtSequence,
  notFound,
  readShard,
  shardId,
  streamStatus,
} from '../../helpers/kinesis.ts'
import { createActiveStream, startServer } from '../../helpers/server.ts'

/**
 * Behaviours recorded from AWS (the cases of kinesalite's suite, which runs against the real
 * service) that Tributary got wrong: each case here failed before the fix.
 */

const START = Date.UTC(2026, 2, 1, 12, 0, 0, 0)
const hexOf = (value: number, width: number) => value.toString(16).padStart(width, '0')
/** A version 2 sequence number in hex: created, sequence index, arrival (seconds) and shard. */
const v2 = (created: number, index: number, arrival: number, shard: number) =>
  `2${hexOf(created, 9)}${hexOf(shard & 0xf, 1)}${hexOf(index, 16)}00${hexOf(arrival, 9)}${hexOf(shard, 8)}2`
const couldNotFind = (shard: string, stream: string) => ({
  name: 'ResourceNotFoundException',
  message: `Could not find shard ${shard} in stream ${stream} under account ${ACCOUNT}.`,
})

describe('MergeShards adjacency', () => {
  it('refuses a pair whose ShardToMerge comes after AdjacentShardToMerge', async () => {
    const t = await startServer()
    await createActiveStream(t, 's', 3)

    await expectAwsError(
      t.client.send(
        new MergeShardsCommand({ StreamName: 's', ShardToMerge: 'x-1', AdjacentShardToMerge: 'y-0' }),
      ),
      invalidArgument(
        `Shards shardId-000000000001 and shardId-000000000000 in stream s under account ${ACCOUNT} are not an adjacent pair of shards eligible for merging`,
      ),
    )
    expect(await streamStatus(t, 's')).toBe('ACTIVE')
  })

  it('merges when ShardToMerge ends where AdjacentShardToMerge begins', async () => {
    const t = await startServer()
    await createActiveStream(t, 's', 3)

    await t.client.send(
      new MergeShardsCommand({ StreamName: 's', ShardToMerge: 'x-1', AdjacentShardToMerge: 'y-2' }),
    )

    expect(await streamStatus(t, 's')).toBe('UPDATING')
  })
})

describe('SplitShard and MergeShards read shard ids before the stream', () => {
  const unparseable = ['2147483648', 'shardId-002147483648', 'ABKLFD8', '2.14E4']
  const parseable = ['2147483647', 'abc-2147483647', 'a-00002147483647', '-00002147483647']

  it.each(unparseable)('SplitShard: %s in a missing stream is a shard not found', async (id) => {
    const t = await startServer()
    await expectAwsError(
      t.client.send(
        new SplitShardCommand({ StreamName: 'ghost', ShardToSplit: id, NewStartingHashKey: '0' }),
      ),
      couldNotFind(id, 'ghost'),
    )
  })

  it.each(parseable)('SplitShard: %s in a missing stream is a stream not found', async (id) => {
    const t = await startServer()
    await expectAwsError(
      t.client.send(
        new SplitShardCommand({ StreamName: 'ghost', ShardToSplit: id, NewStartingHashKey: '0' }),
      ),
      notFound('ghost'),
    )
  })

  it.each(unparseable)(
    'MergeShards: %s as either shard in a missing stream is a shard not found',
    async (id) => {
      const t = await startServer()
      await expectAwsError(
        t.client.send(
          new MergeShardsCommand({ StreamName: 'ghost', ShardToMerge: id, AdjacentShardToMerge: 'a-0' }),
        ),
        couldNotFind(id, 'ghost'),
      )
      await expectAwsError(
        t.client.send(
          new MergeShardsCommand({ StreamName: 'ghost', ShardToMerge: 'a-0', AdjacentShardToMerge: id }),
        ),
        couldNotFind(id, 'ghost'),
      )
    },
  )

  it.each(parseable)('MergeShards: %s in a missing stream is a stream not found', async (id) => {
    const t = await startServer()
    await expectAwsError(
      t.client.send(
        new MergeShardsCommand({ StreamName: 'ghost', ShardToMerge: id, AdjacentShardToMerge: 'a-0' }),
      ),
      notFound('ghost'),
    )
  })

  it('names a missing shard of an existing stream by its full id', async () => {
    const t = await startServer()
    await createActiveStream(t, 's', 3)
    await expectAwsError(
      t.client.send(
        new MergeShardsCommand({ StreamName: 's', ShardToMerge: 'a-0', AdjacentShardToMerge: 'shardId-5' }),
      ),
      couldNotFind(shardId(5), 's'),
    )
  })
})

describe('GetShardIterator with a StartingSequenceNumber of another layout or shard', () => {
  const invalid = (printed: string, shard: number, why = '') =>
    invalidArgument(
      `StartingSequenceNumber ${printed} used in GetShardIterator on shard ${shardId(shard)} in stream s under account ${ACCOUNT} is invalid${why}.`,
    )
  const encodes = (encoded: string, shard: number) =>
    invalidArgument(
      `Invalid StartingSequenceNumber. It encodes ${encoded}, while it was used in a call to a shard with ${shardId(shard)}`,
    )
  const notFromHere = ' because it did not come from this stream'

  it.each([
    ['a short number encoding shard 5', '5', 0, encodes('shardId-000000000005', 0)],
    [
      'an old number with a creation date too large',
      fromHex('13bb2cc3d80000000000000000000000'),
      0,
      invalid('26227199374822427428162556223570313216', 0),
    ],
    [
      'a version 2 number with 8 in its index',
      fromHex('20000000000800000000000000000000000000000000002'),
      0,
      invalid(fromHex('20000000000800000000000000000000000000000000002'), 0),
    ],
    [
      'a version 1 number with the lowest shard',
      fromHex('20000000000000000000000000000000000000800000001'),
      0,
      encodes('shardId--02147483648', 0),
    ],
    [
      'a version 1 number of this shard',
      fromHex('20000000000000000000000000000000000000000000001'),
      0,
      invalid(fromHex('20000000000000000000000000000000000000000000001'), 0, notFromHere),
    ],
  ] as const)('%s', async (_case, sequence, shard, expected) => {
    const t = await startServer({ startTime: START })
    await createActiveStream(t, 's', 3)

    await expectAwsError(iteratorAtSequence(t, shard, sequence), expected)
  })

  it('names the other shard when given a number this stream issued on it', async () => {
    const t = await startServer({ startTime: START })
    await createActiveStream(t, 's', 3)
    const put = await t.client.send(
      new PutRecordCommand({
        StreamName: 's',
        PartitionKey: 'k',
        ExplicitHashKey: '0',
        Data: Buffer.from('x'),
      }),
    )

    await expectAwsError(iteratorAtSequence(t, 2, put.SequenceNumber), encodes(shardId(0), 2))
  })
})

describe('PutRecord SequenceNumberForOrdering', () => {
  /** Seconds since the epoch in hex: 8 digits in this century, as kinesalite's recordings splice them. */
  const nowHex = (offsetSeconds: number) => Math.floor(START / 1000 + offsetSeconds).toString(16)
  const invalid = (sequence: string) =>
    invalidArgument(
      `ExclusiveMinimumSequenceNumber ${sequence} used in PutRecord on stream s under account ${ACCOUNT} is invalid.`,
    )

  it.each([
    ['all f', '2ffffffffff7fffffffffffffff000000000007fffffff2'],
    ['all 0', '20000000000000000000000000000000000000000000002'],
    ['all 0, version 1', '20000000000000000000000000000000000000000000001'],
    ['another shard of another stream', v2(START / 1000 - 60, 9, START / 1000 - 2, 5)],
    ['an arrival time just past', `2ffffffffff7fffffff7fffffff000${nowHex(-2)}7fffffff2`],
  ])('accepts %s', async (_case, hex) => {
    const t = await startServer({ startTime: START })
    await createActiveStream(t, 's', 1)

    const out = await t.client.send(
      new PutRecordCommand({
        StreamName: 's',
        PartitionKey: 'a',
        Data: Buffer.from('x'),
        SequenceNumberForOrdering: fromHex(hex),
      }),
    )

    expect(out.ShardId).toBe(shardId(0))
    expect((await readShard(t, 's', shardId(0))).records).toHaveLength(1)
  })

  it.each([
    ['version 0', fromHex('20000000000000000000000000000000000000000000000')],
    ['version 4', fromHex('20000000000000000000000000000000000000000000004')],
    ['an initial 3', fromHex('30000000000000000000000000000000000000000000001')],
    ['an initial 1', fromHex('1ffffffffff7fffffffffffffff000000000007fffffff2')],
    ['8 in the index', fromHex('20000000000800000000000000000000000000000000002')],
    ['an arrival time in the future', fromHex(`200000000000000000000000000000${nowHex(2)}000000002`)],
    ['an old number with a large date', fromHex('13bb2cc3d80000000000000000000000')],
    ['a short old number', '1'],
  ])('rejects %s', async (_case, sequence) => {
    const t = await startServer({ startTime: START })
    await createActiveStream(t, 's', 1)

    await expectAwsError(
      t.client.send(
        new PutRecordCommand({
          StreamName: 's',
          PartitionKey: 'a',
          Data: Buffer.from('x'),
          SequenceNumberForOrdering: sequence,
        }),
      ),
      invalid(sequence),
    )
    expect((await readShard(t, 's', shardId(0))).records).toEqual([])
  })
})

describe('parseClientSequenceNumber', () => {
  it('reads the shard of each layout', () => {
    expect(parseClientSequenceNumber('5')).toMatchObject({ version: 0, shardIndex: 5 })
    expect(parseClientSequenceNumber(fromHex(v2(100, 3, 200, 12)))).toMatchObject({
      version: 2,
      shardIndex: 12,
      shardCreatedSeconds: 100,
      arrivalSeconds: 200,
    })
    expect(
      parseClientSequenceNumber(fromHex('20000000000000000000000000000000000000ffffffff1')),
    ).toMatchObject({
      version: 1,
      shardIndex: -1,
    })
  })

  it('prints shard ids as Java prints %012d', () => {
    expect(printedShardId(7)).toBe('shardId-000000000007')
    expect(printedShardId(-1)).toBe('shardId--00000000001')
    expect(printedShardId(-2147483648)).toBe('shardId--02147483648')
  })
})

import {
  CreateStreamCommand,
  DeleteStreamCommand,
  GetRecordsCommand,
  MergeShardsCommand,
  PutRecordCommand,
} from '@aws-sdk/client-kinesis'
import { describe, expect, it } from 'vitest'
import {
  ACCOUNT,
  expectAwsError,
  fromHex,
  invalidArgument,
  iteratorAtSequence,
  iteratorFor,
  readShard,
  shardId,
  text,
} from '../../helpers/kinesis.ts'
import { awsRequest, rawRequest } from '../../helpers/raw-http.ts'
import { createActiveStream, startServer, type TestServer } from '../../helpers/server.ts'

/**
 * Behaviours from the later recordings in kinesalite's suite (run against the real service) that
 * Tributary answered as the earlier recordings did, or not at all. Each case failed before its fix.
 */

const START = Date.UTC(2026, 2, 1, 12, 0, 0, 0)
const shardNotFound = (shard: string, stream: string) => ({
  name: 'ResourceNotFoundException',
  message: `Shard ${shard} in stream ${stream} under account ${ACCOUNT} does not exist`,
})

/** The exact wire answer for an iterator request, over raw HTTP: AWS's 500 has no message. */
async function rawIterator(t: TestServer, shard: number, sequence: string) {
  const body = JSON.stringify({
    StreamName: 's',
    ShardId: shardId(shard),
    ShardIteratorType: 'AT_SEQUENCE_NUMBER',
    StartingSequenceNumber: sequence,
  })
  const res = await rawRequest(t.url, awsRequest('GetShardIterator', body))
  return { status: res.status, body: res.text, type: res.headers['x-amzn-errortype'] }
}

const INTERNAL_FAILURE = { status: 500, body: '{"__type":"InternalFailure"}', type: 'InternalFailure' }

describe('InternalFailure', () => {
  it('is a 500 whose body is only {"__type":"InternalFailure"}', async () => {
    const t = await startServer({ startTime: START })
    await createActiveStream(t, 's', 1)
    const body = JSON.stringify({
      StreamName: 's',
      PartitionKey: 'a',
      Data: '',
      SequenceNumberForOrdering: fromHex('20000000000000000000000000000000000000000000003'),
    })

    const res = await rawRequest(t.url, awsRequest('PutRecord', body))

    expect({ status: res.status, body: res.text }).toEqual({
      status: 500,
      body: '{"__type":"InternalFailure"}',
    })
  })
})

describe('GetShardIterator with an old (version 0) number naming the shard asked for', () => {
  it.each([
    ['0', '0', 0],
    ['an old number of shard 2', '425352958651173072921826052383309826', 2],
    ['an old number with a high nibble', fromHex('f3bb2cc3d7ff7fffffffffffffff0000'), 0],
  ] as const)('%s fails with InternalFailure', async (_case, sequence, shard) => {
    const t = await startServer({ startTime: START })
    await createActiveStream(t, 's', 3)

    expect(await rawIterator(t, shard, sequence)).toEqual(INTERNAL_FAILURE)
  })
})

describe('a version 2 number whose shard field has its top bit set', () => {
  const sequence = fromHex('20000000000000000000000000000000000000800000002')

  it('names shardId--02147483648 in GetShardIterator', async () => {
    const t = await startServer({ startTime: START })
    await createActiveStream(t, 's', 1)

    await expectAwsError(
      iteratorAtSequence(t, 0, sequence),
      invalidArgument(
        `Invalid StartingSequenceNumber. It encodes shardId--02147483648, while it was used in a call to a shard with ${shardId(0)}`,
      ),
    )
  })

  it('is accepted as PutRecord SequenceNumberForOrdering', async () => {
    const t = await startServer({ startTime: START })
    await createActiveStream(t, 's', 1)

    const out = await t.client.send(
      new PutRecordCommand({
        StreamName: 's',
        PartitionKey: 'a',
        Data: Buffer.from('x'),
        SequenceNumberForOrdering: sequence,
      }),
    )

    expect(out.ShardId).toBe(shardId(0))
    expect((await readShard(t, 's', shardId(0))).records.map(text)).toEqual(['x'])
  })
})

describe('GetRecords with the iterator of a deleted stream', () => {
  async function deletedWithIterators(t: TestServer) {
    await createActiveStream(t, 's', 2)
    const iterators = [
      await iteratorFor(t, { StreamName: 's', ShardId: shardId(0), ShardIteratorType: 'LATEST' }),
      await iteratorFor(t, { StreamName: 's', ShardId: shardId(1), ShardIteratorType: 'LATEST' }),
    ]
    await t.client.send(new DeleteStreamCommand({ StreamName: 's' }))
    await t.settle()
    return iterators
  }

  it('names the shard as not existing while the stream is gone', async () => {
    const t = await startServer()
    const [it0, it1] = await deletedWithIterators(t)

    await expectAwsError(
      t.client.send(new GetRecordsCommand({ ShardIterator: it0 })),
      shardNotFound(shardId(0), 's'),
    )
    await expectAwsError(
      t.client.send(new GetRecordsCommand({ ShardIterator: it1 })),
      shardNotFound(shardId(1), 's'),
    )
  })

  it('reads the re-created stream’s shard of the same index from its start, when there is one', async () => {
    const t = await startServer()
    const [it0, it1] = await deletedWithIterators(t)
    await t.client.send(new CreateStreamCommand({ StreamName: 's', ShardCount: 1 }))
    await t.settle()

    await expectAwsError(
      t.client.send(new GetRecordsCommand({ ShardIterator: it1 })),
      shardNotFound(shardId(1), 's'),
    )
    const empty = await t.client.send(new GetRecordsCommand({ ShardIterator: it0 }))
    expect(empty.Records).toEqual([])
    await t.client.send(
      new PutRecordCommand({ StreamName: 's', PartitionKey: 'k', Data: Buffer.from('new') }),
    )
    const after = await t.client.send(new GetRecordsCommand({ ShardIterator: empty.NextShardIterator }))
    expect(after.Records!.map(text)).toEqual(['new'])
    const again = await t.client.send(new GetRecordsCommand({ ShardIterator: it0 }))
    expect(again.Records!.map(text)).toEqual(['new'])
  })
})

describe('GetRecords at the end of a closed shard', () => {
  it('returns the last records with a NextShardIterator, and ends the shard in the next response', async () => {
    const t = await startServer()
    await createActiveStream(t, 's', 2)
    await t.client.send(
      new PutRecordCommand({
        StreamName: 's',
        PartitionKey: 'k',
        ExplicitHashKey: '0',
        Data: Buffer.from('a'),
      }),
    )
    await t.client.send(
      new MergeShardsCommand({ StreamName: 's', ShardToMerge: shardId(0), AdjacentShardToMerge: shardId(1) }),
    )
    await t.settle()
    const iterator = await iteratorFor(t, { StreamName: 's', ShardId: shardId(0) })

    const last = await t.client.send(new GetRecordsCommand({ ShardIterator: iterator }))
    expect(last.Records!.map(text)).toEqual(['a'])
    expect(last.NextShardIterator).toEqual(expect.any(String))
    expect(last.ChildShards).toBeUndefined()

    const end = await t.client.send(new GetRecordsCommand({ ShardIterator: last.NextShardIterator }))
    expect(end.Records).toEqual([])
    expect(end.NextShardIterator).toBeUndefined()
    expect(end.ChildShards!.map((c) => c.ShardId)).toEqual([shardId(2)])
  })
})

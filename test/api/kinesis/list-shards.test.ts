import {
  ListShardsCommand,
  type ListShardsCommandInput,
  type ShardFilterType,
  SplitShardCommand,
} from '@aws-sdk/client-kinesis'
import { describe, expect, it } from 'vitest'
import {
  arnOf,
  describeShards,
  expectAwsError,
  invalidArgument,
  notFound,
  shardId,
  validation,
} from '../../helpers/kinesis.ts'
import { createActiveStream, startServer, type TestServer } from '../../helpers/server.ts'

const START = Date.UTC(2026, 2, 1, 12, 0, 0, 0)
const HOUR = 3_600_000

async function ids(t: TestServer, input: ListShardsCommandInput): Promise<string[]> {
  const out = await t.client.send(new ListShardsCommand(input))
  return out.Shards!.map((s) => s.ShardId!)
}

/**
 * A 2-shard stream created at START whose shard 0 was split at START + 1 h (shard 0 closes when
 * the split completes, within a second): shards 0 (closed), 1, 2 and 3 (children of 0).
 */
async function splitStream(t: TestServer): Promise<void> {
  await createActiveStream(t, 's', 2)
  t.clock.set(START + HOUR)
  await t.client.send(
    new SplitShardCommand({ StreamName: 's', ShardToSplit: shardId(0), NewStartingHashKey: '2000' }),
  )
  await t.settle()
}

describe('ListShards', () => {
  it('lists every shard, by StreamName or StreamARN, with the same shapes as DescribeStream', async () => {
    const t = await startServer({ startTime: START })
    await splitStream(t)

    const byName = await t.client.send(new ListShardsCommand({ StreamName: 's' }))
    const byArn = await t.client.send(new ListShardsCommand({ StreamARN: arnOf('s') }))

    expect(byName.Shards).toEqual(await describeShards(t, 's'))
    expect(byName.Shards!.map((s) => s.ShardId)).toEqual([shardId(0), shardId(1), shardId(2), shardId(3)])
    expect(byName.NextToken).toBeUndefined()
    expect(byArn.Shards).toEqual(byName.Shards)
  })

  it('pages with MaxResults and NextToken', async () => {
    const t = await startServer()
    await createActiveStream(t, 'wide', 5)

    const first = await t.client.send(new ListShardsCommand({ StreamName: 'wide', MaxResults: 2 }))
    const second = await t.client.send(new ListShardsCommand({ NextToken: first.NextToken, MaxResults: 2 }))
    const third = await t.client.send(new ListShardsCommand({ NextToken: second.NextToken, MaxResults: 2 }))

    expect(first.Shards!.map((s) => s.ShardId)).toEqual([shardId(0), shardId(1)])
    expect(first.NextToken).toEqual(expect.any(String))
    expect(second.Shards!.map((s) => s.ShardId)).toEqual([shardId(2), shardId(3)])
    expect(third.Shards!.map((s) => s.ShardId)).toEqual([shardId(4)])
    expect(third.NextToken).toBeUndefined()
  })

  it('starts after ExclusiveStartShardId', async () => {
    const t = await startServer()
    await createActiveStream(t, 'wide', 4)

    expect(await ids(t, { StreamName: 'wide', ExclusiveStartShardId: shardId(1) })).toEqual([
      shardId(2),
      shardId(3),
    ])
  })

  it('keeps the ShardFilter of the first page on later pages', async () => {
    const t = await startServer({ startTime: START })
    await splitStream(t)

    const first = await t.client.send(
      new ListShardsCommand({ StreamName: 's', MaxResults: 2, ShardFilter: { Type: 'AT_LATEST' } }),
    )
    const second = await t.client.send(new ListShardsCommand({ NextToken: first.NextToken }))

    expect(first.Shards!.map((s) => s.ShardId)).toEqual([shardId(1), shardId(2)])
    expect(second.Shards!.map((s) => s.ShardId)).toEqual([shardId(3)])
  })

  it.each<[ShardFilterType, number | undefined, string[]]>([
    ['AFTER_SHARD_ID', undefined, [shardId(2), shardId(3)]],
    ['AT_TRIM_HORIZON', undefined, [shardId(0), shardId(1)]],
    ['FROM_TRIM_HORIZON', undefined, [shardId(0), shardId(1), shardId(2), shardId(3)]],
    ['AT_LATEST', undefined, [shardId(1), shardId(2), shardId(3)]],
    ['AT_TIMESTAMP', START + 30 * 60_000, [shardId(0), shardId(1)]],
    ['AT_TIMESTAMP', START + 2 * HOUR, [shardId(1), shardId(2), shardId(3)]],
    ['AT_TIMESTAMP', START - HOUR, [shardId(0), shardId(1)]],
    ['FROM_TIMESTAMP', START + 30 * 60_000, [shardId(0), shardId(1), shardId(2), shardId(3)]],
    ['FROM_TIMESTAMP', START + 2 * HOUR, [shardId(1), shardId(2), shardId(3)]],
  ])('filters %s (timestamp %s)', async (type, timestamp, expected) => {
    const t = await startServer({ startTime: START })
    await splitStream(t)
    t.clock.set(START + 3 * HOUR)

    const shardIds = await ids(t, {
      StreamName: 's',
      ShardFilter: {
        Type: type,
        ...(type === 'AFTER_SHARD_ID' && { ShardId: shardId(1) }),
        ...(timestamp !== undefined && { Timestamp: new Date(timestamp) }),
      },
    })

    expect(shardIds).toEqual(expected)
  })

  it('AT_TRIM_HORIZON moves past shards closed before the trim horizon', async () => {
    const t = await startServer({ startTime: START })
    await splitStream(t)
    t.clock.set(START + 26 * HOUR)

    expect(await ids(t, { StreamName: 's', ShardFilter: { Type: 'AT_TRIM_HORIZON' } })).toEqual([
      shardId(1),
      shardId(2),
      shardId(3),
    ])
  })

  it('refuses a NextToken older than 300 seconds', async () => {
    const t = await startServer()
    await createActiveStream(t, 'wide', 3)
    const { NextToken } = await t.client.send(new ListShardsCommand({ StreamName: 'wide', MaxResults: 1 }))
    t.clock.advance(300_001)

    await expectAwsError(t.client.send(new ListShardsCommand({ NextToken })), {
      name: 'ExpiredNextTokenException',
      message: `The timestamp of the given NextToken has expired: ${NextToken}`,
    })
  })

  it('refuses a NextToken of a stream that was deleted since', async () => {
    const t = await startServer()
    await createActiveStream(t, 'wide', 3)
    const { NextToken } = await t.client.send(new ListShardsCommand({ StreamName: 'wide', MaxResults: 1 }))
    t.engine.deleteStream('wide')
    await t.settle()

    await expectAwsError(t.client.send(new ListShardsCommand({ NextToken })), notFound('wide'))
  })

  it.each<[string, ListShardsCommandInput, { name: string; message: string }]>([
    ['an unknown stream', { StreamName: 'ghost' }, notFound('ghost')],
    [
      'neither NextToken nor StreamName',
      {},
      invalidArgument('Either NextToken or StreamName should be provided.'),
    ],
    [
      'NextToken with StreamName',
      { StreamName: 's', NextToken: 'x' },
      invalidArgument('NextToken and StreamName cannot be provided together.'),
    ],
    [
      'NextToken with ExclusiveStartShardId',
      { NextToken: 'TOKEN', ExclusiveStartShardId: shardId(0) },
      invalidArgument('NextToken and ExclusiveStartShardId cannot be provided together.'),
    ],
    [
      'NextToken with ShardFilter',
      { NextToken: 'TOKEN', ShardFilter: { Type: 'AT_LATEST' } },
      invalidArgument('NextToken and ShardFilter cannot be provided together.'),
    ],
    [
      'a NextToken this server did not issue',
      { NextToken: 'bm90LWEtdG9rZW4tYXQtYWxsLXJlYWxseQ' },
      invalidArgument('Invalid NextToken: bm90LWEtdG9rZW4tYXQtYWxsLXJlYWxseQ'),
    ],
    [
      'AFTER_SHARD_ID without a ShardId',
      { StreamName: 's', ShardFilter: { Type: 'AFTER_SHARD_ID' } },
      invalidArgument('ShardFilter.ShardId must be provided when ShardFilter.Type is AFTER_SHARD_ID.'),
    ],
    [
      'AT_TIMESTAMP without a Timestamp',
      { StreamName: 's', ShardFilter: { Type: 'AT_TIMESTAMP' } },
      invalidArgument('ShardFilter.Timestamp must be provided when ShardFilter.Type is AT_TIMESTAMP.'),
    ],
    [
      'FROM_TIMESTAMP without a Timestamp',
      { StreamName: 's', ShardFilter: { Type: 'FROM_TIMESTAMP' } },
      invalidArgument('ShardFilter.Timestamp must be provided when ShardFilter.Type is FROM_TIMESTAMP.'),
    ],
    [
      'MaxResults 0',
      { StreamName: 's', MaxResults: 0 },
      validation(
        "Value '0' at 'maxResults' failed to satisfy constraint: Member must have value greater than or equal to 1",
      ),
    ],
    [
      'MaxResults 10001',
      { StreamName: 's', MaxResults: 10001 },
      validation(
        "Value '10001' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 10000",
      ),
    ],
    [
      'an unknown ShardFilter type',
      { StreamName: 's', ShardFilter: { Type: 'SOMETIMES' as ShardFilterType } },
      validation(
        "Value 'SOMETIMES' at 'shardFilter.type' failed to satisfy constraint: Member must satisfy enum value set: " +
          '[AFTER_SHARD_ID, AT_TRIM_HORIZON, FROM_TRIM_HORIZON, AT_LATEST, AT_TIMESTAMP, FROM_TIMESTAMP]',
      ),
    ],
  ])('rejects %s', async (_case, input, expected) => {
    const t = await startServer()
    await createActiveStream(t, 's', 3)
    const { NextToken: token } = await t.client.send(
      new ListShardsCommand({ StreamName: 's', MaxResults: 1 }),
    )
    const request = input.NextToken === 'TOKEN' ? { ...input, NextToken: token } : input

    await expectAwsError(t.client.send(new ListShardsCommand(request)), expected)
  })
})

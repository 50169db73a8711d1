import {
  DescribeStreamCommand,
  DescribeStreamSummaryCommand,
  SplitShardCommand,
} from '@aws-sdk/client-kinesis'
import { describe, expect, it } from 'vitest'
import { arnOf, expectAwsError, notFound, validation } from '../../helpers/kinesis.ts'
import { createActiveStream, startServer } from '../../helpers/server.ts'

const START = Date.UTC(2026, 2, 1, 12, 0, 0, 250)

describe('DescribeStream', () => {
  it('describes every field a client reads', async () => {
    const t = await startServer({ startTime: START })
    await createActiveStream(t, 'orders', 2)

    const out = await t.client.send(new DescribeStreamCommand({ StreamName: 'orders' }))

    const d = out.StreamDescription!
    expect(d).toMatchObject({
      StreamName: 'orders',
      StreamARN: 'arn:aws:kinesis:us-east-1:000000000000:stream/orders',
      StreamStatus: 'ACTIVE',
      StreamModeDetails: { StreamMode: 'PROVISIONED' },
      HasMoreShards: false,
      RetentionPeriodHours: 24,
      EnhancedMonitoring: [{ ShardLevelMetrics: [] }],
      EncryptionType: 'NONE',
    })
    expect(d.KeyId).toBeUndefined()
    // Whole seconds, like AWS.
    expect(d.StreamCreationTimestamp).toEqual(new Date(Date.UTC(2026, 2, 1, 12, 0, 0)))
    expect(d.Shards!.map((s) => s.ShardId)).toEqual(['shardId-000000000000', 'shardId-000000000001'])
  })

  it('pages shards with Limit and ExclusiveStartShardId', async () => {
    const t = await startServer()
    await createActiveStream(t, 'wide', 5)

    const first = await t.client.send(new DescribeStreamCommand({ StreamName: 'wide', Limit: 2 }))
    const second = await t.client.send(
      new DescribeStreamCommand({
        StreamName: 'wide',
        Limit: 2,
        ExclusiveStartShardId: 'shardId-000000000001',
      }),
    )
    const last = await t.client.send(
      new DescribeStreamCommand({
        StreamName: 'wide',
        Limit: 2,
        ExclusiveStartShardId: 'shardId-000000000003',
      }),
    )

    expect(first.StreamDescription!.Shards!.map((s) => s.ShardId)).toEqual([
      'shardId-000000000000',
      'shardId-000000000001',
    ])
    expect(first.StreamDescription!.HasMoreShards).toBe(true)
    expect(second.StreamDescription!.Shards!.map((s) => s.ShardId)).toEqual([
      'shardId-000000000002',
      'shardId-000000000003',
    ])
    expect(second.StreamDescription!.HasMoreShards).toBe(true)
    expect(last.StreamDescription!.Shards!.map((s) => s.ShardId)).toEqual(['shardId-000000000004'])
    expect(last.StreamDescription!.HasMoreShards).toBe(false)
  })

  it('shows UPDATING during a reshard', async () => {
    const t = await startServer()
    await createActiveStream(t, 'busy', 1)
    await t.client.send(
      new SplitShardCommand({
        StreamName: 'busy',
        ShardToSplit: 'shardId-000000000000',
        NewStartingHashKey: '1000',
      }),
    )

    const out = await t.client.send(new DescribeStreamCommand({ StreamARN: arnOf('busy') }))

    expect(out.StreamDescription!.StreamStatus).toBe('UPDATING')
  })

  it.each([
    ['an unknown stream', { StreamName: 'ghost' }, notFound('ghost')],
    [
      'Limit 0',
      { StreamName: 's', Limit: 0 },
      validation(
        "Value '0' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1",
      ),
    ],
    [
      'Limit 10001',
      { StreamName: 's', Limit: 10001 },
      validation(
        "Value '10001' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 10000",
      ),
    ],
    [
      'a malformed ExclusiveStartShardId',
      { StreamName: 's', ExclusiveStartShardId: 'a/b' },
      validation(
        "Value 'a/b' at 'exclusiveStartShardId' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+",
      ),
    ],
  ])('rejects %s', async (_case, input, expected) => {
    const t = await startServer()
    await createActiveStream(t, 's', 1)

    await expectAwsError(t.client.send(new DescribeStreamCommand(input)), expected)
  })
})

describe('DescribeStreamSummary', () => {
  it('summarises the stream without its shards', async () => {
    const t = await startServer({ startTime: START })
    await createActiveStream(t, 'orders', 3)

    const out = await t.client.send(new DescribeStreamSummaryCommand({ StreamName: 'orders' }))

    expect(out.StreamDescriptionSummary).toEqual({
      StreamName: 'orders',
      StreamARN: 'arn:aws:kinesis:us-east-1:000000000000:stream/orders',
      StreamStatus: 'ACTIVE',
      StreamModeDetails: { StreamMode: 'PROVISIONED' },
      RetentionPeriodHours: 24,
      StreamCreationTimestamp: new Date(Date.UTC(2026, 2, 1, 12, 0, 0)),
      EnhancedMonitoring: [{ ShardLevelMetrics: [] }],
      EncryptionType: 'NONE',
      OpenShardCount: 3,
      ConsumerCount: 0,
      MaxRecordSizeInKiB: 1024,
    })
  })

  it('reports the stream while CREATING, with no open shards yet', async () => {
    const t = await startServer()
    t.engine.createStream('young', { shardCount: 2 })

    const out = await t.client.send(new DescribeStreamSummaryCommand({ StreamName: 'young' }))

    expect(out.StreamDescriptionSummary).toMatchObject({ StreamStatus: 'CREATING', OpenShardCount: 0 })
  })

  it.each([
    ['an unknown stream', { StreamName: 'ghost' }, notFound('ghost')],
    [
      'neither StreamName nor StreamARN',
      {},
      validation("Value null at 'streamName' failed to satisfy constraint: Member must not be null"),
    ],
  ])('rejects %s', async (_case, input, expected) => {
    const t = await startServer()

    await expectAwsError(t.client.send(new DescribeStreamSummaryCommand(input)), expected)
  })
})

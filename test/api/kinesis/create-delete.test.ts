import { readdir } from 'node:fs/promises'
import { join } from 'node:path'
import {
  CreateStreamCommand,
  DeleteStreamCommand,
  DescribeLimitsCommand,
  DescribeStreamSummaryCommand,
  ListStreamsCommand,
  ListTagsForStreamCommand,
  PutRecordCommand,
} from '@aws-sdk/client-kinesis'
import { describe, expect, it } from 'vitest'
import {
  ACCOUNT,
  arnOf,
  describeShards,
  expectAwsError,
  MAX_HASH,
  notFound,
  readShard,
  streamStatus,
  validation,
} from '../../helpers/kinesis.ts'
import { createActiveStream, startServer, type TestServer } from '../../helpers/server.ts'

describe('CreateStream', () => {
  it('is CREATING until the delay has passed, then ACTIVE with uniform shards', async () => {
    const t = await startServer()

    const out = await t.client.send(new CreateStreamCommand({ StreamName: 'orders', ShardCount: 3 }))

    expect(out.$metadata.httpStatusCode).toBe(200)
    expect(await streamStatus(t, 'orders')).toBe('CREATING')
    expect(await describeShards(t, 'orders')).toEqual([])
    await t.settle(499)
    expect(await streamStatus(t, 'orders')).toBe('CREATING')
    await t.settle(1)
    expect(await streamStatus(t, 'orders')).toBe('ACTIVE')
    const shards = await describeShards(t, 'orders')
    const width = (MAX_HASH + 1n) / 3n
    expect(shards.map((s) => [s.ShardId, s.HashKeyRange])).toEqual([
      ['shardId-000000000000', { StartingHashKey: '0', EndingHashKey: String(width - 1n) }],
      ['shardId-000000000001', { StartingHashKey: String(width), EndingHashKey: String(2n * width - 1n) }],
      ['shardId-000000000002', { StartingHashKey: String(2n * width), EndingHashKey: String(MAX_HASH) }],
    ])
    for (const s of shards) {
      expect(s.SequenceNumberRange!.StartingSequenceNumber).toMatch(/^\d{56,57}$/)
      expect(s.SequenceNumberRange!.EndingSequenceNumber).toBeUndefined()
      expect(s.ParentShardId).toBeUndefined()
    }
  })

  it('stores the tags, mode and maximum record size it was created with', async () => {
    const t = await startServer()

    await t.client.send(
      new CreateStreamCommand({
        StreamName: 'tagged',
        ShardCount: 1,
        Tags: { team: 'data', env: 'test' },
        MaxRecordSizeInKiB: 2048,
      }),
    )
    await t.settle()

    const tags = await t.client.send(new ListTagsForStreamCommand({ StreamName: 'tagged' }))
    expect(tags.Tags).toEqual([
      { Key: 'env', Value: 'test' },
      { Key: 'team', Value: 'data' },
    ])
    const summary = await t.client.send(new DescribeStreamSummaryCommand({ StreamName: 'tagged' }))
    expect(summary.StreamDescriptionSummary).toMatchObject({
      StreamModeDetails: { StreamMode: 'PROVISIONED' },
      MaxRecordSizeInKiB: 2048,
      OpenShardCount: 1,
    })
  })

  it('creates an ON_DEMAND stream with 4 shards when no ShardCount is given', async () => {
    const t = await startServer()

    await t.client.send(
      new CreateStreamCommand({ StreamName: 'od', StreamModeDetails: { StreamMode: 'ON_DEMAND' } }),
    )
    await t.settle()

    const summary = await t.client.send(new DescribeStreamSummaryCommand({ StreamName: 'od' }))
    expect(summary.StreamDescriptionSummary).toMatchObject({
      StreamStatus: 'ACTIVE',
      StreamModeDetails: { StreamMode: 'ON_DEMAND' },
      OpenShardCount: 4,
    })
  })

  it('rejects a name that is already taken, in any state', async () => {
    const t = await startServer()
    await t.client.send(new CreateStreamCommand({ StreamName: 'dup', ShardCount: 1 }))

    await expectAwsError(t.client.send(new CreateStreamCommand({ StreamName: 'dup', ShardCount: 1 })), {
      name: 'ResourceInUseException',
      message: `Stream dup under account ${ACCOUNT} already exists.`,
    })
    await t.settle()
    await expectAwsError(t.client.send(new CreateStreamCommand({ StreamName: 'dup', ShardCount: 2 })), {
      name: 'ResourceInUseException',
      message: `Stream dup under account ${ACCOUNT} already exists.`,
    })
  })

  it.each([
    [
      'ShardCount 0',
      { StreamName: 's', ShardCount: 0 },
      validation(
        "Value '0' at 'shardCount' failed to satisfy constraint: Member must have value greater than or equal to 1",
      ),
    ],
    [
      'a name with a slash',
      { StreamName: 'a/b', ShardCount: 1 },
      validation(
        "Value 'a/b' at 'streamName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+",
      ),
    ],
    [
      'a 129-character name',
      { StreamName: 'a'.repeat(129), ShardCount: 1 },
      validation(
        `Value '${'a'.repeat(129)}' at 'streamName' failed to satisfy constraint: Member must have length less than or equal to 128`,
      ),
    ],
    [
      'an empty name and ShardCount 0',
      { StreamName: '', ShardCount: 0 },
      validation(
        "Value '0' at 'shardCount' failed to satisfy constraint: Member must have value greater than or equal to 1",
        "Value '' at 'streamName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+",
        "Value '' at 'streamName' failed to satisfy constraint: Member must have length greater than or equal to 1",
      ),
    ],
    [
      'MaxRecordSizeInKiB below 1 MiB',
      { StreamName: 's', ShardCount: 1, MaxRecordSizeInKiB: 1023 },
      validation(
        "Value '1023' at 'maxRecordSizeInKiB' failed to satisfy constraint: Member must have value greater than or equal to 1024",
      ),
    ],
    [
      'an empty Tags map',
      { StreamName: 's', ShardCount: 1, Tags: {} },
      validation(
        "Value '{}' at 'tags' failed to satisfy constraint: Member must have length greater than or equal to 1",
      ),
    ],
    [
      'a PROVISIONED stream without ShardCount',
      { StreamName: 's' },
      { name: 'InvalidArgumentException', message: 'ShardCount is required for a PROVISIONED stream.' },
    ],
  ])('rejects %s', async (_case, input, expected) => {
    const t = await startServer()

    await expectAwsError(t.client.send(new CreateStreamCommand(input)), expected)

    expect((await t.client.send(new ListStreamsCommand({}))).StreamNames).toEqual([])
  })

  it('refuses shards beyond the account shard limit, counting streams still CREATING', async () => {
    const t = await startServer({ shardLimit: 5 })
    await t.client.send(new CreateStreamCommand({ StreamName: 'first', ShardCount: 3 }))

    await expectAwsError(t.client.send(new CreateStreamCommand({ StreamName: 'second', ShardCount: 3 })), {
      name: 'LimitExceededException',
      message:
        `This request would exceed the shard limit for the account ${ACCOUNT} in us-east-1. ` +
        'Current shard count for the account: 3. Limit: 5. ' +
        'Number of additional shards that would have resulted from this request: 3. ' +
        'Refer to the AWS Service Limits page (http://docs.aws.amazon.com/general/latest/gr/aws_service_limits.html) ' +
        'for current limits and how to request higher limits.',
    })
    await t.client.send(new CreateStreamCommand({ StreamName: 'second', ShardCount: 2 }))
    await t.settle()
    expect((await t.client.send(new DescribeLimitsCommand({}))).OpenShardCount).toBe(5)
  })

  it('refuses on-demand streams beyond the account limit', async () => {
    const t = await startServer({ onDemandStreamLimit: 1 })
    await t.client.send(
      new CreateStreamCommand({ StreamName: 'od1', StreamModeDetails: { StreamMode: 'ON_DEMAND' } }),
    )

    await expectAwsError(
      t.client.send(
        new CreateStreamCommand({ StreamName: 'od2', StreamModeDetails: { StreamMode: 'ON_DEMAND' } }),
      ),
      {
        name: 'LimitExceededException',
        message: `This request would exceed the limit of 1 on-demand streams for the account ${ACCOUNT} in us-east-1.`,
      },
    )
  })
})

describe('DeleteStream', () => {
  it('is DELETING until the delay has passed, then the stream is gone', async () => {
    const t = await startServer()
    await createActiveStream(t, 'doomed', 2)

    await t.client.send(new DeleteStreamCommand({ StreamName: 'doomed' }))

    expect(await streamStatus(t, 'doomed')).toBe('DELETING')
    const listed = await t.client.send(new ListStreamsCommand({}))
    expect(listed.StreamSummaries!.map((s) => [s.StreamName, s.StreamStatus])).toEqual([
      ['doomed', 'DELETING'],
    ])
    await t.settle(499)
    expect(await streamStatus(t, 'doomed')).toBe('DELETING')
    await t.settle(1)
    await expectAwsError(
      t.client.send(new DescribeStreamSummaryCommand({ StreamName: 'doomed' })),
      notFound('doomed'),
    )
    expect((await t.client.send(new ListStreamsCommand({}))).StreamNames).toEqual([])
    expect((await t.client.send(new DescribeLimitsCommand({}))).OpenShardCount).toBe(0)
  })

  it('takes a StreamARN instead of a StreamName', async () => {
    const t = await startServer()
    await createActiveStream(t, 'by-arn', 1)

    await t.client.send(new DeleteStreamCommand({ StreamARN: arnOf('by-arn') }))
    await t.settle()

    await expectAwsError(
      t.client.send(new DescribeStreamSummaryCommand({ StreamName: 'by-arn' })),
      notFound('by-arn'),
    )
  })

  it('frees the name: a re-created stream starts empty and untagged', async () => {
    const t = await startServer()
    await t.client.send(new CreateStreamCommand({ StreamName: 'phoenix', ShardCount: 1, Tags: { a: '1' } }))
    await t.settle()
    await t.client.send(
      new PutRecordCommand({ StreamName: 'phoenix', PartitionKey: 'k', Data: Buffer.from('old') }),
    )
    await t.client.send(new DeleteStreamCommand({ StreamName: 'phoenix' }))
    await t.settle()

    await t.client.send(new CreateStreamCommand({ StreamName: 'phoenix', ShardCount: 1 }))
    await t.settle()

    expect((await readShard(t, 'phoenix', 'shardId-000000000000')).records).toEqual([])
    expect((await t.client.send(new ListTagsForStreamCommand({ StreamName: 'phoenix' }))).Tags).toEqual([])
  })

  it.each([
    ['an unknown stream', { StreamName: 'ghost' }, notFound('ghost')],
    [
      'neither StreamName nor StreamARN',
      {},
      validation("Value null at 'streamName' failed to satisfy constraint: Member must not be null"),
    ],
    [
      'a malformed name',
      { StreamName: 'a b' },
      validation(
        "Value 'a b' at 'streamName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+",
      ),
    ],
  ])('rejects %s', async (_case, input, expected) => {
    const t = await startServer()

    await expectAwsError(t.client.send(new DeleteStreamCommand(input)), expected)
  })

  it('answers ResourceNotFoundException once a deleted stream is gone', async () => {
    const t = await startServer()
    await createActiveStream(t, 'twice', 1)
    await t.client.send(new DeleteStreamCommand({ StreamName: 'twice' }))
    await t.settle()

    await expectAwsError(t.client.send(new DeleteStreamCommand({ StreamName: 'twice' })), notFound('twice'))
  })

  it('refuses writes once the stream is DELETING', async () => {
    const t = await startServer()
    await createActiveStream(t, 'closing', 1)
    await t.client.send(new DeleteStreamCommand({ StreamName: 'closing' }))

    await expectAwsError(
      t.client.send(
        new PutRecordCommand({ StreamName: 'closing', PartitionKey: 'k', Data: Buffer.from('x') }),
      ),
      notFound('closing'),
    )
  })
})

describe('DeleteStream racing a change that is completing', () => {
  const begins: [string, (t: TestServer) => Promise<void>][] = [
    ['CREATING', async (t) => t.engine.createStream('s', { shardCount: 2 })],
    [
      'UPDATING',
      async (t) => {
        await createActiveStream(t, 's', 1)
        t.engine.beginUpdate('s', { kind: 'scale', target: 2 })
      },
    ],
  ]

  it.each(begins)(
    'deletes a stream whose %s change finished after the DeleteStream',
    async (_state, begin) => {
      const t = await startServer()
      await begin(t)

      t.clock.advance(500) // the change starts completing (it opens shard logs asynchronously)
      t.engine.deleteStream('s') // and a DeleteStream arrives meanwhile
      await t.engine.whenSettled() // the change finishes first, as it does in real time
      await t.settle()

      await expectAwsError(
        t.client.send(new DescribeStreamSummaryCommand({ StreamName: 's' })),
        notFound('s'),
      )
      expect((await t.client.send(new ListStreamsCommand({}))).StreamNames).toEqual([])
      expect(await readdir(join(t.dataDir, 'streams'))).toEqual([])
    },
  )

  it.each(begins)('deletes a stream whose %s change finished after the deletion', async (_state, begin) => {
    const t = await startServer()
    await begin(t)

    t.clock.advance(500)
    t.engine.deleteStream('s')
    await t.settle() // the deletion falls due before the change has finished

    await expectAwsError(t.client.send(new DescribeStreamSummaryCommand({ StreamName: 's' })), notFound('s'))
    expect(await readdir(join(t.dataDir, 'streams'))).toEqual([])
    t.engine.createStream('s', { shardCount: 1 })
    await t.settle()
    expect(await describeShards(t, 's')).toHaveLength(1)
  })
})

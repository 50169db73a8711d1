import {
  CreateStreamCommand,
  DescribeLimitsCommand,
  DescribeStreamCommand,
  DescribeStreamSummaryCommand,
  DisableEnhancedMonitoringCommand,
  EnableEnhancedMonitoringCommand,
  type MetricsName,
  PutRecordCommand,
  PutRecordsCommand,
  StartStreamEncryptionCommand,
  StopStreamEncryptionCommand,
  UpdateMaxRecordSizeCommand,
  UpdateStreamModeCommand,
} from '@aws-sdk/client-kinesis'
import { describe, expect, it } from 'vitest'
import {
  ACCOUNT,
  arnOf,
  expectAwsError,
  invalidArgument,
  notActive,
  notFound,
  readShard,
  send,
  shardId,
  streamStatus,
  text,
  validation,
} from '../../helpers/kinesis.ts'
import { createActiveStream, startServer, type TestServer } from '../../helpers/server.ts'

const MiB = 1024 * 1024
const ALL_METRICS = [
  'IncomingBytes',
  'IncomingRecords',
  'OutgoingBytes',
  'OutgoingRecords',
  'WriteProvisionedThroughputExceeded',
  'ReadProvisionedThroughputExceeded',
  'IteratorAgeMilliseconds',
]

async function summary(t: TestServer, name = 's') {
  return (await t.client.send(new DescribeStreamSummaryCommand({ StreamName: name })))
    .StreamDescriptionSummary!
}

describe('UpdateStreamMode', () => {
  it('switches to ON_DEMAND after an UPDATING period, and back', async () => {
    const t = await startServer()
    await createActiveStream(t, 's', 2)

    await t.client.send(
      new UpdateStreamModeCommand({ StreamARN: arnOf('s'), StreamModeDetails: { StreamMode: 'ON_DEMAND' } }),
    )

    expect(await summary(t)).toMatchObject({
      StreamStatus: 'UPDATING',
      StreamModeDetails: { StreamMode: 'PROVISIONED' },
    })
    await t.settle()
    expect(await summary(t)).toMatchObject({
      StreamStatus: 'ACTIVE',
      StreamModeDetails: { StreamMode: 'ON_DEMAND' },
    })
    expect((await t.client.send(new DescribeLimitsCommand({}))).OnDemandStreamCount).toBe(1)
    await t.client.send(
      new UpdateStreamModeCommand({
        StreamARN: arnOf('s'),
        StreamModeDetails: { StreamMode: 'PROVISIONED' },
      }),
    )
    await t.settle()
    expect((await summary(t)).StreamModeDetails).toEqual({ StreamMode: 'PROVISIONED' })
    expect((await t.client.send(new DescribeLimitsCommand({}))).OnDemandStreamCount).toBe(0)
  })

  it.each<[string, object, { name: string; message: string }]>([
    [
      'an unknown stream',
      { StreamARN: arnOf('ghost'), StreamModeDetails: { StreamMode: 'ON_DEMAND' } },
      notFound('ghost'),
    ],
    [
      'the mode the stream is already in',
      { StreamARN: arnOf('s'), StreamModeDetails: { StreamMode: 'PROVISIONED' } },
      invalidArgument(`Stream s under account ${ACCOUNT} is already in PROVISIONED mode.`),
    ],
    [
      'no StreamARN',
      { StreamModeDetails: { StreamMode: 'ON_DEMAND' } },
      validation("Value null at 'streamARN' failed to satisfy constraint: Member must not be null"),
    ],
    [
      'an unknown mode',
      { StreamARN: arnOf('s'), StreamModeDetails: { StreamMode: 'SOMETIMES' } },
      validation(
        "Value 'SOMETIMES' at 'streamModeDetails.streamMode' failed to satisfy constraint: Member must satisfy enum value set: [PROVISIONED, ON_DEMAND]",
      ),
    ],
  ])('rejects %s', async (_case, input, expected) => {
    const t = await startServer()
    await createActiveStream(t, 's', 1)

    await expectAwsError(send(t, 'UpdateStreamMode', input), expected)
    expect(await streamStatus(t, 's')).toBe('ACTIVE')
  })

  it('refuses a stream that is not ACTIVE, and on-demand streams beyond the account limit', async () => {
    const t = await startServer({ onDemandStreamLimit: 1 })
    await t.client.send(
      new CreateStreamCommand({ StreamName: 'od', StreamModeDetails: { StreamMode: 'ON_DEMAND' } }),
    )
    await createActiveStream(t, 's', 1)
    const toOnDemand = (name: string) =>
      t.client.send(
        new UpdateStreamModeCommand({
          StreamARN: arnOf(name),
          StreamModeDetails: { StreamMode: 'ON_DEMAND' },
        }),
      )

    await expectAwsError(toOnDemand('s'), {
      name: 'LimitExceededException',
      message: `This request would exceed the limit of 1 on-demand streams for the account ${ACCOUNT} in us-east-1.`,
    })
    await t.client.send(
      new UpdateStreamModeCommand({
        StreamARN: arnOf('od'),
        StreamModeDetails: { StreamMode: 'PROVISIONED' },
      }),
    )
    await expectAwsError(toOnDemand('od'), notActive('od', 'UPDATING'))
  })
})

describe('DescribeLimits', () => {
  it('reports the shard and on-demand limits and what is in use', async () => {
    const t = await startServer({ shardLimit: 20, onDemandStreamLimit: 3 })
    await createActiveStream(t, 'p', 3)
    await t.client.send(
      new CreateStreamCommand({ StreamName: 'od', StreamModeDetails: { StreamMode: 'ON_DEMAND' } }),
    )

    const out = await t.client.send(new DescribeLimitsCommand({}))

    expect(out).toMatchObject({
      ShardLimit: 20,
      OpenShardCount: 7,
      OnDemandStreamCount: 1,
      OnDemandStreamCountLimit: 3,
    })
  })
})

describe('Start/StopStreamEncryption', () => {
  it('turns KMS encryption on and off through UPDATING; records carry EncryptionType KMS meanwhile', async () => {
    const t = await startServer()
    await createActiveStream(t, 's', 1)
    const put = (data: string) =>
      t.client.send(new PutRecordCommand({ StreamName: 's', PartitionKey: 'k', Data: Buffer.from(data) }))
    const plain = await put('plain')

    await t.client.send(
      new StartStreamEncryptionCommand({
        StreamName: 's',
        EncryptionType: 'KMS',
        KeyId: 'alias/aws/kinesis',
      }),
    )
    expect(await streamStatus(t, 's')).toBe('UPDATING')
    await t.settle()
    const described = (await t.client.send(new DescribeStreamCommand({ StreamName: 's' }))).StreamDescription!
    const sealed = await put('sealed')
    const batch = await t.client.send(
      new PutRecordsCommand({
        StreamName: 's',
        Records: [{ PartitionKey: 'k', Data: Buffer.from('batch') }],
      }),
    )
    await t.client.send(
      new StopStreamEncryptionCommand({
        StreamARN: arnOf('s'),
        EncryptionType: 'KMS',
        KeyId: 'alias/aws/kinesis',
      }),
    )
    await t.settle()
    const after = await put('after')

    expect(plain.EncryptionType).toBeUndefined()
    expect(described).toMatchObject({
      StreamStatus: 'ACTIVE',
      EncryptionType: 'KMS',
      KeyId: 'alias/aws/kinesis',
    })
    expect(sealed.EncryptionType).toBe('KMS')
    expect(batch.EncryptionType).toBe('KMS')
    expect(after.EncryptionType).toBeUndefined()
    const s = await summary(t)
    expect(s.EncryptionType).toBe('NONE')
    expect(s.KeyId).toBeUndefined()
    const { records } = await readShard(t, 's', shardId(0))
    expect(records.map((r) => [text(r), r.EncryptionType])).toEqual([
      ['plain', undefined],
      ['sealed', 'KMS'],
      ['batch', 'KMS'],
      ['after', undefined],
    ])
  })

  it.each<[string, string, object, { name: string; message: string }]>([
    [
      'StartStreamEncryption',
      'an unknown stream',
      { StreamName: 'ghost', EncryptionType: 'KMS', KeyId: 'k' },
      notFound('ghost'),
    ],
    [
      'StartStreamEncryption',
      'EncryptionType NONE',
      { StreamName: 's', EncryptionType: 'NONE', KeyId: 'k' },
      invalidArgument('Encryption type must be KMS to start stream encryption.'),
    ],
    [
      'StartStreamEncryption',
      'no KeyId',
      { StreamName: 's', EncryptionType: 'KMS' },
      validation("Value null at 'keyId' failed to satisfy constraint: Member must not be null"),
    ],
    [
      'StopStreamEncryption',
      'an unknown stream',
      { StreamName: 'ghost', EncryptionType: 'KMS', KeyId: 'k' },
      notFound('ghost'),
    ],
    [
      'StopStreamEncryption',
      'EncryptionType NONE',
      { StreamName: 's', EncryptionType: 'NONE', KeyId: 'k' },
      invalidArgument('Encryption type must be KMS to stop stream encryption.'),
    ],
    [
      'StopStreamEncryption',
      'an unknown encryption type',
      { StreamName: 's', EncryptionType: 'AES', KeyId: 'k' },
      validation(
        "Value 'AES' at 'encryptionType' failed to satisfy constraint: Member must satisfy enum value set: [NONE, KMS]",
      ),
    ],
  ])('%s rejects %s', async (operation, _case, input, expected) => {
    const t = await startServer()
    await createActiveStream(t, 's', 1)

    await expectAwsError(send(t, operation, input), expected)
    expect(await summary(t)).toMatchObject({ StreamStatus: 'ACTIVE', EncryptionType: 'NONE' })
  })

  it('refuses a stream that is not ACTIVE', async () => {
    const t = await startServer()
    t.engine.createStream('s', { shardCount: 1 })

    await expectAwsError(
      t.client.send(new StartStreamEncryptionCommand({ StreamName: 's', EncryptionType: 'KMS', KeyId: 'k' })),
      notActive('s', 'CREATING'),
    )
  })
})

describe('Enable/DisableEnhancedMonitoring', () => {
  it('reports the metrics before and after each change; ALL means every metric', async () => {
    const t = await startServer()
    await createActiveStream(t, 's', 1)

    const enabled = await t.client.send(
      new EnableEnhancedMonitoringCommand({
        StreamName: 's',
        ShardLevelMetrics: ['OutgoingBytes', 'IncomingBytes'],
      }),
    )
    const all = await t.client.send(
      new EnableEnhancedMonitoringCommand({ StreamARN: arnOf('s'), ShardLevelMetrics: ['ALL'] }),
    )
    const disabled = await t.client.send(
      new DisableEnhancedMonitoringCommand({
        StreamName: 's',
        ShardLevelMetrics: ['IncomingBytes', 'IteratorAgeMilliseconds'],
      }),
    )

    expect(enabled).toMatchObject({
      StreamName: 's',
      StreamARN: arnOf('s'),
      CurrentShardLevelMetrics: [],
      DesiredShardLevelMetrics: ['IncomingBytes', 'OutgoingBytes'],
    })
    expect(all.CurrentShardLevelMetrics).toEqual(['IncomingBytes', 'OutgoingBytes'])
    expect(all.DesiredShardLevelMetrics).toEqual(ALL_METRICS)
    expect(disabled.CurrentShardLevelMetrics).toEqual(ALL_METRICS)
    const remaining = ALL_METRICS.filter((m) => m !== 'IncomingBytes' && m !== 'IteratorAgeMilliseconds')
    expect(disabled.DesiredShardLevelMetrics).toEqual(remaining)
    expect((await summary(t)).EnhancedMonitoring).toEqual([{ ShardLevelMetrics: remaining }])
    const off = await t.client.send(
      new DisableEnhancedMonitoringCommand({ StreamName: 's', ShardLevelMetrics: ['ALL'] }),
    )
    expect(off.DesiredShardLevelMetrics).toEqual([])
  })

  it.each(['EnableEnhancedMonitoring', 'DisableEnhancedMonitoring'])(
    '%s refuses an unknown stream and an empty or unknown metric list',
    async (operation) => {
      const t = await startServer()
      await createActiveStream(t, 's', 1)

      await expectAwsError(
        send(t, operation, { StreamName: 'ghost', ShardLevelMetrics: ['ALL'] }),
        notFound('ghost'),
      )
      await expectAwsError(
        send(t, operation, { StreamName: 's', ShardLevelMetrics: [] as MetricsName[] }),
        validation(
          "Value '[]' at 'shardLevelMetrics' failed to satisfy constraint: Member must have length greater than or equal to 1",
        ),
      )
      await expectAwsError(
        send(t, operation, { StreamName: 's', ShardLevelMetrics: ['Latency'] }),
        validation(
          "Value 'Latency' at 'shardLevelMetrics.1.member' failed to satisfy constraint: Member must satisfy enum value set: " +
            `[${[...ALL_METRICS, 'ALL'].join(', ')}]`,
        ),
      )
    },
  )
})

describe('UpdateMaxRecordSize', () => {
  it('raises the record size limit for the stream', async () => {
    // Records of several MiB in a row, over a shard's 1 MiB/s: about the size limit.
    const t = await startServer({ shardLimits: false })
    await createActiveStream(t, 's', 1)
    const big = { StreamName: 's', PartitionKey: 'k', Data: Buffer.alloc(2 * MiB, 'b') }
    await expectAwsError(
      t.client.send(new PutRecordCommand(big)),
      validation(
        `Value 'java.nio.HeapByteBuffer[pos=0 lim=${2 * MiB} cap=${2 * MiB}]' at 'data' failed to satisfy constraint: Member must have length less than or equal to ${MiB}`,
      ),
    )

    await t.client.send(new UpdateMaxRecordSizeCommand({ StreamARN: arnOf('s'), MaxRecordSizeInKiB: 4096 }))

    expect((await summary(t)).MaxRecordSizeInKiB).toBe(4096)
    await t.client.send(new PutRecordCommand(big))
    const { records } = await readShard(t, 's', shardId(0))
    expect(Buffer.from(records[0]!.Data!).equals(big.Data)).toBe(true)
  })

  it.each<[string, object, { name: string; message: string }]>([
    ['an unknown stream', { StreamARN: arnOf('ghost'), MaxRecordSizeInKiB: 2048 }, notFound('ghost')],
    [
      'a size below 1 MiB',
      { StreamARN: arnOf('s'), MaxRecordSizeInKiB: 1023 },
      validation(
        "Value '1023' at 'maxRecordSizeInKiB' failed to satisfy constraint: Member must have value greater than or equal to 1024",
      ),
    ],
    [
      'a size above 10 MiB',
      { StreamARN: arnOf('s'), MaxRecordSizeInKiB: 10241 },
      validation(
        "Value '10241' at 'maxRecordSizeInKiB' failed to satisfy constraint: Member must have value less than or equal to 10240",
      ),
    ],
  ])('rejects %s', async (_case, input, expected) => {
    const t = await startServer()
    await createActiveStream(t, 's', 1)

    await expectAwsError(send(t, 'UpdateMaxRecordSize', input), expected)
    expect((await summary(t)).MaxRecordSizeInKiB).toBe(1024)
  })
})

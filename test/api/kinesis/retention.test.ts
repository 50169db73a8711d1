import {
  DecreaseStreamRetentionPeriodCommand,
  DescribeStreamSummaryCommand,
  GetShardIteratorCommand,
  IncreaseStreamRetentionPeriodCommand,
  ListShardsCommand,
  PutRecordCommand,
  SplitShardCommand,
} from '@aws-sdk/client-kinesis'
import { describe, expect, it } from 'vitest'
import {
  ACCOUNT,
  arnOf,
  expectAwsError,
  invalidArgument,
  notActive,
  notFound,
  readAll,
  readShard,
  send,
  shardId,
  text,
  validation,
} from '../../helpers/kinesis.ts'
import { createActiveStream, startServer, type TestServer } from '../../helpers/server.ts'

const START = Date.UTC(2026, 2, 1, 12, 0, 0, 0)
const HOUR = 3_600_000

async function retention(t: TestServer, name = 's'): Promise<number | undefined> {
  const out = await t.client.send(new DescribeStreamSummaryCommand({ StreamName: name }))
  return out.StreamDescriptionSummary!.RetentionPeriodHours
}

async function put(t: TestServer, data: string) {
  return t.client.send(new PutRecordCommand({ StreamName: 's', PartitionKey: 'k', Data: Buffer.from(data) }))
}

async function visible(t: TestServer): Promise<string[]> {
  return (await readShard(t, 's', shardId(0))).records.map(text)
}

describe('Increase/DecreaseStreamRetentionPeriod', () => {
  it('changes the retention period, by StreamName or StreamARN', async () => {
    const t = await startServer()
    await createActiveStream(t, 's', 1)

    await t.client.send(
      new IncreaseStreamRetentionPeriodCommand({ StreamName: 's', RetentionPeriodHours: 168 }),
    )
    expect(await retention(t)).toBe(168)
    await t.client.send(
      new IncreaseStreamRetentionPeriodCommand({ StreamARN: arnOf('s'), RetentionPeriodHours: 8760 }),
    )
    expect(await retention(t)).toBe(8760)
    await t.client.send(
      new DecreaseStreamRetentionPeriodCommand({ StreamARN: arnOf('s'), RetentionPeriodHours: 48 }),
    )
    expect(await retention(t)).toBe(48)
    await t.client.send(
      new DecreaseStreamRetentionPeriodCommand({ StreamName: 's', RetentionPeriodHours: 24 }),
    )
    expect(await retention(t)).toBe(24)
  })

  const tooShort = (h: number) =>
    invalidArgument(
      `Minimum allowed retention period is 24 hours. Requested retention period (${h} hours) is too short.`,
    )
  it.each<[string, string, number, { name: string; message: string }]>([
    ['an increase below 24 hours', 'IncreaseStreamRetentionPeriod', 23, tooShort(23)],
    ['a decrease below 24 hours', 'DecreaseStreamRetentionPeriod', 1, tooShort(1)],
    [
      'an increase above 8760 hours',
      'IncreaseStreamRetentionPeriod',
      8761,
      invalidArgument(
        'Maximum allowed retention period is 8760 hours. Requested retention period (8761 hours) is too long.',
      ),
    ],
    [
      'an increase to less than the current period',
      'IncreaseStreamRetentionPeriod',
      36,
      invalidArgument(
        'Requested retention period (36 hours) for stream s can not be shorter than existing retention period (48 hours). Use DecreaseRetentionPeriod API.',
      ),
    ],
    [
      'a decrease to more than the current period',
      'DecreaseStreamRetentionPeriod',
      72,
      invalidArgument(
        'Requested retention period (72 hours) for stream s can not be longer than existing retention period (48 hours). Use IncreaseRetentionPeriod API.',
      ),
    ],
  ])('rejects %s', async (_case, operation, hours, expected) => {
    const t = await startServer()
    await createActiveStream(t, 's', 1)
    await t.client.send(
      new IncreaseStreamRetentionPeriodCommand({ StreamName: 's', RetentionPeriodHours: 48 }),
    )

    await expectAwsError(send(t, operation, { StreamName: 's', RetentionPeriodHours: hours }), expected)
    expect(await retention(t)).toBe(48)
  })

  it.each(['IncreaseStreamRetentionPeriod', 'DecreaseStreamRetentionPeriod'])(
    '%s refuses an unknown stream, a missing period and a stream that is not ACTIVE',
    async (operation) => {
      const t = await startServer()
      await createActiveStream(t, 's', 1)

      await expectAwsError(
        send(t, operation, { StreamName: 'ghost', RetentionPeriodHours: 24 }),
        notFound('ghost'),
      )
      await expectAwsError(
        send(t, operation, { StreamName: 's' }),
        validation(
          "Value null at 'retentionPeriodHours' failed to satisfy constraint: Member must not be null",
        ),
      )
      await t.client.send(
        new SplitShardCommand({ StreamName: 's', ShardToSplit: shardId(0), NewStartingHashKey: '99' }),
      )
      await expectAwsError(
        send(t, operation, { StreamName: 's', RetentionPeriodHours: 24 }),
        notActive('s', 'UPDATING'),
      )
    },
  )
})

describe('retention', () => {
  it('hides records older than the period; raising it afterwards brings nothing back', async () => {
    // Many GetRecords at one instant of the manual clock: about retention, not read limits.
    const t = await startServer({ startTime: START, shardLimits: false })
    await createActiveStream(t, 's', 1)
    const old = await put(t, 'old')
    t.clock.advance(HOUR)
    await put(t, 'newer')
    t.clock.set(START + 24 * HOUR + 30 * 60_000)

    const afterExpiry = await visible(t)
    await t.client.send(
      new IncreaseStreamRetentionPeriodCommand({ StreamName: 's', RetentionPeriodHours: 168 }),
    )
    const afterRaise = await visible(t)
    const atOld = await readAll(
      t,
      (
        await t.client.send(
          new GetShardIteratorCommand({
            StreamName: 's',
            ShardId: shardId(0),
            ShardIteratorType: 'AT_SEQUENCE_NUMBER',
            StartingSequenceNumber: old.SequenceNumber,
          }),
        )
      ).ShardIterator!,
    )
    const atTimestamp = await readAll(
      t,
      (
        await t.client.send(
          new GetShardIteratorCommand({
            StreamName: 's',
            ShardId: shardId(0),
            ShardIteratorType: 'AT_TIMESTAMP',
            Timestamp: new Date(START),
          }),
        )
      ).ShardIterator!,
    )

    expect(afterExpiry).toEqual(['newer'])
    expect(afterRaise).toEqual(['newer'])
    expect(atOld.records.map(text)).toEqual(['newer'])
    expect(atTimestamp.records.map(text)).toEqual(['newer'])
  })

  it('keeps records for the longer period once raised, and hides them at once when lowered', async () => {
    const t = await startServer({ startTime: START })
    await createActiveStream(t, 's', 1)
    await t.client.send(
      new IncreaseStreamRetentionPeriodCommand({ StreamName: 's', RetentionPeriodHours: 48 }),
    )
    await put(t, 'r')
    t.clock.advance(30 * HOUR)

    const kept = await visible(t)
    await t.client.send(
      new DecreaseStreamRetentionPeriodCommand({ StreamName: 's', RetentionPeriodHours: 24 }),
    )
    const lowered = await visible(t)
    await t.client.send(
      new IncreaseStreamRetentionPeriodCommand({ StreamName: 's', RetentionPeriodHours: 48 }),
    )
    const raisedAgain = await visible(t)

    expect(kept).toEqual(['r'])
    expect(lowered).toEqual([])
    expect(raisedAgain).toEqual([])
  })

  it('deletes expired segments and expired closed shards; the rest stays readable', async () => {
    const t = await startServer({ startTime: START, segmentBytes: 64 })
    await createActiveStream(t, 's', 1)
    for (let i = 0; i < 5; i++) await put(t, `early-${i}`)
    t.clock.advance(HOUR)
    await t.client.send(
      new SplitShardCommand({ StreamName: 's', ShardToSplit: shardId(0), NewStartingHashKey: '1000' }),
    )
    await t.settle()
    t.clock.advance(2 * HOUR)
    await t.client.send(
      new PutRecordCommand({
        StreamName: 's',
        PartitionKey: 'k',
        ExplicitHashKey: '0',
        Data: Buffer.from('late'),
      }),
    )
    t.clock.set(START + 25 * HOUR + 30 * 60_000)

    await t.engine.enforceRetention()

    const listed = await t.client.send(new ListShardsCommand({ StreamName: 's' }))
    expect(listed.Shards!.map((s) => s.ShardId)).toEqual([shardId(1), shardId(2)])
    expect((await readShard(t, 's', shardId(1))).records.map(text)).toEqual(['late'])
    await expectAwsError(
      t.client.send(
        new GetShardIteratorCommand({
          StreamName: 's',
          ShardId: shardId(0),
          ShardIteratorType: 'TRIM_HORIZON',
        }),
      ),
      {
        name: 'ResourceNotFoundException',
        message: `Shard shardId-000000000000 in stream s under account ${ACCOUNT} does not exist`,
      },
    )
  })
})

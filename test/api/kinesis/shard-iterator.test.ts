import {
  GetRecordsCommand,
  GetShardIteratorCommand,
  type GetShardIteratorCommandInput,
  PutRecordCommand,
  type PutRecordCommandOutput,
} from '@aws-sdk/client-kinesis'
import { describe, expect, it } from 'vitest'
import {
  ACCOUNT,
  arnOf,
  describeShards,
  expectAwsError,
  invalidArgument,
  iteratorFor,
  MAX_HASH,
  readAll,
  shardId,
  text,
  validation,
} from '../../helpers/kinesis.ts'
import { createActiveStream, startServer, type TestServer } from '../../helpers/server.ts'

const START = Date.UTC(2026, 2, 1, 12, 0, 0, 0)

/** Puts r0..r4 into shard 0 of `s` one second apart; returns the puts and their arrival times. */
async function fiveRecords(t: TestServer) {
  await createActiveStream(t, 's', 2)
  const puts: PutRecordCommandOutput[] = []
  const times: number[] = []
  for (let i = 0; i < 5; i++) {
    t.clock.advance(1000)
    times.push(t.clock.now())
    puts.push(
      await t.client.send(
        new PutRecordCommand({
          StreamName: 's',
          PartitionKey: 'k',
          ExplicitHashKey: '0',
          Data: Buffer.from(`r${i}`),
        }),
      ),
    )
  }
  expect(puts.every((p) => p.ShardId === shardId(0))).toBe(true)
  return { puts, times }
}

async function readFrom(t: TestServer, input: Partial<GetShardIteratorCommandInput>): Promise<string[]> {
  const iterator = await iteratorFor(t, { StreamName: 's', ShardId: shardId(0), ...input })
  return (await readAll(t, iterator)).records.map(text)
}

describe('GetShardIterator', () => {
  it('TRIM_HORIZON starts at the oldest record', async () => {
    const t = await startServer({ startTime: START })
    await fiveRecords(t)

    expect(await readFrom(t, { ShardIteratorType: 'TRIM_HORIZON' })).toEqual(['r0', 'r1', 'r2', 'r3', 'r4'])
  })

  it('LATEST starts after the newest record: only later records are read', async () => {
    const t = await startServer({ startTime: START })
    await fiveRecords(t)
    const iterator = await iteratorFor(t, {
      StreamName: 's',
      ShardId: shardId(0),
      ShardIteratorType: 'LATEST',
    })

    const before = await t.client.send(new GetRecordsCommand({ ShardIterator: iterator }))
    await t.client.send(
      new PutRecordCommand({
        StreamName: 's',
        PartitionKey: 'k',
        ExplicitHashKey: '0',
        Data: Buffer.from('r5'),
      }),
    )
    const after = await t.client.send(new GetRecordsCommand({ ShardIterator: before.NextShardIterator }))

    expect(before.Records).toEqual([])
    expect(after.Records!.map(text)).toEqual(['r5'])
  })

  it('AT_SEQUENCE_NUMBER starts at that record, AFTER_SEQUENCE_NUMBER at the next one', async () => {
    const t = await startServer({ startTime: START })
    const { puts } = await fiveRecords(t)

    const at = await readFrom(t, {
      ShardIteratorType: 'AT_SEQUENCE_NUMBER',
      StartingSequenceNumber: puts[2]!.SequenceNumber,
    })
    const after = await readFrom(t, {
      ShardIteratorType: 'AFTER_SEQUENCE_NUMBER',
      StartingSequenceNumber: puts[2]!.SequenceNumber,
    })
    const afterLast = await readFrom(t, {
      ShardIteratorType: 'AFTER_SEQUENCE_NUMBER',
      StartingSequenceNumber: puts[4]!.SequenceNumber,
    })

    expect(at).toEqual(['r2', 'r3', 'r4'])
    expect(after).toEqual(['r3', 'r4'])
    expect(afterLast).toEqual([])
  })

  it("accepts the shard's StartingSequenceNumber for AT_ and AFTER_SEQUENCE_NUMBER", async () => {
    const t = await startServer({ startTime: START })
    await fiveRecords(t)
    const start = (await describeShards(t, 's'))[0]!.SequenceNumberRange!.StartingSequenceNumber

    for (const type of ['AT_SEQUENCE_NUMBER', 'AFTER_SEQUENCE_NUMBER'] as const) {
      expect(await readFrom(t, { ShardIteratorType: type, StartingSequenceNumber: start })).toEqual([
        'r0',
        'r1',
        'r2',
        'r3',
        'r4',
      ])
    }
  })

  it.each([
    ['exactly at r2', 2, 0, ['r2', 'r3', 'r4']],
    ['between r1 and r2', 1, 500, ['r2', 'r3', 'r4']],
    ['before every record', 0, -60_000, ['r0', 'r1', 'r2', 'r3', 'r4']],
    ['after every record', 4, 1, []],
  ])(
    'AT_TIMESTAMP %s lands on the first record that arrived at or after it',
    async (_case, i, offset, expected) => {
      const t = await startServer({ startTime: START })
      const { times } = await fiveRecords(t)
      t.clock.advance(10_000)

      const read = await readFrom(t, {
        ShardIteratorType: 'AT_TIMESTAMP',
        Timestamp: new Date(times[i]! + offset),
      })

      expect(read).toEqual(expected)
    },
  )

  it.each(['shardId-000000000001', 'shardId-1', '1', 'anything-1'])(
    'resolves ShardId %s to shard 1',
    async (id) => {
      const t = await startServer()
      await createActiveStream(t, 's', 2)
      await t.client.send(
        new PutRecordCommand({
          StreamName: 's',
          PartitionKey: 'k',
          ExplicitHashKey: String(MAX_HASH),
          Data: Buffer.from('one'),
        }),
      )

      expect(await readFrom(t, { ShardId: id })).toEqual(['one'])
    },
  )

  it('takes a StreamARN instead of a StreamName', async () => {
    const t = await startServer({ startTime: START })
    await fiveRecords(t)

    const iterator = await iteratorFor(t, { StreamARN: arnOf('s'), ShardId: shardId(0) })

    expect((await readAll(t, iterator)).records.map(text)).toEqual(['r0', 'r1', 'r2', 'r3', 'r4'])
  })

  describe('errors', () => {
    const must = (type: string, also: 'also a' | 'no') =>
      invalidArgument(
        'Must either specify (1) AT_SEQUENCE_NUMBER or AFTER_SEQUENCE_NUMBER and StartingSequenceNumber or ' +
          `(2) TRIM_HORIZON or LATEST and no StartingSequenceNumber. Request specified ${type} and ${also} StartingSequenceNumber.`,
      )

    it.each<[string, Partial<GetShardIteratorCommandInput>, { name: string; message: string }]>([
      [
        'a shard that does not exist',
        { ShardId: 'shardId-5' },
        {
          name: 'ResourceNotFoundException',
          message: `Shard shardId-000000000005 in stream s under account ${ACCOUNT} does not exist`,
        },
      ],
      [
        'a shard id that names no shard',
        { ShardId: 'ABKLFD8' },
        {
          name: 'ResourceNotFoundException',
          message: `Could not find shard ABKLFD8 in stream s under account ${ACCOUNT}.`,
        },
      ],
      [
        'a shard index beyond 2^31-1',
        { ShardId: 'shardId-002147483648' },
        {
          name: 'ResourceNotFoundException',
          message: `Could not find shard shardId-002147483648 in stream s under account ${ACCOUNT}.`,
        },
      ],
      [
        'TRIM_HORIZON with a sequence number',
        { ShardIteratorType: 'TRIM_HORIZON', StartingSequenceNumber: '5' },
        must('TRIM_HORIZON', 'also a'),
      ],
      [
        'LATEST with a sequence number',
        { ShardIteratorType: 'LATEST', StartingSequenceNumber: '5' },
        must('LATEST', 'also a'),
      ],
      [
        'AT_SEQUENCE_NUMBER without one',
        { ShardIteratorType: 'AT_SEQUENCE_NUMBER' },
        must('AT_SEQUENCE_NUMBER', 'no'),
      ],
      [
        'AFTER_SEQUENCE_NUMBER without one',
        { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER' },
        must('AFTER_SEQUENCE_NUMBER', 'no'),
      ],
      [
        'a sequence number of no known layout',
        { ShardIteratorType: 'AT_SEQUENCE_NUMBER', StartingSequenceNumber: '9'.repeat(60) },
        invalidArgument(
          `StartingSequenceNumber ${'9'.repeat(60)} used in GetShardIterator on shard shardId-000000000000 in stream s under account ${ACCOUNT} is invalid.`,
        ),
      ],
      [
        'AT_TIMESTAMP without a Timestamp',
        { ShardIteratorType: 'AT_TIMESTAMP' },
        invalidArgument(
          'Must specify timestampInMillis parameter for iterator of type AT_TIMESTAMP. Current request has no timestamp parameter.',
        ),
      ],
      [
        'AT_TIMESTAMP in the future',
        { ShardIteratorType: 'AT_TIMESTAMP', Timestamp: new Date(START + 60_000) },
        invalidArgument(
          'The timestampInMillis parameter cannot be greater than the currentTimestampInMillis. ' +
            `timestampInMillis: ${START + 60_000}, currentTimestampInMillis: ${START + 1000}`,
        ),
      ],
      [
        'an unknown iterator type',
        { ShardIteratorType: 'OLDEST' as GetShardIteratorCommandInput['ShardIteratorType'] },
        validation(
          "Value 'OLDEST' at 'shardIteratorType' failed to satisfy constraint: Member must satisfy enum value set: " +
            '[AFTER_SEQUENCE_NUMBER, LATEST, AT_TIMESTAMP, AT_SEQUENCE_NUMBER, TRIM_HORIZON]',
        ),
      ],
      [
        'a non-numeric sequence number',
        { ShardIteratorType: 'AT_SEQUENCE_NUMBER', StartingSequenceNumber: 'abc' },
        validation(
          "Value 'abc' at 'startingSequenceNumber' failed to satisfy constraint: Member must satisfy regular expression pattern: 0|([1-9]\\d{0,128})",
        ),
      ],
      [
        'a 129-character shard id',
        { ShardId: 'a'.repeat(129) },
        validation(
          `Value '${'a'.repeat(129)}' at 'shardId' failed to satisfy constraint: Member must have length less than or equal to 128`,
        ),
      ],
    ])('rejects %s', async (_case, input, expected) => {
      const t = await startServer({ startTime: START })
      await createActiveStream(t, 's', 2)

      await expectAwsError(
        t.client.send(
          new GetShardIteratorCommand({
            StreamName: 's',
            ShardId: shardId(0),
            ShardIteratorType: 'LATEST',
            ...input,
          }),
        ),
        expected,
      )
    })

    it('rejects a sequence number issued by another shard', async () => {
      const t = await startServer()
      await createActiveStream(t, 's', 2)
      const put = await t.client.send(
        new PutRecordCommand({
          StreamName: 's',
          PartitionKey: 'k',
          ExplicitHashKey: String(MAX_HASH),
          Data: Buffer.from('x'),
        }),
      )

      await expectAwsError(
        t.client.send(
          new GetShardIteratorCommand({
            StreamName: 's',
            ShardId: shardId(0),
            ShardIteratorType: 'AT_SEQUENCE_NUMBER',
            StartingSequenceNumber: put.SequenceNumber,
          }),
        ),
        invalidArgument(
          'Invalid StartingSequenceNumber. It encodes shardId-000000000001, while it was used in a call to a shard with shardId-000000000000',
        ),
      )
    })

    it('rejects a sequence number issued by the same shard of another stream', async () => {
      const t = await startServer()
      await createActiveStream(t, 's', 1)
      t.clock.advance(5000)
      await createActiveStream(t, 'other', 1)
      const put = await t.client.send(
        new PutRecordCommand({ StreamName: 'other', PartitionKey: 'k', Data: Buffer.from('x') }),
      )

      await expectAwsError(
        t.client.send(
          new GetShardIteratorCommand({
            StreamName: 's',
            ShardId: shardId(0),
            ShardIteratorType: 'AFTER_SEQUENCE_NUMBER',
            StartingSequenceNumber: put.SequenceNumber,
          }),
        ),
        invalidArgument(
          `StartingSequenceNumber ${put.SequenceNumber} used in GetShardIterator on shard shardId-000000000000 in stream s under account ${ACCOUNT} is invalid because it did not come from this stream.`,
        ),
      )
    })

    // AWS names the shard, not the stream, when the stream does not exist (recorded by kinesalite).
    it.each([
      [
        'shardId-000000000000',
        `Shard shardId-000000000000 in stream ghost under account ${ACCOUNT} does not exist`,
      ],
      ['anything-7', `Shard shardId-000000000007 in stream ghost under account ${ACCOUNT} does not exist`],
      ['ABKLFD8', `Could not find shard ABKLFD8 in stream ghost under account ${ACCOUNT}.`],
    ])('rejects shard %s of a stream that does not exist', async (id, message) => {
      const t = await startServer()

      await expectAwsError(
        t.client.send(
          new GetShardIteratorCommand({ StreamName: 'ghost', ShardId: id, ShardIteratorType: 'LATEST' }),
        ),
        { name: 'ResourceNotFoundException', message },
      )
    })
  })
})

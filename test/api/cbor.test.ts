/**
 * Kinesis's CBOR protocol (application/x-amz-cbor-1.1, what the Java SDK and KPL speak): blobs are
 * CBOR byte strings, timestamps are tag 1 epoch times, errors are CBOR maps. Every request here is
 * built by hand with cbor2 and sent over loopback HTTP; the JSON SDK then reads the same records.
 */
import { GetRecordsCommand, GetShardIteratorCommand } from '@aws-sdk/client-kinesis'
import { describe, expect, it } from 'vitest'
import { decodeCbor, encodeCbor } from '../helpers/cbor.ts'
import { AMZ_CBOR, FAKE_AUTH, type RawResponse, rawRequest, UUID } from '../helpers/raw-http.ts'
import { startServer, type TestServer } from '../helpers/server.ts'

const encoder = { encode: encodeCbor }
/** Keeps tag 1 visible: a Date can only come out of a tag-1 item. */
const decoder = { decode: decodeCbor }

interface CborResponse extends RawResponse {
  value: Record<string, unknown>
}

async function call(t: TestServer, operation: string, body: unknown): Promise<CborResponse> {
  const res = await rawRequest(t.url, {
    headers: { 'content-type': AMZ_CBOR, 'x-amz-target': `Kinesis_20131202.${operation}`, ...FAKE_AUTH },
    body: Buffer.isBuffer(body) ? body : Buffer.from(encoder.encode(body)),
  })
  expect(res.headers['content-type']).toBe(AMZ_CBOR)
  expect(res.headers['x-amzn-requestid']).toMatch(UUID)
  const value = res.body.length > 0 ? (decoder.decode(res.body) as Record<string, unknown>) : {}
  return Object.assign(res, { value })
}

async function ok(t: TestServer, operation: string, body: unknown): Promise<Record<string, unknown>> {
  const res = await call(t, operation, body)
  expect({ status: res.status, body: res.value }).toMatchObject({ status: 200 })
  return res.value
}

const isBytes = (v: unknown): v is Uint8Array => v instanceof Uint8Array

describe('CBOR round trip', () => {
  it('creates a stream, writes byte strings, positions by a tag-1 timestamp and reads byte strings back', async () => {
    const t = await startServer()
    const created = await call(t, 'CreateStream', { StreamName: 'cbor', ShardCount: 2 })
    expect(created.status).toBe(200)
    expect(created.body.length).toBe(0)
    await t.settle()

    const summary = await ok(t, 'DescribeStreamSummary', { StreamName: 'cbor' })
    const description = summary.StreamDescriptionSummary as Record<string, unknown>
    expect(description.StreamStatus).toBe('ACTIVE')
    expect(description.StreamCreationTimestamp).toBeInstanceOf(Date)

    const payloads = [
      Buffer.from([0, 1, 2, 0xff, 0xfe]),
      Buffer.alloc(0),
      Buffer.from('plain text'),
      Buffer.alloc(70_000, 0xab),
    ]
    // A record before the timestamp, which an AT_TIMESTAMP iterator must skip.
    const early = await ok(t, 'PutRecord', {
      StreamName: 'cbor',
      PartitionKey: 'k',
      Data: Buffer.from('early'),
    })
    expect(early.ShardId).toMatch(/^shardId-00000000000[01]$/)
    t.clock.advance(2_000)
    const at = new Date(t.clock.now())

    const single = await ok(t, 'PutRecord', { StreamName: 'cbor', PartitionKey: 'k', Data: payloads[0] })
    expect(single.ShardId).toBe(early.ShardId)
    expect(BigInt(single.SequenceNumber as string) > BigInt(early.SequenceNumber as string)).toBe(true)
    const batch = await ok(t, 'PutRecords', {
      StreamName: 'cbor',
      Records: payloads.slice(1).map((Data) => ({ PartitionKey: 'k', Data })),
    })
    expect(batch.FailedRecordCount).toBe(0)
    const sequenceNumbers = [
      single.SequenceNumber,
      ...(batch.Records as { SequenceNumber: string }[]).map((r) => r.SequenceNumber),
    ]

    const shardId = early.ShardId as string
    // The SDKs send tag 1 with a floating-point number of seconds; a Date encodes to exactly that.
    const raw = Buffer.from(
      encoder.encode({
        StreamName: 'cbor',
        ShardId: shardId,
        ShardIteratorType: 'AT_TIMESTAMP',
        Timestamp: at,
      }),
    )
    expect(raw.includes(Buffer.from([0xc1]))).toBe(true)
    const { ShardIterator } = await ok(t, 'GetShardIterator', raw)
    expect(typeof ShardIterator).toBe('string')

    const got = await call(t, 'GetRecords', { ShardIterator, Limit: 100 })
    expect(got.status).toBe(200)
    const records = got.value.Records as Record<string, unknown>[]
    expect(records.map((r) => r.SequenceNumber)).toEqual(sequenceNumbers)
    for (const [i, r] of records.entries()) {
      expect(isBytes(r.Data), 'Data is a CBOR byte string').toBe(true)
      expect(Buffer.from(r.Data as Uint8Array).equals(payloads[i]!)).toBe(true)
      expect(r.PartitionKey).toBe('k')
      expect(r.ApproximateArrivalTimestamp).toBeInstanceOf(Date)
      expect((r.ApproximateArrivalTimestamp as Date).getTime()).toBe(at.getTime())
    }
    expect(got.value.MillisBehindLatest).toBe(0)
    expect(typeof got.value.NextShardIterator).toBe('string')
    // The byte strings are in the body as such (major type 2), not as base64 text.
    expect(got.body.includes(Buffer.concat([Buffer.from([0x45]), payloads[0]!]))).toBe(true)

    // JSON clients see the same bytes.
    const json = await t.client.send(
      new GetShardIteratorCommand({
        StreamName: 'cbor',
        ShardId: shardId,
        ShardIteratorType: 'AT_TIMESTAMP',
        Timestamp: at,
      }),
    )
    const viaJson = await t.client.send(new GetRecordsCommand({ ShardIterator: json.ShardIterator }))
    expect(viaJson.Records!.map((r) => Buffer.from(r.Data!).toString('hex'))).toEqual(
      payloads.map((p) => p.toString('hex')),
    )
  })

  it('accepts a tag-1 timestamp given as whole seconds', async () => {
    const t = await startServer()
    t.engine.createStream('seconds', { shardCount: 1 })
    await t.settle()
    await ok(t, 'PutRecord', { StreamName: 'seconds', PartitionKey: 'k', Data: Buffer.from('x') })
    // { StreamName, ShardId, ShardIteratorType, Timestamp: 1(<seconds as uint32>) }, built by hand.
    const seconds = Math.floor(t.clock.now() / 1000) - 60
    const head = Buffer.from(
      encoder.encode({
        StreamName: 'seconds',
        ShardId: 'shardId-000000000000',
        ShardIteratorType: 'AT_TIMESTAMP',
      }),
    )
    const stamp = Buffer.alloc(5)
    stamp[0] = 0x1a
    stamp.writeUInt32BE(seconds, 1)
    // Rewrite the map header from 3 to 4 entries and append "Timestamp": 1(seconds).
    expect(head[0]).toBe(0xa3)
    const body = Buffer.concat([
      Buffer.from([0xa4]),
      head.subarray(1),
      Buffer.from(encoder.encode('Timestamp')),
      Buffer.from([0xc1]),
      stamp,
    ])
    const { ShardIterator } = await ok(t, 'GetShardIterator', body)
    const got = await ok(t, 'GetRecords', { ShardIterator })
    expect((got.Records as unknown[]).length).toBe(1)
  })

  it('refuses NaN where an integer or a timestamp belongs, and clamps huge integers', async () => {
    const t = await startServer()
    const serialization = { __type: 'SerializationException' }
    const nan = await call(t, 'CreateStream', { StreamName: 'nan', ShardCount: Number.NaN })
    expect({ status: nan.status, body: nan.value }).toEqual({ status: 400, body: serialization })
    const never = await call(t, 'ListStreams', { Limit: Number.NaN })
    expect({ status: never.status, body: never.value }).toEqual({ status: 400, body: serialization })
    // 2^64 - 1 decodes as a bigint; as an Integer it is Java's Integer.MAX_VALUE.
    const huge = await call(t, 'CreateStream', { StreamName: 'huge', ShardCount: 2n ** 64n - 1n })
    expect(huge.status).toBe(400)
    expect(huge.value.__type).toBe('LimitExceededException')
    expect(huge.value.message).toContain(
      'Number of additional shards that would have resulted from this request: 2147483647.',
    )
    t.engine.createStream('ts', { shardCount: 1 })
    await t.settle()
    for (const Timestamp of [Number.NaN, Number.POSITIVE_INFINITY, new Date(Number.NaN)]) {
      const res = await call(t, 'GetShardIterator', {
        StreamName: 'ts',
        ShardId: 'shardId-0',
        ShardIteratorType: 'AT_TIMESTAMP',
        Timestamp,
      })
      expect({ status: res.status, body: res.value }).toEqual({ status: 400, body: serialization })
    }
    // Nothing was created by the refused requests, and the account's shard count is intact.
    expect(t.engine.streams().map((s) => s.state.name)).toEqual(['ts'])
    expect((await call(t, 'CreateStream', { StreamName: 'after', ShardCount: 3 })).status).toBe(200)
  })

  it('answers errors in CBOR', async () => {
    const t = await startServer()
    t.engine.createStream('errors', { shardCount: 1 })
    await t.settle()
    const cases: [string, unknown, number, Record<string, string>][] = [
      [
        'GetShardIterator',
        { StreamName: 'missing', ShardId: 'shardId-0', ShardIteratorType: 'LATEST' },
        400,
        {
          __type: 'ResourceNotFoundException',
          message: 'Shard shardId-000000000000 in stream missing under account 000000000000 does not exist',
        },
      ],
      [
        'GetRecords',
        { ShardIterator: 'garbage' },
        400,
        { __type: 'InvalidArgumentException', message: 'Invalid ShardIterator.' },
      ],
      [
        'GetShardIterator',
        {
          StreamName: 'errors',
          ShardId: 'shardId-0',
          ShardIteratorType: 'AT_TIMESTAMP',
          Timestamp: 'yesterday',
        },
        400,
        {
          __type: 'SerializationException',
          Message: 'class java.lang.String can not be converted to milliseconds since epoch',
        },
      ],
      [
        'PutRecord',
        { StreamName: 'errors', PartitionKey: 'k', Data: true },
        400,
        {
          __type: 'SerializationException',
          Message: 'class java.lang.Boolean can not be converted to a Blob',
        },
      ],
      [
        'PutRecords',
        { StreamName: 'errors', Records: [{ PartitionKey: '', Data: Buffer.from('x') }] },
        400,
        {
          __type: 'ValidationException',
          message:
            "1 validation error detected: Value '' at 'records.1.member.partitionKey' failed to satisfy constraint: Member must have length greater than or equal to 1",
        },
      ],
      [
        'PutRecord',
        {
          StreamName: 'errors',
          PartitionKey: 'k',
          Data: Buffer.from('x'),
          ExplicitHashKey: (1n << 128n).toString(),
        },
        400,
        {
          __type: 'InvalidArgumentException',
          message: `Invalid ExplicitHashKey. ExplicitHashKey must be in the range: [0, 2^128-1]. Specified value was ${(1n << 128n).toString()}`,
        },
      ],
    ]
    for (const [operation, body, status, expected] of cases) {
      const res = await call(t, operation, body)
      expect({ operation, status: res.status, body: res.value }).toEqual({
        operation,
        status,
        body: expected,
      })
      // Errors are indefinite-length maps, as AWS writes them.
      expect(res.body[0]).toBe(0xbf)
      expect(res.body[res.body.length - 1]).toBe(0xff)
      expect(res.headers['x-amzn-errortype']).toBe(expected.__type)
    }
  })
})

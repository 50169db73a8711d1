import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { aggregate, deaggregate, KPL_MAGIC } from '../../../src/stream/kpl/aggregation.ts'
import { encodeVarint, ProtobufError, ProtoReader } from '../../../src/stream/kpl/protobuf.ts'

// Aggregated records produced by other implementations, found in public repositories: the
// awslabs/kinesis-aggregation test vectors and captures of its output used by its users' tests.
const VECTORS = [
  {
    name: 'three records, one partition key (aws-kinesis-agg kpl-deagg test)',
    base64:
      '84mawgoCcDEaGAgAGhQwMTIzNDU2Nzg5MDEyMzQ1NjdfQRoYCAAaFDAxMjM0NTY3ODkwMTIzNDU2N19CGhgIABoUMDEyMzQ1Njc4OTAxMjM0NTY3X0NHjL02iyRk3D+kO2UC2X6u',
    records: [
      { partitionKey: 'p1', data: '012345678901234567_A' },
      { partitionKey: 'p1', data: '012345678901234567_B' },
      { partitionKey: 'p1', data: '012345678901234567_C' },
    ],
  },
  {
    name: 'three partition keys (captured from awslabs/kinesis-aggregation)',
    base64:
      '84mawgoEcGstMAoEcGstMQoEcGstMhoTCAAaD3sibXNnIjoibGluZTAifRoTCAEaD3sibXNnIjoibGluZTEifRoTCAIaD3sibXNnIjoibGluZTIifZ8hyadI+v2KZPZrUGim6cQ=',
    records: [
      { partitionKey: 'pk-0', data: '{"msg":"line0"}' },
      { partitionKey: 'pk-1', data: '{"msg":"line1"}' },
      { partitionKey: 'pk-2', data: '{"msg":"line2"}' },
    ],
  },
  {
    name: 'explicit hash keys (node aggregator output)',
    base64:
      '84mawgokODE2MjJiMGUtNWFlOC00YjUzLWE1ODUtYzZjYjc3ODBlNjgwCiQyNWQ0YzNjMS0zMWZlLTQyNGYtOTFmMy04MTI0MWRjYzY1OTASCXVuZGVmaW5lZBoRCAAQABoLeyJhIjoiQUJDIn0aEQgBEAAaC3siYiI6IkRFRiJ9jU+TcO1bDHHEgOGh8mJlCw==',
    records: [
      {
        partitionKey: '81622b0e-5ae8-4b53-a585-c6cb7780e680',
        explicitHashKey: 'undefined',
        data: '{"a":"ABC"}',
      },
      {
        partitionKey: '25d4c3c1-31fe-424f-91f3-81241dcc6590',
        explicitHashKey: 'undefined',
        data: '{"b":"DEF"}',
      },
    ],
  },
  {
    name: 'single record',
    base64: '84mawgoFa2V5LTAaJQgAGiFUZXN0aW5nIEtQTCBBZ2dyZWdhdGVkIFJlY29yZCAxLTBlW2Hfd6iL1WkMbznr8jc2',
    records: [{ partitionKey: 'key-0', data: 'Testing KPL Aggregated Record 1-0' }],
  },
]

const decoded = (records: ReturnType<typeof deaggregate>) =>
  records.map(({ data, subSequenceNumber: _, ...rest }) => ({ ...rest, data: data.toString('utf8') }))

/** Wraps a protobuf body with the magic and a correct MD5. */
function frame(body: number[]): Buffer {
  const message = Buffer.from(body)
  return Buffer.concat([KPL_MAGIC, message, createHash('md5').update(message).digest()])
}

describe('deaggregate', () => {
  it.each(VECTORS)('decodes a known-good blob: $name', ({ base64, records }) => {
    const result = deaggregate(Buffer.from(base64, 'base64'), 'outer')
    expect(decoded(result)).toEqual(records)
    expect(result.map((r) => r.subSequenceNumber)).toEqual(records.map((_, i) => i))
  })

  it.each(VECTORS)('re-aggregates to the identical bytes: $name', ({ base64 }) => {
    const blob = Buffer.from(base64, 'base64')
    expect(aggregate(deaggregate(blob)).equals(blob)).toBe(true)
  })

  const good = Buffer.from(VECTORS[0]!.base64, 'base64')
  const flipped = (at: number) => {
    const copy = Buffer.from(good)
    copy[at] = copy[at]! ^ 0xff
    return copy
  }

  // The KCL and the reference deaggregators pass such input through as one ordinary record.
  it.each([
    ['plain text', Buffer.from('{"hello":"world"}')],
    ['empty', Buffer.alloc(0)],
    ['magic only', KPL_MAGIC],
    ['magic + fewer than 16 bytes', Buffer.concat([KPL_MAGIC, Buffer.alloc(15)])],
    ['wrong magic', flipped(0)],
    ['corrupted body (MD5 mismatch)', flipped(10)],
    ['corrupted digest', flipped(good.length - 1)],
    ['truncated', good.subarray(0, good.length - 1)],
    ['valid MD5, garbage protobuf', frame([0xff, 0xff, 0xff])],
    ['valid MD5, partition key index out of range', frame([0x1a, 0x05, 0x08, 0x07, 0x1a, 0x01, 0x78])],
    ['valid MD5, record without data', frame([0x0a, 0x01, 0x70, 0x1a, 0x02, 0x08, 0x00])],
    ['valid MD5, records field with varint wire type', frame([0x18, 0x01])],
    ['valid MD5, length overruns message', frame([0x0a, 0x09, 0x70])],
  ])('treats %s as one non-aggregated record', (_name, input) => {
    const result = deaggregate(input, 'outer-key', '123')
    expect(result).toEqual([{ partitionKey: 'outer-key', explicitHashKey: '123', data: input }])
  })

  it('returns no records for a valid aggregate with an empty record list', () => {
    expect(deaggregate(frame([]))).toEqual([])
  })

  it('skips unknown fields and tags', () => {
    // table "p"; record { pk=0, data="x", tags(4)={...} }; unknown field 9 (varint) at top level.
    const blob = frame([
      0x0a, 0x01, 0x70, 0x48, 0x05, 0x1a, 0x09, 0x08, 0x00, 0x1a, 0x01, 0x78, 0x22, 0x02, 0x0a, 0x00,
    ])
    expect(decoded(deaggregate(blob))).toEqual([{ partitionKey: 'p', data: 'x' }])
  })
})

describe('aggregate', () => {
  it('round-trips binary data, unicode keys and optional hash keys', () => {
    const records = [
      { partitionKey: 'α-key', data: Buffer.from([0, 1, 2, 255]) },
      {
        partitionKey: 'α-key',
        explicitHashKey: '340282366920938463463374607431768211455',
        data: Buffer.alloc(0),
      },
      { partitionKey: 'b', data: Buffer.alloc(300, 7) },
    ]
    const result = deaggregate(aggregate(records))
    expect(result).toEqual(records.map((r, i) => ({ ...r, subSequenceNumber: i })))
  })

  it('deduplicates keys into the tables', () => {
    const blob = aggregate(
      Array.from({ length: 50 }, (_, i) => ({ partitionKey: 'same', data: Buffer.from([i]) })),
    )
    expect(blob.toString('latin1').split('same').length - 1).toBe(1)
  })
})

describe('protobuf varints', () => {
  it.each([0, 1, 127, 128, 300, 16_383, 16_384, 2 ** 31, 2 ** 53 - 1])('round-trips %d', (value) => {
    const out: number[] = []
    encodeVarint(value, out)
    const reader = new ProtoReader(Uint8Array.from(out))
    expect(reader.varint()).toBe(value)
    expect(reader.done()).toBe(true)
  })

  it('rejects truncated and over-long varints', () => {
    expect(() => new ProtoReader(Uint8Array.from([0x80])).varint()).toThrow(ProtobufError)
    expect(() => new ProtoReader(new Uint8Array(11).fill(0x80)).varint()).toThrow(ProtobufError)
    expect(() => encodeVarint(-1, [])).toThrow(RangeError)
  })
})

import { describe, expect, it } from 'vitest'
import { EncodedEvent } from '../../../src/functions/encoded-event.ts'
import { KinesisEventEncoder, type MappedRecord } from '../../../src/functions/kinesis/event.ts'

const source = {
  shardId: 'shardId-000000000003',
  streamArn: 'arn:aws:kinesis:eu-west-1:123456789012:stream/events',
  region: 'eu-west-1',
  account: '123456789012',
}

function record(i: number, partitionKey: string, data: string, encrypted = false): MappedRecord {
  return {
    ordinal: i,
    sequenceNumber: `4959${String(i).padStart(52, '0')}`,
    partitionKey,
    data: Buffer.from(Buffer.from(data).toString('base64'), 'latin1'),
    timestamp: 1767225600123 + i,
    encrypted,
  }
}

/** Lambda's event, built as an object the plain way. */
function expected(records: MappedRecord[]) {
  return {
    Records: records.map((r) => ({
      kinesis: {
        kinesisSchemaVersion: '1.0',
        partitionKey: r.partitionKey,
        sequenceNumber: r.sequenceNumber,
        data: r.data.toString('latin1'),
        approximateArrivalTimestamp: r.timestamp / 1000,
        ...(r.encrypted && { encryptionType: 'KMS' }),
      },
      eventSource: 'aws:kinesis',
      eventVersion: '1.0',
      eventID: `${source.shardId}:${r.sequenceNumber}`,
      eventName: 'aws:kinesis:record',
      invokeIdentityArn: `arn:aws:iam::${source.account}:role/tributary-lambda-role`,
      awsRegion: source.region,
      eventSourceARN: source.streamArn,
    })),
  }
}

describe('KinesisEventEncoder', () => {
  const encoder = new KinesisEventEncoder(source)

  it('writes byte for byte the JSON of the event object, partition keys of any kind included', () => {
    const records = [
      record(0, 'plain', '{"a":1}'),
      record(1, 'quote " and \\ backslash\n', 'x'.repeat(3000)),
      record(2, 'ünïcødé 🚀 キー', '', true),
      record(3, '\u0001control', 'ü'),
    ]
    const event = encoder.encode(records)
    const text = Buffer.from(event.bytes).toString('utf8')
    expect(text).toBe(JSON.stringify(expected(records)))
    expect(event.parse()).toEqual(expected(records))
  })

  it('adds the top-level fields of a tumbling window invocation, and handles an empty batch', () => {
    const extra = { window: { start: 'a', end: 'b' }, state: { n: 1 }, isFinalInvokeForWindow: true }
    const records = [record(7, 'k', 'v')]
    expect(encoder.encode(records, extra).parse()).toEqual({ ...expected(records), ...extra })
    expect(encoder.encode([], extra).parse()).toEqual({ Records: [], ...extra })
    expect(encoder.encode([]).parse()).toEqual({ Records: [] })
  })

  it('owns its buffer from offset 0, so the pool can transfer it', () => {
    const event = encoder.encode([record(0, 'k', 'v')])
    expect(event).toBeInstanceOf(EncodedEvent)
    expect(event.transferable()).toBe(event.bytes.buffer)
  })
})

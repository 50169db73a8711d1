import { describe, expect, it } from 'vitest'
import { AggregationChecksumError, deaggregate } from '../../src/producer/index.ts'
import { aggregate } from '../../src/stream/kpl/aggregation.ts'

const blob = aggregate([
  { partitionKey: 'a', data: Buffer.from('one') },
  { partitionKey: 'b', explicitHashKey: '42', data: Buffer.from('two') },
])

describe('deaggregate (for handlers)', () => {
  it.each([
    [
      'a Lambda event record',
      { kinesis: { data: blob.toString('base64'), partitionKey: 'a', sequenceNumber: '7' } },
    ],
    ['its kinesis part', { data: blob.toString('base64'), partitionKey: 'a', sequenceNumber: '7' }],
    ['an SDK GetRecords record', { Data: new Uint8Array(blob), PartitionKey: 'a', SequenceNumber: '7' }],
  ])('splits %s into user records with sub-sequence numbers', (_, input) => {
    expect(deaggregate(input).map((r) => ({ ...r, data: r.data.toString() }))).toEqual([
      { partitionKey: 'a', data: 'one', sequenceNumber: '7', subSequenceNumber: 0 },
      { partitionKey: 'b', explicitHashKey: '42', data: 'two', sequenceNumber: '7', subSequenceNumber: 1 },
    ])
  })

  it('raw bytes work too; a plain record passes through alone, without a sub-sequence number', () => {
    expect(deaggregate(blob)).toHaveLength(2)
    const plain = {
      kinesis: { data: Buffer.from('{"x":1}').toString('base64'), partitionKey: 'p', sequenceNumber: '9' },
    }
    expect(deaggregate(plain)).toEqual([
      { partitionKey: 'p', data: Buffer.from('{"x":1}'), sequenceNumber: '9' },
    ])
  })

  it('a wrong MD5 trailer: a plain record (as the KCL), or an error with strict', () => {
    const broken = Buffer.from(blob)
    broken[broken.length - 1]! ^= 0xff
    expect(deaggregate(broken)).toEqual([{ partitionKey: '', data: broken }])
    expect(() => deaggregate(broken, { strict: true })).toThrow(AggregationChecksumError)
  })
})

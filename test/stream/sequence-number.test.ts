import { describe, expect, it } from 'vitest'
import {
  decodeSequenceNumber,
  END_SEQUENCE_INDEX,
  encodeSequenceNumber,
  SequenceEncoder,
} from '../../src/stream/sequence-number.ts'

const parts = {
  shardCreatedSeconds: 1_763_900_000,
  shardIndex: 7,
  sequenceIndex: 42n,
  arrivalSeconds: 1_763_900_100,
}

describe('sequence numbers', () => {
  it('look like AWS version-2 numbers and decode to what was encoded', () => {
    const seq = encodeSequenceNumber(parts)
    expect(seq).toMatch(/^4\d{55}$/)
    expect(decodeSequenceNumber(seq)).toEqual(parts)
  })

  it('strictly increase with the ordinal whatever the arrival time', () => {
    const late = encodeSequenceNumber({ ...parts, sequenceIndex: 5n, arrivalSeconds: 1_900_000_000 })
    const early = encodeSequenceNumber({ ...parts, sequenceIndex: 6n, arrivalSeconds: 1_700_000_000 })
    expect(BigInt(early) > BigInt(late)).toBe(true)
  })

  it('name the shard that issued them', () => {
    expect(decodeSequenceNumber(encodeSequenceNumber({ ...parts, shardIndex: 123_456 }))?.shardIndex).toBe(
      123_456,
    )
  })

  it.each(['0', '1', '12345678901234567890', 'abc', '4'.repeat(57), `${'9'.repeat(130)}`])(
    'reject %s, which this server never issues',
    (value) => {
      expect(decodeSequenceNumber(value)).toBeUndefined()
    },
  )

  it('keep the end-of-shard number above every record number', () => {
    const end = encodeSequenceNumber({ ...parts, sequenceIndex: END_SEQUENCE_INDEX })
    expect(BigInt(end) > BigInt(encodeSequenceNumber({ ...parts, sequenceIndex: 2n ** 62n }))).toBe(true)
  })

  it('the incremental encoder matches BigInt formatting across limb carries', () => {
    const encoder = new SequenceEncoder(parts.shardCreatedSeconds, parts.shardIndex, parts.arrivalSeconds)
    const expected = (ordinal: number) =>
      encodeSequenceNumber({ ...parts, sequenceIndex: BigInt(ordinal + 1) })
    for (let ordinal = 0; ordinal < 20_000; ordinal++) {
      const got = encoder.encode(ordinal)
      if (ordinal % 97 === 0) expect(got).toBe(expected(ordinal))
    }
    for (const ordinal of [2 ** 40, 2 ** 40 + 1, 17, 18, 2 ** 52, 2 ** 52 + 1])
      expect(encoder.encode(ordinal)).toBe(expected(ordinal))
  })
})

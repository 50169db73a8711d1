/**
 * Sequence numbers use the layout Kinesis itself uses (version 2, 56–57 decimal digits), read as
 * hex: `2 | shard creation (s, 9) | shard index nibble (1) | sequence index (16) | 00 |
 * arrival (s, 9) | shard index (8) | 2`.
 *
 * The sequence index is the record's ordinal in its shard plus one, so numbers strictly increase
 * within a shard whatever the clock does, they survive restarts (ordinals are recovered from the
 * log) and every number names the shard that issued it.
 */
export interface SequenceParts {
  shardCreatedSeconds: number
  shardIndex: number
  /** 0 is the shard's StartingSequenceNumber; record n has index n + 1. */
  sequenceIndex: bigint
  arrivalSeconds: number
}

const HEX_LENGTH = 47
/** The sequence index used for a closed shard's EndingSequenceNumber. */
export const END_SEQUENCE_INDEX = 0x7fff_ffff_ffff_ffffn

function hex(value: number | bigint, width: number): string {
  return value.toString(16).padStart(width, '0').slice(-width)
}

export function encodeSequenceNumber(parts: SequenceParts): string {
  const text =
    '2' +
    hex(parts.shardCreatedSeconds, 9) +
    hex(parts.shardIndex & 0xf, 1) +
    hex(parts.sequenceIndex, 16) +
    '00' +
    hex(parts.arrivalSeconds, 9) +
    hex(parts.shardIndex, 8) +
    '2'
  return BigInt(`0x${text}`).toString(10)
}

/** Returns undefined when `value` is not a sequence number this server could have issued. */
export function decodeSequenceNumber(value: string): SequenceParts | undefined {
  if (!/^[1-9]\d{0,128}$/.test(value)) return undefined
  const text = BigInt(value).toString(16)
  if (text.length !== HEX_LENGTH || text[0] !== '2' || text[HEX_LENGTH - 1] !== '2') return undefined
  const sequenceIndex = BigInt(`0x${text.slice(11, 27)}`)
  const shardIndex = Number.parseInt(text.slice(38, 46), 16)
  if (sequenceIndex > END_SEQUENCE_INDEX || shardIndex > 0x7fff_ffff) return undefined
  return {
    shardCreatedSeconds: Number.parseInt(text.slice(1, 10), 16),
    shardIndex,
    sequenceIndex,
    arrivalSeconds: Number.parseInt(text.slice(29, 38), 16),
  }
}

/**
 * Encodes sequence numbers for many records of one shard. Records of one append share the
 * shard and arrival second, so only the index varies.
 */
export class SequenceEncoder {
  readonly #prefix: string
  readonly #suffix: string

  constructor(shardCreatedSeconds: number, shardIndex: number, arrivalSeconds: number) {
    this.#prefix = '0x2' + hex(shardCreatedSeconds, 9) + hex(shardIndex & 0xf, 1)
    this.#suffix = '00' + hex(arrivalSeconds, 9) + hex(shardIndex, 8) + '2'
  }

  encode(ordinal: number): string {
    return BigInt(this.#prefix + (ordinal + 1).toString(16).padStart(16, '0') + this.#suffix).toString(10)
  }
}

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

const LIMB = 10_000_000 // 1e7: limbs are small integers, which V8 formats fastest
const LIMB_BIG = BigInt(LIMB)
/** The sequence index sits 80 bits up: consecutive ordinals differ by exactly 2^80. */
const STEP = toLimbs(1n << 80n)

function toLimbs(value: bigint): number[] {
  const limbs: number[] = []
  let v = value
  do {
    limbs.push(Number(v % LIMB_BIG))
    v /= LIMB_BIG
  } while (v > 0n)
  return limbs
}

function limbsToString(limbs: number[]): string {
  let out = String(limbs[limbs.length - 1])
  for (let i = limbs.length - 2; i >= 0; i--) out += String(limbs[i]).padStart(7, '0')
  return out
}

/**
 * Encodes sequence numbers for records of one shard that arrived in the same second. Records come
 * in runs of consecutive ordinals, so after the first number each next one is the previous plus
 * 2^80, done in base-1e14 limbs: far cheaper than formatting a 186-bit BigInt every time.
 */
export class SequenceEncoder {
  readonly #prefix: string
  readonly #suffix: string
  #lastOrdinal = -2
  #limbs: number[] = []
  /** Digits of the limbs above the ones a step can change without a carry. */
  #high = ''

  constructor(shardCreatedSeconds: number, shardIndex: number, arrivalSeconds: number) {
    this.#prefix = '0x2' + hex(shardCreatedSeconds, 9) + hex(shardIndex & 0xf, 1)
    this.#suffix = '00' + hex(arrivalSeconds, 9) + hex(shardIndex, 8) + '2'
  }

  encode(ordinal: number): string {
    const low = STEP.length + 1
    if (ordinal === this.#lastOrdinal + 1) {
      const limbs = this.#limbs
      let carry = 0
      for (let i = 0; i < limbs.length || carry; i++) {
        const sum = (limbs[i] ?? 0) + (STEP[i] ?? 0) + carry
        carry = sum >= LIMB ? 1 : 0
        limbs[i] = sum - carry * LIMB
        if (i >= low) this.#high = ''
        if (i >= STEP.length - 1 && !carry) break
      }
    } else {
      this.#limbs = toLimbs(
        BigInt(this.#prefix + (ordinal + 1).toString(16).padStart(16, '0') + this.#suffix),
      )
      this.#high = ''
    }
    this.#lastOrdinal = ordinal
    const limbs = this.#limbs
    if (this.#high === '') this.#high = limbsToString(limbs.slice(low))
    let out = this.#high
    for (let i = low - 1; i >= 0; i--) out += String(limbs[i]).padStart(7, '0')
    return out
  }
}

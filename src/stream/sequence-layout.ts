/**
 * How Kinesis reads a sequence number a client sends (GetShardIterator's StartingSequenceNumber,
 * PutRecord's SequenceNumberForOrdering). AWS accepts numbers of three layouts, whatever shard or
 * stream issued them, and judges the shard and stream only afterwards; these rules were recorded
 * from AWS (kinesalite's test suite runs them against the real service):
 *
 * - below 2^124, 2^124 is added, and any number below 2^129 is the old **version 0** layout, 32 hex
 *   digits `1 | shard creation (s, 9) | … | shard index (16 bits)`. AWS echoes it in messages as
 *   its low 124 bits plus 2^124 (`0` is printed as 21267647932558653966460912964485513216), and
 *   rejects a creation time at or after 16025175000 s. GetShardIterator reads the shard from it
 *   (and fails with InternalFailure when that shard is the one asked for); PutRecord refuses it as
 *   an ordering number.
 * - 47 hex digits starting with `2` carry their **version** in the last digit: 1 and 2 are valid
 *   (version 2 is what Kinesis issues today and what Tributary issues), 3 makes PutRecord fail
 *   with InternalFailure, anything else is malformed. Both read the shard index from hex digits
 *   38-45 as a signed 32-bit int, so a top bit there names a negative shard (GetShardIterator
 *   prints `shardId--02147483648`; PutRecord accepts the number); version 2 rejects a sequence
 *   index with the top bit set.
 * - anything else is malformed.
 */
export type ClientSequenceNumber =
  | {
      version: 0 | 1 | 2
      /** The number as AWS prints it in error messages. */
      printed: string
      shardIndex: number
      shardCreatedSeconds: number
      /** When the record arrived (versions 1 and 2). */
      arrivalSeconds: number | undefined
    }
  | { version: 3; printed: string }

const V0_OFFSET = 1n << 124n
const V0_LIMIT = 1n << 129n
const V2_LOW = 1n << 185n
const V2_HIGH = 3n << 184n
/** Version 0 numbers with a shard creation time at or after this many seconds are refused. */
const V0_MAX_CREATED_SECONDS = 16_025_175_000

function signed32(hex: string): number {
  return Number.parseInt(hex, 16) | 0
}

/** Parses a decimal sequence number (already matching `0|[1-9]\d{0,128}`); undefined = malformed. */
export function parseClientSequenceNumber(value: string): ClientSequenceNumber | undefined {
  let n = BigInt(value)
  if (n < V0_OFFSET) n += V0_OFFSET
  if (n < V0_LIMIT) {
    const normalized = (n % V0_OFFSET) + V0_OFFSET
    const hex = normalized.toString(16)
    const shardCreatedSeconds = Number.parseInt(hex.slice(1, 10), 16)
    if (shardCreatedSeconds >= V0_MAX_CREATED_SECONDS) return undefined
    return {
      version: 0,
      printed: normalized.toString(10),
      shardIndex: Number(normalized & 0xffffn),
      shardCreatedSeconds,
      arrivalSeconds: undefined,
    }
  }
  if (n <= V2_LOW || n >= V2_HIGH) return undefined
  const hex = n.toString(16)
  const version = hex[46]
  if (version === '3') return { version: 3, printed: value }
  if (version !== '1' && version !== '2') return undefined
  const shardIndex = signed32(hex.slice(38, 46))
  const shardCreatedSeconds = Number.parseInt(hex.slice(1, 10), 16)
  if (version === '1') {
    const arrivalSeconds = Number.parseInt(hex.slice(13, 22), 16)
    return { version: 1, printed: value, shardIndex, shardCreatedSeconds, arrivalSeconds }
  }
  if (Number.parseInt(hex[11]!, 16) > 7) return undefined
  const arrivalSeconds = Number.parseInt(hex.slice(29, 38), 16)
  return { version: 2, printed: value, shardIndex, shardCreatedSeconds, arrivalSeconds }
}

/** A shard index as AWS prints it in messages: Java's `%012d`, so negative indexes keep a sign. */
export function printedShardId(index: number): string {
  const digits = String(Math.abs(index))
  return index < 0 ? `shardId--${digits.padStart(11, '0')}` : `shardId-${digits.padStart(12, '0')}`
}

import { hash } from 'node:crypto'

/**
 * Hash keys are 128-bit unsigned integers. Internally they travel as 32-character lower-case hex
 * strings, so that comparing two keys is a plain string comparison (no BigInt on the hot path).
 * On the wire (HashKeyRange, ExplicitHashKey) AWS writes them in decimal.
 */
export type HashKeyHex = string

export const MAX_HASH_KEY = (1n << 128n) - 1n
const HEX_WIDTH = 32

/** MD5 of the UTF-8 partition key, as Kinesis routes records. */
export function partitionKeyHash(partitionKey: string): HashKeyHex {
  return hash('md5', partitionKey, 'hex')
}

export function hashKeyFromBigInt(value: bigint): HashKeyHex {
  return value.toString(16).padStart(HEX_WIDTH, '0')
}

export function hashKeyToBigInt(key: HashKeyHex): bigint {
  return BigInt(`0x${key}`)
}

/** Decimal wire form (ExplicitHashKey, HashKeyRange) → internal hex. Caller checks the range. */
export function hashKeyFromDecimal(decimal: string): HashKeyHex {
  return hashKeyFromBigInt(BigInt(decimal))
}

export function hashKeyToDecimal(key: HashKeyHex): string {
  return hashKeyToBigInt(key).toString(10)
}

export interface HashRange {
  start: HashKeyHex
  end: HashKeyHex
}

export function rangeContains(range: HashRange, key: HashKeyHex): boolean {
  return key >= range.start && key <= range.end
}

/**
 * Splits the whole key space into `count` contiguous ranges the way Kinesis does for CreateStream:
 * each slice is floor(2^128 / count) wide and the last one takes the remainder.
 */
export function uniformRanges(count: number, from = 0n, to = MAX_HASH_KEY): HashRange[] {
  const width = (to - from + 1n) / BigInt(count)
  const ranges: HashRange[] = []
  for (let i = 0; i < count; i++) {
    const start = from + width * BigInt(i)
    const end = i === count - 1 ? to : from + width * BigInt(i + 1) - 1n
    ranges.push({ start: hashKeyFromBigInt(start), end: hashKeyFromBigInt(end) })
  }
  return ranges
}

import type { PutRecordInput, PutRecordsInput } from './put-shapes.ts'

/**
 * Hot-path validation for PutRecord/PutRecords: one tight pass that only answers "is this body
 * well formed?". When it is not, the dispatcher runs the generic validator, which produces AWS's
 * exact error; so the fast path never needs to word an error, only to be no more lenient.
 * Each check is a type guard: a body it passes goes to the handler as parsed, as its spec's input.
 */

const STREAM_NAME = /^[a-zA-Z0-9_.-]{1,128}$/
const STREAM_ARN = /^arn:aws.*:kinesis:.*:\d{12}:stream\/\S+$/
const HASH_KEY = /^(?:0|[1-9]\d{0,38})$/
const SEQUENCE_NUMBER = /^(?:0|[1-9]\d{0,128})$/
const MAX_DATA = 10 * 1024 * 1024
const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'

let scratch = Buffer.allocUnsafe(64 * 1024)

/**
 * True when `s` is canonical, padded standard base64 of at most MAX_DATA bytes. Decoding into a
 * scratch buffer is several times faster than a character-class regex: Node's decoder skips or
 * stops at characters outside the alphabet, so any such character shortens the output; it does
 * accept the URL-safe `-` and `_`, which are checked separately.
 */
export function isCanonicalBase64(s: string): boolean {
  const n = s.length
  if (n % 4 !== 0) return false
  if (n === 0) return true
  const pad = s.charCodeAt(n - 1) === 61 ? (s.charCodeAt(n - 2) === 61 ? 2 : 1) : 0
  const expected = (n / 4) * 3 - pad
  if (expected > MAX_DATA) return false
  if (expected > scratch.length) scratch = Buffer.allocUnsafe(Math.min(MAX_DATA, expected * 2))
  if (scratch.write(s, 0, 'base64') !== expected) return false
  if (s.indexOf('-') >= 0 || s.indexOf('_') >= 0) return false
  // The unused low bits of the last symbol must be zero (AWS rejects non-canonical encodings).
  if (pad === 2) return (B64.indexOf(s[n - 3]!) & 0x0f) === 0
  if (pad === 1) return (B64.indexOf(s[n - 2]!) & 0x03) === 0
  return true
}

/** Absent, or a string matching `pattern`. An explicit null declines: the generic path strips it. */
function optional(value: unknown, pattern: RegExp): boolean {
  return value === undefined || (typeof value === 'string' && pattern.test(value))
}

function streamNamed(data: Record<string, unknown>): boolean {
  const name = data.StreamName
  const arn = data.StreamARN
  if (name === undefined && arn === undefined) return false
  return (
    optional(name, STREAM_NAME) &&
    optional(arn, STREAM_ARN) &&
    (typeof arn !== 'string' || arn.length <= 2048)
  )
}

function recordOk(r: unknown): boolean {
  if (typeof r !== 'object' || r === null || Array.isArray(r)) return false
  const { PartitionKey: key, Data: data, ExplicitHashKey: ehk } = r as Record<string, unknown>
  return (
    typeof key === 'string' &&
    key.length >= 1 &&
    key.length <= 256 &&
    typeof data === 'string' &&
    isCanonicalBase64(data) &&
    optional(ehk, HASH_KEY)
  )
}

export function isWellFormedPutRecords(data: Record<string, unknown>): data is PutRecordsInput {
  const records = data.Records
  if (!Array.isArray(records) || records.length < 1 || records.length > 500 || !streamNamed(data))
    return false
  for (let i = 0; i < records.length; i++) if (!recordOk(records[i])) return false
  return true
}

export function isWellFormedPutRecord(data: Record<string, unknown>): data is PutRecordInput {
  return streamNamed(data) && recordOk(data) && optional(data.SequenceNumberForOrdering, SEQUENCE_NUMBER)
}

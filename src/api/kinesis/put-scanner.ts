import { isUtf8 } from 'node:buffer'
import type { InputOf } from '../spec.ts'
import type { PUT_RECORD_SPEC, PUT_RECORDS_SPEC } from './put-shapes.ts'

/**
 * A single-pass reader for the PutRecords/PutRecord JSON bodies real clients send. It validates
 * the body in place and returns record data as views into the request buffer, so 1 KiB payloads
 * are never turned into JavaScript strings (nor the 700 KB body into one): that parse and the
 * copies it implies were most of the ingest CPU.
 *
 * It accepts a strict subset of JSON (no escapes, no unexpected members or value types). Anything
 * outside that subset returns undefined and takes the generic path (JSON.parse + the declarative
 * validator), which is also what words every error. So the scanner must never accept a body the
 * generic path would reject; it may decline any body it likes.
 */

/** A PutRecords body as its spec types it, with each record's Data (base64 text) a view into the body. */
export type ScannedPutRecords = InputOf<typeof PUT_RECORDS_SPEC, Buffer>
export type ScannedRecord = ScannedPutRecords['Records'][number]
/** A PutRecord body as its spec types it, with Data (base64 text) a view into the body. */
export type ScannedPutRecord = InputOf<typeof PUT_RECORD_SPEC, Buffer>

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'
let scratch = Buffer.allocUnsafe(64 * 1024)

const STREAM_NAME = /^[a-zA-Z0-9_.-]{1,128}$/
const STREAM_ARN = /^arn:aws.*:kinesis:.*:\d{12}:stream\/\S+$/
const HASH_KEY = /^(?:0|[1-9]\d{0,38})$/
const SEQUENCE_NUMBER = /^(?:0|[1-9]\d{0,128})$/
const MAX_DATA = 10 * 1024 * 1024

const MEMBER_NAMES = ['Data', 'PartitionKey', 'ExplicitHashKey', 'Records', 'StreamName', 'StreamARN'].map(
  (text) => ({
    text,
    bytes: Buffer.from(text),
  }),
)

const QUOTE = 0x22
const BACKSLASH = 0x5c

/**
 * Buffer's own slice decoders: what `toString(encoding, start, end)` calls after normalizing its
 * arguments, which costs more than the decoding for short strings on this hot path.
 */
interface FastSlices {
  latin1Slice(start: number, end: number): string
  utf8Slice(start: number, end: number): string
}

class Decline extends Error {}
const DECLINE = new Decline()

class Reader {
  pos = 0
  readonly fast: FastSlices
  constructor(readonly buf: Buffer) {
    this.fast = buf as unknown as FastSlices
  }

  ws(): void {
    const b = this.buf
    let p = this.pos
    while (p < b.length) {
      const c = b[p]!
      if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) break
      p++
    }
    this.pos = p
  }

  expect(c: number): void {
    this.ws()
    if (this.buf[this.pos] !== c) throw DECLINE
    this.pos++
  }

  /** Consumes `c` if it is the next token. */
  take(c: number): boolean {
    this.ws()
    if (this.buf[this.pos] !== c) return false
    this.pos++
    return true
  }

  /** Start of the last string read by {@link span}. */
  start = 0

  /** A string without escapes or control characters: sets `start`, returns its end offset. */
  span(): number {
    this.expect(QUOTE)
    const start = this.pos
    const end = this.buf.indexOf(QUOTE, start)
    if (end < 0) throw DECLINE
    const b = this.buf
    for (let i = start; i < end; i++) {
      const c = b[i]!
      if (c < 0x20 || c === BACKSLASH) throw DECLINE
    }
    this.pos = end + 1
    this.start = start
    return end
  }

  /** A base64 string value, returned as a view of its bytes in the body. */
  base64(): Buffer {
    this.expect(QUOTE)
    const start = this.pos
    const end = this.buf.indexOf(QUOTE, start)
    if (end < 0) throw DECLINE
    // Any control character, backslash or non-ASCII byte fails the base64 check.
    checkBase64(this.fast.latin1Slice(start, end))
    this.pos = end + 1
    return this.buf.subarray(start, end)
  }

  string(): string {
    const end = this.span()
    return this.fast.utf8Slice(this.start, end)
  }

  /** `null`, or a string. */
  nullableString(): string | undefined {
    this.ws()
    if (this.buf[this.pos] === 0x6e) {
      if (this.buf.toString('latin1', this.pos, this.pos + 4) !== 'null') throw DECLINE
      this.pos += 4
      return undefined
    }
    return this.string()
  }

  /** Iterates the members of an object, calling `member` with each key. */
  object(member: (key: string) => void): void {
    this.expect(0x7b)
    if (this.take(0x7d)) return
    do {
      member(this.key())
    } while (this.take(0x2c))
    this.expect(0x7d)
  }

  /** A member name and its colon. Known names come back as constants (no string is built). */
  key(): string {
    const e = this.span()
    const a = this.start
    this.expect(0x3a)
    const b = this.buf
    for (const name of MEMBER_NAMES) {
      const bytes = name.bytes
      if (e - a !== bytes.length) continue
      let i = 0
      while (i < bytes.length && b[a + i] === bytes[i]) i++
      if (i === bytes.length) return name.text
    }
    return this.fast.utf8Slice(a, e)
  }

  end(): void {
    this.ws()
    if (this.pos !== this.buf.length) throw DECLINE
  }
}

/**
 * Canonical base64 of at most MAX_DATA bytes: alphabet, padding only at the end, zero tail bits.
 * Decoding into a scratch buffer is several times faster than checking bytes in a JS loop: Node's
 * decoder skips or stops at anything outside the alphabet, so any such byte shortens the output;
 * it does accept the URL-safe `-` and `_`, which are checked separately.
 */
function checkBase64(text: string): void {
  const n = text.length
  if (n % 4 !== 0) throw DECLINE
  if (n === 0) return
  const pad = text.charCodeAt(n - 1) === 0x3d ? (text.charCodeAt(n - 2) === 0x3d ? 2 : 1) : 0
  const expected = (n / 4) * 3 - pad
  if (expected > MAX_DATA) throw DECLINE
  if (expected > scratch.length) scratch = Buffer.allocUnsafe(Math.min(MAX_DATA, expected * 2))
  if (scratch.write(text, 0, 'base64') !== expected) throw DECLINE
  if (text.indexOf('-') >= 0 || text.indexOf('_') >= 0) throw DECLINE
  if (pad === 2 && (B64.indexOf(text[n - 3]!) & 0x0f) !== 0) throw DECLINE
  if (pad === 1 && (B64.indexOf(text[n - 2]!) & 0x03) !== 0) throw DECLINE
}

function recordMember(r: Reader, record: Partial<ScannedRecord>, key: string): boolean {
  if (key === 'Data') {
    if (record.Data) throw DECLINE
    record.Data = r.base64()
    return true
  }
  if (key === 'PartitionKey') {
    if (record.PartitionKey !== undefined) throw DECLINE
    const value = r.string()
    if (value.length < 1 || value.length > 256) throw DECLINE
    record.PartitionKey = value
    return true
  }
  if (key === 'ExplicitHashKey') {
    if ('ExplicitHashKey' in record) throw DECLINE
    const value = r.nullableString()
    if (value !== undefined && !HASH_KEY.test(value)) throw DECLINE
    record.ExplicitHashKey = value
    return true
  }
  return false
}

function complete(record: Partial<ScannedRecord>): ScannedRecord {
  if (record.Data === undefined || record.PartitionKey === undefined) throw DECLINE
  return record as ScannedRecord
}

function streamMember(r: Reader, out: { StreamName?: string; StreamARN?: string }, key: string): boolean {
  if (key !== 'StreamName' && key !== 'StreamARN') return false
  if (key in out) throw DECLINE
  const value = r.string()
  if (key === 'StreamName' ? !STREAM_NAME.test(value) : value.length > 2048 || !STREAM_ARN.test(value))
    throw DECLINE
  out[key] = value
  return true
}

function named(out: { StreamName?: string; StreamARN?: string }): void {
  if (out.StreamName === undefined && out.StreamARN === undefined) throw DECLINE
}

/** Scans a PutRecords body, or returns undefined to send it down the generic path. */
export function scanPutRecords(body: Buffer): ScannedPutRecords | undefined {
  if (!isUtf8(body)) return undefined
  const r = new Reader(body)
  try {
    const out: Partial<ScannedPutRecords> = {}
    r.object((key) => {
      if (streamMember(r, out, key)) return
      if (key !== 'Records' || out.Records) throw DECLINE
      const records: ScannedRecord[] = []
      r.expect(0x5b)
      if (!r.take(0x5d)) {
        do {
          // Inline (no per-record closure): this loop runs 500 times per request.
          const record: Partial<ScannedRecord> = {}
          r.expect(0x7b)
          if (!r.take(0x7d)) {
            do {
              if (!recordMember(r, record, r.key())) throw DECLINE
            } while (r.take(0x2c))
            r.expect(0x7d)
          }
          records.push(complete(record))
        } while (r.take(0x2c))
        r.expect(0x5d)
      }
      if (records.length < 1 || records.length > 500) throw DECLINE
      out.Records = records
    })
    r.end()
    if (!out.Records) throw DECLINE
    named(out)
    return out as ScannedPutRecords
  } catch (error) {
    if (error === DECLINE) return undefined
    throw error
  }
}

/** Scans a PutRecord body, or returns undefined to send it down the generic path. */
export function scanPutRecord(body: Buffer): ScannedPutRecord | undefined {
  if (!isUtf8(body)) return undefined
  const r = new Reader(body)
  try {
    const out: Partial<ScannedPutRecord> = {}
    r.object((key) => {
      if (streamMember(r, out, key) || recordMember(r, out, key)) return
      if (key !== 'SequenceNumberForOrdering' || 'SequenceNumberForOrdering' in out) throw DECLINE
      const value = r.nullableString()
      if (value !== undefined && !SEQUENCE_NUMBER.test(value)) throw DECLINE
      out.SequenceNumberForOrdering = value
    })
    r.end()
    named(out)
    return complete(out) as ScannedPutRecord
  } catch (error) {
    if (error === DECLINE) return undefined
    throw error
  }
}

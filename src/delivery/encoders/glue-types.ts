/**
 * Glue column types → Parquet schema elements, and the JSON value conversions of Firehose's
 * default deserializer (OpenX JSON SerDe: lenient about quoted numbers and booleans).
 *
 * Accepted JSON values per type (anything else makes the record fail with MalformedData):
 * - string, varchar(n), char(n): strings; numbers and booleans as their JSON text; objects and
 *   arrays as their JSON text.
 * - tinyint, smallint, int, bigint: integral numbers or strings of digits, within the type's range
 *   (a bigint beyond 2^53 is exact only when quoted: JSON.parse rounds numbers to doubles).
 * - float, double: numbers or numeric strings.
 * - boolean: true/false, or the strings "true"/"false" in any case.
 * - timestamp (Parquet INT64 TIMESTAMP_MILLIS, UTC): ISO-8601 / Hive strings
 *   `yyyy-MM-dd[( |T)HH:mm[:ss[.fffffffff]]][Z|±HH:mm]` (no zone = UTC; digits past milliseconds
 *   are truncated), epoch seconds (integral or fractional, |n| < 1e11) and epoch milliseconds
 *   (|n| ≥ 1e11), as numbers or numeric strings — the formats Firehose documents for JSON input.
 * - date (Parquet INT32 DATE): the timestamp strings above (the day part, UTC) or a day count.
 * - decimal(p,s) (Parquet DECIMAL, exact: INT32 for p ≤ 9, INT64 for p ≤ 18, else fixed bytes):
 *   numbers or numeric strings, rounded half-up to `s` digits, failing beyond `p` digits.
 * - binary: base64 strings.
 * Nested types (array<…>, struct<…>, map<…>) are rejected for the whole request.
 */
import type { SchemaElement } from 'hyparquet'
import type { ColumnSchema } from '../types.ts'
import { EncodeRequestError } from './errors.ts'

/** A value that does not fit its column: the record goes to the error output. */
export class ValueConversionError extends Error {
  override readonly name = 'ValueConversionError'
}

export interface ColumnCodec {
  name: string
  element: SchemaElement
  /** JSON value (never null/undefined) → the value hyparquet-writer expects; throws ValueConversionError. */
  convert(value: unknown): unknown
}

const DAY_MS = 86_400_000
/** Below this magnitude an epoch number is seconds (year 5138), at or above it milliseconds. */
const EPOCH_SECONDS_LIMIT = 1e11
const INTEGER = /^[+-]?\d+$/
const NUMERIC = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/
const TIMESTAMP =
  /^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?\s*(Z|[+-]\d{2}:?\d{2})?$/

function fail(type: string, value: unknown): never {
  const shown = typeof value === 'string' ? JSON.stringify(value) : (JSON.stringify(value) ?? String(value))
  throw new ValueConversionError(`cannot convert ${shown.slice(0, 100)} to ${type}`)
}

function integer(type: string, min: number, max: number): (value: unknown) => number {
  return (value) => {
    const n =
      typeof value === 'number'
        ? value
        : typeof value === 'string' && INTEGER.test(value)
          ? Number(value)
          : NaN
    if (!Number.isInteger(n) || n < min || n > max) fail(type, value)
    return n
  }
}

function bigint(value: unknown): bigint {
  let n: bigint | undefined
  if (typeof value === 'number' && Number.isInteger(value)) n = BigInt(value)
  else if (typeof value === 'string' && INTEGER.test(value)) n = BigInt(value)
  if (n === undefined || n < -(2n ** 63n) || n >= 2n ** 63n) fail('bigint', value)
  return n
}

function floating(type: string): (value: unknown) => number {
  return (value) => {
    if (typeof value === 'number') return value
    if (typeof value === 'string' && NUMERIC.test(value)) return Number(value)
    fail(type, value)
  }
}

function boolean(value: unknown): boolean {
  if (typeof value === 'boolean') return value
  if (typeof value === 'string') {
    const lower = value.toLowerCase()
    if (lower === 'true' || lower === 'false') return lower === 'true'
  }
  fail('boolean', value)
}

function text(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value)
}

/** Epoch milliseconds of a timestamp value, or undefined when it is not one. */
export function parseTimestamp(value: unknown): number | undefined {
  let n: number | undefined
  if (typeof value === 'number') n = value
  else if (typeof value === 'string' && NUMERIC.test(value)) n = Number(value)
  if (n !== undefined) {
    if (!Number.isFinite(n)) return undefined
    return Math.abs(n) < EPOCH_SECONDS_LIMIT ? Math.round(n * 1000) : Math.trunc(n)
  }
  if (typeof value !== 'string') return undefined
  const m = TIMESTAMP.exec(value.trim())
  if (!m) return undefined
  const [, y, mo, d, h = '0', mi = '0', s = '0', frac = '', zone] = m
  const month = Number(mo)
  const day = Number(d)
  const ms = Date.UTC(
    Number(y),
    month - 1,
    day,
    Number(h),
    Number(mi),
    Number(s),
    Number(frac.padEnd(3, '0').slice(0, 3)),
  )
  // Date.UTC rolls 2024-02-31 over into March: reject instead.
  const check = new Date(ms)
  if (check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day || Number(h) > 23 || Number(s) > 59) {
    return undefined
  }
  return ms - zoneOffsetMs(zone)
}

function zoneOffsetMs(zone: string | undefined): number {
  if (zone === undefined || zone === 'Z') return 0
  const sign = zone[0] === '-' ? -1 : 1
  const digits = zone.slice(1).replace(':', '')
  return sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2))) * 60_000
}

function timestamp(value: unknown): number {
  const ms = parseTimestamp(value)
  if (ms === undefined) fail('timestamp', value)
  return ms
}

function date(value: unknown): number {
  if (typeof value === 'number' && Number.isInteger(value) && Math.abs(value) < 1e8) return value
  const ms = typeof value === 'string' && !NUMERIC.test(value) ? parseTimestamp(value) : undefined
  if (ms === undefined) fail('date', value)
  return Math.floor(ms / DAY_MS)
}

function binary(value: unknown): Uint8Array {
  if (typeof value !== 'string' || !/^[A-Za-z0-9+/_-]*={0,2}$/.test(value)) fail('binary', value)
  return Buffer.from(value, 'base64')
}

/** The unscaled integer of a decimal(p,s) value: exact from the number's text, rounded half-up. */
function decimal(precision: number, scale: number): (value: unknown) => bigint {
  const type = `decimal(${precision},${scale})`
  return (value) => {
    const source = typeof value === 'number' && Number.isFinite(value) ? String(value) : value
    const m = typeof source === 'string' ? /^([+-])?(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(source) : null
    if (!m || (m[2] === '' && (m[3] ?? '') === '')) fail(type, value)
    const [, sign, whole = '', frac = '', exp = '0'] = m
    // digits × 10^(exponent): shift to exactly `scale` fraction digits.
    const digits = whole + frac
    const shift = Number(exp) - frac.length + scale
    let unscaled: bigint
    if (shift >= 0) unscaled = BigInt(digits || '0') * 10n ** BigInt(shift)
    else {
      const cut = digits.length + shift
      const kept = cut > 0 ? BigInt(digits.slice(0, cut)) : 0n
      const next = cut >= 0 && cut < digits.length ? Number(digits[cut]) : 0
      unscaled = kept + (next >= 5 ? 1n : 0n)
    }
    if (unscaled.toString().length > precision) fail(type, value)
    return sign === '-' ? -unscaled : unscaled
  }
}

function decimalElement(name: string, precision: number, scale: number): SchemaElement {
  const base = { name, repetition_type: 'OPTIONAL', converted_type: 'DECIMAL', precision, scale } as const
  if (precision <= 9) return { ...base, type: 'INT32' }
  if (precision <= 18) return { ...base, type: 'INT64' }
  // Smallest two's-complement width that holds 10^precision - 1.
  const typeLength = Math.ceil((precision * Math.log2(10) + 1) / 8)
  return { ...base, type: 'FIXED_LEN_BYTE_ARRAY', type_length: typeLength }
}

type Scalar = { element: Omit<SchemaElement, 'name'>; convert: (value: unknown) => unknown }

const SCALARS: Record<string, Scalar> = {
  string: { element: { type: 'BYTE_ARRAY', converted_type: 'UTF8' }, convert: text },
  tinyint: { element: { type: 'INT32', converted_type: 'INT_8' }, convert: integer('tinyint', -128, 127) },
  smallint: {
    element: { type: 'INT32', converted_type: 'INT_16' },
    convert: integer('smallint', -32768, 32767),
  },
  int: { element: { type: 'INT32' }, convert: integer('int', -(2 ** 31), 2 ** 31 - 1) },
  bigint: { element: { type: 'INT64' }, convert: bigint },
  double: { element: { type: 'DOUBLE' }, convert: floating('double') },
  float: { element: { type: 'FLOAT' }, convert: floating('float') },
  boolean: { element: { type: 'BOOLEAN' }, convert: boolean },
  timestamp: { element: { type: 'INT64', converted_type: 'TIMESTAMP_MILLIS' }, convert: timestamp },
  date: { element: { type: 'INT32', converted_type: 'DATE' }, convert: date },
  binary: { element: { type: 'BYTE_ARRAY' }, convert: binary },
}
SCALARS.integer = SCALARS.int!

/** The codec of one catalog column; throws EncodeRequestError for a type we cannot write. */
export function columnCodec(column: ColumnSchema): ColumnCodec {
  const type = column.type.trim().toLowerCase()
  const scalar = SCALARS[type] ?? (/^(var)?char\(\d+\)$/.test(type) ? SCALARS.string : undefined)
  if (scalar) {
    const element = { name: column.name, repetition_type: 'OPTIONAL', ...scalar.element } as SchemaElement
    return { name: column.name, element, convert: scalar.convert }
  }
  const dec = /^decimal(?:\(\s*(\d+)\s*(?:,\s*(\d+)\s*)?\))?$/.exec(type)
  if (dec) {
    // Hive's bare `decimal` is decimal(10,0).
    const precision = Number(dec[1] ?? 10)
    const scale = Number(dec[2] ?? 0)
    if (precision < 1 || precision > 38 || scale > precision) {
      throw new EncodeRequestError(`column "${column.name}": invalid type ${column.type}`)
    }
    return {
      name: column.name,
      element: decimalElement(column.name, precision, scale),
      convert: decimal(precision, scale),
    }
  }
  if (/^(array|struct|map|uniontype)\s*</.test(type)) {
    throw new EncodeRequestError(
      `column "${column.name}": nested type ${column.type} is not supported for Parquet yet (use string to keep the JSON text)`,
    )
  }
  throw new EncodeRequestError(`column "${column.name}": unknown Glue type ${column.type}`)
}

import {
  DuckDBArrayValue,
  DuckDBBlobValue,
  DuckDBDecimalValue,
  DuckDBListValue,
  DuckDBMapValue,
  DuckDBStructValue,
  DuckDBTimestampMillisecondsValue,
  DuckDBTimestampNanosecondsValue,
  DuckDBTimestampSecondsValue,
  DuckDBTimestampTZValue,
  DuckDBTimestampValue,
  type DuckDBValue,
} from '@duckdb/node-api'

/**
 * A query result value as plain, JSON-safe JavaScript:
 *
 * - NULL → `null`; BOOLEAN → boolean; VARCHAR, UUID, ENUM → string
 * - TINYINT … INTEGER, FLOAT, DOUBLE → number
 * - BIGINT, HUGEINT (and unsigned) → number when it is a safe integer, else its decimal string
 * - DECIMAL → number when it has at most 15 significant digits (exact in a double), else string
 * - TIMESTAMP (any precision, with or without time zone) → ISO 8601 UTC string, e.g.
 *   `2026-11-23T10:00:00.000Z`, with microseconds when there are any (`...00.123456Z`)
 * - DATE → `YYYY-MM-DD`; TIME, INTERVAL and other scalars → DuckDB's text for them
 * - BLOB → base64 string
 * - LIST/ARRAY → array; STRUCT → object; MAP → object keyed by the key's text
 */
export type QueryValue = null | boolean | number | string | QueryValue[] | { [key: string]: QueryValue }

const MAX_SAFE_DIGITS = 15

export function toQueryValue(value: DuckDBValue): QueryValue {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return value
  if (typeof value === 'number') return value
  if (typeof value === 'bigint') {
    return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER)
      ? Number(value)
      : value.toString()
  }
  if (value instanceof DuckDBDecimalValue) {
    const text = value.toString()
    const digits = (value.value < 0n ? -value.value : value.value).toString().length
    return digits <= MAX_SAFE_DIGITS ? Number(text) : text
  }
  if (value instanceof DuckDBTimestampValue || value instanceof DuckDBTimestampTZValue)
    return isoFromMicros(value.micros, value)
  if (value instanceof DuckDBTimestampMillisecondsValue) return isoFromMicros(value.millis * 1000n, value)
  if (value instanceof DuckDBTimestampSecondsValue) return isoFromMicros(value.seconds * 1_000_000n, value)
  if (value instanceof DuckDBTimestampNanosecondsValue) return isoFromMicros(value.nanos / 1000n, value)
  if (value instanceof DuckDBListValue || value instanceof DuckDBArrayValue)
    return value.items.map(toQueryValue)
  if (value instanceof DuckDBStructValue) {
    const out: Record<string, QueryValue> = {}
    for (const [k, v] of Object.entries(value.entries)) out[k] = toQueryValue(v)
    return out
  }
  if (value instanceof DuckDBMapValue) {
    const out: Record<string, QueryValue> = {}
    for (const { key, value: v } of value.entries) out[String(key?.toString() ?? 'NULL')] = toQueryValue(v)
    return out
  }
  if (value instanceof DuckDBBlobValue) return Buffer.from(value.bytes).toString('base64')
  return value.toString()
}

// A JS Date spans ±8.64e15 ms; DuckDB's range (and ±infinity) is wider: keep DuckDB's text there.
const MAX_MS = 8_640_000_000_000_000n

function isoFromMicros(micros: bigint, original: { toString(): string }): string {
  let ms = micros / 1000n
  let sub = micros % 1000n
  if (sub < 0n) {
    ms -= 1n
    sub += 1000n
  }
  if (ms > MAX_MS || ms < -MAX_MS) return original.toString()
  const iso = new Date(Number(ms)).toISOString()
  return sub === 0n ? iso : `${iso.slice(0, -1)}${sub.toString().padStart(3, '0')}Z`
}

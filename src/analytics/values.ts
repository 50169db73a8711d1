import { DuckDBTimestampValue, type DuckDBValue } from '@duckdb/node-api'
import { toQueryValue } from '../query/values.ts'

/**
 * A result value as a sink writes it: Flink's JSON format writes timestamps as SQL text
 * (`2026-01-01 10:00:00.000`); everything else as the lake query gives it.
 */
export function sinkValue(value: DuckDBValue): unknown {
  if (value instanceof DuckDBTimestampValue) {
    const ms = Number(value.micros / 1000n)
    return new Date(ms).toISOString().replace('T', ' ').replace('Z', '')
  }
  return toQueryValue(value)
}

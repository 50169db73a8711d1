import { createHash } from 'node:crypto'
import type { IndexDocument } from '../search/indexes.ts'
import { parseDate } from '../search/mapping.ts'
import type { Emission } from './operator.ts'
import type { TableDef } from './sql/catalog.ts'
import type { Program } from './sql/program.ts'
import type { SearchIndexConnector } from './sql/search-connector.ts'
import type { ColumnType } from './sql/types.ts'

/**
 * The documents an emission writes to a search index (Flink's Elasticsearch/OpenSearch sink):
 * - with a `PRIMARY KEY`, the id is the key's fields joined by `document-id.key-delimiter`, each
 *   printed as Flink prints it (`Midtown_2026-11-23T12:00`): upsert mode, a replayed or updated
 *   row overwrites its document;
 * - without one, Flink lets the cluster pick random ids (a replay would add duplicates); here the
 *   id is a hash of the sink, the emission's unit (its window, or its micro-batch), the row and
 *   the row's occurrence in the unit, so a redelivered outbox overwrites the same documents.
 * Timestamps are written as Flink's JSON format writes them (`json.timestamp-format.standard`).
 *
 * @example
 * indexDocuments(emission, sink, sink.connector) // [{ id: 'Midtown_2026-11-23T12:00', source: {...} }]
 */
export function indexDocuments(
  emission: Emission,
  sink: TableDef,
  connector: SearchIndexConnector,
): IndexDocument[] {
  const types = new Map(sink.physical.map((c) => [c.name, c.type]))
  const timestamps = sink.physical.filter((c) => c.type.timestamp).map((c) => c.name)
  const seen = new Map<string, number>()
  return emission.rows.map((row) => {
    const source = JSON.parse(row) as Record<string, unknown>
    let id: string
    if (sink.primaryKey) {
      id = sink.primaryKey.map((k) => keyPart(source[k], types.get(k)!)).join(connector.keyDelimiter)
    } else {
      const base = `${sink.name}\n${emission.unit}\n${row}`
      const n = (seen.get(base) ?? 0) + 1
      seen.set(base, n)
      id = createHash('sha256').update(`${base}\n${n}`).digest('base64url').slice(0, 20)
    }
    if (connector.timestamps === 'ISO-8601')
      for (const c of timestamps)
        if (typeof source[c] === 'string') source[c] = (source[c] as string).replace(' ', 'T')
    return { id, source }
  })
}

/** A key field as Flink's key extractor prints it (Java's `toString` of the field's value). */
function keyPart(value: unknown, type: ColumnType): string {
  if (value === null || value === undefined) return 'null'
  if (type.timestamp && typeof value === 'string') return localDateTime(value)
  if (typeof value === 'number') {
    if (type.duck === 'DOUBLE' || type.duck === 'FLOAT') return javaDouble(value)
    const scale = /^DECIMAL\(\d+,(\d+)\)$/.exec(type.duck)
    if (scale) return value.toFixed(Number(scale[1]))
  }
  return String(value)
}

/** `LocalDateTime.toString()`: `2026-11-23T12:00`, `…T12:00:05`, `…T12:00:05.250` (seconds and millis only when not zero). */
function localDateTime(sql: string): string {
  const m = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2})(?::(\d{2})(?:\.(\d+))?)?$/.exec(sql)
  if (!m) return sql
  const [, date, hm, ss = '00', fraction = ''] = m
  const millis = fraction.padEnd(3, '0').slice(0, 3)
  if (millis !== '000') return `${date}T${hm}:${ss}.${millis}`
  return ss === '00' ? `${date}T${hm}` : `${date}T${hm}:${ss}`
}

/** `Double.toString()`: `3.0`, `12.5`, `1.0E7`, `1.5E-4`. */
function javaDouble(n: number): string {
  if (!Number.isFinite(n)) return Number.isNaN(n) ? 'NaN' : n > 0 ? 'Infinity' : '-Infinity'
  const abs = Math.abs(n)
  if (abs === 0 || (abs >= 1e-3 && abs < 1e7)) return Number.isInteger(n) ? `${n}.0` : String(n)
  const [mantissa, exponent] = n.toExponential().split('e') as [string, string]
  return `${mantissa.includes('.') ? mantissa : `${mantissa}.0`}E${Number(exponent)}`
}

const SQL_EXAMPLE = '2026-01-01 10:00:00.000'

/**
 * A search-index sink that would write SQL-format timestamps (`2026-01-01 10:00:00.000`, Flink's
 * default) into a field its declared index maps as `date` or names as its `timeField`: OpenSearch's
 * default date format reads only ISO-8601, so the first window would stop the job with a
 * mapper_parsing_exception (maybe an hour after it started), or dynamic mapping would make the
 * Explore tab's time field `text`. Said at start instead; undefined when there is no such sink.
 */
export function timestampMismatch(
  program: Program,
  indexes: Readonly<
    Record<
      string,
      { mappings?: { properties?: Record<string, unknown> } | undefined; timeField?: string | undefined }
    >
  >,
): { message: string; hint: string } | undefined {
  for (const table of program.tables.values()) {
    const c = table.connector
    if (c.kind !== 'index' || c.timestamps !== 'SQL') continue
    const index = indexes[c.index]
    const properties = index?.mappings?.properties ?? {}
    for (const column of table.physical) {
      const field = properties[column.name] as { type?: string; format?: unknown } | undefined
      const timeField = index?.timeField === column.name
      if (!column.type.timestamp || (field?.type !== 'date' && !timeField)) continue
      // A date field whose `format` reads SQL text (`yyyy-MM-dd HH:mm:ss.SSS`) takes it.
      const format = field?.type === 'date' && typeof field.format === 'string' ? field.format : undefined
      if (format !== undefined && !Number.isNaN(parseDate(SQL_EXAMPLE, format))) continue
      const what = field?.type === 'date' ? 'the date field' : "the Explore tab's time field"
      return {
        message: `table '${table.name}' writes ${column.name} as SQL text ('${SQL_EXAMPLE}'), which ${what} ${column.name} of search index '${c.index}' does not read as a date`,
        hint: "add 'json.timestamp-format.standard' = 'ISO-8601' to its WITH options, or give the field a format: 'yyyy-MM-dd HH:mm:ss.SSS'",
      }
    }
  }
  return undefined
}

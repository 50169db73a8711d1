/**
 * Firehose's record format conversion: JSON records → one Parquet file typed by the catalog
 * table's columns. Records that cannot be converted are reported, not written, with the error
 * codes Firehose puts in its error output (`DataFormatConversion.ParseError` for bytes that are
 * not a JSON object, `DataFormatConversion.MalformedData` for a value that does not fit its column).
 */
import type { SchemaElement } from 'hyparquet'
import { parquetWriteBuffer } from 'hyparquet-writer'
import type { ColumnSchema } from '../types.ts'
import { EncodeRequestError } from './errors.ts'
import { type ColumnCodec, columnCodec, ValueConversionError } from './glue-types.ts'

export const PARSE_ERROR = 'DataFormatConversion.ParseError'
export const MALFORMED_DATA = 'DataFormatConversion.MalformedData'

/**
 * Rows per row group. Firehose's Parquet row groups follow a 256 MiB block size; a delivery file
 * here is at most 128 MiB of input, so in practice one group per file, with a cap that keeps the
 * writer's column buffers bounded. Fixed, so files are identical on replay.
 */
export const ROW_GROUP_ROWS = 250_000

export interface ParquetOutput {
  /** Empty when no record converted: the caller writes no file. */
  body: Buffer
  failures: { index: number; reason: string }[]
}

/** Encodes JSON `records` as Parquet (SNAPPY column chunks, Firehose's default). */
export function encodeParquet(records: readonly Buffer[], columns: readonly ColumnSchema[]): ParquetOutput {
  if (columns.length === 0) throw new EncodeRequestError('Parquet needs at least one catalog column')
  const codecs = columns.map(columnCodec)
  const lookup = keyLookup(codecs)
  const data: unknown[][] = codecs.map(() => [])
  const failures: ParquetOutput['failures'] = []
  const row: unknown[] = new Array(codecs.length)
  for (let index = 0; index < records.length; index++) {
    const reason = convertRecord(records[index]!, codecs, lookup, row)
    if (reason !== undefined) {
      failures.push({ index, reason })
      continue
    }
    for (let c = 0; c < codecs.length; c++) data[c]!.push(row[c])
  }
  if (data[0]!.length === 0) return { body: Buffer.alloc(0), failures }
  const schema: SchemaElement[] = [
    { name: 'schema', num_children: codecs.length },
    ...codecs.map((codec) => codec.element),
  ]
  const out = parquetWriteBuffer({
    schema,
    columnData: codecs.map((codec, c) => ({ name: codec.name, data: data[c]! })),
    codec: 'SNAPPY',
    rowGroupSize: ROW_GROUP_ROWS,
  })
  return { body: Buffer.from(out), failures }
}

/** Lower-cased JSON key → column position: OpenX JSON SerDe matches keys case-insensitively. */
function keyLookup(codecs: readonly ColumnCodec[]): Map<string, number> {
  const lookup = new Map<string, number>()
  codecs.forEach((codec, c) => {
    const key = codec.name.toLowerCase()
    if (lookup.has(key))
      throw new EncodeRequestError(`duplicate column "${codec.name}" (names are case-insensitive)`)
    lookup.set(key, c)
  })
  return lookup
}

/** Fills `row` from one record; returns the failure reason, or undefined on success. */
function convertRecord(
  record: Buffer,
  codecs: readonly ColumnCodec[],
  lookup: Map<string, number>,
  row: unknown[],
): string | undefined {
  let value: unknown
  try {
    value = JSON.parse(record.toString('utf8'))
  } catch (error) {
    return `${PARSE_ERROR}: record is not valid JSON (${(error as Error).message})`
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return `${PARSE_ERROR}: record is not a JSON object`
  }
  row.fill(null)
  for (const [key, field] of Object.entries(value)) {
    const c = lookup.get(key) ?? lookup.get(key.toLowerCase())
    if (c === undefined || field === null || field === undefined) continue
    const codec = codecs[c]!
    try {
      row[c] = codec.convert(field)
    } catch (error) {
      if (!(error instanceof ValueConversionError)) throw error
      return `${MALFORMED_DATA}: column "${codec.name}": ${error.message}`
    }
  }
  return undefined
}

/**
 * Firehose's record format conversion: JSON records → one Parquet file typed by the catalog
 * table's columns. Records that cannot be converted are reported, not written, with the error
 * codes Firehose puts in its error output (`DataFormatConversion.ParseError` for bytes that are
 * not a JSON object, `DataFormatConversion.MalformedData` for a value that does not fit its column).
 */
import type { SchemaElement } from 'hyparquet'
import { parquetWriteBuffer } from 'hyparquet-writer'
import type { ColumnSchema, PackedRecords } from '../types.ts'
import { EncodeRequestError } from './errors.ts'
import { type ColumnCodec, columnCodec, ValueConversionError } from './glue-types.ts'
import { isPacked } from './ndjson.ts'

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

/**
 * Encodes JSON `records` as Parquet (SNAPPY column chunks, Firehose's default). Packed base64
 * records are decoded one at a time, never all at once. `before` holds the column values of
 * earlier records of the same file (from {@link parquetColumns}), whose rows come first: a large
 * buffer is converted chunk by chunk and only its column values are kept, never its bytes. The
 * file is the same whether its rows came in chunks or at once. `failures` index `records`.
 */
export function encodeParquet(
  records: readonly Buffer[] | PackedRecords,
  columns: readonly ColumnSchema[],
  before: readonly (readonly unknown[][])[] = [],
): ParquetOutput {
  const codecs = codecsOf(columns)
  const own = convertRecords(records, codecs)
  const data = codecs.map((_, c) => [...before.flatMap((chunk) => chunk[c] ?? []), ...own.data[c]!])
  if (data[0]!.length === 0) return { body: Buffer.alloc(0), failures: own.failures }
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
  return { body: Buffer.from(out), failures: own.failures }
}

/**
 * The first step of a file encoded in chunks: converts `records` to the column values (one array
 * per catalog column) that {@link encodeParquet} takes as `before`, and reports the records that
 * cannot be converted.
 */
export function parquetColumns(
  records: readonly Buffer[] | PackedRecords,
  columns: readonly ColumnSchema[],
): { data: unknown[][]; failures: ParquetOutput['failures'] } {
  return convertRecords(records, codecsOf(columns))
}

function codecsOf(columns: readonly ColumnSchema[]): ColumnCodec[] {
  if (columns.length === 0) throw new EncodeRequestError('Parquet needs at least one catalog column')
  return columns.map(columnCodec)
}

function convertRecords(
  records: readonly Buffer[] | PackedRecords,
  codecs: readonly ColumnCodec[],
): { data: unknown[][]; failures: ParquetOutput['failures'] } {
  const lookup = keyLookup(codecs)
  const data: unknown[][] = codecs.map(() => [])
  const failures: ParquetOutput['failures'] = []
  const row: unknown[] = new Array(codecs.length)
  const { count, text } = recordTexts(records)
  for (let index = 0; index < count; index++) {
    const reason = convertRecord(text(index), codecs, lookup, row)
    if (reason !== undefined) {
      failures.push({ index, reason })
      continue
    }
    for (let c = 0; c < codecs.length; c++) data[c]!.push(row[c])
  }
  return { data, failures }
}

/** Record `i` as UTF-8 text, decoding packed base64 records one by one through a small buffer. */
function recordTexts(records: readonly Buffer[] | PackedRecords): {
  count: number
  text: (i: number) => string
} {
  if (!isPacked(records)) return { count: records.length, text: (i) => records[i]!.toString('utf8') }
  const { data, ends, base64 } = records
  const src = Buffer.from(data.buffer, data.byteOffset, data.byteLength)
  let decoded = Buffer.allocUnsafe(0)
  return {
    count: ends.length,
    text: (i) => {
      const start = i === 0 ? 0 : ends[i - 1]!
      const end = ends[i]!
      if (!base64) return src.toString('utf8', start, end)
      const size = ((end - start) * 3) >>> 2
      if (decoded.length < size) decoded = Buffer.allocUnsafeSlow(Math.max(size, 64 * 1024))
      const n = decoded.write(src.toString('latin1', start, end), 0, 'base64')
      return decoded.toString('utf8', 0, n)
    },
  }
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
  record: string,
  codecs: readonly ColumnCodec[],
  lookup: Map<string, number>,
  row: unknown[],
): string | undefined {
  let value: unknown
  try {
    value = JSON.parse(record)
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

import { createGunzip } from 'node:zlib'

/** Rows or lines a preview shows. */
export const PREVIEW_ROWS = 50
/** Decompressed bytes a text preview reads at most. */
export const PREVIEW_BYTES = 256 * 1024
/** Larger objects are not read for a preview (the SQL box reads them without loading them whole). */
export const MAX_PREVIEW_OBJECT_BYTES = 64 * 1024 * 1024

export type Preview =
  | { format: 'parquet'; columns: string[]; rows: unknown[][]; truncated: boolean }
  | { format: 'text'; lines: string[]; truncated: boolean }
  | { format: 'binary' | 'too-large'; message: string }

const PARQUET_MAGIC = Buffer.from('PAR1')

function isGzip(key: string, body: Buffer, contentEncoding: string | undefined): boolean {
  return contentEncoding === 'gzip' || key.endsWith('.gz') || (body[0] === 0x1f && body[1] === 0x8b)
}

/** JSON can't carry bigint or typed arrays; dates read better as ISO text. */
function jsonSafe(value: unknown): unknown {
  if (typeof value === 'bigint') return Number.isSafeInteger(Number(value)) ? Number(value) : String(value)
  if (value instanceof Date) return value.toISOString()
  if (value instanceof Uint8Array) return `<${value.length} bytes>`
  if (Array.isArray(value)) return value.map(jsonSafe)
  if (value !== null && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, jsonSafe(v)]))
  return value
}

async function parquetPreview(body: Buffer): Promise<Preview> {
  const file = body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength) as ArrayBuffer
  // Loaded when a Parquet file is first previewed, not by every dashboard.
  const { parquetReadObjects } = await import('hyparquet')
  const objects = await parquetReadObjects({ file, rowEnd: PREVIEW_ROWS + 1 })
  const columns = Object.keys(objects[0] ?? {})
  const rows = objects.slice(0, PREVIEW_ROWS).map((o) => columns.map((c) => jsonSafe(o[c])))
  return { format: 'parquet', columns, rows, truncated: objects.length > PREVIEW_ROWS }
}

function textPreview(text: Buffer, cut: boolean): Preview {
  // A NUL in the first kilobyte means this is not text (Snappy, ZIP, images...).
  if (text.subarray(0, 1024).includes(0)) {
    return { format: 'binary', message: `Binary content (${text.length} bytes shown compressed or raw).` }
  }
  const lines = text.toString('utf8').split('\n')
  if (lines.at(-1) === '') lines.pop()
  return {
    format: 'text',
    lines: lines.slice(0, PREVIEW_ROWS),
    truncated: cut || lines.length > PREVIEW_ROWS,
  }
}

/**
 * The first rows of a lake object: Parquet rows (hyparquet), or the first lines of text, gunzipped
 * when the object is gzip. Reading stops at {@link PREVIEW_BYTES} of text.
 */
export async function previewObject(
  key: string,
  object: { body: Buffer; size: number; contentEncoding?: string | undefined },
): Promise<Preview> {
  const { body } = object
  if (
    body.length >= 8 &&
    body.subarray(0, 4).equals(PARQUET_MAGIC) &&
    body.subarray(-4).equals(PARQUET_MAGIC)
  )
    return parquetPreview(body)
  if (isGzip(key, body, object.contentEncoding)) {
    try {
      const { text, cut } = await gunzipPrefix(body)
      return textPreview(text, cut)
    } catch (error) {
      return { format: 'binary', message: `Not readable as gzip: ${(error as Error).message}` }
    }
  }
  return textPreview(body.subarray(0, PREVIEW_BYTES), body.length > PREVIEW_BYTES)
}

/** The first PREVIEW_BYTES of a gzip object, inflating no more of it than that. */
async function gunzipPrefix(body: Buffer): Promise<{ text: Buffer; cut: boolean }> {
  const gunzip = createGunzip()
  const chunks: Buffer[] = []
  let size = 0
  gunzip.end(body)
  for await (const chunk of gunzip) {
    chunks.push(chunk as Buffer)
    size += (chunk as Buffer).length
    if (size >= PREVIEW_BYTES) {
      gunzip.destroy()
      return { text: Buffer.concat(chunks).subarray(0, PREVIEW_BYTES), cut: true }
    }
  }
  return { text: Buffer.concat(chunks), cut: false }
}

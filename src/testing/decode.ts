import { gunzipSync } from 'node:zlib'
import { unzipSync } from 'fflate'
import { hadoopUnsnappy, snappyUnframe } from '../delivery/encoders/snappy.ts'

/**
 * How to undo each compression Firehose writes, keyed by the file extension it appends
 * (`COMPRESSIONS` in `delivery/encoders/compression.ts` is the other direction).
 */
const DECOMPRESSIONS: Readonly<Record<string, (body: Buffer) => Buffer>> = {
  '.gz': (body) => gunzipSync(body),
  '.zip': (body) => {
    // Firehose's ZIP holds one entry: the whole file.
    const [entry] = Object.values(unzipSync(body))
    return Buffer.from(entry ?? new Uint8Array())
  },
  '.snappy': (body) => snappyUnframe(body),
  '.hsnappy': (body) => hadoopUnsnappy(body),
}

const PARQUET_MAGIC = Buffer.from('PAR1')

/** A lake row: a JSON object of an NDJSON line, or a Parquet row (INT64 columns as bigint). */
export type LakeRow = Record<string, unknown>

function isParquet(body: Buffer): boolean {
  return (
    body.length >= 8 && body.subarray(0, 4).equals(PARQUET_MAGIC) && body.subarray(-4).equals(PARQUET_MAGIC)
  )
}

function isGzip(body: Buffer): boolean {
  return body[0] === 0x1f && body[1] === 0x8b
}

/**
 * An object's bytes with its compression undone, chosen by the key's extension as Firehose names
 * files (`.gz`, `.zip`, `.snappy`, `.hsnappy`); a gzip body is recognised by its magic bytes too
 * (a handler's `contentEncoding: 'gzip'` object need not end in `.gz`).
 */
export function decompress(key: string, body: Buffer): Buffer {
  const extension = /\.[a-z]+$/.exec(key)?.[0] ?? ''
  const undo = DECOMPRESSIONS[extension] ?? (isGzip(body) ? DECOMPRESSIONS['.gz'] : undefined)
  return undo ? undo(body) : body
}

/**
 * The rows of one lake object: Parquet rows, or each JSON value of the (decompressed) text —
 * one per line, or back to back as Firehose writes records without `appendNewline`. Text that is
 * not JSON is an error naming the key and the offset.
 */
export async function decodeRows(key: string, body: Buffer): Promise<LakeRow[]> {
  if (isParquet(body)) {
    // Loaded on first use: most tests never read Parquet.
    const { parquetReadObjects } = await import('hyparquet')
    const file = body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength) as ArrayBuffer
    return parquetReadObjects({ file })
  }
  const text = decompress(key, body).toString('utf8')
  return jsonValues(text).map(({ at, source }) => {
    try {
      return JSON.parse(source) as LakeRow
    } catch (error) {
      throw new Error(`${key}: no JSON at offset ${at} (${(error as Error).message})`)
    }
  })
}

const WHITESPACE = /\s/

/**
 * Splits text into its top-level JSON values: objects and arrays by bracket depth (strings and
 * their escapes skipped), a string to its closing quote, anything else up to the next whitespace
 * or bracket.
 */
function jsonValues(text: string): { at: number; source: string }[] {
  const values: { at: number; source: string }[] = []
  let i = 0
  while (i < text.length) {
    if (WHITESPACE.test(text[i]!)) {
      i++
      continue
    }
    const start = i
    if (text[i] === '{' || text[i] === '[') {
      let depth = 0
      let inString = false
      for (; i < text.length; i++) {
        const c = text[i]
        if (inString) {
          if (c === '\\') i++
          else if (c === '"') inString = false
        } else if (c === '"') inString = true
        else if (c === '{' || c === '[') depth++
        else if ((c === '}' || c === ']') && --depth === 0) {
          i++
          break
        }
      }
    } else if (text[i] === '"') {
      for (i++; i < text.length && text[i] !== '"'; i++) if (text[i] === '\\') i++
      i++
    } else {
      while (i < text.length && !WHITESPACE.test(text[i]!) && text[i] !== '{' && text[i] !== '[') i++
    }
    values.push({ at: start, source: text.slice(start, i) })
  }
  return values
}

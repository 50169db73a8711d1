import { isUtf8 } from 'node:buffer'
import { decode as decodeCbor, encode as encodeCborValue } from 'cbor2'

export const AMZ_JSON = 'application/x-amz-json-1.1'
export const AMZ_CBOR = 'application/x-amz-cbor-1.1'
export const PLAIN_JSON = 'application/json'

export type WireFormat = 'json' | 'cbor'

/** Node Buffers as plain byte arrays: cbor2 would otherwise encode a Buffer through its toJSON. */
function plain(value: unknown): unknown {
  if (Buffer.isBuffer(value)) return new Uint8Array(value.buffer, value.byteOffset, value.length)
  if (Array.isArray(value)) return value.map(plain)
  if (value && typeof value === 'object' && !(value instanceof Date) && !(value instanceof Uint8Array)) {
    const out: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(value)) out[k] = plain(v)
    return out
  }
  return value
}

/** Parses a request body; undefined when it is not a JSON/CBOR object (SerializationException). */
export function parseBody(body: Buffer, format: WireFormat): Record<string, unknown> | undefined {
  let data: unknown
  try {
    if (format === 'cbor') data = decodeCbor(body)
    else {
      // Invalid UTF-8 is a serialization error, not something to repair silently.
      if (!isUtf8(body)) return undefined
      data = JSON.parse(body.toString('utf8'))
    }
  } catch {
    return undefined
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data) || data instanceof Uint8Array)
    return undefined
  return data as Record<string, unknown>
}

/** JSON protocol: timestamps are epoch seconds (with milliseconds as the fraction). */
function jsonReplacer(this: Record<string, unknown>, key: string, value: unknown): unknown {
  const raw = this[key]
  return raw instanceof Date ? raw.getTime() / 1000 : value
}

export function encodeJson(value: Record<string, unknown> | undefined): Buffer {
  return value === undefined ? Buffer.alloc(0) : Buffer.from(JSON.stringify(value, jsonReplacer))
}

/** CBOR protocol: blobs are byte strings, timestamps are tag 1 epoch times. */
export function encodeCbor(value: Record<string, unknown> | undefined): Buffer {
  return value === undefined ? Buffer.alloc(0) : Buffer.from(encodeCborValue(plain(value)))
}

/** A CBOR text string header (major type 3) for `n` bytes. */
function textHeader(n: number): Buffer {
  if (n < 24) return Buffer.from([0x60 + n])
  if (n < 0x100) return Buffer.from([0x78, n])
  if (n < 0x10000) return Buffer.from([0x79, n >> 8, n & 0xff])
  const head = Buffer.alloc(5)
  head[0] = 0x7a
  head.writeUInt32BE(n, 1)
  return head
}

/**
 * An error body (`{__type[, message]}`, strings only) as AWS's CBOR encoder writes it: an
 * indefinite-length map (0xbf … 0xff). Clients decode either form; this one is byte-identical to
 * the responses recorded against Kinesis.
 */
export function encodeCborError(body: Record<string, string>): Buffer {
  const parts: Buffer[] = [Buffer.from([0xbf])]
  for (const [key, value] of Object.entries(body)) {
    for (const text of [key, value]) {
      const bytes = Buffer.from(text, 'utf8')
      parts.push(textHeader(bytes.length), bytes)
    }
  }
  parts.push(Buffer.from([0xff]))
  return Buffer.concat(parts)
}

import { decode, encode } from 'cbor2'

/** Node Buffers as plain Uint8Arrays: cbor2 would otherwise encode a Buffer through its toJSON. */
function plain(value: unknown): unknown {
  if (Buffer.isBuffer(value)) return new Uint8Array(value.buffer, value.byteOffset, value.length)
  if (Array.isArray(value)) return value.map(plain)
  if (value && typeof value === 'object' && !(value instanceof Date) && !(value instanceof Uint8Array)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]))
  }
  return value
}

/** CBOR as a Kinesis client writes it: byte strings for blobs, tag 1 for Dates. */
export function encodeCbor(value: unknown): Buffer {
  return Buffer.from(encode(plain(value)))
}

export function decodeCbor(bytes: Uint8Array): unknown {
  return decode(bytes)
}

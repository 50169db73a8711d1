import { gunzipSync, gzipSync } from 'node:zlib'

const GZIP_MAGIC_0 = 0x1f
const GZIP_MAGIC_1 = 0x8b

/**
 * Application-level compression of one user record's data (`compression: 'gzip'`). Kinesis
 * itself never compresses or decompresses: every consumer has to call {@link decompress}.
 */
export function compress(data: Uint8Array): Buffer {
  return gzipSync(data, { level: 6 })
}

/**
 * The consumer's half of `compression: 'gzip'`: gunzips data that starts with the gzip magic
 * bytes (1f 8b) and returns anything else unchanged, so a consumer reading a stream that mixes
 * compressed and plain records (a producer switched on compression mid-stream) reads both.
 *
 * @example
 * for (const r of deaggregate(event.Records[0])) JSON.parse(decompress(r.data).toString('utf8'))
 */
export function decompress(data: Uint8Array): Buffer {
  const bytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength)
  if (bytes.length >= 2 && bytes[0] === GZIP_MAGIC_0 && bytes[1] === GZIP_MAGIC_1) return gunzipSync(bytes)
  return bytes
}

/**
 * An S3 request body as the object's bytes: aws-chunked decoding (the SDKs' default for PutObject
 * since they send trailing checksums), and the integrity checks S3 runs on them: Content-MD5
 * (BadDigest), x-amz-content-sha256 (XAmzContentSHA256Mismatch) and the flexible checksums
 * `x-amz-checksum-{crc32,crc32c,crc64nvme,sha1,sha256}` as headers or trailers (BadDigest).
 */
import { createHash } from 'node:crypto'
import type { IncomingHttpHeaders } from 'node:http'
import { crc32 } from 'node:zlib'
import { S3Error } from './xml.ts'

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name]
  return Array.isArray(value) ? value.join(',') : value
}

function table32(poly: number): Uint32Array {
  const table = new Uint32Array(256)
  for (let n = 0; n < 256; n++) {
    let c = n
    for (let k = 0; k < 8; k++) c = c & 1 ? poly ^ (c >>> 1) : c >>> 1
    table[n] = c >>> 0
  }
  return table
}

let crc32cTable: Uint32Array | undefined
function crc32c(bytes: Buffer): number {
  crc32cTable ??= table32(0x82f63b78)
  let c = 0xffffffff
  for (const b of bytes) c = crc32cTable[(c ^ b) & 0xff]! ^ (c >>> 8)
  return (c ^ 0xffffffff) >>> 0
}

let crc64Table: BigUint64Array | undefined
function crc64nvme(bytes: Buffer): bigint {
  if (!crc64Table) {
    crc64Table = new BigUint64Array(256)
    for (let n = 0n; n < 256n; n++) {
      let c = n
      for (let k = 0; k < 8; k++) c = c & 1n ? 0x9a6c9329ac4bc9b5n ^ (c >> 1n) : c >> 1n
      crc64Table[Number(n)] = c
    }
  }
  const mask = 0xffffffffffffffffn
  let c = mask
  for (const b of bytes) c = crc64Table[Number((c ^ BigInt(b)) & 0xffn)]! ^ (c >> 8n)
  return (c ^ mask) & mask
}

function be32(n: number): string {
  const b = Buffer.alloc(4)
  b.writeUInt32BE(n >>> 0)
  return b.toString('base64')
}

/** The flexible checksum algorithms S3 knows, as base64 of the big-endian digest. */
export const CHECKSUMS: Record<string, (bytes: Buffer) => string> = {
  crc32: (bytes) => be32(crc32(bytes)),
  crc32c: (bytes) => be32(crc32c(bytes)),
  crc64nvme: (bytes) => {
    const b = Buffer.alloc(8)
    b.writeBigUInt64BE(crc64nvme(bytes))
    return b.toString('base64')
  },
  sha1: (bytes) => createHash('sha1').update(bytes).digest('base64'),
  sha256: (bytes) => createHash('sha256').update(bytes).digest('base64'),
}

/** What decoding left: the object's bytes and the checksum headers to echo (`x-amz-checksum-*`). */
export interface Payload {
  bytes: Buffer
  checksums: Record<string, string>
}

const CRLF = Buffer.from('\r\n')

/** Decodes `<hex-size>[;chunk-signature=..]\r\n<data>\r\n ... 0\r\n<trailers>\r\n`. */
function decodeChunked(body: Buffer): { bytes: Buffer; trailers: Record<string, string> } {
  const incomplete = () =>
    new S3Error('IncompleteBody', 'The request body terminated unexpectedly (aws-chunked encoding)')
  const parts: Buffer[] = []
  let at = 0
  for (;;) {
    const eol = body.indexOf(CRLF, at)
    if (eol < 0) throw incomplete()
    const sizeText = body.subarray(at, eol).toString('latin1').split(';')[0]!.trim()
    if (!/^[0-9a-fA-F]+$/.test(sizeText)) throw incomplete()
    const size = Number.parseInt(sizeText, 16)
    at = eol + 2
    if (size === 0) break
    if (at + size + 2 > body.length) throw incomplete()
    parts.push(body.subarray(at, at + size))
    at += size + 2
  }
  const trailers: Record<string, string> = {}
  for (const line of body.subarray(at).toString('latin1').split('\r\n')) {
    const colon = line.indexOf(':')
    if (colon > 0) trailers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim()
  }
  return { bytes: Buffer.concat(parts), trailers }
}

/**
 * The object's bytes, checked. Throws S3's BadDigest, InvalidDigest, XAmzContentSHA256Mismatch,
 * IncompleteBody or InvalidRequest.
 */
export function readPayload(headers: IncomingHttpHeaders, body: Buffer): Payload {
  const sha = header(headers, 'x-amz-content-sha256')
  const encoding = (header(headers, 'content-encoding') ?? '').toLowerCase()
  const chunked = sha?.startsWith('STREAMING-') || encoding.split(',').some((e) => e.trim() === 'aws-chunked')
  let bytes = body
  let trailers: Record<string, string> = {}
  if (chunked) {
    ;({ bytes, trailers } = decodeChunked(body))
    const decoded = header(headers, 'x-amz-decoded-content-length')
    if (decoded !== undefined && Number(decoded) !== bytes.length)
      throw new S3Error(
        'IncompleteBody',
        'You did not provide the number of bytes specified by the Content-Length HTTP header',
      )
  } else if (sha && /^[0-9a-f]{64}$/i.test(sha)) {
    if (createHash('sha256').update(body).digest('hex') !== sha.toLowerCase())
      throw new S3Error(
        'XAmzContentSHA256Mismatch',
        "The provided 'x-amz-content-sha256' header does not match what was computed.",
      )
  }
  const md5 = header(headers, 'content-md5')
  if (md5 !== undefined) {
    const given = Buffer.from(md5, 'base64')
    if (given.length !== 16) throw new S3Error('InvalidDigest', 'The Content-MD5 you specified was invalid.')
    if (!createHash('md5').update(bytes).digest().equals(given))
      throw new S3Error('BadDigest', 'The Content-MD5 you specified did not match what we received.')
  }
  const checksums: Record<string, string> = {}
  for (const [algorithm, compute] of Object.entries(CHECKSUMS)) {
    const name = `x-amz-checksum-${algorithm}`
    const given = trailers[name] ?? header(headers, name)
    if (given === undefined) continue
    if (compute(bytes) !== given) {
      throw new S3Error(
        'BadDigest',
        `The ${algorithm.toUpperCase()} you specified did not match the calculated checksum.`,
      )
    }
    checksums[name] = given
  }
  return { bytes, checksums }
}

/** The checksums of a payload as the store keeps them: algorithm (lower case) → value. */
export function checksumsToStore(headers: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [name, value] of Object.entries(headers)) out[name.slice('x-amz-checksum-'.length)] = value
  return out
}

/**
 * The `x-amz-checksum-*` response headers of stored checksums, with `x-amz-checksum-type`:
 * `COMPOSITE` for a multipart upload's `<base64>-<parts>`, else `FULL_OBJECT`.
 */
export function checksumHeaders(stored: Record<string, string> | undefined): Record<string, string> {
  const out: Record<string, string> = {}
  if (!stored) return out
  for (const [algorithm, value] of Object.entries(stored)) {
    out[`x-amz-checksum-${algorithm}`] = value
    out['x-amz-checksum-type'] = /-\d+$/.test(value) ? 'COMPOSITE' : 'FULL_OBJECT'
  }
  return out
}

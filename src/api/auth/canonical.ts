/**
 * The pure building blocks of AWS Signature Version 4: parsing what the request carries, the canonical
 * request, the string to sign and the derived signing key. Kept free of policy (time windows, error
 * messages) so that `sigv4.ts` reads as the AWS check order and this file reads as the SigV4 spec.
 *
 * The encoding rules mirror `@smithy/signature-v4` (what every AWS SDK v3 client signs with), because a
 * verifier that is "more correct" than the signer just rejects real clients.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto'
import type { IncomingHttpHeaders } from 'node:http'

export const ALGORITHM = 'AWS4-HMAC-SHA256'
export const SCOPE_TERMINATOR = 'aws4_request'
export const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD'

/** The first value of a header (node:http only keeps arrays for a few headers such as set-cookie). */
export function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name]
  return Array.isArray(value) ? value[0] : value
}

/**
 * Splits `AWS4-HMAC-SHA256 Credential=a/b, SignedHeaders=c;d, Signature=e` the way AWS tolerates it:
 * commas and spaces are interchangeable separators and the first token is the algorithm.
 */
export function parseAuthorization(header: string): { algorithm: string; params: Map<string, string> } {
  const [algorithm = '', ...tokens] = header.split(/,| /).filter(Boolean)
  const params = new Map<string, string>()
  for (const token of tokens) {
    const eq = token.indexOf('=')
    params.set(eq === -1 ? token : token.slice(0, eq), eq === -1 ? '' : token.slice(eq + 1))
  }
  return { algorithm, params }
}

export interface CredentialScope {
  accessKeyId: string
  date: string
  region: string
  service: string
  terminator: string
}

/** Splits `keyid/date/region/service/term`; AWS ignores trailing slashes but wants exactly five parts. */
export function parseCredential(credential: string): CredentialScope | undefined {
  const parts = credential.replace(/\/+$/, '').split('/')
  if (parts.length !== 5) return undefined
  const [accessKeyId = '', date = '', region = '', service = '', terminator = ''] = parts
  return { accessKeyId, date, region, service, terminator }
}

/** One decoded `key=value` pair of the query string, in the order received. */
export type QueryPair = readonly [key: string, value: string]

/** Splits a raw request target (`/path?query`) into its path and its raw (still encoded) query. */
export function splitTarget(url: string): { path: string; rawQuery: string } {
  const q = url.indexOf('?')
  return q === -1 ? { path: url, rawQuery: '' } : { path: url.slice(0, q), rawQuery: url.slice(q + 1) }
}

/**
 * Decodes a raw query string into pairs, keeping duplicates (they are all signed). `+` is kept literal:
 * SigV4 signers percent-encode spaces as `%20`, so a bare `+` was a literal plus when it was signed.
 */
export function parseQuery(rawQuery: string): QueryPair[] {
  const pairs: QueryPair[] = []
  for (const part of rawQuery.split('&')) {
    if (part === '') continue
    const eq = part.indexOf('=')
    const key = eq === -1 ? part : part.slice(0, eq)
    const value = eq === -1 ? '' : part.slice(eq + 1)
    pairs.push([safeDecode(key), safeDecode(value)])
  }
  return pairs
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s)
  } catch {
    // A malformed escape cannot have been produced by a signer; keep the raw text so the request
    // simply fails the signature comparison instead of crashing the parser.
    return s
  }
}

/** The first value of a query parameter (exact, case-sensitive name, as AWS matches them). */
export function queryParam(pairs: readonly QueryPair[], name: string): string | undefined {
  return pairs.find(([key]) => key === name)?.[1]
}

/** RFC 3986 encoding: everything but `A-Z a-z 0-9 - . _ ~` is percent-encoded (upper-case hex). */
export function uriEncode(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
}

/**
 * Canonical URI. The path is normalised (empty, `.` and `..` segments) and then encoded once more even
 * though it arrived percent-encoded: for every service but S3, AWS signs the *double*-encoded path, which
 * is what the SDK's `uriEscapePath: true` default produces.
 */
export function canonicalUri(path: string): string {
  const segments: string[] = []
  for (const segment of path.split('/')) {
    if (segment === '' || segment === '.') continue
    if (segment === '..') segments.pop()
    else segments.push(segment)
  }
  const leading = path.startsWith('/') ? '/' : ''
  const trailing = segments.length > 0 && path.endsWith('/') ? '/' : ''
  return uriEncode(`${leading}${segments.join('/')}${trailing}`).replace(/%2F/g, '/')
}

/**
 * Canonical query string: every pair encoded, sorted by encoded key then encoded value (code-unit order,
 * not locale order). `X-Amz-Signature` is dropped in any letter case, exactly as the SDK does, since the
 * signature cannot sign itself.
 */
export function canonicalQuery(pairs: readonly QueryPair[]): string {
  return pairs
    .filter(([key]) => key.toLowerCase() !== 'x-amz-signature')
    .map(([key, value]) => [uriEncode(key), uriEncode(value)] as const)
    .sort(([ak, av], [bk, bv]) => compare(ak, bk) || compare(av, bv))
    .map(([key, value]) => `${key}=${value}`)
    .join('&')
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

/** Canonical form of one header value: line breaks to spaces, runs of blanks collapsed, trimmed. */
export function canonicalHeaderValue(value: string | string[] | undefined): string {
  // node:http joins most repeated headers with ', ' already; an array only remains for the few it keeps
  // apart (set-cookie), and AWS joins repeated values with ','.
  const joined = Array.isArray(value) ? value.join(',') : (value ?? '')
  return joined
    .replace(/[\r\n]/g, ' ')
    .replace(/[ \t]+/g, ' ')
    .trim()
}

/** The canonical request, as specified by SigV4 (each part on its own line, headers block ending blank). */
export function canonicalRequest(parts: {
  method: string
  path: string
  query: readonly QueryPair[]
  headers: IncomingHttpHeaders
  signedHeaders: readonly string[]
  payloadHash: string
}): string {
  const headerLines = parts.signedHeaders.map(
    (name) => `${name}:${canonicalHeaderValue(parts.headers[name])}\n`,
  )
  return [
    parts.method.toUpperCase(),
    canonicalUri(parts.path),
    canonicalQuery(parts.query),
    headerLines.join(''),
    parts.signedHeaders.join(';'),
    parts.payloadHash,
  ].join('\n')
}

/**
 * The payload hash to sign: a declared `x-amz-content-sha256` (including `UNSIGNED-PAYLOAD`) as is, else
 * SHA-256 of the body. Undefined when a declared hex hash does not match the body: the signature would
 * cover the declared hash, so without this check a client could sign one body and send another.
 */
export function payloadHash(declared: string | undefined, body: Buffer): string | undefined {
  if (declared === undefined) return sha256Hex(body)
  if (declared === UNSIGNED_PAYLOAD || !/^[0-9a-f]{64}$/i.test(declared)) return declared
  return declared.toLowerCase() === sha256Hex(body) ? declared : undefined
}

/** Constant-time string comparison; only the length (public for a hex signature) can leak. */
export function constantTimeEqual(expected: string, provided: string): boolean {
  const a = Buffer.from(expected, 'utf8')
  const b = Buffer.from(provided, 'utf8')
  return a.length === b.length && timingSafeEqual(a, b)
}

export function sha256Hex(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex')
}

export function stringToSign(amzDate: string, scope: string, request: string): string {
  return `${ALGORITHM}\n${amzDate}\n${scope}\n${sha256Hex(request)}`
}

export function hmac(key: string | Buffer, data: string): Buffer {
  return createHmac('sha256', key).update(data, 'utf8').digest()
}

const KEY_CACHE_LIMIT = 64
const keyCache = new Map<string, Buffer>()

/**
 * The derived signing key `HMAC(HMAC(HMAC(HMAC("AWS4"+secret, date), region), service), "aws4_request")`.
 * Four HMACs per request add up, and a key is valid for a whole day, so keys are memoised in a small
 * LRU map (a Map iterates in insertion order, so the first key is the least recently used).
 */
export function signingKey(secret: string, date: string, region: string, service: string): Buffer {
  const cacheKey = `${date}\0${region}\0${service}\0${secret}`
  const cached = keyCache.get(cacheKey)
  if (cached !== undefined) {
    keyCache.delete(cacheKey)
    keyCache.set(cacheKey, cached)
    return cached
  }
  const key = hmac(hmac(hmac(hmac(`AWS4${secret}`, date), region), service), SCOPE_TERMINATOR)
  keyCache.set(cacheKey, key)
  if (keyCache.size > KEY_CACHE_LIMIT) {
    const oldest = keyCache.keys().next().value
    if (oldest !== undefined) keyCache.delete(oldest)
  }
  return key
}

/** Formats ms since epoch in the ISO 8601 basic format AWS uses everywhere: `YYYYMMDDTHHMMSSZ`. */
export function toAmzDate(ms: number): string {
  return new Date(ms)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '')
}

/** Parses `YYYYMMDDTHHMMSSZ` to ms since epoch; undefined when it is not a valid basic-format time. */
export function parseAmzDate(s: string): number | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(s)
  if (m === null) return undefined
  const [year, month, day, hour, minute, second] = m.slice(1).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ]
  const ms = Date.UTC(year, month - 1, day, hour, minute, second)
  // Date.UTC silently rolls 20190230 over into March; a round trip rejects such dates.
  return toAmzDate(ms) === s ? ms : undefined
}

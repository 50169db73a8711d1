import { isIP } from 'node:net'

/** The response headers AWS lets browser code read on every reply (recorded from Kinesis). */
export const CORS_EXPOSE_HEADERS =
  'x-amzn-RequestId, x-amzn-ErrorType, x-amz-request-id, x-amz-id-2, x-amzn-ErrorMessage, Date'
/** How long a browser may cache a preflight answer: AWS's two days. */
export const CORS_MAX_AGE_SECONDS = 172_800

export class CorsOriginError extends Error {
  override readonly name = 'CorsOriginError'
}

/**
 * Checks one `--cors-origin` / `server.corsOrigins` value and returns it as browsers send it in
 * `Origin` (lower-case scheme and host, no default port, no trailing slash), or `*`.
 *
 * @example
 * parseCorsOrigin('http://App.test:8080/') // 'http://app.test:8080'
 */
export function parseCorsOrigin(value: string): string {
  const text = value.trim()
  if (text === '*') return '*'
  let url: URL
  try {
    url = new URL(text)
  } catch {
    throw new CorsOriginError(
      `CORS origin '${value}' is not an origin: give scheme, host and optional port, e.g. http://localhost:3000, or '*'`,
    )
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new CorsOriginError(`CORS origin '${value}' must start with http:// or https://`)
  if (url.username || url.password || (url.pathname !== '/' && url.pathname !== '') || url.search || url.hash)
    throw new CorsOriginError(
      `CORS origin '${value}' must be only scheme, host and port (like ${url.origin}), without a path`,
    )
  return url.origin
}

/**
 * `localhost`, `*.localhost`, 127.0.0.0/8 and `[::1]`, over http or https, any port: origins only
 * a program on this machine can serve a page from (RFC 6761 keeps `.localhost` on loopback).
 */
export function isLoopbackOrigin(origin: string): boolean {
  let url: URL
  try {
    url = new URL(origin)
  } catch {
    return false
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.origin !== origin) return false
  const host = url.hostname
  if (host === 'localhost' || host.endsWith('.localhost')) return true
  if (host === '[::1]') return true
  return isIP(host) === 4 && host.startsWith('127.')
}

/**
 * Which browser origins may call the AWS endpoints, and the CORS headers they get. AWS allows `*`;
 * a local server that did would let every web page the developer visits read and delete their
 * streams, so by default only loopback origins are allowed (the one deliberate difference from
 * AWS, listed in docs/kinesis-api.md). Origins given add to that; `*` restores AWS's behaviour.
 * Credentials are never allowed: AWS clients sign requests, they send no cookies.
 */
export class CorsPolicy {
  readonly #any: boolean
  readonly #origins: ReadonlySet<string>

  /** Throws {@link CorsOriginError} for a value that is not an origin. */
  constructor(origins: readonly string[] = []) {
    const parsed = origins.map(parseCorsOrigin)
    this.#any = parsed.includes('*')
    this.#origins = new Set(parsed)
  }

  /** The `Access-Control-Allow-Origin` value for a request's `Origin`, or undefined when it is not allowed. */
  allowedOrigin(origin: string): string | undefined {
    if (this.#any) return '*'
    return isLoopbackOrigin(origin) || this.#origins.has(origin) ? origin : undefined
  }

  /** Headers for a reply to a request from `origin` (an allowed one gets AWS's, a refused one none). */
  replyHeaders(origin: string | undefined): Record<string, string> {
    if (origin === undefined) return {}
    const allowed = this.allowedOrigin(origin)
    if (allowed === undefined) return this.#any ? {} : { vary: 'Origin' }
    return {
      'access-control-allow-origin': allowed,
      'access-control-expose-headers': CORS_EXPOSE_HEADERS,
      // Caches must not hand one origin's answer to another (with '*' every origin gets the same).
      ...(allowed === '*' ? {} : { vary: 'Origin' }),
    }
  }

  /**
   * The answer to a preflight (`OPTIONS` with `Origin`): AWS's 200 echoing the requested method and
   * headers, or 403 with a message saying how to allow the origin.
   */
  preflight(headers: PreflightHeaders): { status: number; headers: Record<string, string>; body: Buffer } {
    const origin = headers.origin
    const allowed = this.allowedOrigin(origin)
    if (allowed === undefined) {
      const body = Buffer.from(
        JSON.stringify({
          __type: 'AccessDeniedException',
          message:
            `Origin '${origin}' is not allowed to call this endpoint: only loopback origins (localhost, ` +
            `127.0.0.1, [::1]) are by default. Start tributary with --cors-origin ${origin} to allow it.`,
        }),
      )
      return {
        status: 403,
        headers: {
          'content-type': 'application/json',
          vary: 'Origin',
          'x-amzn-errortype': 'AccessDeniedException',
        },
        body,
      }
    }
    const reply: Record<string, string> = {
      ...this.replyHeaders(origin),
      'access-control-max-age': String(CORS_MAX_AGE_SECONDS),
    }
    const method = headers['access-control-request-method']
    if (method) reply['access-control-allow-methods'] = method
    const requested = headers['access-control-request-headers']
    if (requested) reply['access-control-allow-headers'] = requested
    return { status: 200, headers: reply, body: Buffer.alloc(0) }
  }
}

export interface PreflightHeaders {
  origin: string
  'access-control-request-method'?: string | undefined
  'access-control-request-headers'?: string | undefined
}

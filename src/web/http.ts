import type { IncomingMessage, ServerResponse } from 'node:http'

/** Largest JSON body the dashboard API reads (a SQL statement, a redrive request). */
export const MAX_API_BODY_BYTES = 64 * 1024

/** What a route of the dashboard's JSON API gets of one request. */
export interface ApiContext {
  req: IncomingMessage
  res: ServerResponse
  params: URLSearchParams
  /** Captures of the route's pattern, URI-decoded. */
  match: string[]
}

/** One route of the dashboard's JSON API: a method and a path pattern. */
export interface ApiRoute {
  method: 'GET' | 'POST'
  pattern: RegExp
  /** Returns the JSON body of a 200, or handles the response itself and returns undefined. */
  handle(ctx: ApiContext): unknown | Promise<unknown>
}

export class HttpError extends Error {
  override readonly name = 'HttpError'
  constructor(
    readonly status: number,
    message: string,
    readonly detail?: string,
  ) {
    super(message)
  }
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body)
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
  })
  res.end(text)
}

/** `true` for a request a browser sent while navigating (Accept: text/html), never an AWS client. */
export function looksLikeBrowser(req: IncomingMessage): boolean {
  const h = req.headers
  if (h['x-amz-target'] !== undefined || h.authorization !== undefined) return false
  if (h['x-amz-date'] !== undefined || h['x-amz-content-sha256'] !== undefined) return false
  return (h.accept ?? '').includes('text/html')
}

/**
 * Rejects state-changing requests a foreign web page could have made: they must be JSON (a
 * cross-origin page can only send that after a CORS preflight, which this server never grants)
 * and, when the browser says where they come from, come from this very origin.
 */
export function checkSameOrigin(req: IncomingMessage): void {
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase()
  if (type !== 'application/json') throw new HttpError(415, 'Send application/json.')
  const site = req.headers['sec-fetch-site']
  if (site !== undefined && site !== 'same-origin' && site !== 'none')
    throw new HttpError(403, 'Cross-site requests are not accepted.')
  const origin = req.headers.origin
  if (origin !== undefined && origin !== 'null' && origin !== `http://${req.headers.host}`)
    throw new HttpError(403, 'Cross-origin requests are not accepted.')
}

/** Reads a JSON object body of at most {@link MAX_API_BODY_BYTES}. */
export async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  checkSameOrigin(req)
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req) {
    size += (chunk as Buffer).length
    if (size > MAX_API_BODY_BYTES) throw new HttpError(413, 'Request body too large.')
    chunks.push(chunk as Buffer)
  }
  const text = Buffer.concat(chunks).toString('utf8')
  if (text.trim() === '') return {}
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    throw new HttpError(400, 'The body is not valid JSON.')
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
    throw new HttpError(400, 'The body must be a JSON object.')
  return parsed as Record<string, unknown>
}

export function stringParam(params: URLSearchParams, name: string, required = true): string | undefined {
  const value = params.get(name) ?? undefined
  if (required && (value === undefined || value === ''))
    throw new HttpError(400, `Missing parameter '${name}'.`)
  return value
}

/** A positive integer parameter, `fallback` when absent, at most `max`. */
export function intParam(params: URLSearchParams, name: string, fallback: number, max: number): number {
  const raw = params.get(name)
  if (raw === null) return fallback
  const n = Number(raw)
  if (!Number.isInteger(n) || n < 1) throw new HttpError(400, `'${name}' must be a positive integer.`)
  return Math.min(n, max)
}

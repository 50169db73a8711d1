/**
 * AWS Signature Version 4 verification with Kinesis' wire errors.
 *
 * Check order and wording follow what AWS's request front end returns: the presence checks and their
 * messages are the ones recorded by kinesalite; the later order (date format, time window, `host` signed,
 * algorithm, credential shape, credential scope, key id, signature) is the one dynalite recorded against
 * the same AWS front end. Every failure is HTTP 400 with a JSON `__type`, as Kinesis sends them.
 */
import type { IncomingHttpHeaders } from 'node:http'
import {
  ALGORITHM,
  type CredentialScope,
  canonicalRequest,
  constantTimeEqual,
  headerValue,
  hmac,
  parseAmzDate,
  parseAuthorization,
  parseCredential,
  parseQuery,
  payloadHash,
  type QueryPair,
  queryParam,
  SCOPE_TERMINATOR,
  signingKey,
  splitTarget,
  stringToSign,
  toAmzDate,
} from './canonical.ts'

export interface SigV4Request {
  method: string
  /** Raw request target: path plus optional query, e.g. `/` or `/?X-Amz-Algorithm=...`. */
  url: string
  /** As node:http gives them: lower-case keys. */
  headers: IncomingHttpHeaders
  body: Buffer
}

/** An AWS wire error: __type, message, HTTP status. */
export interface AuthFailure {
  ok: false
  code: string
  message: string
  status: number
}
export interface AuthSuccess {
  ok: true
  accessKeyId?: string
  region?: string
  service?: string
}
export type AuthResult = AuthSuccess | AuthFailure

export interface VerifyOptions {
  /** Returns the secret for an access key id, or undefined when the key is unknown. */
  lookupSecret(accessKeyId: string): string | undefined
  /** ms since epoch (injected clock; tests never sleep). */
  now: number
  /** Allowed clock skew into the past, default 5 minutes; into the future, default 15 minutes. */
  maxPastMs?: number
  maxFutureMs?: number
  /** When set (e.g. `'kinesis'`), a credential scoped to another service is rejected, as AWS does. */
  service?: string
}

export const SIGNATURE_MISMATCH_MESSAGE =
  'The request signature we calculated does not match the signature you provided. Check your AWS Secret ' +
  'Access Key and signing method. Consult the service documentation for details.'

const DEFAULT_MAX_PAST_MS = 5 * 60_000
// Real Kinesis allows only 5 minutes into the future: its errors read "(<now> + 5 min.)" (quoted in
// aws/aws-sdk-go#2194 and s12v/awsbeats#48). 15 minutes is this project's more lenient default; pass
// maxFutureMs: 5 * 60_000 for AWS's exact window.
const DEFAULT_MAX_FUTURE_MS = 15 * 60_000
// SigV4 caps presigned URLs at one week (the SDK refuses to presign for longer).
const MAX_PRESIGNED_EXPIRES_SEC = 604_800

const fail = (code: string, message: string): AuthFailure => ({ ok: false, code, message, status: 400 })
const mismatch = (): AuthFailure => fail('InvalidSignatureException', SIGNATURE_MISMATCH_MESSAGE)

/** The authentication a request carries, whichever way (header or query string) it carries it. */
interface ParsedAuth {
  ok: true
  mode: 'header' | 'query'
  algorithm: string
  credential: string
  signedHeaders: string
  signature: string
  /** The request time as sent (X-Amz-Date, or the Date header for header auth without X-Amz-Date). */
  amzDate: string
  expires?: string
  path: string
  query: QueryPair[]
}

function parseAuth(req: SigV4Request): ParsedAuth | AuthFailure {
  const { path, rawQuery } = splitTarget(req.url)
  const query = parseQuery(rawQuery)
  const authHeader = headerValue(req.headers, 'authorization')
  const authQuery = query.some(([key]) => key === 'X-Amz-Algorithm')

  if (authHeader && authQuery) {
    return fail(
      'InvalidSignatureException',
      "Found both 'X-Amz-Algorithm' as a query-string param and 'Authorization' as HTTP header.",
    )
  }
  if (!authHeader && !authQuery) {
    return fail('MissingAuthenticationTokenException', 'Missing Authentication Token')
  }

  if (authHeader) {
    const { algorithm, params } = parseAuthorization(authHeader)
    const amzDate = headerValue(req.headers, 'x-amz-date') || headerValue(req.headers, 'date')
    let msg = ['Credential', 'Signature', 'SignedHeaders']
      .filter((param) => !params.get(param))
      .map((param) => `Authorization header requires '${param}' parameter. `)
      .join('')
    if (!amzDate) {
      msg += "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. "
    }
    if (msg || !amzDate) return fail('IncompleteSignatureException', `${msg}Authorization=${authHeader}`)
    const get = (name: string): string => params.get(name) ?? ''
    const [credential, signedHeaders, signature] = [get('Credential'), get('SignedHeaders'), get('Signature')]
    return { ok: true, mode: 'header', algorithm, credential, signedHeaders, signature, amzDate, path, query }
  }

  const get = (name: string): string => queryParam(query, `X-Amz-${name}`) ?? ''
  const missing = ['Algorithm', 'Credential', 'Signature', 'SignedHeaders', 'Date'].filter(
    (name) => !get(name),
  )
  if (missing.length > 0) {
    const msg = missing.map((name) => `AWS query-string parameters must include 'X-Amz-${name}'. `).join('')
    return fail('IncompleteSignatureException', `${msg}Re-examine the query-string parameters.`)
  }
  return {
    ok: true,
    mode: 'query',
    algorithm: get('Algorithm'),
    credential: get('Credential'),
    signedHeaders: get('SignedHeaders'),
    signature: get('Signature'),
    amzDate: get('Date'),
    expires: queryParam(query, 'X-Amz-Expires'),
    path,
    query,
  }
}

/**
 * Checks only that the request carries an authentication in a well-formed shape (what Kinesis does
 * even before looking at keys): used in every mode, including the default mode without --auth.
 * The credential's key id, region and service are returned when the credential is well formed.
 *
 * @example
 * const result = checkAuthPresence({ method: 'POST', url: '/', headers: {}, body: Buffer.alloc(0) })
 * // { ok: false, code: 'MissingAuthenticationTokenException', message: 'Missing Authentication Token', status: 400 }
 */
export function checkAuthPresence(req: SigV4Request): AuthResult {
  const parsed = parseAuth(req)
  if (!parsed.ok) return parsed
  const scope = parseCredential(parsed.credential)
  if (scope === undefined) return { ok: true }
  return { ok: true, accessKeyId: scope.accessKeyId, region: scope.region, service: scope.service }
}

/** "5 min." as AWS prints skew windows; windows that are not whole minutes (X-Amz-Expires) in seconds. */
function windowText(ms: number): string {
  return ms % 60_000 === 0 ? `${ms / 60_000} min.` : `${Math.round(ms / 1000)} sec.`
}

/** How far into the past the request may be: the skew window, or X-Amz-Expires for presigned URLs. */
function pastWindow(parsed: ParsedAuth, options: VerifyOptions): number | AuthFailure {
  if (parsed.expires === undefined) return options.maxPastMs ?? DEFAULT_MAX_PAST_MS
  // Kinesis has no recorded wording for a bad X-Amz-Expires; these are S3's messages for the same checks.
  if (!/^\d+$/.test(parsed.expires))
    return fail('IncompleteSignatureException', 'X-Amz-Expires should be a number')
  const seconds = Number(parsed.expires)
  if (seconds > MAX_PRESIGNED_EXPIRES_SEC) {
    return fail(
      'IncompleteSignatureException',
      'X-Amz-Expires must be less than a week (in seconds); that is, the given X-Amz-Expires must be less than 604800 seconds',
    )
  }
  return seconds * 1000
}

/**
 * Date format and time window. The wording matches AWS responses quoted in public issue threads, e.g.
 * Kinesis in remind101/logspout-kinesis#21: "Signature expired: 20151120T200815Z is now earlier than
 * 20151120T201846Z (20151120T202346Z - 5 min.)", and s12v/awsbeats#48: "Signature not yet current:
 * 20181017T093750Z is still later than 20181017T093639Z (20181017T093139Z + 5 min.)".
 */
function checkTime(parsed: ParsedAuth, options: VerifyOptions): AuthFailure | undefined {
  const requestMs = parseAmzDate(parsed.amzDate)
  if (requestMs === undefined) {
    const got = `Got '${parsed.amzDate}'. See http://en.wikipedia.org/wiki/ISO_8601`
    return fail('IncompleteSignatureException', `Date must be in ISO-8601 'basic format'. ${got}`)
  }
  const maxPastMs = pastWindow(parsed, options)
  if (typeof maxPastMs !== 'number') return maxPastMs
  const maxFutureMs = options.maxFutureMs ?? DEFAULT_MAX_FUTURE_MS
  const { now } = options
  if (requestMs < now - maxPastMs) {
    const [limit, window] = [toAmzDate(now - maxPastMs), windowText(maxPastMs)]
    return fail(
      'InvalidSignatureException',
      `Signature expired: ${parsed.amzDate} is now earlier than ${limit} (${toAmzDate(now)} - ${window})`,
    )
  }
  if (requestMs > now + maxFutureMs) {
    const [limit, window] = [toAmzDate(now + maxFutureMs), windowText(maxFutureMs)]
    return fail(
      'InvalidSignatureException',
      `Signature not yet current: ${parsed.amzDate} is still later than ${limit} (${toAmzDate(now)} + ${window})`,
    )
  }
  return undefined
}

/** The credential scope checks AWS runs before it looks the key up; all problems are reported at once. */
function checkScope(scope: CredentialScope, amzDate: string, service?: string): AuthFailure | undefined {
  const problems: string[] = []
  // AWS also rejects unknown regions; a local server accepts any, but not an empty one.
  if (scope.region === '') problems.push("Credential should be scoped to a valid region, not ''.")
  if (service !== undefined && scope.service !== service) {
    problems.push(`Credential should be scoped to correct service: '${service}'.`)
  }
  if (scope.terminator !== SCOPE_TERMINATOR) {
    const not = `not '${scope.terminator}'.`
    problems.push(`Credential should be scoped with a valid terminator: '${SCOPE_TERMINATOR}', ${not}`)
  }
  const day = amzDate.slice(0, 8)
  if (scope.date !== day) {
    const detail = `'${scope.date}' != '${day}', from '${amzDate}'.`
    problems.push(
      `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: ${detail}`,
    )
  }
  return problems.length > 0 ? fail('InvalidSignatureException', problems.join(' ')) : undefined
}

/** The signature check proper: canonical request, string to sign, HMAC with the derived key. */
function checkSignature(
  req: SigV4Request,
  parsed: ParsedAuth,
  scope: CredentialScope,
  secret: string,
): boolean {
  const declared =
    headerValue(req.headers, 'x-amz-content-sha256') ??
    (parsed.mode === 'query' ? queryParam(parsed.query, 'X-Amz-Content-Sha256') : undefined)
  const hash = payloadHash(declared, req.body)
  if (hash === undefined) return false
  const request = canonicalRequest({
    method: req.method,
    path: parsed.path,
    query: parsed.query,
    headers: req.headers,
    signedHeaders: signedHeaderList(parsed),
    payloadHash: hash,
  })
  const { date, region, service } = scope
  const toSign = stringToSign(parsed.amzDate, `${date}/${region}/${service}/${SCOPE_TERMINATOR}`, request)
  const expected = hmac(signingKey(secret, date, region, service), toSign).toString('hex')
  return constantTimeEqual(expected, parsed.signature)
}

/** AWS treats SignedHeaders case-insensitively, and node:http gives header names in lower case. */
function signedHeaderList(parsed: ParsedAuth): string[] {
  return parsed.signedHeaders.toLowerCase().split(';')
}

/**
 * Full SigV4 verification: presence + credential scope + key lookup + time window + signature.
 * Checks run in AWS's order (time window before scope and key), so a request that is wrong in several
 * ways gets the error AWS would give.
 *
 * @example
 * const result = verifySigV4(
 *   { method: 'POST', url: '/', headers: req.headers, body },
 *   { lookupSecret: (id) => (id === 'AKIDEXAMPLE' ? 'secret' : undefined), now: Date.now(), service: 'kinesis' },
 * )
 * if (!result.ok) sendError(result.status, { __type: result.code, message: result.message })
 */
export function verifySigV4(req: SigV4Request, options: VerifyOptions): AuthResult {
  const parsed = parseAuth(req)
  if (!parsed.ok) return parsed
  const timeFailure = checkTime(parsed, options)
  if (timeFailure) return timeFailure
  const signed = signedHeaderList(parsed)
  // Over HTTP/2 the SDKs sign `:authority` (the pseudo-header that replaces Host) instead of `host`.
  if (!signed.includes('host') && !signed.includes(':authority')) {
    // Current AWS wording; older front ends said "'Host' must be a 'SignedHeader' in the AWS Authorization."
    return fail(
      'InvalidSignatureException',
      "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.",
    )
  }
  if (parsed.algorithm !== ALGORITHM) {
    // The trailing space is AWS's.
    const msg = `Unsupported AWS 'algorithm': '${parsed.algorithm}' (only ${ALGORITHM} for now). `
    return fail('IncompleteSignatureException', msg)
  }
  const scope = parseCredential(parsed.credential)
  if (scope === undefined) {
    const example = `e.g. keyid/date/region/service/term, got '${parsed.credential}'`
    return fail(
      'IncompleteSignatureException',
      `Credential must have exactly 5 slash-delimited elements, ${example}`,
    )
  }
  const scopeFailure = checkScope(scope, parsed.amzDate, options.service)
  if (scopeFailure) return scopeFailure
  const secret = options.lookupSecret(scope.accessKeyId)
  if (secret === undefined) {
    return fail('UnrecognizedClientException', 'The security token included in the request is invalid.')
  }
  if (!checkSignature(req, parsed, scope, secret)) return mismatch()
  return { ok: true, accessKeyId: scope.accessKeyId, region: scope.region, service: scope.service }
}

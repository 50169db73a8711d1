import { createServer, type IncomingMessage } from 'node:http'
import type { AddressInfo } from 'node:net'
import { KinesisClient, ListStreamsCommand } from '@aws-sdk/client-kinesis'
import { Hash } from '@smithy/hash-node'
import { NodeHttpHandler } from '@smithy/node-http-handler'
import { SignatureV4 } from '@smithy/signature-v4'
import { describe, expect, it } from 'vitest'
import { canonicalQuery, canonicalUri, parseQuery, uriEncode } from '../../src/api/auth/canonical.ts'
import {
  type AuthResult,
  checkAuthPresence,
  type SigV4Request,
  type VerifyOptions,
  verifySigV4,
} from '../../src/api/auth/sigv4.ts'

const ACCESS_KEY = 'AKIDTRIBUTARY'
const SECRET = 'tributary/secret+Key'
const REGION = 'us-east-1'
/** 2019-01-01T00:00:00Z, i.e. X-Amz-Date 20190101T000000Z. */
const T0 = Date.UTC(2019, 0, 1)
const SECOND = 1000
const MINUTE = 60 * SECOND

const OK: AuthResult = { ok: true, accessKeyId: ACCESS_KEY, region: REGION, service: 'kinesis' }
const MISMATCH: AuthResult = {
  ok: false,
  code: 'InvalidSignatureException',
  message:
    'The request signature we calculated does not match the signature you provided. Check your AWS Secret ' +
    'Access Key and signing method. Consult the service documentation for details.',
  status: 400,
}
const fail = (code: string, message: string): AuthResult => ({ ok: false, code, message, status: 400 })

function options(overrides: Partial<VerifyOptions> = {}): VerifyOptions {
  return {
    lookupSecret: (id) => (id === ACCESS_KEY ? SECRET : undefined),
    now: T0,
    service: 'kinesis',
    ...overrides,
  }
}

interface Draft {
  method?: string
  path?: string
  query?: Record<string, string | string[]>
  headers?: Record<string, string>
  body?: string
}

/** An unsigned request shaped like the ones @aws-sdk/client-kinesis sends. */
function draft(d: Draft = {}) {
  const body = d.body ?? JSON.stringify({ Limit: 10 })
  return {
    method: d.method ?? 'POST',
    protocol: 'http:',
    hostname: '127.0.0.1',
    port: 4567,
    path: d.path ?? '/',
    query: d.query ?? {},
    headers: {
      'content-type': 'application/x-amz-json-1.1',
      'x-amz-target': 'Kinesis_20131202.ListStreams',
      host: '127.0.0.1:4567',
      'content-length': String(Buffer.byteLength(body)),
      ...d.headers,
    },
    body,
  }
}

interface SignOptions {
  at?: number
  secret?: string
  accessKeyId?: string
  service?: string
  unsignableHeaders?: Set<string>
  /** The SDK adds x-amz-content-sha256 by default (so does the Kinesis client); false leaves it out. */
  applyChecksum?: boolean
}

function signer(o: SignOptions) {
  return new SignatureV4({
    credentials: { accessKeyId: o.accessKeyId ?? ACCESS_KEY, secretAccessKey: o.secret ?? SECRET },
    region: REGION,
    service: o.service ?? 'kinesis',
    sha256: Hash.bind(null, 'sha256'),
    applyChecksum: o.applyChecksum ?? true,
  })
}

/** RFC 3986 encoding, written independently of the code under test. */
const encode = (s: string) =>
  encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16)}`)

/** What node:http would hand the server for a signed SDK request. */
function toWire(r: {
  method: string
  path: string
  query?: Record<string, string | (string | null)[] | null>
  headers: Record<string, string>
  body?: unknown
}): SigV4Request {
  const query = Object.entries(r.query ?? {}).flatMap(([key, value]) =>
    (Array.isArray(value) ? value : [value]).map((v) =>
      v === null ? encode(key) : `${encode(key)}=${encode(v)}`,
    ),
  )
  const headers = Object.fromEntries(Object.entries(r.headers).map(([k, v]) => [k.toLowerCase(), v]))
  return {
    method: r.method,
    url: query.length > 0 ? `${r.path}?${query.join('&')}` : r.path,
    headers,
    body: Buffer.from(typeof r.body === 'string' ? r.body : ''),
  }
}

async function signed(d: Draft = {}, o: SignOptions = {}): Promise<SigV4Request> {
  const out = await signer(o).sign(draft(d), {
    signingDate: new Date(o.at ?? T0),
    unsignableHeaders: o.unsignableHeaders,
  })
  return toWire(out)
}

async function presigned(d: Draft = {}, o: SignOptions & { expiresIn?: number } = {}): Promise<SigV4Request> {
  const out = await signer(o).presign(draft(d), {
    signingDate: new Date(o.at ?? T0),
    expiresIn: o.expiresIn ?? 3600,
    // Keep the target a header so the request stays dispatchable; other x-amz-* headers are hoisted.
    unhoistableHeaders: new Set(['x-amz-target']),
  })
  return toWire(out)
}

const withHeaders = (req: SigV4Request, headers: Record<string, string>): SigV4Request => ({
  ...req,
  headers: { ...req.headers, ...headers },
})

/** Rewrites one query parameter of a presigned request, keeping the rest byte for byte. */
function withQueryParam(req: SigV4Request, name: string, value: string): SigV4Request {
  const [path, query = ''] = req.url.split('?')
  const parts = query.split('&').map((p) => (p.startsWith(`${name}=`) ? `${name}=${encode(value)}` : p))
  return { ...req, url: `${path}?${parts.join('&')}` }
}

function authParam(req: SigV4Request, name: string): string {
  const match = new RegExp(`${name}=([^,\\s]+)`).exec(String(req.headers.authorization))
  return match?.[1] ?? ''
}

describe('verifySigV4 with requests signed by @smithy/signature-v4', () => {
  it('accepts a ListStreams request signed the way the Kinesis client signs it', async () => {
    expect(verifySigV4(await signed(), options())).toEqual(OK)
  })

  const tampered: [string, () => Promise<SigV4Request>][] = [
    [
      'a body changed after signing',
      async () => ({ ...(await signed()), body: Buffer.from('{"Limit":11}') }),
    ],
    [
      'a signed header changed',
      async () => withHeaders(await signed(), { 'x-amz-target': 'Kinesis_20131202.DeleteStream' }),
    ],
    ['a different host', async () => withHeaders(await signed(), { host: 'attacker.example:4567' })],
    ['a different method', async () => ({ ...(await signed()), method: 'PUT' })],
    ['a query added after signing', async () => ({ ...(await signed()), url: '/?StreamName=x' })],
    ['a path changed after signing', async () => ({ ...(await signed()), url: '/other' })],
    ['the wrong secret', () => signed({}, { secret: 'not-the-secret' })],
    [
      'a forged signature',
      async () => {
        const req = await signed()
        const signature = authParam(req, 'Signature')
        const forged = `${signature.slice(0, -1)}${signature.endsWith('0') ? '1' : '0'}`
        return withHeaders(req, {
          authorization: String(req.headers.authorization).replace(signature, forged),
        })
      },
    ],
    [
      'a truncated signature',
      async () => {
        const req = await signed()
        const signature = authParam(req, 'Signature')
        const authorization = String(req.headers.authorization).replace(signature, signature.slice(0, 10))
        return withHeaders(req, { authorization })
      },
    ],
  ]
  it.each(tampered)('rejects %s as a signature mismatch', async (_name, build) => {
    expect(verifySigV4(await build(), options())).toEqual(MISMATCH)
  })

  it('rejects an unknown access key id', async () => {
    const req = await signed({}, { accessKeyId: 'AKIDUNKNOWN' })
    expect(verifySigV4(req, options())).toEqual(
      fail('UnrecognizedClientException', 'The security token included in the request is invalid.'),
    )
  })

  it('rejects a request whose host header is not signed', async () => {
    const req = await signed({}, { unsignableHeaders: new Set(['host']) })
    expect(authParam(req, 'SignedHeaders')).not.toContain('host')
    expect(verifySigV4(req, options())).toEqual(
      fail(
        'InvalidSignatureException',
        "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.",
      ),
    )
  })

  it('rejects a credential scoped to another service when a service is expected', async () => {
    const req = await signed({}, { service: 'dynamodb' })
    expect(verifySigV4(req, options())).toEqual(
      fail('InvalidSignatureException', "Credential should be scoped to correct service: 'kinesis'."),
    )
    expect(verifySigV4(req, options({ service: undefined }))).toEqual({ ...OK, service: 'dynamodb' })
  })

  it('verifies paths and queries with characters that need encoding (double-encoded path)', async () => {
    const req = await signed({
      path: '/a%20b/c~d/%C3%A9',
      query: { b: '2', a: ['z y', 'x*'], 'sp ace': "!'()" },
    })
    expect(verifySigV4(req, options())).toEqual(OK)
  })

  it('canonicalises signed header values (trimmed, runs of blanks collapsed)', async () => {
    const req = await signed({ headers: { 'x-tributary-note': ' a   b \t c ' } })
    expect(req.headers['x-tributary-note']).toBe(' a   b \t c ')
    expect(verifySigV4(req, options())).toEqual(OK)
    expect(verifySigV4(withHeaders(req, { 'x-tributary-note': 'a b c d' }), options())).toEqual(MISMATCH)
  })

  it('keeps verifying when the signing-key cache evicts entries', async () => {
    const secrets = Array.from({ length: 70 }, (_, i) => `secret-${i}`)
    const lookup = (secret: string): VerifyOptions => options({ lookupSecret: () => secret })
    for (const secret of [...secrets, secrets[0] ?? '']) {
      expect(verifySigV4(await signed({}, { secret }), lookup(secret))).toEqual(OK)
    }
  })
})

describe('verifySigV4 time window', () => {
  it('reports an expired signature with AWS wording', async () => {
    const req = await signed()
    expect(verifySigV4(req, options({ now: T0 + 10 * MINUTE }))).toEqual(
      fail(
        'InvalidSignatureException',
        'Signature expired: 20190101T000000Z is now earlier than 20190101T000500Z (20190101T001000Z - 5 min.)',
      ),
    )
  })

  // The request is always signed at T0; `now` moves around it.
  it.each<[string, number, Partial<VerifyOptions>, AuthResult]>([
    ['4:59 in the past', T0 + 4 * MINUTE + 59 * SECOND, {}, OK],
    ['exactly 5:00 in the past', T0 + 5 * MINUTE, {}, OK],
    [
      '5:01 in the past',
      T0 + 5 * MINUTE + SECOND,
      {},
      fail(
        'InvalidSignatureException',
        'Signature expired: 20190101T000000Z is now earlier than 20190101T000001Z (20190101T000501Z - 5 min.)',
      ),
    ],
    ['4:59 in the future', T0 - 4 * MINUTE - 59 * SECOND, {}, OK],
    ['5:01 in the future (default 15 min. future window)', T0 - 5 * MINUTE - SECOND, {}, OK],
    ['14:59 in the future', T0 - 14 * MINUTE - 59 * SECOND, {}, OK],
    [
      '15:01 in the future',
      T0 - 15 * MINUTE - SECOND,
      {},
      fail(
        'InvalidSignatureException',
        'Signature not yet current: 20190101T000000Z is still later than 20181231T235959Z (20181231T234459Z + 15 min.)',
      ),
    ],
    ['4:59 in the future, 5 min. window', T0 - 4 * MINUTE - 59 * SECOND, { maxFutureMs: 5 * MINUTE }, OK],
    [
      '5:01 in the future, 5 min. window (what real Kinesis allows)',
      T0 - 5 * MINUTE - SECOND,
      { maxFutureMs: 5 * MINUTE },
      fail(
        'InvalidSignatureException',
        'Signature not yet current: 20190101T000000Z is still later than 20181231T235959Z (20181231T235459Z + 5 min.)',
      ),
    ],
    [
      '1:01 in the past, 1 min. window',
      T0 + MINUTE + SECOND,
      { maxPastMs: MINUTE },
      fail(
        'InvalidSignatureException',
        'Signature expired: 20190101T000000Z is now earlier than 20190101T000001Z (20190101T000101Z - 1 min.)',
      ),
    ],
  ])('a request signed %s', async (_name, now, overrides, expected) => {
    expect(verifySigV4(await signed(), options({ now, ...overrides }))).toEqual(expected)
  })

  it('checks the time window before the key id, as AWS does', async () => {
    const req = await signed({}, { accessKeyId: 'AKIDUNKNOWN' })
    expect(verifySigV4(req, options({ now: T0 + 10 * MINUTE }))).toEqual(
      fail(
        'InvalidSignatureException',
        'Signature expired: 20190101T000000Z is now earlier than 20190101T000500Z (20190101T001000Z - 5 min.)',
      ),
    )
  })
})

describe('verifySigV4 payload hash', () => {
  it('honours x-amz-content-sha256: UNSIGNED-PAYLOAD (the body is then not covered)', async () => {
    const req = await signed({ headers: { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' } })
    expect(verifySigV4(req, options())).toEqual(OK)
    expect(verifySigV4({ ...req, body: Buffer.from('{"Limit":99}') }, options())).toEqual(OK)
  })

  it('honours a declared body hash, but only while it matches the body', async () => {
    const body = JSON.stringify({ Limit: 10 })
    const hash = new Hash('sha256')
    hash.update(body)
    const hex = Buffer.from(await hash.digest()).toString('hex')
    const req = await signed({ body, headers: { 'x-amz-content-sha256': hex } })
    expect(verifySigV4(req, options())).toEqual(OK)
    expect(verifySigV4({ ...req, body: Buffer.from('{"Limit":99}') }, options())).toEqual(MISMATCH)
  })

  it.each(['', '{"Limit":10}'])('hashes the body itself when no hash is declared (body %j)', async (body) => {
    const req = await signed({ body }, { applyChecksum: false })
    expect(req.headers['x-amz-content-sha256']).toBeUndefined()
    expect(verifySigV4(req, options())).toEqual(OK)
    expect(verifySigV4({ ...req, body: Buffer.from(`${body} `) }, options())).toEqual(MISMATCH)
  })
})

describe('verifySigV4 presigned (query-string) requests', () => {
  it('accepts a presigned request, for as long as X-Amz-Expires says', async () => {
    const req = await presigned({}, { expiresIn: 3600 })
    expect(req.headers.authorization).toBeUndefined()
    expect(req.url).toContain('X-Amz-Signature=')
    expect(verifySigV4(req, options({ now: T0 + 59 * MINUTE }))).toEqual(OK)
  })

  it('accepts a presigned request whose x-amz-* headers were hoisted into the query', async () => {
    const out = await signer({}).presign(draft(), { signingDate: new Date(T0), expiresIn: 300 })
    const req = toWire(out)
    expect(req.url).toContain('x-amz-target=')
    expect(verifySigV4(req, options())).toEqual(OK)
  })

  it.each<[string, number, number, AuthResult]>([
    [
      'X-Amz-Expires=60, 61 s later',
      60,
      T0 + 61 * SECOND,
      fail(
        'InvalidSignatureException',
        'Signature expired: 20190101T000000Z is now earlier than 20190101T000001Z (20190101T000101Z - 1 min.)',
      ),
    ],
    [
      'X-Amz-Expires=90, 91 s later',
      90,
      T0 + 91 * SECOND,
      fail(
        'InvalidSignatureException',
        'Signature expired: 20190101T000000Z is now earlier than 20190101T000001Z (20190101T000131Z - 90 sec.)',
      ),
    ],
    ['X-Amz-Expires=90, 89 s later', 90, T0 + 89 * SECOND, OK],
  ])('expires a presigned request: %s', async (_name, expiresIn, now, expected) => {
    expect(verifySigV4(await presigned({}, { expiresIn }), options({ now }))).toEqual(expected)
  })

  it.each<[string, (req: SigV4Request) => SigV4Request, AuthResult]>([
    ['a longer X-Amz-Expires', (req) => withQueryParam(req, 'X-Amz-Expires', '7200'), MISMATCH],
    ['a changed body', (req) => ({ ...req, body: Buffer.from('{}') }), MISMATCH],
    [
      'a non-numeric X-Amz-Expires',
      (req) => withQueryParam(req, 'X-Amz-Expires', 'soon'),
      fail('IncompleteSignatureException', 'X-Amz-Expires should be a number'),
    ],
    [
      'an X-Amz-Expires over a week',
      (req) => withQueryParam(req, 'X-Amz-Expires', '604801'),
      fail(
        'IncompleteSignatureException',
        'X-Amz-Expires must be less than a week (in seconds); that is, the given X-Amz-Expires must be less than 604800 seconds',
      ),
    ],
  ])('rejects a presigned request with %s', async (_name, mutate, expected) => {
    expect(verifySigV4(mutate(await presigned()), options())).toEqual(expected)
  })

  it('rejects a presigned request signed with the wrong secret or an unknown key', async () => {
    expect(verifySigV4(await presigned({}, { secret: 'not-the-secret' }), options())).toEqual(MISMATCH)
    expect(verifySigV4(await presigned({}, { accessKeyId: 'AKIDUNKNOWN' }), options())).toEqual(
      fail('UnrecognizedClientException', 'The security token included in the request is invalid.'),
    )
  })
})

describe('presence checks (checkAuthPresence, and the first step of verifySigV4)', () => {
  const base = { method: 'POST', body: Buffer.from('{}') }
  const SIGNED_QUERY =
    'X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKID%2F20190101%2Fus-east-1%2Fkinesis%2Faws4_request' +
    '&X-Amz-Date=20190101T000000Z&X-Amz-SignedHeaders=host&X-Amz-Signature=abc'

  it.each<[string, SigV4Request, AuthResult]>([
    [
      'no authentication at all',
      { ...base, url: '/', headers: {} },
      fail('MissingAuthenticationTokenException', 'Missing Authentication Token'),
    ],
    [
      'both an Authorization header and X-Amz-Algorithm',
      { ...base, url: `/?${SIGNED_QUERY}`, headers: { authorization: 'AWS4-HMAC-SHA256 Credential=a' } },
      fail(
        'InvalidSignatureException',
        "Found both 'X-Amz-Algorithm' as a query-string param and 'Authorization' as HTTP header.",
      ),
    ],
    [
      'Authorization: X',
      { ...base, url: '/', headers: { authorization: 'X' } },
      fail(
        'IncompleteSignatureException',
        "Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' parameter. " +
          "Authorization header requires 'SignedHeaders' parameter. Authorization header requires existence of " +
          "either a 'X-Amz-Date' or a 'Date' header. Authorization=X",
      ),
    ],
    [
      'an Authorization header with only a Credential',
      {
        ...base,
        url: '/',
        headers: { authorization: 'AWS4-HMAC-SHA256 Credential=a', 'x-amz-date': '20190101T000000Z' },
      },
      fail(
        'IncompleteSignatureException',
        "Authorization header requires 'Signature' parameter. Authorization header requires 'SignedHeaders' " +
          'parameter. Authorization=AWS4-HMAC-SHA256 Credential=a',
      ),
    ],
    [
      'a query with only X-Amz-Algorithm',
      { ...base, url: '/?X-Amz-Algorithm=AWS4-HMAC-SHA256', headers: {} },
      fail(
        'IncompleteSignatureException',
        "AWS query-string parameters must include 'X-Amz-Credential'. AWS query-string parameters must include " +
          "'X-Amz-Signature'. AWS query-string parameters must include 'X-Amz-SignedHeaders'. AWS query-string " +
          "parameters must include 'X-Amz-Date'. Re-examine the query-string parameters.",
      ),
    ],
    [
      'an empty X-Amz-Algorithm',
      { ...base, url: '/?X-Amz-Algorithm=&X-Amz-Date=20190101T000000Z', headers: {} },
      fail(
        'IncompleteSignatureException',
        "AWS query-string parameters must include 'X-Amz-Algorithm'. AWS query-string parameters must include " +
          "'X-Amz-Credential'. AWS query-string parameters must include 'X-Amz-Signature'. AWS query-string " +
          "parameters must include 'X-Amz-SignedHeaders'. Re-examine the query-string parameters.",
      ),
    ],
  ])('rejects %s', (_name, req, expected) => {
    expect(checkAuthPresence(req)).toEqual(expected)
    expect(verifySigV4(req, options())).toEqual(expected)
  })

  it('accepts any well-formed authentication without checking it, and reports its scope', async () => {
    const req = withHeaders(await signed(), { 'x-amz-target': 'tampered' })
    expect(checkAuthPresence(req)).toEqual(OK)
    expect(checkAuthPresence({ ...base, url: `/?${SIGNED_QUERY}`, headers: {} })).toEqual({
      ...OK,
      accessKeyId: 'AKID',
    })
    const bare = {
      ...base,
      url: '/',
      headers: { authorization: 'A Credential=c Signature=s SignedHeaders=h', date: 'x' },
    }
    expect(checkAuthPresence(bare)).toEqual({ ok: true })
  })
})

describe('verifySigV4 malformed authentication (AWS order: date, host, algorithm, credential, scope)', () => {
  const header = (authorization: string, date = '20190101T000000Z'): SigV4Request => ({
    method: 'POST',
    url: '/',
    headers: { authorization, 'x-amz-date': date, host: '127.0.0.1:4567' },
    body: Buffer.from('{}'),
  })
  const auth = (credential: string, algorithm = 'AWS4-HMAC-SHA256') =>
    `${algorithm} Credential=${credential}, SignedHeaders=host;x-amz-date, Signature=${'0'.repeat(64)}`

  it.each<[string, SigV4Request, AuthResult]>([
    [
      'a date not in ISO 8601 basic format',
      header(auth(`${ACCESS_KEY}/20190101/us-east-1/kinesis/aws4_request`), '2019-01-01T00:00:00Z'),
      fail(
        'IncompleteSignatureException',
        "Date must be in ISO-8601 'basic format'. Got '2019-01-01T00:00:00Z'. See http://en.wikipedia.org/wiki/ISO_8601",
      ),
    ],
    [
      'an unsupported algorithm',
      header(auth(`${ACCESS_KEY}/20190101/us-east-1/kinesis/aws4_request`, 'AWS4-HMAC-SHA25')),
      fail(
        'IncompleteSignatureException',
        "Unsupported AWS 'algorithm': 'AWS4-HMAC-SHA25' (only AWS4-HMAC-SHA256 for now). ",
      ),
    ],
    [
      'a credential with four elements',
      header(auth('a/b/c/d')),
      fail(
        'IncompleteSignatureException',
        "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got 'a/b/c/d'",
      ),
    ],
    [
      'a wrong scope',
      header(auth(`${ACCESS_KEY}/20181231/us-east-1/dynamodb/aws5_request`)),
      fail(
        'InvalidSignatureException',
        "Credential should be scoped to correct service: 'kinesis'. Credential should be scoped with a valid " +
          "terminator: 'aws4_request', not 'aws5_request'. Date in Credential scope does not match YYYYMMDD from " +
          "ISO-8601 version of date from HTTP: '20181231' != '20190101', from '20190101T000000Z'.",
      ),
    ],
    [
      'a well-formed but wrong signature (trailing slashes in the credential are ignored)',
      header(auth(`${ACCESS_KEY}/20190101/us-east-1/kinesis/aws4_request//`)),
      MISMATCH,
    ],
  ])('rejects %s', (_name, req, expected) => {
    expect(verifySigV4(req, options())).toEqual(expected)
  })
})

describe('SigV4 known answer and canonical pieces', () => {
  it('verifies the AWS SigV4 test suite "get-vanilla" request', () => {
    const req: SigV4Request = {
      method: 'GET',
      url: '/',
      headers: {
        host: 'example.amazonaws.com',
        'x-amz-date': '20150830T123600Z',
        authorization:
          'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, ' +
          'SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31',
      },
      body: Buffer.alloc(0),
    }
    const secret = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY'
    const verified = verifySigV4(req, { lookupSecret: () => secret, now: Date.UTC(2015, 7, 30, 12, 36) })
    expect(verified).toEqual({
      ok: true,
      accessKeyId: 'AKIDEXAMPLE',
      region: 'us-east-1',
      service: 'service',
    })
  })

  it.each([
    ['/', '/'],
    ['', ''],
    ['/a%20b/', '/a%2520b/'],
    ['/a/./b/../c//d', '/a/c/d'],
    ["/~-_.!'()*", '/~-_.%21%27%28%29%2A'],
  ])('canonical URI of %j is %j', (path, expected) => {
    expect(canonicalUri(path)).toBe(expected)
  })

  it('sorts the canonical query by key then value, RFC 3986-encoded, without X-Amz-Signature', () => {
    const pairs = parseQuery('b=2&a=z&a=y&X-Amz-Signature=s&c=%20+&A=1&flag')
    expect(canonicalQuery(pairs)).toBe('A=1&a=y&a=z&b=2&c=%20%2B&flag=')
    expect(uriEncode('é ~*')).toBe('%C3%A9%20~%2A')
  })
})

describe('verifySigV4 against the real @aws-sdk/client-kinesis', () => {
  it('verifies what the Kinesis client actually puts on the wire', async () => {
    const seen: SigV4Request[] = []
    const server = createServer((req: IncomingMessage, res) => {
      const chunks: Buffer[] = []
      req.on('data', (chunk: Buffer) => chunks.push(chunk))
      req.on('end', () => {
        seen.push({
          method: req.method ?? '',
          url: req.url ?? '',
          headers: req.headers,
          body: Buffer.concat(chunks),
        })
        res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' })
        res.end(JSON.stringify({ StreamNames: [], HasMoreStreams: false }))
      })
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const { port } = server.address() as AddressInfo
    const client = new KinesisClient({
      region: REGION,
      endpoint: `http://127.0.0.1:${port}`,
      credentials: { accessKeyId: ACCESS_KEY, secretAccessKey: SECRET },
      // The client defaults to HTTP/2; the bare node:http server here speaks HTTP/1.1 only.
      requestHandler: new NodeHttpHandler(),
      maxAttempts: 1,
    })
    try {
      await client.send(new ListStreamsCommand({ Limit: 5 }))
    } finally {
      client.destroy()
      await new Promise((resolve) => server.close(resolve))
    }
    const [req] = seen
    if (req === undefined) throw new Error('the client sent nothing')
    expect(verifySigV4(req, options({ now: Date.now() }))).toEqual(OK)
    expect(verifySigV4({ ...req, body: Buffer.from('{"Limit":6}') }, options({ now: Date.now() }))).toEqual(
      MISMATCH,
    )
  })
})

/**
 * CORS on the AWS endpoints: AWS's answers (a 200 preflight echoing the requested method and
 * headers, Max-Age 172800, Allow-Origin and Expose-Headers on every reply) for loopback origins by
 * default, or any origin with `--cors-origin '*'`; nothing for other origins (a 403 preflight that
 * says how to allow them), and never on the dashboard or the health routes.
 */
import { describe, expect, it, onTestFinished } from 'vitest'
import { CORS_EXPOSE_HEADERS, CorsPolicy, isLoopbackOrigin, parseCorsOrigin } from '../../src/api/cors.ts'
import { TributaryServer, type WebRoute } from '../../src/api/server.ts'
import { h2Request, h2Session } from '../helpers/http2.ts'
import { AMZ_JSON, awsRequest, type RawRequest, rawRequest } from '../helpers/raw-http.ts'
import { startServer } from '../helpers/server.ts'

/** What the AWS SDK's browser build asks in its preflight for a Kinesis call. */
const SDK_HEADERS =
  'amz-sdk-invocation-id,amz-sdk-request,authorization,content-type,x-amz-content-sha256,x-amz-date,x-amz-target,x-amz-user-agent'

const preflight = (origin: string, path = '/'): RawRequest => ({
  method: 'OPTIONS',
  path,
  headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': SDK_HEADERS },
})

const corsHeaders = (headers: Record<string, unknown>) =>
  Object.fromEntries(
    Object.entries(headers).filter(([name]) => name.startsWith('access-control-') || name === 'vary'),
  )

async function server(corsOrigins?: string[], routes?: WebRoute[]) {
  const t = await startServer()
  const s = await TributaryServer.start({ engine: t.engine, port: 0, corsOrigins, routes })
  onTestFinished(() => s.close())
  return s
}

describe('parseCorsOrigin', () => {
  it.each([
    ['http://localhost:3000', 'http://localhost:3000'],
    ['https://App.Example.com/', 'https://app.example.com'],
    ['http://example.com:80', 'http://example.com'],
    ['  *  ', '*'],
  ])('%j → %j', (value, expected) => {
    expect(parseCorsOrigin(value)).toBe(expected)
  })

  it.each([
    ['localhost:3000', "CORS origin 'localhost:3000' must start with http:// or https://"],
    [
      'example.com',
      "CORS origin 'example.com' is not an origin: give scheme, host and optional port, e.g. http://localhost:3000, or '*'",
    ],
    [
      'http://example.com/app',
      "CORS origin 'http://example.com/app' must be only scheme, host and port (like http://example.com), without a path",
    ],
    [
      'null',
      "CORS origin 'null' is not an origin: give scheme, host and optional port, e.g. http://localhost:3000, or '*'",
    ],
  ])('refuses %j', (value, message) => {
    expect(() => parseCorsOrigin(value)).toThrow(message)
  })
})

describe('isLoopbackOrigin', () => {
  it.each([
    ['http://localhost:3000', true],
    ['https://localhost', true],
    ['http://app.localhost:5173', true],
    ['http://127.0.0.1:8080', true],
    ['http://127.45.6.7', true],
    ['http://[::1]:3000', true],
    ['http://localhost.evil.example', false],
    ['http://127.0.0.1.evil.example', false],
    ['http://evil.example', false],
    ['http://10.0.0.5:3000', false],
    ['null', false],
    ['file://', false],
    ['chrome-extension://abcdef', false],
  ])('%s → %s', (origin, expected) => {
    expect(isLoopbackOrigin(origin)).toBe(expected)
  })
})

describe('preflight (OPTIONS with Origin)', () => {
  it('answers a loopback origin as AWS does, echoing the origin instead of *', async () => {
    const s = await server()
    const res = await rawRequest(s.url, preflight('http://localhost:3000'))
    expect(res.status).toBe(200)
    expect(res.body.length).toBe(0)
    expect(corsHeaders(res.headers)).toEqual({
      'access-control-allow-origin': 'http://localhost:3000',
      'access-control-allow-methods': 'POST',
      'access-control-allow-headers': SDK_HEADERS,
      'access-control-max-age': '172800',
      'access-control-expose-headers': CORS_EXPOSE_HEADERS,
      vary: 'Origin',
    })
  })

  it('refuses another origin with 403, no CORS headers and a message saying how to allow it', async () => {
    const s = await server()
    const res = await rawRequest(s.url, preflight('https://evil.example'))
    expect(res.status).toBe(403)
    expect(corsHeaders(res.headers)).toEqual({ vary: 'Origin' })
    expect(res.data).toMatchInlineSnapshot(`
      {
        "__type": "AccessDeniedException",
        "message": "Origin 'https://evil.example' is not allowed to call this endpoint: only loopback origins (localhost, 127.0.0.1, [::1]) are by default. Start tributary with --cors-origin https://evil.example to allow it.",
      }
    `)
  })

  it("answers any origin with * under --cors-origin '*' (AWS's own behaviour)", async () => {
    const s = await server(['*'])
    const res = await rawRequest(s.url, preflight('https://evil.example'))
    expect(res.status).toBe(200)
    expect(corsHeaders(res.headers)).toEqual({
      'access-control-allow-origin': '*',
      'access-control-allow-methods': 'POST',
      'access-control-allow-headers': SDK_HEADERS,
      'access-control-max-age': '172800',
      'access-control-expose-headers': CORS_EXPOSE_HEADERS,
    })
  })

  it('allows a listed origin besides loopback ones, and no other', async () => {
    const s = await server(['https://app.example.com'])
    for (const origin of ['https://app.example.com', 'http://127.0.0.1:5173']) {
      const res = await rawRequest(s.url, preflight(origin))
      expect(res.headers['access-control-allow-origin']).toBe(origin)
    }
    expect((await rawRequest(s.url, preflight('https://other.example.com'))).status).toBe(403)
  })

  it('keeps the answer without Origin: OPTIONS is not an AWS request', async () => {
    const s = await server()
    const res = await rawRequest(s.url, { method: 'OPTIONS' })
    expect(res.status).toBe(403)
    expect(res.text).toContain('MissingAuthenticationTokenException')
    expect(corsHeaders(res.headers)).toEqual({})
  })

  it('works over HTTP/2 too', async () => {
    const s = await server()
    const res = await h2Request(h2Session(s.url), preflight('http://localhost:3000'))
    expect(res.status).toBe(200)
    expect(res.headers['access-control-allow-origin']).toBe('http://localhost:3000')
  })
})

describe('replies to AWS requests', () => {
  it.each([
    ['a success', awsRequest('ListStreams', '{}'), 200],
    ['an AWS error', awsRequest('DescribeStreamSummary', '{"StreamName":"ghost"}'), 400],
    ['a front-end error', awsRequest('ListStreams', '{}', { contentType: 'text/plain' }), 404],
  ])('carry AWS CORS headers for an allowed origin: %s', async (_name, request, status) => {
    const s = await server()
    const origin = 'http://localhost:3000'
    const res = await rawRequest(s.url, { ...request, headers: { ...request.headers, origin } })
    expect(res.status).toBe(status)
    expect(corsHeaders(res.headers)).toEqual({
      'access-control-allow-origin': origin,
      'access-control-expose-headers': CORS_EXPOSE_HEADERS,
      vary: 'Origin',
    })
    expect(res.headers['access-control-allow-credentials']).toBeUndefined()
  })

  it('carry none for another origin (the request is still answered)', async () => {
    const s = await server()
    const request = awsRequest('ListStreams', '{}')
    const res = await rawRequest(s.url, {
      ...request,
      headers: { ...request.headers, origin: 'https://evil.example' },
    })
    expect(res.status).toBe(200)
    expect(res.headers['content-type']).toBe(AMZ_JSON)
    expect(corsHeaders(res.headers)).toEqual({ vary: 'Origin' })
  })

  it('carry them on a 413 too, so the browser can read it', async () => {
    const t = await startServer({ maxBodyBytes: 100 })
    const request = awsRequest('PutRecords', Buffer.alloc(500, 'x'))
    const res = await rawRequest(t.url, {
      ...request,
      headers: { ...request.headers, origin: 'http://[::1]:3000' },
    })
    expect(res.status).toBe(413)
    expect(res.headers['access-control-allow-origin']).toBe('http://[::1]:3000')
  })
})

describe('only on the AWS endpoints', () => {
  it.each([
    ['an OPTIONS under /ui/', { ...preflight('http://localhost:3000', '/ui/api/state') }],
    ['a dashboard GET', { method: 'GET', path: '/ui/', headers: { origin: 'http://localhost:3000' } }],
    ['a dashboard POST', { path: '/ui/api/query', headers: { origin: 'http://localhost:3000' }, body: '{}' }],
    ['/health', { method: 'GET', path: '/health', headers: { origin: 'http://localhost:3000' } }],
  ])('none on %s', async (_name, request: RawRequest) => {
    const dashboard: WebRoute = (req, res) => {
      if (!req.url?.startsWith('/ui/')) return false
      res.writeHead(req.method === 'OPTIONS' ? 405 : 200, { 'content-type': 'text/plain' }).end('dashboard')
      return true
    }
    const s = await server(['*'], [dashboard])
    const res = await rawRequest(s.url, request)
    expect(res.status).not.toBe(403)
    expect(corsHeaders(res.headers)).toEqual({})
  })
})

describe("Tributary's own paths, with no dashboard mounted", () => {
  it.each(['/ui/api/query', '/ui', '/health', '/metrics'])('no CORS on %s', async (path) => {
    const s = await server(['*'])
    const pre = await rawRequest(s.url, preflight('http://localhost:3000', path))
    expect(pre.status).toBe(403)
    expect(corsHeaders(pre.headers)).toEqual({})
    const post = await rawRequest(s.url, {
      ...awsRequest('ListStreams', '{}', { path }),
      headers: { ...awsRequest('ListStreams', '{}').headers, origin: 'http://localhost:3000' },
    })
    expect(corsHeaders(post.headers)).toEqual({})
  })
})

describe('Host header of a browser calling from a loopback page', () => {
  it.each(['127.0.0.1', 'localhost', '[::1]', 'app.localhost', '127.0.0.2'])(
    'accepts the preflight and the call for Host %s',
    async (host) => {
      const s = await server()
      const headers = { host: `${host}:${s.port}` }
      const check = await rawRequest(s.url, {
        ...preflight('http://localhost:3000'),
        headers: { ...preflight('http://localhost:3000').headers, ...headers },
      })
      expect(check.status).toBe(200)
      const request = awsRequest('ListStreams', '{}', {
        headers: { ...headers, origin: 'http://localhost:3000' },
      })
      const res = await rawRequest(s.url, request)
      expect(res.status).toBe(200)
      expect(res.headers['access-control-allow-origin']).toBe('http://localhost:3000')
    },
  )
})

describe('CorsPolicy', () => {
  it('never allows credentials, whatever it is given', () => {
    for (const policy of [new CorsPolicy(), new CorsPolicy(['*']), new CorsPolicy(['https://a.example'])]) {
      const headers = {
        ...policy.replyHeaders('http://localhost:1'),
        ...policy.preflight({ origin: 'http://localhost:1' }).headers,
      }
      expect(headers['access-control-allow-credentials']).toBeUndefined()
    }
  })
})

/**
 * HTTP/2 cleartext on the API port: what differs from HTTP/1.1 at the transport (the Host check
 * on `:authority`, 413 as a stream reset, GOAWAY on close, idle sessions), connections whose first
 * bytes are neither protocol, and web routes (plain, streaming, SSE) served over HTTP/2.
 */
import { once } from 'node:events'
import { constants } from 'node:http2'
import { connect as tcpConnect } from 'node:net'
import { Readable } from 'node:stream'
import { describe, expect, it, onTestFinished } from 'vitest'
import { TributaryServer, type WebRoute } from '../../src/api/server.ts'
import { DualProtocolServer, sniffProtocol } from '../../src/api/transport.ts'
import { createDashboardRoutes } from '../../src/web/dashboard.ts'
import { checkSameOrigin } from '../../src/web/http.ts'
import { SseStream } from '../../src/web/sse.ts'
import { h2Request, h2Session } from '../helpers/http2.ts'
import { AMZ_JSON, awsRequest, rawRequest } from '../helpers/raw-http.ts'
import { startServer } from '../helpers/server.ts'
import { fakeSource } from '../web/fake-source.ts'

const PREFACE = 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'

/** A server with extra web routes, on the engine of a fresh test server. */
async function serveRoutes(routes: WebRoute[], maxBodyBytes?: number) {
  const t = await startServer()
  const server = await TributaryServer.start({ engine: t.engine, port: 0, routes, maxBodyBytes })
  onTestFinished(() => server.close())
  return server
}

/** Bytes sent on a raw TCP connection (each array item one write), and everything received until it closed. */
async function rawExchange(port: number, writes: (string | Buffer)[]): Promise<Buffer> {
  const socket = tcpConnect(port, '127.0.0.1')
  const chunks: Buffer[] = []
  socket.on('data', (chunk: Buffer) => chunks.push(chunk))
  socket.on('error', () => undefined)
  await once(socket, 'connect')
  for (const data of writes) await new Promise((resolve) => socket.write(data, resolve))
  socket.end()
  await once(socket, 'close')
  return Buffer.concat(chunks)
}

describe('sniffProtocol', () => {
  it.each([
    ['', undefined],
    ['P', undefined],
    ['PRI * HTTP/2.0\r\n', undefined],
    [PREFACE, 'h2'],
    [`${PREFACE}\x00\x00\x12\x04`, 'h2'],
    ['POST / HTTP/1.1\r\n', 'http1'],
    ['PUT', 'http1'],
    ['GET / HTTP/1.1\r\n', 'http1'],
    ['PRI * HTTP/1.1\r\n', 'http1'],
    ['\x16\x03\x01', 'http1'],
  ])('%j → %s', (head, expected) => {
    expect(sniffProtocol(Buffer.from(head, 'latin1'))).toBe(expected)
  })
})

describe('HTTP/2: Host check on :authority (DNS rebinding)', () => {
  it.each([
    ['a foreign :authority', (port: number) => ({ ':authority': `evil.example:${port}` })],
    [
      'a foreign host header beside a loopback :authority',
      (port: number) => ({ ':authority': `127.0.0.1:${port}`, host: `evil.example:${port}` }),
    ],
  ])('refuses %s with 403', async (_name, headers) => {
    const t = await startServer()
    const session = h2Session(t.url)
    const api = await h2Request(session, awsRequest('ListStreams', '{}', { headers: headers(t.server.port) }))
    expect(api.status).toBe(403)
    expect(api.data).toMatchObject({ __type: 'AccessDeniedException' })
    const health = await h2Request(session, {
      method: 'GET',
      path: '/health',
      headers: headers(t.server.port),
    })
    expect(health.status).toBe(403)
  })

  it.each(['localhost', '127.0.0.1', '[::1]', 'app.localhost'])('accepts %s', async (name) => {
    const t = await startServer()
    const session = h2Session(t.url)
    const authority = { ':authority': `${name}:${t.server.port}` }
    const api = await h2Request(session, awsRequest('ListStreams', '{}', { headers: authority }))
    expect(api.status).toBe(200)
    expect(api.data).toEqual({ StreamNames: [], HasMoreStreams: false, StreamSummaries: [] })
  })
})

describe('HTTP/2: request bodies over the limit', () => {
  it('answers 413 to a declared content-length and resets only that stream', async () => {
    const t = await startServer({ maxBodyBytes: 1_000 })
    const session = h2Session(t.url)
    const res = await h2Request(session, {
      ...awsRequest('PutRecords', Buffer.alloc(5_000, 'x')),
      headers: { ...awsRequest('PutRecords', '').headers, 'content-length': '5000' },
    })
    expect(res.status).toBe(413)
    // The session survives: the next request on it is served.
    const next = await h2Request(session, awsRequest('ListStreams', '{}'))
    expect(next.status).toBe(200)
  })

  it('stops an undeclared upload without reading it all', async () => {
    const t = await startServer({ maxBodyBytes: 1_000 })
    const session = h2Session(t.url)
    const total = 64 * 1024 * 1024
    let produced = 0
    const source = new Readable({
      read() {
        if (produced >= total) return void this.push(null)
        produced += 64 * 1024
        this.push(Buffer.alloc(64 * 1024, 'x'))
      },
    })
    const res = await h2Request(session, { ...awsRequest('PutRecords', ''), body: undefined, source })
    expect(res.status).toBe(413)
    // Flow control let the client get a few MiB ahead at most; the server never asked for the rest.
    expect(produced).toBeLessThan(total / 4)
    expect((await h2Request(session, awsRequest('ListStreams', '{}'))).status).toBe(200)
  })
})

describe('HTTP/2: graceful close', () => {
  it('sends GOAWAY, lets the in-flight request finish, then resolves close()', async () => {
    let release!: () => void
    let entered!: () => void
    const inside = new Promise<void>((resolve) => (entered = resolve))
    const slow: WebRoute = async (req, res) => {
      if (req.url !== '/slow') return false
      entered()
      await new Promise<void>((resolve) => (release = resolve))
      res.writeHead(200, { 'content-type': 'text/plain' }).end('finished')
      return true
    }
    const server = await serveRoutes([slow])
    const session = h2Session(server.url)
    const inFlight = h2Request(session, { method: 'GET', path: '/slow' })
    await inside
    const goaway = once(session, 'goaway')
    let closed = false
    const closing = server.close().then(() => (closed = true))
    await goaway
    expect(closed).toBe(false)
    release()
    const res = await inFlight
    expect({ status: res.status, text: res.text }).toEqual({ status: 200, text: 'finished' })
    await closing
    expect(closed).toBe(true)
  })

  it('ends the open replies of a client that vanished, so close() does not wait for them', async () => {
    let closed!: () => void
    const replyClosed = new Promise<void>((resolve) => (closed = resolve))
    const forever: WebRoute = (req, res) => {
      if (req.url !== '/forever') return false
      res.on('close', closed)
      res.writeHead(200, { 'content-type': 'text/plain' }).write('started')
      return true
    }
    const server = await serveRoutes([forever])
    const session = h2Session(server.url)
    const reply = session.request({ ':path': '/forever' })
    await once(reply, 'data')
    session.destroy()
    await replyClosed
    await server.close()
  })

  it('closes an idle session with GOAWAY after the idle timeout', async () => {
    const server = new DualProtocolServer((_req, res) => res.end(), {
      maxHeaderBytes: 16 * 1024,
      requestTimeoutMs: 1_000,
      headersTimeoutMs: 1_000,
      idleTimeoutMs: 50,
    })
    await server.listen(0, '127.0.0.1')
    onTestFinished(async () => {
      server.destroyAll()
      await server.close()
    })
    const session = h2Session(`http://127.0.0.1:${server.address().port}`)
    expect((await h2Request(session, { method: 'GET' })).status).toBe(200)
    const [code] = await once(session, 'goaway')
    expect(code).toBe(constants.NGHTTP2_NO_ERROR)
  })
})

describe('connections that are neither HTTP/1.1 nor HTTP/2', () => {
  it.each([
    ['a TLS ClientHello', Buffer.from('16030100f4010000f00303', 'hex')],
    ['a preface that goes wrong after 16 bytes', Buffer.from('PRI * HTTP/2.0\r\n\r\nXX\r\n\r\n')],
    ['binary noise', Buffer.from([0, 1, 2, 3, 255, 254, 13, 10, 13, 10])],
  ])('answers %s with 400 and closes', async (_name, bytes) => {
    const t = await startServer()
    const reply = await rawExchange(t.server.port, [bytes])
    expect(reply.toString('latin1')).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/)
    expect((await rawRequest(t.url, awsRequest('ListStreams', '{}'))).status).toBe(200)
  })

  it('ends a session whose frames after the preface are garbage with GOAWAY (PROTOCOL_ERROR)', async () => {
    const t = await startServer()
    const reply = await rawExchange(t.server.port, [PREFACE, Buffer.alloc(64, 0xee)])
    // The server's SETTINGS, then GOAWAY (type 7) with an error code in its last four bytes.
    const goaway = reply.subarray(reply.length - 17)
    expect(goaway[3]).toBe(7)
    expect(goaway.readUInt32BE(13)).not.toBe(constants.NGHTTP2_NO_ERROR)
    const session = h2Session(t.url)
    expect((await h2Request(session, awsRequest('ListStreams', '{}'))).status).toBe(200)
  })

  it('reads a preface split across packets', async () => {
    const t = await startServer()
    const settings = Buffer.from('000000040000000000', 'hex')
    const reply = await rawExchange(t.server.port, ['PR', 'I * HTTP/2.0\r\n', '\r\nSM\r\n\r\n', settings])
    // The server's own SETTINGS frame (type 4) comes first: it took the connection as HTTP/2.
    expect(reply[3]).toBe(4)
  })

  it('drops a connection that half-closes before saying anything', async () => {
    const t = await startServer()
    expect((await rawExchange(t.server.port, ['P'])).length).toBe(0)
    expect(t.server.transportStats).toMatchObject({ http1: { connections: 0 }, h2: { connections: 0 } })
  })
})

describe('HTTP/2: web routes', () => {
  it('serves /health and a route that throws gets 500 without ending the session', async () => {
    const boom: WebRoute = (req) => {
      if (req.url === '/boom') throw new Error('route failed')
      return false
    }
    const server = await serveRoutes([boom])
    const session = h2Session(server.url)
    expect((await h2Request(session, { method: 'GET', path: '/boom' })).status).toBe(500)
    const health = await h2Request(session, { method: 'GET', path: '/health' })
    expect({ status: health.status, data: health.data }).toEqual({ status: 200, data: { status: 'ok' } })
  })

  it('streams a response: the client reads the first part before the route writes the rest', async () => {
    let more!: () => void
    const stream: WebRoute = async (req, res) => {
      if (req.url !== '/stream') return false
      res.writeHead(200, { 'content-type': 'text/plain' })
      res.write('first;')
      await new Promise<void>((resolve) => (more = resolve))
      res.end('second')
      return true
    }
    const server = await serveRoutes([stream])
    const session = h2Session(server.url)
    const req = session.request({ ':path': '/stream' })
    const [first] = (await once(req, 'data')) as [Buffer]
    expect(first.toString()).toBe('first;')
    const rest: Buffer[] = []
    req.on('data', (chunk: Buffer) => rest.push(chunk))
    more()
    await once(req, 'end')
    expect(Buffer.concat(rest).toString()).toBe('second')
  })

  it('serves Server-Sent Events without the HTTP/1.1 connection header (Node warns about it)', async () => {
    const warnings: string[] = []
    const onWarning = (w: Error) => warnings.push(w.message)
    process.on('warning', onWarning)
    onTestFinished(() => void process.off('warning', onWarning))
    const sse: WebRoute = (req, res) => {
      if (req.url !== '/events') return false
      const stream = new SseStream(req, res)
      stream.send('hello', '{"n":1}')
      stream.close()
      return true
    }
    const server = await serveRoutes([sse])
    const res = await h2Request(h2Session(server.url), { method: 'GET', path: '/events' })
    expect(res.headers['content-type']).toBe('text/event-stream; charset=utf-8')
    expect(res.text).toBe('retry: 2000\n\nevent: hello\ndata: {"n":1}\n\n')
    await new Promise((resolve) => setImmediate(resolve))
    expect(warnings.filter((w) => w.includes('connection header'))).toEqual([])
  })

  it("gives routes the request's host from :authority (the dashboard's same-origin check)", async () => {
    const api: WebRoute = (req, res) => {
      if (req.url !== '/ui/api/check') return false
      checkSameOrigin(req)
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}')
      return true
    }
    const server = await serveRoutes([api])
    const res = await h2Request(h2Session(server.url), {
      path: '/ui/api/check',
      headers: { 'content-type': 'application/json', origin: server.url },
      body: '{}',
    })
    expect({ status: res.status, type: res.headers['content-type'] }).toEqual({
      status: 200,
      type: 'application/json',
    })
    expect(res.data).toEqual({ ok: true })
  })
})

describe('HTTP/2: the dashboard', () => {
  it('serves its page, its JSON API and its event stream', async () => {
    const dashboard = createDashboardRoutes(fakeSource(), { tickMs: 60_000 })
    onTestFinished(() => dashboard.close())
    const server = await serveRoutes(dashboard.routes)
    const session = h2Session(server.url)
    const page = await h2Request(session, { method: 'GET', path: '/ui/', headers: { accept: 'text/html' } })
    expect({ status: page.status, type: page.headers['content-type'] }).toEqual({
      status: 200,
      type: 'text/html; charset=utf-8',
    })
    const queues = await h2Request(session, { method: 'GET', path: '/ui/api/queues' })
    expect(queues.data).toMatchObject({
      queues: [{ name: 'work' }, { name: 'work-dlq' }, { name: 'enrich-failures' }],
    })

    const events = session.request({ ':path': '/ui/api/events', accept: 'text/event-stream' })
    const [headers] = (await once(events, 'response')) as [Record<string, string>]
    expect(headers['content-type']).toBe('text/event-stream; charset=utf-8')
    let text = ''
    events.setEncoding('utf8')
    for await (const chunk of events) {
      text += chunk
      if (text.includes('event: alarms')) break
    }
    expect(text).toMatch(/^retry: 2000\n\n/)
  })
})

describe('HTTP/2: AWS responses', () => {
  it('carries the same status, headers and body as HTTP/1.1', async () => {
    const t = await startServer()
    const request = awsRequest('DescribeStreamSummary', '{"StreamName":"ghost"}')
    const h1 = await rawRequest(t.url, request)
    const h2 = await h2Request(h2Session(t.url), request)
    for (const res of [h1, h2]) {
      expect(res.status).toBe(400)
      expect(res.headers['content-type']).toBe(AMZ_JSON)
      expect(res.headers['x-amzn-errortype']).toBe('ResourceNotFoundException')
      expect(res.data).toEqual({
        __type: 'ResourceNotFoundException',
        message: 'Stream ghost under account 000000000000 not found.',
      })
    }
    expect(h2.headers.connection).toBeUndefined()
  })
})

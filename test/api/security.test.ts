/**
 * The local-service safety net (reliability-anchors §1.7 and T10): loopback-only binding, Host
 * header checks against DNS rebinding, no wildcard CORS, SigV4 end to end with the real SDK,
 * header size limits, and the CLI refusing unsafe or broken configurations.
 */
import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { createServer, type Server } from 'node:net'
import { join } from 'node:path'
import {
  CreateStreamCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  KinesisClient,
  KinesisServiceException,
  ListStreamsCommand,
  PutRecordCommand,
} from '@aws-sdk/client-kinesis'
import { Hash } from '@smithy/hash-node'
import { SignatureV4 } from '@smithy/signature-v4'
import { describe, expect, it, onTestFinished } from 'vitest'
import { parseAmzDate, toAmzDate } from '../../src/api/auth/canonical.ts'
import { AMZ_JSON, FAKE_AUTH, type RawRequest, rawRequest, UUID } from '../helpers/raw-http.ts'
import { kinesisClient, startServer, type TestServer } from '../helpers/server.ts'
import { tempDir } from '../helpers/tmp.ts'

const KEYS = () => new Map([['AKIDTEST', 'secret']])
const GOOD = { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' }
const MISMATCH =
  'The request signature we calculated does not match the signature you provided. Check your AWS Secret ' +
  'Access Key and signing method. Consult the service documentation for details.'

const listStreams = (headers: Record<string, string> = {}): RawRequest => ({
  headers: {
    'content-type': AMZ_JSON,
    'x-amz-target': 'Kinesis_20131202.ListStreams',
    ...FAKE_AUTH,
    ...headers,
  },
  body: '{}',
})

/** The SDK's error for a command, as { name, message, status }. */
async function sdkError(client: KinesisClient, command: ListStreamsCommand) {
  try {
    await client.send(command)
  } catch (error) {
    expect(error).toBeInstanceOf(KinesisServiceException)
    const e = error as KinesisServiceException
    return { name: e.name, message: e.message, status: e.$metadata.httpStatusCode }
  }
  throw new Error('the command succeeded')
}

function client(
  t: TestServer,
  credentials = GOOD,
  extra: { systemClockOffset?: number } = {},
): KinesisClient {
  const c = new KinesisClient({
    endpoint: t.url,
    region: 'us-east-1',
    credentials,
    maxAttempts: 1,
    ...extra,
  })
  onTestFinished(() => c.destroy())
  return c
}

/** A ListStreams request signed by hand with the SDK's own signer, as node:http would send it. */
async function handSigned(
  t: TestServer,
  body: string,
  options: { at?: number; declareHash?: boolean; service?: string } = {},
) {
  const url = new URL(t.url)
  const signer = new SignatureV4({
    credentials: GOOD,
    region: 'us-east-1',
    service: options.service ?? 'kinesis',
    sha256: Hash.bind(null, 'sha256'),
    applyChecksum: options.declareHash ?? false,
  })
  const signed = await signer.sign(
    {
      method: 'POST',
      protocol: 'http:',
      hostname: url.hostname,
      port: Number(url.port),
      path: '/',
      query: {},
      headers: {
        host: url.host,
        'content-type': AMZ_JSON,
        'x-amz-target': 'Kinesis_20131202.ListStreams',
      },
      body,
    },
    { signingDate: new Date(options.at ?? t.clock.now()) },
  )
  return signed.headers as Record<string, string>
}

describe('binding', () => {
  it('listens on 127.0.0.1 only, by default', async () => {
    const t = await startServer()
    expect(t.server.address.address).toBe('127.0.0.1')
    expect(t.server.address.family).toBe('IPv4')
    expect(t.url).toBe(`http://127.0.0.1:${t.server.port}`)
  })
})

describe('Host header (DNS rebinding)', () => {
  it.each([
    ['an AWS POST', (port: number) => listStreams({ host: `evil.example:${port}` })],
    [
      'GET /health',
      (port: number) => ({ method: 'GET', path: '/health', headers: { host: `evil.example:${port}` } }),
    ],
    ['a foreign name without a port', () => listStreams({ host: 'evil.example' })],
    [
      'a name that merely starts with 127.0.0.1',
      (port: number) => listStreams({ host: `127.0.0.1.evil.example:${port}` }),
    ],
    [
      'a name that merely starts with localhost',
      (port: number) => listStreams({ host: `localhost.evil.example:${port}` }),
    ],
  ])('refuses %s for a foreign Host with 403', async (_name, build) => {
    const t = await startServer()
    const res = await rawRequest(t.url, build(t.server.port))
    expect(res.status).toBe(403)
    expect(res.headers['content-type']).toBe('application/json')
    expect((res.data as { __type: string }).__type).toBe('AccessDeniedException')
    expect(res.headers['access-control-allow-origin']).toBeUndefined()
  })

  it.each([
    ['localhost:port', (port: number) => `localhost:${port}`],
    ['LOCALHOST:port', (port: number) => `LOCALHOST:${port}`],
    ['127.0.0.1:port', (port: number) => `127.0.0.1:${port}`],
    ['[::1]:port', (port: number) => `[::1]:${port}`],
    ['an --allowed-host name', (port: number) => `tributary.internal:${port}`],
  ])('accepts %s', async (_name, host) => {
    const t = await startServer({ allowedHosts: ['tributary.internal'] })
    const api = await rawRequest(t.url, listStreams({ host: host(t.server.port) }))
    expect(api.status).toBe(200)
    expect(api.data).toMatchObject({ StreamNames: [] })
    const health = await rawRequest(t.url, {
      method: 'GET',
      path: '/health',
      headers: { host: host(t.server.port) },
    })
    expect(health.status).toBe(200)
  })
})

describe('CORS', () => {
  it('never answers with Access-Control-Allow-Origin: *', async () => {
    const t = await startServer()
    const origin = { origin: 'https://evil.example' }
    const requests: RawRequest[] = [
      { method: 'OPTIONS', headers: { ...origin, 'access-control-request-method': 'POST' } },
      { method: 'GET', path: '/health', headers: origin },
      listStreams(origin),
      { ...listStreams(origin), body: 'not json' },
      { method: 'GET', headers: origin },
    ]
    for (const req of requests) {
      const res = await rawRequest(t.url, req)
      expect(
        res.headers['access-control-allow-origin'],
        `${req.method ?? 'POST'} ${req.path ?? '/'}`,
      ).toBeUndefined()
    }
  })
})

describe('SigV4 with --auth', () => {
  it('lets the right key create a stream, put and get records with the real SDK', async () => {
    const t = await startServer({ auth: { keys: KEYS() } })
    const kinesis = kinesisClient(t.url, GOOD)
    onTestFinished(() => kinesis.destroy())
    await kinesis.send(new CreateStreamCommand({ StreamName: 'secure', ShardCount: 1 }))
    await t.settle()
    const put = await kinesis.send(
      new PutRecordCommand({ StreamName: 'secure', PartitionKey: 'k', Data: Buffer.from('signed') }),
    )
    const { ShardIterator } = await kinesis.send(
      new GetShardIteratorCommand({
        StreamName: 'secure',
        ShardId: put.ShardId,
        ShardIteratorType: 'TRIM_HORIZON',
      }),
    )
    const got = await kinesis.send(new GetRecordsCommand({ ShardIterator }))
    expect(got.Records!.map((r) => Buffer.from(r.Data!).toString())).toEqual(['signed'])
  })

  it('rejects a wrong secret', async () => {
    const t = await startServer({ auth: { keys: KEYS() } })
    const wrong = client(t, { accessKeyId: 'AKIDTEST', secretAccessKey: 'not-the-secret' })
    expect(await sdkError(wrong, new ListStreamsCommand({}))).toEqual({
      name: 'InvalidSignatureException',
      message: MISMATCH,
      status: 400,
    })
  })

  it('rejects an unknown access key', async () => {
    const t = await startServer({ auth: { keys: KEYS() } })
    const stranger = client(t, { accessKeyId: 'AKIDSTRANGER', secretAccessKey: 'secret' })
    expect(await sdkError(stranger, new ListStreamsCommand({}))).toEqual({
      name: 'UnrecognizedClientException',
      message: 'The security token included in the request is invalid.',
      status: 400,
    })
  })

  it('rejects a request without authentication', async () => {
    const t = await startServer({ auth: { keys: KEYS() } })
    const res = await rawRequest(t.url, {
      headers: { 'content-type': AMZ_JSON, 'x-amz-target': 'Kinesis_20131202.ListStreams' },
      body: '{}',
    })
    expect({ status: res.status, body: res.data }).toEqual({
      status: 400,
      body: { __type: 'MissingAuthenticationTokenException', message: 'Missing Authentication Token' },
    })
  })

  it('rejects a signature made 6 minutes ago', async () => {
    const t = await startServer({ auth: { keys: KEYS() } })
    const late = client(t, GOOD, { systemClockOffset: -6 * 60_000 })
    const err = await sdkError(late, new ListStreamsCommand({}))
    const now = t.clock.now()
    const limit = `${toAmzDate(now - 5 * 60_000)} (${toAmzDate(now)} - 5 min.)`
    expect(err.name).toBe('InvalidSignatureException')
    const m = /^Signature expired: (\d{8}T\d{6}Z) is now earlier than (.*)$/.exec(err.message)
    expect(m?.[2]).toBe(limit)
    // The SDK signed at its own (offset) clock: about 6 minutes before now.
    const signedAt = parseAmzDate(m![1]!)!
    expect(Math.abs(signedAt - (now - 6 * 60_000))).toBeLessThan(10_000)
  })

  it('rejects a hand-signed request 6 minutes in the future, and accepts one 4 minutes away', async () => {
    const t = await startServer({ auth: { keys: KEYS() } })
    const now = t.clock.now()
    const future = await rawRequest(t.url, {
      headers: await handSigned(t, '{}', { at: now + 6 * 60_000 }),
      body: '{}',
    })
    expect(future.data).toEqual({
      __type: 'InvalidSignatureException',
      message:
        `Signature not yet current: ${toAmzDate(now + 6 * 60_000)} is still later than ` +
        `${toAmzDate(now + 5 * 60_000)} (${toAmzDate(now)} + 5 min.)`,
    })
    const past = await rawRequest(t.url, {
      headers: await handSigned(t, '{}', { at: now - 6 * 60_000 }),
      body: '{}',
    })
    expect(past.data).toEqual({
      __type: 'InvalidSignatureException',
      message:
        `Signature expired: ${toAmzDate(now - 6 * 60_000)} is now earlier than ` +
        `${toAmzDate(now - 5 * 60_000)} (${toAmzDate(now)} - 5 min.)`,
    })
    for (const skew of [-4 * 60_000, 4 * 60_000]) {
      const ok = await rawRequest(t.url, {
        headers: await handSigned(t, '{}', { at: now + skew }),
        body: '{}',
      })
      expect(ok.status).toBe(200)
    }
  })

  it('rejects a credential scoped to another service', async () => {
    const t = await startServer({ auth: { keys: KEYS() } })
    const res = await rawRequest(t.url, {
      headers: await handSigned(t, '{}', { service: 'dynamodb' }),
      body: '{}',
    })
    expect({ status: res.status, body: res.data }).toEqual({
      status: 400,
      body: {
        __type: 'InvalidSignatureException',
        message: "Credential should be scoped to correct service: 'kinesis'.",
      },
    })
  })

  it.each([
    ['without x-amz-content-sha256', false],
    ['with x-amz-content-sha256', true],
  ])('rejects a body changed after signing (%s)', async (_name, declareHash) => {
    const t = await startServer({ auth: { keys: KEYS() } })
    const headers = await handSigned(t, '{"Limit":1}', { declareHash })
    expect((await rawRequest(t.url, { headers, body: '{"Limit":1}' })).status).toBe(200)
    const tampered = await rawRequest(t.url, { headers, body: '{"Limit":2}' })
    expect({ status: tampered.status, body: tampered.data }).toEqual({
      status: 400,
      body: { __type: 'InvalidSignatureException', message: MISMATCH },
    })
  })
})

describe('SigV4 without --auth', () => {
  it('accepts any well-formed signature, including a made-up one', async () => {
    const t = await startServer()
    const anyone = client(t, { accessKeyId: 'WHOEVER', secretAccessKey: 'whatever' })
    expect((await anyone.send(new ListStreamsCommand({}))).StreamNames).toEqual([])
    const res = await rawRequest(t.url, listStreams())
    expect(res.status).toBe(200)
  })

  it.each([
    [
      'no authentication',
      {},
      { __type: 'MissingAuthenticationTokenException', message: 'Missing Authentication Token' },
    ],
    [
      'an incomplete Authorization header',
      { authorization: 'AWS4-HMAC-SHA256 Credential=a/b/c/d/e' },
      {
        __type: 'IncompleteSignatureException',
        message:
          "Authorization header requires 'Signature' parameter. Authorization header requires 'SignedHeaders' parameter. " +
          "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. " +
          'Authorization=AWS4-HMAC-SHA256 Credential=a/b/c/d/e',
      },
    ],
  ])('still refuses %s', async (_name, headers, body) => {
    const t = await startServer()
    const res = await rawRequest(t.url, {
      headers: { 'content-type': AMZ_JSON, 'x-amz-target': 'Kinesis_20131202.ListStreams', ...headers },
      body: '{}',
    })
    expect({ status: res.status, contentType: res.headers['content-type'], body: res.data }).toEqual({
      status: 400,
      contentType: AMZ_JSON,
      body,
    })
  })
})

describe('HTTP limits and housekeeping', () => {
  it('answers 431 to headers over 16 KiB and keeps serving', async () => {
    const t = await startServer()
    const res = await rawRequest(t.url, listStreams({ 'x-padding': 'p'.repeat(17 * 1024) }))
    expect(res.status).toBe(431)
    const after = await rawRequest(t.url, listStreams({ 'x-padding': 'p'.repeat(8 * 1024) }))
    expect(after.status).toBe(200)
  })

  it('serves GET /health and /ready, and stamps AWS responses with request ids', async () => {
    const t = await startServer()
    for (const path of ['/health', '/ready']) {
      const res = await rawRequest(t.url, { method: 'GET', path })
      expect({ status: res.status, body: res.data }).toEqual({ status: 200, body: { status: 'ok' } })
      expect(res.headers['cache-control']).toBe('no-store')
    }
    const ids = new Set<string>()
    for (const req of [listStreams(), { ...listStreams(), body: 'x' }, { method: 'GET' }]) {
      const res = await rawRequest(t.url, req)
      expect(res.headers['x-amzn-requestid']).toMatch(UUID)
      ids.add(res.headers['x-amzn-requestid'] as string)
    }
    expect(ids.size).toBe(3)
  })
})

// ---------------------------------------------------------------------------------------------

const BIN = join(import.meta.dirname, '../../bin/tributary.js')

function cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      { timeout: 30_000, env: { ...process.env, TRIBUTARY_AUTH_KEYS: '', TRIBUTARY_DEBUG: '' } },
      (error, stdout, stderr) => {
        resolve({ code: error ? ((error as { code?: number }).code ?? null) : 0, stdout, stderr })
      },
    )
  })
}

describe('tributary CLI', () => {
  it('refuses a non-loopback --host without --auth or --allow-unauthenticated', async () => {
    const dir = join(await tempDir(), 'data')
    const run = await cli(['serve', '--host', '0.0.0.0', '--port', '0', '--data-dir', dir])
    expect(run).toEqual({
      code: 1,
      stdout: '',
      stderr:
        'tributary: error: refusing to listen on 0.0.0.0 without authentication\n' +
        '  hint: add --auth with --auth-key, or --allow-unauthenticated if the network is trusted\n',
    })
    expect(existsSync(dir)).toBe(false)
  })

  it('explains an invalid --sync value', async () => {
    const dir = join(await tempDir(), 'data')
    const run = await cli(['serve', '--sync', 'bogus', '--port', '0', '--data-dir', dir])
    expect(run).toEqual({
      code: 1,
      stdout: '',
      stderr:
        "tributary: error: option '--sync <policy>' argument 'bogus' is invalid. " +
        'expected always, interval:<ms> (e.g. interval:1000) or os.\n' +
        '  hint: run `tributary serve --help` for usage\n',
    })
    expect(existsSync(dir)).toBe(false)
  })

  it('names the port that is already in use', async () => {
    const blocker: Server = createServer()
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve))
    onTestFinished(() => new Promise<void>((resolve) => blocker.close(() => resolve())))
    const port = (blocker.address() as { port: number }).port
    const run = await cli(['serve', '--port', String(port), '--data-dir', join(await tempDir(), 'data')])
    expect(run).toEqual({
      code: 1,
      stdout: '',
      stderr:
        `tributary: error: port ${port} on 127.0.0.1 is already in use\n` +
        '  hint: stop the other process or pass --port <n>\n',
    })
  })

  it.each([[['--help']], [['serve', '--help']]])('%j prints usage and exits 0', async (args) => {
    const run = await cli(args)
    expect(run.code).toBe(0)
    expect(run.stdout).toMatch(/^Usage: tributary /)
    expect(run.stderr).toBe('')
  })
})

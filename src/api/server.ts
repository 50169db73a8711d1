import type { IncomingMessage, ServerResponse } from 'node:http'
import { constants, Http2ServerRequest } from 'node:http2'
import type { AddressInfo } from 'node:net'
import type { DeliveryService } from '../delivery/types.ts'
import type { StreamEngine } from '../engine/engine.ts'
import { type Logger, silentLogger } from '../util/logger.ts'
import { readBody, releaseBody } from './body.ts'
import { CorsPolicy } from './cors.ts'
import { type AuthConfig, type AwsResponse, Dispatcher } from './dispatch.ts'
import { AwsError } from './errors.ts'
import { eventMessage, exceptionMessage } from './event-stream.ts'
import { FIREHOSE_OPERATIONS, FIREHOSE_TARGET_PREFIX } from './firehose/operations/index.ts'
import { hostAllowed } from './host-check.ts'
import { KINESIS_OPERATIONS, KINESIS_TARGET_PREFIX } from './kinesis/operations/index.ts'
import { isOpenSearchPath, OpenSearchApi } from './opensearch/index.ts'
import type { EventStreamOutput } from './operation.ts'
import { PIPELINE_APIS, PIPELINE_QUERY_APIS } from './pipeline-apis.ts'
import type { PipelineServices } from './pipeline-services.ts'
import { isS3Request, lakeRootOf, S3Api } from './s3/index.ts'
import { DualProtocolServer, type HttpRequest, type HttpResponse } from './transport.ts'

/**
 * The largest request body accepted: a 10 MiB PutRecords (streams may raise their record size to
 * 10 MiB) in base64 plus JSON overhead. Larger bodies get 413 before any parsing.
 */
export const DEFAULT_MAX_BODY_BYTES = Math.ceil((10 * 1024 * 1024 * 4) / 3) + 64 * 1024

/**
 * A non-AWS HTTP route (health checks, the dashboard). Return false to pass. Over HTTP/2 it gets
 * Node's compatibility objects (`Http2ServerRequest`/`Http2ServerResponse`), which have the
 * members routes use (`url`, `method`, `headers` with `host` filled from `:authority`, async
 * iteration, `writeHead`/`write`/`end`, `drain`/`close` events).
 */
export type WebRoute = (req: IncomingMessage, res: ServerResponse) => boolean | Promise<boolean>

export interface ServerOptions {
  engine: StreamEngine
  host?: string
  port?: number
  auth?: AuthConfig | undefined
  /** Host header values accepted besides IP literals and localhost. */
  allowedHosts?: string[]
  /**
   * Browser origins allowed to call the AWS endpoints besides loopback ones (`localhost`,
   * `*.localhost`, 127.0.0.0/8, `[::1]`); `*` allows any, as AWS does. See src/api/cors.ts.
   */
  corsOrigins?: string[]
  maxBodyBytes?: number
  logger?: Logger
  routes?: WebRoute[]
  /** When given, the Firehose API (`Firehose_20150804.*`) is served on the same port, backed by it. */
  firehose?: DeliveryService
  /** When given, the APIs of the pipeline's resources (DynamoDB, SQS, ...) are served, backed by it. */
  pipeline?: PipelineServices
}

/** Connections and requests served per protocol since start. */
export interface TransportStats {
  http1: { connections: number; requests: number }
  h2: { connections: number; requests: number }
}

const EMPTY_OBJECT = Buffer.from('{}')

const healthRoute: WebRoute = (req, res) => {
  const path = req.url?.split('?')[0]
  if (req.method !== 'GET' || (path !== '/health' && path !== '/ready')) return false
  res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' })
  res.end('{"status":"ok"}')
  return true
}

const isHttp2 = (req: HttpRequest): req is Http2ServerRequest => req instanceof Http2ServerRequest

/** Paths of Tributary's own routes (dashboard, health, metrics), which never take part in CORS. */
function ownPath(url: string | undefined): boolean {
  const path = (url ?? '/').split('?')[0]!
  return (
    path === '/ui' ||
    path.startsWith('/ui/') ||
    path.startsWith('/_tributary/') ||
    ['/health', '/ready', '/metrics'].includes(path)
  )
}

/**
 * The HTTP front door: the AWS JSON/CBOR protocols on one port, over HTTP/1.1 and HTTP/2
 * cleartext (see transport.ts), plus small web routes.
 */
export class TributaryServer {
  readonly #transport: DualProtocolServer
  readonly #dispatcher: Dispatcher
  /** The S3 API, served when a pipeline runs (its buckets are the lake's). */
  readonly #s3: S3Api | undefined
  /** The OpenSearch API over the search indexes, under `/_opensearch` (a pipeline runs). */
  readonly #search: OpenSearchApi | undefined
  readonly #options: ServerOptions
  readonly #allowed: Set<string>
  readonly #cors: CorsPolicy
  readonly #maxBody: number
  readonly #logger: Logger
  readonly #requests = { http1: 0, h2: 0 }
  /** Cancels each streamed reply under way (SubscribeToShard), for close(). */
  readonly #streaming = new Set<() => void>()
  #inFlight = 0
  #idle: (() => void) | undefined
  #closing = false

  private constructor(options: ServerOptions) {
    this.#options = options
    this.#logger = options.logger ?? silentLogger
    this.#allowed = new Set((options.allowedHosts ?? []).map((h) => h.toLowerCase()))
    this.#cors = new CorsPolicy(options.corsOrigins)
    this.#maxBody = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES
    this.#dispatcher = new Dispatcher({
      services: [
        { targetPrefix: KINESIS_TARGET_PREFIX, signingName: 'kinesis', operations: KINESIS_OPERATIONS },
        ...(options.firehose
          ? [
              {
                targetPrefix: FIREHOSE_TARGET_PREFIX,
                signingName: 'firehose',
                operations: FIREHOSE_OPERATIONS,
              },
            ]
          : []),
        ...(options.pipeline ? PIPELINE_APIS : []),
      ],
      queryServices: options.pipeline ? PIPELINE_QUERY_APIS : [],
      context: { engine: options.engine, delivery: options.firehose, pipeline: options.pipeline },
      auth: options.auth,
      now: () => options.engine.clock.now(),
      logger: this.#logger,
    })
    this.#s3 = options.pipeline
      ? new S3Api({
          pipeline: options.pipeline,
          lakeRoot: lakeRootOf(options.engine.dataDir),
          auth: options.auth,
          now: () => options.engine.clock.now(),
          logger: this.#logger,
        })
      : undefined
    const pipeline = options.pipeline
    this.#search = pipeline
      ? new OpenSearchApi({
          indexes: () => pipeline.searchIndexes(),
          now: () => options.engine.clock.now(),
          clusterName: 'tributary',
          auth: options.auth,
        })
      : undefined
    this.#transport = new DualProtocolServer((req, res) => this.#handle(req, res), {
      maxHeaderBytes: 16 * 1024,
      requestTimeoutMs: 120_000,
      headersTimeoutMs: 60_000,
      idleTimeoutMs: 65_000,
    })
  }

  /** Starts listening; rejects with the listen error (e.g. EADDRINUSE). */
  static async start(options: ServerOptions): Promise<TributaryServer> {
    const server = new TributaryServer(options)
    await server.#transport.listen(options.port ?? 4567, options.host ?? '127.0.0.1')
    return server
  }

  get port(): number {
    return this.#transport.address().port
  }

  /** The bound address and port (127.0.0.1 unless `host` says otherwise). */
  get address(): AddressInfo {
    return this.#transport.address()
  }

  get url(): string {
    const host = this.#options.host ?? '127.0.0.1'
    const shown = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host
    return `http://${shown}:${this.port}`
  }

  /** How many connections and requests each protocol carried (tests and benchmarks check it). */
  get transportStats(): TransportStats {
    const { connections } = this.#transport
    return {
      http1: { connections: connections.http1, requests: this.#requests.http1 },
      h2: { connections: connections.h2, requests: this.#requests.h2 },
    }
  }

  #handle(req: HttpRequest, res: HttpResponse): void {
    this.#inFlight++
    res.on('close', () => {
      if (--this.#inFlight === 0) this.#idle?.()
    })
    if (isHttp2(req)) {
      this.#requests.h2++
      // One view of the request whichever the protocol: HTTP/2 carries the host in `:authority`.
      req.headers.host ??= req.authority
    } else {
      this.#requests.http1++
      // HTTP/2 sessions get GOAWAY instead; a `connection` header is invalid there.
      if (this.#closing) res.setHeader('connection', 'close')
    }
    void this.#serve(req, res).catch((error) => {
      this.#logger.error(`request failed: ${(error as Error).stack ?? error}`)
      if (!res.headersSent) res.writeHead(500).end()
      else res.destroy()
    })
  }

  async #serve(req: HttpRequest, res: HttpResponse): Promise<void> {
    const authority = isHttp2(req) ? req.headers[':authority'] : undefined
    for (const host of [req.headers.host, authority]) {
      if (hostAllowed(host, this.#allowed)) continue
      res.writeHead(403, { 'content-type': 'application/json', 'x-amzn-errortype': 'AccessDeniedException' })
      res.end(
        JSON.stringify({
          __type: 'AccessDeniedException',
          message: `Host '${host}' is not allowed. Use 127.0.0.1 or localhost, or start tributary with --allowed-host.`,
        }),
      )
      return
    }
    // AWS clients only ever POST to `/`; the dashboard's API also POSTs, under /ui/, and the
    // faults API under /_tributary/.
    if (req.method !== 'POST' || req.url?.startsWith('/ui/') || req.url?.startsWith('/_tributary/')) {
      // Routes first: a pipeline answers /ready with its own readiness.
      const [webReq, webRes] = [req as IncomingMessage, res as ServerResponse]
      for (const route of [...(this.#options.routes ?? []), healthRoute])
        if (await route(webReq, webRes)) return
    }
    // Past the web routes, only the AWS endpoints remain: CORS applies to them alone, never to
    // Tributary's own paths (the dashboard may not be mounted; its paths stay closed anyway).
    const origin = ownPath(req.url) ? undefined : req.headers.origin
    if (req.method === 'OPTIONS' && origin !== undefined) {
      const preflight = this.#cors.preflight({
        origin,
        'access-control-request-method': req.headers['access-control-request-method'],
        'access-control-request-headers': req.headers['access-control-request-headers'],
      })
      preflight.headers['content-length'] = String(preflight.body.length)
      res.writeHead(preflight.status, preflight.headers)
      res.end(preflight.body)
      return
    }
    const cors = this.#cors.replyHeaders(origin)
    const body = await readBody(req, this.#maxBody)
    if (!body) return this.#refuseBody(req, res, cors)
    // A client that goes away before its reply aborts the request (SQS's long polls stop waiting).
    const gone = new AbortController()
    res.once('close', () => {
      if (!res.writableEnded) gone.abort()
    })
    const awsRequest = {
      method: req.method ?? 'GET',
      url: req.url ?? '/',
      headers: req.headers,
      body,
      signal: gone.signal,
    }
    // OpenSearch under /_opensearch (no S3 bucket name starts with `_`), then S3 (REST-XML: any
    // method on a path) before the JSON and query services, which only POST to `/`.
    const search = this.#search && isOpenSearchPath(req.url)
    const s3 = !search && this.#s3 && !ownPath(req.url) && isS3Request(req)
    const response = search
      ? await this.#search!.handle(awsRequest)
      : s3
        ? await this.#s3Durably(awsRequest)
        : await this.#dispatcher.dispatch(awsRequest)
    // Operations are done with the request body once dispatch resolves (record data was copied
    // into frames while the handler ran), so its buffer can serve the next request.
    releaseBody(body)
    Object.assign(response.headers, cors)
    if (response.events) return this.#streamEvents(res, response, response.events, gone.signal)
    // A HEAD reply (S3's HeadObject) states the length of the body it does not send.
    response.headers['content-length'] ??= String(response.body.length)
    res.writeHead(response.status, response.headers)
    res.end(response.body)
  }

  /**
   * Sends a streamed reply: the headers, the `initial-response` event, then the operation's
   * events as the transport takes them (a slow reader holds the sender back), until the
   * operation is done, the client goes away or the server closes. An error once the events have
   * started ends the stream with an exception message, as AWS does.
   */
  async #streamEvents(
    res: HttpResponse,
    response: AwsResponse,
    events: EventStreamOutput,
    gone: AbortSignal,
  ): Promise<void> {
    const cancel = () => events.cancel()
    this.#streaming.add(cancel)
    gone.addEventListener('abort', cancel, { once: true })
    const out = res as ServerResponse
    const write = (chunk: Uint8Array): Promise<void> => {
      if (out.destroyed || out.writableEnded) return Promise.resolve()
      if (out.write(chunk)) return Promise.resolve()
      return new Promise((resolve) => {
        const done = () => {
          out.off('drain', done)
          out.off('close', done)
          resolve()
        }
        out.on('drain', done)
        out.on('close', done)
      })
    }
    try {
      res.writeHead(response.status, response.headers)
      await write(eventMessage('initial-response', EMPTY_OBJECT))
      await events.run({ event: (type, payload) => write(eventMessage(type, payload)) })
    } catch (error) {
      const wire = AwsError.from(error)
      if (!wire) this.#logger.error(`event stream failed: ${(error as Error).stack ?? error}`)
      // In an event stream the 500 is a modelled exception with a message.
      const code = !wire || wire.code === 'InternalFailure' ? 'InternalFailureException' : wire.code
      await write(exceptionMessage(code, wire?.hasMessage ? wire.message : 'Internal service failure.'))
    } finally {
      this.#streaming.delete(cancel)
      gone.removeEventListener('abort', cancel)
      if (!out.writableEnded) out.end()
    }
  }

  /** 413 without reading the rest: the connection closes (HTTP/1.1) or the stream is reset (HTTP/2). */
  /**
   * An S3 request, answered once the state-store writes it caused (the queue messages of its
   * object-created notifications) are durable: those are group committed.
   */
  async #s3Durably(request: Parameters<S3Api['handle']>[0]): Promise<Awaited<ReturnType<S3Api['handle']>>> {
    try {
      return await this.#s3!.handle(request)
    } finally {
      await this.#options.engine.state.durable()
    }
  }

  #refuseBody(req: HttpRequest, res: HttpResponse, cors: Record<string, string>): void {
    if (isHttp2(req)) {
      res.writeHead(413, { ...cors, 'content-length': '0' })
      // RFC 9113 §8.1: after a complete response a server may stop the upload with RST_STREAM
      // NO_ERROR (clients must keep the response). The session stays usable.
      res.end(() => req.stream.close(constants.NGHTTP2_NO_ERROR))
      req.resume()
      return
    }
    res.writeHead(413, { ...cors, connection: 'close', 'content-length': '0' })
    res.end()
    req.resume()
    // req.socket is detached (null) once the response is done: keep our own reference.
    const socket = req.socket
    socket.once('finish', () => socket.destroy())
    setImmediate(() => req.destroy())
  }

  /**
   * Stops accepting connections, lets in-flight requests finish (HTTP/1.1 connections close after
   * their response, HTTP/2 sessions get GOAWAY), then closes the rest.
   */
  async close(): Promise<void> {
    if (this.#closing) return
    this.#closing = true
    const closed = this.#transport.close()
    for (const cancel of this.#streaming) cancel()
    if (this.#inFlight > 0) await new Promise<void>((resolve) => (this.#idle = resolve))
    this.#transport.destroyAll()
    await closed
  }
}

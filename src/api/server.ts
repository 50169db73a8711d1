import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { DeliveryService } from '../delivery/types.ts'
import type { StreamEngine } from '../engine/engine.ts'
import { type Logger, silentLogger } from '../util/logger.ts'
import { type AuthConfig, Dispatcher } from './dispatch.ts'
import { FIREHOSE_OPERATIONS, FIREHOSE_TARGET_PREFIX } from './firehose/operations/index.ts'
import { hostAllowed } from './host-check.ts'
import { KINESIS_OPERATIONS, KINESIS_TARGET_PREFIX } from './kinesis/operations/index.ts'

/**
 * The largest request body accepted: a 10 MiB PutRecords (streams may raise their record size to
 * 10 MiB) in base64 plus JSON overhead. Larger bodies get 413 before any parsing.
 */
export const DEFAULT_MAX_BODY_BYTES = Math.ceil((10 * 1024 * 1024 * 4) / 3) + 64 * 1024

/** A non-AWS HTTP route (health checks now; the dashboard later). Return false to pass. */
export type WebRoute = (req: IncomingMessage, res: ServerResponse) => boolean | Promise<boolean>

export interface ServerOptions {
  engine: StreamEngine
  host?: string
  port?: number
  auth?: AuthConfig | undefined
  /** Host header values accepted besides IP literals and localhost. */
  allowedHosts?: string[]
  maxBodyBytes?: number
  logger?: Logger
  routes?: WebRoute[]
  /** When given, the Firehose API (`Firehose_20150804.*`) is served on the same port, backed by it. */
  firehose?: DeliveryService
}

const healthRoute: WebRoute = (req, res) => {
  const path = req.url?.split('?')[0]
  if (req.method !== 'GET' || (path !== '/health' && path !== '/ready')) return false
  res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' })
  res.end('{"status":"ok"}')
  return true
}

/**
 * Reused buffers for request bodies up to 2 MiB (a 500-record PutRecords of 1 KiB records is
 * ~700 KB): a fresh allocation per request was a steady source of GC work on the ingest path.
 * At most 8 are kept, so the pool holds at most 16 MiB.
 */
class BodyPool {
  static readonly MAX_POOLED = 2 * 1024 * 1024
  readonly #free: Buffer[] = []

  acquire(size: number): Buffer {
    return (this.#free.pop() ?? Buffer.allocUnsafeSlow(BodyPool.MAX_POOLED)).subarray(0, size)
  }

  release(body: Buffer): void {
    const whole = body.buffer
    if (whole.byteLength !== BodyPool.MAX_POOLED || this.#free.length >= 8) return
    this.#free.push(Buffer.from(whole as ArrayBuffer))
  }
}

const bodyPool = new BodyPool()

/** The HTTP front door: Kinesis's JSON/CBOR protocol on one port, plus small web routes. */
export class TributaryServer {
  readonly #server: Server
  readonly #dispatcher: Dispatcher
  readonly #options: ServerOptions
  readonly #allowed: Set<string>
  readonly #maxBody: number
  readonly #logger: Logger
  #inFlight = 0
  #idle: (() => void) | undefined
  #closing = false

  private constructor(options: ServerOptions) {
    this.#options = options
    this.#logger = options.logger ?? silentLogger
    this.#allowed = new Set((options.allowedHosts ?? []).map((h) => h.toLowerCase()))
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
      ],
      context: { engine: options.engine, delivery: options.firehose },
      auth: options.auth,
      now: () => options.engine.clock.now(),
      logger: this.#logger,
    })
    this.#server = createServer(
      { maxHeaderSize: 16 * 1024, requestTimeout: 120_000, headersTimeout: 60_000 },
      (req, res) => this.#handle(req, res),
    )
    this.#server.keepAliveTimeout = 65_000
  }

  /** Starts listening; rejects with the listen error (e.g. EADDRINUSE). */
  static async start(options: ServerOptions): Promise<TributaryServer> {
    const server = new TributaryServer(options)
    await new Promise<void>((resolve, reject) => {
      server.#server.once('error', reject)
      server.#server.listen(options.port ?? 4567, options.host ?? '127.0.0.1', () => {
        server.#server.off('error', reject)
        resolve()
      })
    })
    return server
  }

  get port(): number {
    return (this.#server.address() as AddressInfo).port
  }

  /** The bound address and port (127.0.0.1 unless `host` says otherwise). */
  get address(): AddressInfo {
    return this.#server.address() as AddressInfo
  }

  get url(): string {
    const host = this.#options.host ?? '127.0.0.1'
    const shown = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host
    return `http://${shown}:${this.port}`
  }

  #handle(req: IncomingMessage, res: ServerResponse): void {
    this.#inFlight++
    res.on('close', () => {
      if (--this.#inFlight === 0) this.#idle?.()
    })
    if (this.#closing) res.setHeader('connection', 'close')
    void this.#serve(req, res).catch((error) => {
      this.#logger.error(`request failed: ${(error as Error).stack ?? error}`)
      if (!res.headersSent) res.writeHead(500).end()
      else res.destroy()
    })
  }

  async #serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!hostAllowed(req.headers.host, this.#allowed)) {
      res.writeHead(403, { 'content-type': 'application/json', 'x-amzn-errortype': 'AccessDeniedException' })
      res.end(
        JSON.stringify({
          __type: 'AccessDeniedException',
          message: `Host '${req.headers.host}' is not allowed. Use 127.0.0.1 or localhost, or start tributary with --allowed-host.`,
        }),
      )
      return
    }
    // AWS clients only ever POST to `/`; the dashboard's API also POSTs, under /ui/.
    if (req.method !== 'POST' || req.url?.startsWith('/ui/')) {
      // Routes first: a pipeline answers /ready with its own readiness.
      for (const route of [...(this.#options.routes ?? []), healthRoute]) if (await route(req, res)) return
    }
    const body = await this.#readBody(req, res)
    if (!body) return
    const response = await this.#dispatcher.dispatch({
      method: req.method ?? 'GET',
      url: req.url ?? '/',
      headers: req.headers,
      body,
    })
    // Operations are done with the request body once dispatch resolves (record data was copied
    // into frames while the handler ran), so its buffer can serve the next request.
    bodyPool.release(body)
    response.headers['content-length'] = String(response.body.length)
    res.writeHead(response.status, response.headers)
    res.end(response.body)
  }

  /** Reads the body, answering 413 (and closing) as soon as it is known to be too large. */
  async #readBody(req: IncomingMessage, res: ServerResponse): Promise<Buffer | undefined> {
    const declared = Number(req.headers['content-length'] ?? 0)
    const tooLarge = () => {
      res.writeHead(413, { connection: 'close', 'content-length': '0' })
      res.end()
      req.resume()
      // req.socket is detached (null) once the response is done: keep our own reference.
      const socket = req.socket
      socket.once('finish', () => socket.destroy())
      setImmediate(() => req.destroy())
      return undefined
    }
    if (declared > this.#maxBody) return tooLarge()
    if (declared > 0 && declared <= BodyPool.MAX_POOLED) {
      // Node's parser delivers exactly Content-Length bytes: copy them into a reused buffer.
      const body = bodyPool.acquire(declared)
      let at = 0
      for await (const chunk of req) {
        body.set(chunk as Buffer, at)
        at += (chunk as Buffer).length
      }
      return body.subarray(0, at)
    }
    const chunks: Buffer[] = []
    let size = 0
    for await (const chunk of req) {
      size += (chunk as Buffer).length
      if (size > this.#maxBody) return tooLarge()
      chunks.push(chunk as Buffer)
    }
    return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size)
  }

  /** Stops accepting connections, lets in-flight requests finish, then closes the rest. */
  async close(): Promise<void> {
    if (this.#closing) return
    this.#closing = true
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()))
    this.#server.closeIdleConnections()
    if (this.#inFlight > 0) await new Promise<void>((resolve) => (this.#idle = resolve))
    this.#server.closeAllConnections()
    await closed
  }
}

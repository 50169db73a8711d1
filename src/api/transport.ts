import {
  createServer as createHttp1Server,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http'
import {
  constants,
  createServer as createHttp2Server,
  type Http2Server,
  type Http2ServerRequest,
  type Http2ServerResponse,
  type ServerHttp2Session,
} from 'node:http2'
import type { AddressInfo, Socket } from 'node:net'

/** A request as either protocol delivers it; both are readable streams with `headers`, `url`, `method`. */
export type HttpRequest = IncomingMessage | Http2ServerRequest
/** A response of either protocol; both stream (`write`, `drain`), so long-lived replies work on both. */
export type HttpResponse = ServerResponse | Http2ServerResponse
export type RequestHandler = (req: HttpRequest, res: HttpResponse) => void

export interface TransportOptions {
  /** Largest request head (HTTP/1.1 headers, HTTP/2 header list). */
  maxHeaderBytes: number
  /** HTTP/1.1: a request must be complete within this; HTTP/2: a stream idle this long is cancelled. */
  requestTimeoutMs: number
  /** A connection must send its first bytes (and, on HTTP/1.1, its headers) within this. */
  headersTimeoutMs: number
  /** An idle keep-alive connection or HTTP/2 session is closed after this. */
  idleTimeoutMs: number
}

/** What every HTTP/2 client sends first when it knows the server speaks HTTP/2 (RFC 9113 §3.4). */
const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1')

/**
 * Which protocol a connection speaks, from its first bytes: `h2` once the whole preface is there,
 * `http1` as soon as a byte differs from it (HTTP/1.x methods differ by the second byte at the
 * latest), undefined while what arrived is still a prefix of the preface.
 */
export function sniffProtocol(head: Buffer): 'h2' | 'http1' | undefined {
  const n = Math.min(head.length, PREFACE.length)
  if (head.compare(PREFACE, 0, n, 0, n) !== 0) return 'http1'
  return n === PREFACE.length ? 'h2' : undefined
}

// A 500-record PutRecords is ~700 KB: with HTTP/2's default 64 KiB windows it would take a dozen
// WINDOW_UPDATE round trips, and every concurrent upload would share the same 64 KiB.
const STREAM_WINDOW = 2 * 1024 * 1024
const SESSION_WINDOW = 16 * 1024 * 1024

/**
 * HTTP/1.1 and HTTP/2 cleartext ("prior knowledge", what the AWS SDK v3 Kinesis client speaks) on
 * one port. The listening socket belongs to a `node:http` server; each new connection is held
 * until its first bytes show which protocol it speaks, then handed to that server or to a
 * `node:http2` one. Both deliver Node's compatible request/response pair to one handler, so a
 * route works the same over either, and may stream its reply (SSE now, SubscribeToShard later).
 */
export class DualProtocolServer {
  readonly #http1: Server
  readonly #http2: Http2Server
  readonly #http1Connection: (socket: Socket) => void
  readonly #sessions = new Set<ServerHttp2Session>()
  readonly #sniffing = new Set<Socket>()
  /** The sockets HTTP/2 sessions run on (a destroyed session may leave its socket open). */
  readonly #h2Sockets = new Set<Socket>()
  readonly #options: TransportOptions
  #closing = false
  /** Connections handed to each protocol so far (tests and benchmarks read them). */
  readonly connections = { http1: 0, h2: 0 }

  constructor(handler: RequestHandler, options: TransportOptions) {
    this.#options = options
    this.#http1 = createHttp1Server(
      {
        maxHeaderSize: options.maxHeaderBytes,
        requestTimeout: options.requestTimeoutMs,
        headersTimeout: options.headersTimeoutMs,
      },
      handler,
    )
    this.#http1.keepAliveTimeout = options.idleTimeoutMs
    // node:http's own connection listener is kept and called for HTTP/1 connections only.
    this.#http1Connection = this.#http1.listeners('connection')[0] as (socket: Socket) => void
    this.#http1.removeAllListeners('connection')
    this.#http1.on('connection', (socket: Socket) => this.#sniff(socket))

    this.#http2 = createHttp2Server(
      {
        maxSessionMemory: 64,
        maxSendHeaderBlockLength: options.maxHeaderBytes,
        settings: {
          maxConcurrentStreams: 256,
          maxHeaderListSize: options.maxHeaderBytes,
          initialWindowSize: STREAM_WINDOW,
        },
      },
      (req, res) => {
        // A stream idle this long (a stalled upload, a client gone silent) is cancelled; streams
        // that carry data (an SSE heartbeat, event-stream frames) stay open.
        req.setTimeout(options.requestTimeoutMs, () => req.stream.close(constants.NGHTTP2_CANCEL))
        handler(req, res)
      },
    )
    this.#http2.setTimeout(options.idleTimeoutMs)
    // An idle session gets GOAWAY rather than a bare reset (the default): its client reconnects cleanly.
    this.#http2.on('timeout', (session: ServerHttp2Session) => session.close())
    this.#http2.on('session', (session) => this.#track(session))
  }

  listen(port: number, host: string): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#http1.once('error', reject)
      this.#http1.listen(port, host, () => {
        this.#http1.off('error', reject)
        resolve()
      })
    })
  }

  address(): AddressInfo {
    return this.#http1.address() as AddressInfo
  }

  /**
   * Stops accepting connections and asks open ones to finish: idle HTTP/1.1 connections close,
   * busy ones close after their current response (the caller adds `connection: close`), HTTP/2
   * sessions get GOAWAY and close once their open streams end. Resolves when all are gone.
   */
  close(): Promise<void> {
    this.#closing = true
    const closed = new Promise<void>((resolve) => this.#http1.close(() => resolve()))
    for (const socket of this.#sniffing) socket.destroy()
    for (const session of this.#sessions) session.close()
    return closed
  }

  /** Drops every remaining connection (after in-flight requests were given their chance). */
  destroyAll(): void {
    this.#http1.closeAllConnections()
    for (const session of this.#sessions) session.destroy()
    // A session whose client stopped reading a response (an event stream it no longer
    // consumes) is destroyed but keeps its socket until the client closes it: drop those too.
    for (const socket of this.#h2Sockets) socket.destroy()
  }

  #track(session: ServerHttp2Session): void {
    this.#sessions.add(session)
    session.once('close', () => this.#sessions.delete(session))
    // Errors of one session (a peer's protocol error, a reset socket) concern that session only.
    session.on('error', () => session.destroy())
    session.once('connect', () => {
      if (!session.destroyed) session.setLocalWindowSize(SESSION_WINDOW)
    })
    if (this.#closing) session.close()
  }

  #sniff(socket: Socket): void {
    this.#sniffing.add(socket)
    let head: Buffer = Buffer.alloc(0)
    // A client that connects and never speaks is dropped like one that never sends its headers.
    const onTimeout = () => socket.destroy()
    // A reset before the first bytes must not reach the process as an unhandled 'error'; a client
    // that half-closes first gets nothing either (node:http sockets allow half-open connections).
    const onError = () => socket.destroy()
    const onData = (chunk: Buffer) => {
      head = head.length === 0 ? chunk : Buffer.concat([head, chunk])
      const protocol = sniffProtocol(head)
      if (protocol === undefined) return
      socket.off('data', onData)
      socket.off('error', onError)
      socket.off('timeout', onTimeout)
      socket.off('end', onError)
      socket.setTimeout(0)
      this.#sniffing.delete(socket)
      socket.pause()
      socket.unshift(head)
      if (protocol === 'h2') {
        this.connections.h2++
        // node:http's sockets allow half-open connections; node:http2's do not, and its sessions
        // rely on that: a peer that ends its side (or vanishes) must close the session's streams.
        socket.allowHalfOpen = false
        this.#h2Sockets.add(socket)
        socket.once('close', () => this.#h2Sockets.delete(socket))
        this.#http2.emit('connection', socket)
      } else {
        this.connections.http1++
        this.#http1Connection.call(this.#http1, socket)
        socket.resume()
      }
    }
    socket.setTimeout(this.#options.headersTimeoutMs, onTimeout)
    socket.on('error', onError)
    socket.on('end', onError)
    socket.on('data', onData)
    socket.once('close', () => this.#sniffing.delete(socket))
  }
}

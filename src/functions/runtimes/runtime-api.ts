/**
 * The Lambda Runtime API (version 2018-06-01) for one execution environment: a loopback HTTP
 * server its runtime process polls for invocations and answers to. One server per process, so a
 * runtime client that works on Lambda works unchanged (it builds its URLs from
 * `AWS_LAMBDA_RUNTIME_API`, a bare `host:port`), and one process has at most one invocation in
 * flight. https://docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html
 *
 * Error answers are the ones of Lambda's Runtime Interface Emulator (aws-lambda-runtime-interface-
 * emulator, `rapi/rendering`): a JSON `{errorMessage, errorType}` with 400 `InvalidRequestID` for a
 * request id that is not the one in flight, 403 `InvalidStateTransition` for a call out of turn,
 * 413 `RequestEntityTooLarge` for a response over 6 MB.
 */
import { randomBytes } from 'node:crypto'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { LambdaError } from '../workers/protocol.ts'

/** Lambda's limit on a synchronous response (and an error document): 6 MB, as the RIE counts it. */
export const MAX_RESPONSE_BYTES = 6_291_556

const PREFIX = '/2018-06-01/runtime'
const INVOCATION = /^\/2018-06-01\/runtime\/invocation\/([^/]+)\/(response|error)$/

/** One invocation as the runtime receives it from `/invocation/next`. */
export interface RuntimeInvocation {
  requestId: string
  /** The event as JSON (UTF-8). */
  body: Uint8Array | string
  /** Epoch milliseconds. */
  deadlineMs: number
  invokedFunctionArn: string
  /** X-Ray's trace header; a fresh one is made when absent. */
  traceId?: string
  /** Mobile SDK client context (JSON), when the invoker sent one. */
  clientContext?: string
  /** Cognito identity (JSON), when the invoker sent one. */
  cognitoIdentity?: string
}

/** What the runtime tells the environment. */
export interface RuntimeApiHandlers {
  /** The runtime asks for work: the first call ends its init phase. */
  onNext(): void
  /** The in-flight invocation's result (raw bytes, JSON as the runtime wrote it). */
  onResponse(requestId: string, body: Buffer): void
  /** The in-flight invocation failed (the runtime's error, or a response over the limit). */
  onError(requestId: string, error: LambdaError): void
  /** The runtime could not initialize. */
  onInitError(error: LambdaError): void
}

type Phase = 'init' | 'waiting' | 'invoking' | 'responded' | 'failed'

/**
 * @example
 * const api = await RuntimeApi.start({ onNext, onResponse, onError, onInitError })
 * spawn(bootstrap, { env: { AWS_LAMBDA_RUNTIME_API: api.address } })
 * api.deliver({ requestId, body: '{}', deadlineMs: Date.now() + 3000, invokedFunctionArn })
 */
export class RuntimeApi {
  #phase: Phase = 'init'
  /** The invocation handed out by `/next` and not answered yet. */
  #current: RuntimeInvocation | undefined
  /** The last invocation answered (a second answer to it is out of turn, not an unknown id). */
  #answered: string | undefined
  /** An invocation waiting for the runtime's `/next`. */
  #queued: RuntimeInvocation | undefined
  /** The runtime's `/next` waiting for an invocation. */
  #poll: ServerResponse | undefined

  private constructor(
    private readonly server: Server,
    private readonly handlers: RuntimeApiHandlers,
  ) {}

  static async start(handlers: RuntimeApiHandlers): Promise<RuntimeApi> {
    let api: RuntimeApi | undefined
    // No request timeout: `/next` is a long poll, held until there is work.
    const server = createServer({ requestTimeout: 0, keepAliveTimeout: 60_000 }, (req, res) =>
      api!.route(req, res),
    )
    api = new RuntimeApi(server, handlers)
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(0, '127.0.0.1', () => resolve())
    })
    return api
  }

  /** `AWS_LAMBDA_RUNTIME_API`: `127.0.0.1:<port>`. */
  get address(): string {
    const { port } = this.server.address() as AddressInfo
    return `127.0.0.1:${port}`
  }

  /** Hands an invocation to the runtime: to its waiting `/next`, or to the next one it makes. */
  deliver(invocation: RuntimeInvocation): void {
    this.#queued = invocation
    this.#dispatch()
  }

  /** The environment ended the invocation itself (a timeout): later answers to it are refused. */
  abandon(): void {
    this.#answered = this.#current?.requestId ?? this.#answered
    this.#current = undefined
    this.#queued = undefined
  }

  /** Whether the server keeps the event loop alive (only while an invocation runs). */
  ref(on: boolean): void {
    if (on) this.server.ref()
    else this.server.unref()
  }

  close(): Promise<void> {
    this.#poll = undefined
    return new Promise((resolve) => {
      this.server.close(() => resolve())
      this.server.closeAllConnections()
    })
  }

  private route(req: IncomingMessage, res: ServerResponse): void {
    const path = (req.url ?? '').split('?')[0]!
    if (req.method === 'GET' && path === `${PREFIX}/invocation/next`) {
      this.next(res)
      return
    }
    if (req.method === 'POST' && path === `${PREFIX}/init/error`) {
      void this.initError(req, res)
      return
    }
    const answer = req.method === 'POST' ? INVOCATION.exec(path) : null
    if (answer) {
      void this.answer(req, res, decodeURIComponent(answer[1]!), answer[2] as 'response' | 'error')
      return
    }
    req.resume()
    reply(res, 404, { errorMessage: `Unknown Runtime API path ${req.method} ${path}`, errorType: 'NotFound' })
  }

  private next(res: ServerResponse): void {
    if (this.#phase === 'invoking' || this.#poll || this.#phase === 'failed') {
      reply(res, 403, outOfTurn(this.#phase, 'InvocationNext'))
      return
    }
    const first = this.#phase === 'init'
    this.#phase = 'waiting'
    this.#poll = res
    res.once('close', () => {
      if (this.#poll === res) this.#poll = undefined
    })
    if (first) this.handlers.onNext()
    this.#dispatch()
  }

  #dispatch(): void {
    const res = this.#poll
    const invocation = this.#queued
    if (!res || !invocation) return
    this.#poll = undefined
    this.#queued = undefined
    this.#current = invocation
    this.#phase = 'invoking'
    const body = typeof invocation.body === 'string' ? Buffer.from(invocation.body) : invocation.body
    const headers: Record<string, string | number> = {
      'content-type': 'application/json',
      'content-length': body.byteLength,
      'Lambda-Runtime-Aws-Request-Id': invocation.requestId,
      'Lambda-Runtime-Deadline-Ms': String(invocation.deadlineMs),
      'Lambda-Runtime-Invoked-Function-Arn': invocation.invokedFunctionArn,
      'Lambda-Runtime-Trace-Id': invocation.traceId ?? traceHeader(),
    }
    if (invocation.clientContext !== undefined)
      headers['Lambda-Runtime-Client-Context'] = invocation.clientContext
    if (invocation.cognitoIdentity !== undefined)
      headers['Lambda-Runtime-Cognito-Identity'] = invocation.cognitoIdentity
    res.writeHead(200, headers)
    res.end(body)
  }

  private async answer(
    req: IncomingMessage,
    res: ServerResponse,
    requestId: string,
    kind: 'response' | 'error',
  ): Promise<void> {
    const current = this.#current
    if (!current || current.requestId !== requestId) {
      req.resume()
      if (requestId === this.#answered) reply(res, 403, outOfTurn(this.#phase, invocationState(kind)))
      else reply(res, 400, { errorMessage: 'Invalid request ID', errorType: 'InvalidRequestID' })
      return
    }
    const body = await readLimited(req)
    if (!body) return
    // The invocation may have timed out while the body arrived.
    if (this.#current !== current) {
      reply(res, 403, outOfTurn(this.#phase, invocationState(kind)))
      return
    }
    this.#current = undefined
    this.#answered = requestId
    this.#phase = 'responded'
    if (body.tooLarge !== undefined) {
      reply(res, 413, {
        errorMessage: `Exceeded maximum allowed payload size (${MAX_RESPONSE_BYTES} bytes).`,
        errorType: 'RequestEntityTooLarge',
      })
      this.handlers.onError(requestId, {
        errorType: 'Function.ResponseSizeTooLarge',
        errorMessage: `Response payload size (${body.tooLarge} bytes) exceeded maximum allowed payload size (${MAX_RESPONSE_BYTES} bytes).`,
        stackTrace: [],
      })
      return
    }
    reply(res, 202, { status: 'OK' })
    if (kind === 'response') this.handlers.onResponse(requestId, body.bytes)
    else this.handlers.onError(requestId, errorDocument(body.bytes, req.headers))
  }

  private async initError(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (this.#phase !== 'init') {
      req.resume()
      reply(res, 403, outOfTurn(this.#phase, 'InitError'))
      return
    }
    const body = await readLimited(req)
    if (!body) return
    this.#phase = 'failed'
    reply(res, 202, { status: 'OK' })
    this.handlers.onInitError(errorDocument(body.bytes, req.headers))
  }
}

function invocationState(kind: 'response' | 'error'): string {
  return kind === 'response' ? 'InvocationResponse' : 'InvocationErrorResponse'
}

const PHASE_STATE: Record<Phase, string> = {
  init: 'RuntimeInit',
  waiting: 'RuntimeReady',
  invoking: 'Invoke',
  responded: 'RuntimeResponseSent',
  failed: 'RuntimeInitError',
}

/** The RIE's answer to a call the runtime's state does not allow. */
function outOfTurn(phase: Phase, to: string): { errorMessage: string; errorType: string } {
  return {
    errorMessage: `State transition from ${PHASE_STATE[phase]} to ${to} failed for runtime. Error: State transition is not allowed`,
    errorType: 'InvalidStateTransition',
  }
}

/**
 * The runtime's error document. Lambda takes `errorType` from the body, else from the
 * `Lambda-Runtime-Function-Error-Type` header; a body that is not the documented JSON keeps
 * the header's type and becomes the message.
 */
function errorDocument(bytes: Buffer, headers: IncomingMessage['headers']): LambdaError {
  const header = headers['lambda-runtime-function-error-type']
  const headerType = typeof header === 'string' && header !== '' ? header : 'Unhandled'
  const text = bytes.toString('utf8')
  try {
    const doc = JSON.parse(text) as Partial<Record<'errorType' | 'errorMessage' | 'stackTrace', unknown>>
    if (doc !== null && typeof doc === 'object' && !Array.isArray(doc))
      return {
        errorType: typeof doc.errorType === 'string' ? doc.errorType : headerType,
        errorMessage: typeof doc.errorMessage === 'string' ? doc.errorMessage : '',
        stackTrace: Array.isArray(doc.stackTrace) ? doc.stackTrace.map(String) : [],
      }
  } catch {
    // Not JSON: the text is the message.
  }
  return { errorType: headerType, errorMessage: text, stackTrace: [] }
}

/**
 * The body, or its size once past the limit (the rest is read and dropped); undefined when the
 * runtime's connection broke before the end (a process killed while posting).
 */
function readLimited(req: IncomingMessage): Promise<{ bytes: Buffer; tooLarge?: number } | undefined> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = []
    let size = 0
    req.on('data', (chunk: Buffer) => {
      size += chunk.byteLength
      if (size <= MAX_RESPONSE_BYTES) chunks.push(chunk)
    })
    req.once('error', () => resolve(undefined))
    req.once('end', () =>
      resolve(
        size > MAX_RESPONSE_BYTES
          ? { bytes: Buffer.alloc(0), tooLarge: size }
          : { bytes: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks) },
      ),
    )
  })
}

function reply(res: ServerResponse, status: number, body: object): void {
  const text = JSON.stringify(body)
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) })
  res.end(text)
}

/** An X-Ray trace header as Lambda passes it (not sampled: nothing collects traces here). */
function traceHeader(): string {
  const epoch = Math.floor(Date.now() / 1000).toString(16)
  const id = randomBytes(12).toString('hex')
  return `Root=1-${epoch}-${id};Parent=${randomBytes(8).toString('hex')};Sampled=0`
}

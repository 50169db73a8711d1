import { randomUUID } from 'node:crypto'
import type { IncomingHttpHeaders } from 'node:http'
import { gunzipSync } from 'node:zlib'
import { CorruptLogError, LogFailedError } from '../storage/log/errors.ts'
import type { Logger } from '../util/logger.ts'
import { randomBase64 } from '../util/random-ids.ts'
import { type AuthResult, checkAuthPresence, verifySigV4 } from './auth/sigv4.ts'
import {
  AMZ_CBOR,
  AMZ_JSON,
  encodeCbor,
  encodeCborError,
  encodeJson,
  PLAIN_JSON,
  parseBody,
  type WireFormat,
} from './codec.ts'
import { AwsError, internalFailure, serializationError } from './errors.ts'
import { EVENT_STREAM_CONTENT_TYPE } from './event-stream.ts'
import {
  type EventStreamOutput,
  isEventStream,
  isPreRendered,
  type Operation,
  type OperationContext,
} from './operation.ts'
import { PipelineRebuildingError } from './pipeline-services.ts'
import { QueryParams, type QueryService, queryError, queryResponse, signedService } from './query.ts'
import { CORAL_TYPE_DIALECT, checkTypes, checkValidations, type TypeDialect } from './validation.ts'

/** An AWS JSON-protocol service: its X-Amz-Target prefix and operations. */
export interface AwsService {
  targetPrefix: string
  /** The SigV4 service name credentials must be scoped to (e.g. `kinesis`), checked with --auth. */
  signingName?: string
  operations: ReadonlyMap<string, Operation>
  /**
   * A service on AWS's JSON 1.0 protocol (DynamoDB, SQS): its requests take the
   * {@link JsonProtocol} pipeline. Without it, the service is Kinesis's kind (JSON 1.1 and CBOR,
   * Kinesis's error precedence): Kinesis and Firehose.
   */
  protocol?: JsonProtocol
}

/** How a JSON 1.0 service spells its content type and errors. */
export interface JsonProtocol {
  /** What requests carry and replies have: `application/x-amz-json-1.0`. */
  contentType: string
  /** The `__type` of an error code: DynamoDB's `com.amazonaws.dynamodb.v20120810#<code>`. */
  errorType(code: string): string
  /** Headers an error reply carries besides `x-amzn-errortype` (SQS's `x-amzn-query-error`). */
  errorHeaders?(error: AwsError): Record<string, string>
  /** How the service words a member of the wrong JSON type; Coral's older words without it. */
  typeErrors?: TypeDialect
  /**
   * Whether an error keeps its own message key (`Message` in DynamoDB's SerializationException);
   * without it every error's message is under `message`.
   */
  keepsMessageKey?: boolean
}

/** JSON 1.0 services accept 1.1 too, as AWS's front ends do; anything else is not JSON to them. */
const JSON_CONTENT_TYPES = new Set(['application/x-amz-json-1.0', AMZ_JSON])

export interface AuthConfig {
  /** Access key id → secret. */
  keys: ReadonlyMap<string, string>
}

export interface DispatchOptions {
  services: readonly AwsService[]
  /** Services on AWS's query protocol (form-encoded requests, XML replies): SNS. */
  queryServices?: readonly QueryService[]
  context: OperationContext
  /** When set, every request's SigV4 signature is verified against these keys. */
  auth?: AuthConfig | undefined
  now: () => number
  logger: Logger
}

export interface AwsRequest {
  method: string
  url: string
  headers: IncomingHttpHeaders
  body: Buffer
  /** Aborts when the client disconnects before the reply is sent. */
  signal?: AbortSignal | undefined
}

export interface AwsResponse {
  status: number
  headers: Record<string, string>
  body: Buffer
  /** A streamed reply (SubscribeToShard): the transport sends its events after the headers. */
  events?: EventStreamOutput
}

/** A decompressed request body is bounded as a plain one is (CloudWatch's payloads are ≤ 1 MB). */
const MAX_INFLATED_BYTES = 16 * 1024 * 1024

/**
 * A request whose body the client compressed (`Content-Encoding: gzip`: the SDKs do it for
 * CloudWatch's PutMetricData of 10 KiB or more), with the body inflated; a body that does not
 * inflate is left as it came (it then fails to parse, as a malformed one does).
 */
function inflated(req: AwsRequest): AwsRequest {
  if (req.headers['content-encoding'] !== 'gzip') return req
  try {
    return { ...req, body: gunzipSync(req.body, { maxOutputLength: MAX_INFLATED_BYTES }) }
  } catch {
    return req
  }
}

/** The front end's XML errors, for requests it cannot route. AWS sends them without a Content-Type. */
function xml(type: string, message: string | undefined, status: number): AwsResponse {
  const body =
    message === undefined ? `<${type}/>\n` : `<${type}>\n  <Message>${message}</Message>\n</${type}>\n`
  return { status, headers: {}, body: Buffer.from(body) }
}

/** The legacy application/json envelope Kinesis answers plain-JSON requests with. */
function legacyJson(status: number, type: string): AwsResponse {
  const body = { Output: { __type: `com.amazon.coral.service#${type}` }, Version: '1.0' }
  return { status, headers: { 'content-type': PLAIN_JSON }, body: encodeJson(body) }
}

function targetOf(req: AwsRequest): string {
  const header = req.headers['x-amz-target']
  if (typeof header === 'string') return header
  // Presigned requests carry the target in the query string.
  const q = req.url.indexOf('?')
  if (q < 0) return ''
  return new URLSearchParams(req.url.slice(q + 1)).get('X-Amz-Target') ?? ''
}

/**
 * The request pipeline. Its order is AWS's error precedence (as recorded against the real service):
 * method → content type and target → empty body → parse → unknown operation → authentication →
 * types (SerializationException) → constraints (ValidationException) → the operation itself.
 */
export class Dispatcher {
  readonly #options: DispatchOptions
  readonly #services: Map<string, AwsService>

  constructor(options: DispatchOptions) {
    this.#options = options
    this.#services = new Map(options.services.map((s) => [s.targetPrefix, s]))
  }

  async dispatch(request: AwsRequest): Promise<AwsResponse> {
    const req = inflated(request)
    const requestId = randomUUID()
    const response = (await this.#query(req, requestId)) ?? (await this.#pipeline(req))
    response.headers['x-amzn-requestid'] = requestId
    response.headers['x-amz-id-2'] = randomBase64(72)
    return response
  }

  /**
   * Runs an operation of a pipeline service (SQS, DynamoDB, SNS, CloudWatch, Logs) and returns
   * once what it wrote to the state store is durable, success or failure: those writes are group
   * committed (`StateStore.commitRelaxed`), so requests in flight share one fsync, off the event
   * loop, and a 200 still means fsynced.
   */
  async #durably<T>(run: () => T | Promise<T>): Promise<T> {
    try {
      return await run()
    } finally {
      await this.#options.context.engine.state.durable()
    }
  }

  async #pipeline(req: AwsRequest): Promise<AwsResponse> {
    if (req.method !== 'POST') {
      return req.headers.authorization === undefined
        ? xml('MissingAuthenticationTokenException', 'Missing Authentication Token', 403)
        : xml('AccessDeniedException', 'Unable to determine service/operation name to be authorized', 403)
    }
    const contentType = (req.headers['content-type'] ?? '').split(';')[0]!.trim()
    const [service, name] = targetOf(req).split('.')
    const known = service ? this.#services.get(service) : undefined
    if (known?.protocol) return this.#json10(req, known, known.protocol, name ?? '', contentType)
    const contentValid = contentType === AMZ_JSON || contentType === AMZ_CBOR || contentType === PLAIN_JSON
    const operation = known?.operations.get(name ?? '')
    const format: WireFormat = contentType === AMZ_CBOR ? 'cbor' : 'json'

    if (req.body.length === 0) {
      const type = operation ? 'SerializationException' : 'UnknownOperationException'
      return this.#errorReply(contentType === AMZ_JSON ? 'json' : 'cbor', 400, { __type: type })
    }
    if (!contentValid) {
      if (!service || !name)
        return xml(
          'AccessDeniedException',
          'Unable to determine service/operation name to be authorized',
          403,
        )
      return xml('UnknownOperationException', undefined, 404)
    }
    const fast = format === 'json' && contentType === AMZ_JSON ? operation?.fastParse?.(req.body) : undefined
    const data = fast ?? parseBody(req.body, format)
    if (!data) {
      if (contentType === PLAIN_JSON) return legacyJson(400, 'SerializationException')
      return this.#errorReply(format, 400, { __type: 'SerializationException' })
    }
    // Kinesis answers plain application/json (a legacy content type) this way whatever the target.
    if (contentType === PLAIN_JSON) return legacyJson(404, 'UnknownOperationException')
    if (!operation) return this.#errorReply(format, 400, { __type: 'UnknownOperationException' })

    const auth = this.#authenticate(req, known?.signingName)
    if (!auth.ok) return this.#error(format, new AwsError(auth.code, auth.message, auth.status))

    try {
      let input = data
      if (!fast && !operation.fastCheck?.(data)) {
        input = checkTypes(data, operation.spec)
        checkValidations(input, operation.spec)
      }
      const output = await operation.handle(input, this.#options.context)
      if (isEventStream(output)) {
        return {
          status: 200,
          headers: { 'content-type': EVENT_STREAM_CONTENT_TYPE },
          body: Buffer.alloc(0),
          events: output,
        }
      }
      if (isPreRendered(output)) {
        return format === 'json'
          ? { status: 200, headers: { 'content-type': AMZ_JSON }, body: output.json() }
          : this.#reply('cbor', 200, output.cbor())
      }
      return this.#reply(format, 200, output)
    } catch (error) {
      const wire = AwsError.from(error)
      if (wire) return this.#error(format, wire)
      if (error instanceof CorruptLogError || error instanceof LogFailedError) {
        // Already reported when the shard failed; the client gets Kinesis's generic 500.
        return this.#error(format, internalFailure())
      }
      this.#options.logger.error(`${service}.${name} failed: ${(error as Error).stack ?? error}`)
      return this.#error(format, internalFailure())
    }
  }

  /** SigV4 verified against the keys with `--auth`, else only present and well formed. */
  #authenticate(req: AwsRequest, signingName: string | undefined): AuthResult {
    return this.#options.auth
      ? verifySigV4(req, {
          lookupSecret: (id) => this.#options.auth!.keys.get(id),
          now: this.#options.now(),
          maxFutureMs: 5 * 60_000,
          service: signingName,
        })
      : checkAuthPresence(req)
  }

  /**
   * A query-protocol request (form-encoded, for a query service by the service its signature is
   * scoped to, else by its `Version`): parse → unknown action → authentication → the action.
   * Undefined when it is no query service's (the JSON services' pipeline answers it).
   */
  async #query(req: AwsRequest, requestId: string): Promise<AwsResponse | undefined> {
    const services = this.#options.queryServices ?? []
    if (req.method !== 'POST' || services.length === 0) return undefined
    const contentType = (req.headers['content-type'] ?? '').split(';')[0]!.trim()
    if (contentType !== 'application/x-www-form-urlencoded') return undefined
    const form = new URLSearchParams(req.body.toString('utf8'))
    const scoped = signedService(req.headers.authorization)
    const service =
      services.find((s) => s.signingName === scoped) ??
      services.find((s) => s.version === form.get('Version'))
    if (!service) return undefined
    const xml = (status: number, body: string): AwsResponse => ({
      status,
      headers: { 'content-type': 'text/xml' },
      body: Buffer.from(body),
    })
    const fail = (error: AwsError): AwsResponse => {
      const { code, status } = service.errorCode?.(error) ?? { code: error.code, status: error.status }
      const response = xml(
        status,
        queryError(service, code, error.hasMessage ? error.message : undefined, status, requestId),
      )
      response.headers['x-amzn-errortype'] = code
      return response
    }
    const name = form.get('Action') ?? ''
    const action = service.actions.get(name)
    if (!action)
      return fail(new AwsError('InvalidAction', `The action ${name} is not valid for this endpoint.`))
    const auth = this.#authenticate(req, service.signingName)
    if (!auth.ok) return fail(new AwsError(auth.code, auth.message, auth.status))
    try {
      const result = await this.#durably(() =>
        action.handle(new QueryParams(form), {
          ...this.#options.context,
          host: req.headers.host,
          signal: req.signal,
        }),
      )
      return xml(200, queryResponse(service, name, result, requestId))
    } catch (thrown) {
      const wire = AwsError.from(thrown)
      if (wire) return fail(wire)
      if (thrown instanceof PipelineRebuildingError)
        return fail(new AwsError('ServiceUnavailable', thrown.message, 503))
      this.#options.logger.error(
        `${service.signingName}.${name} failed: ${(thrown as Error).stack ?? thrown}`,
      )
      return fail(new AwsError('InternalFailure', 'Internal Error', 500))
    }
  }

  /**
   * A JSON 1.0 service's pipeline: content type → parse → unknown operation → authentication →
   * types → constraints → the operation, each error in the service's own spelling.
   */
  async #json10(
    req: AwsRequest,
    service: AwsService,
    protocol: JsonProtocol,
    name: string,
    contentType: string,
  ): Promise<AwsResponse> {
    const reply = (status: number, body: unknown): AwsResponse => ({
      status,
      headers: { 'content-type': protocol.contentType },
      body: encodeJson(body as Record<string, unknown>),
    })
    const error = (e: AwsError): AwsResponse => {
      const body: Record<string, unknown> = { __type: protocol.errorType(e.code) }
      if (e.hasMessage) body[protocol.keepsMessageKey ? e.messageKey : 'message'] = e.message
      Object.assign(body, e.fields)
      const response = reply(e.status, body)
      response.headers['x-amzn-errortype'] = e.code
      Object.assign(response.headers, protocol.errorHeaders?.(e))
      return response
    }
    if (!JSON_CONTENT_TYPES.has(contentType))
      return error(new AwsError('UnknownOperationException', undefined, 404))
    const dialect = protocol.typeErrors ?? CORAL_TYPE_DIALECT
    const data = req.body.length === 0 ? undefined : parseBody(req.body, 'json')
    if (!data) return error(serializationError(dialect.unreadableBody))
    const operation = service.operations.get(name)
    if (!operation) return error(new AwsError('UnknownOperationException', undefined))
    const auth = this.#authenticate(req, service.signingName)
    if (!auth.ok) return error(new AwsError(auth.code, auth.message, auth.status))
    try {
      const input = checkTypes(data, operation.spec, dialect)
      checkValidations(input, operation.spec)
      const output = await this.#durably(() =>
        operation.handle(input, {
          ...this.#options.context,
          host: req.headers.host,
          signal: req.signal,
        }),
      )
      return reply(200, isPreRendered(output) ? output.cbor() : (output ?? {}))
    } catch (thrown) {
      const wire = AwsError.from(thrown)
      if (wire) return error(wire)
      if (thrown instanceof PipelineRebuildingError)
        return error(new AwsError('ServiceUnavailable', thrown.message, 503))
      this.#options.logger.error(
        `${service.targetPrefix}.${name} failed: ${(thrown as Error).stack ?? thrown}`,
      )
      return error(
        new AwsError(
          'InternalFailure',
          'The request processing has failed because of an unknown error, exception or failure.',
          500,
        ),
      )
    }
  }

  #reply(format: WireFormat, status: number, body: Record<string, unknown> | undefined): AwsResponse {
    return {
      status,
      headers: { 'content-type': format === 'cbor' ? AMZ_CBOR : AMZ_JSON },
      body: format === 'cbor' ? encodeCbor(body) : encodeJson(body),
    }
  }

  /** An error body, `{__type[, message]}`: CBOR errors are indefinite-length maps, as AWS sends them. */
  #errorReply(format: WireFormat, status: number, body: Record<string, string>): AwsResponse {
    if (format === 'json') return this.#reply(format, status, body)
    return { status, headers: { 'content-type': AMZ_CBOR }, body: encodeCborError(body) }
  }

  #error(format: WireFormat, error: AwsError): AwsResponse {
    const response = this.#errorReply(format, error.status, error.body())
    response.headers['x-amzn-errortype'] = error.code
    return response
  }
}

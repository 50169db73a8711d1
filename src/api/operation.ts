import type { DeliveryService } from '../delivery/types.ts'
import type { StreamEngine } from '../engine/engine.ts'
import type { PipelineServices } from './pipeline-services.ts'
import type { CheckedSpec, InputOf, OperationSpec } from './spec.ts'

/** A response body the dispatcher encodes as JSON or CBOR (Dates become epoch timestamps). */
export type Output = Record<string, unknown> | undefined

/**
 * A response already rendered for the JSON protocol, for the hot read path (GetRecords): record
 * data stored as base64 is copied to the wire without being decoded and re-encoded. `cbor`
 * builds the structured form when a CBOR client asks.
 */
export interface PreRendered {
  json: () => Buffer
  cbor: () => Record<string, unknown>
}

/**
 * A response sent as a stream of event-stream messages (SubscribeToShard). The transport writes
 * the 200 and the `initial-response` event, then `run` sends events until it is done (the
 * response ends) or throws (an exception message ends it). `cancel` stops it early: the client
 * went away or the server is closing.
 */
export interface EventStreamOutput {
  readonly eventStream: true
  run(sink: EventSink): Promise<void>
  cancel(): void
}

export interface EventSink {
  /** Sends one event (a JSON payload); resolves once the transport can take more. */
  event(type: string, payload: Uint8Array): Promise<void>
}

export interface OperationContext {
  engine: StreamEngine
  /** The delivery streams, for the Firehose operations (present when the server serves Firehose). */
  delivery?: DeliveryService | undefined
  /** The pipeline's services, for the SQS, DynamoDB, ... operations (present under `tributary dev`). */
  pipeline?: PipelineServices | undefined
  /** The request's Host header (SQS's queue URLs name the endpoint the client used). */
  host?: string | undefined
  /** Aborts when the client goes away before the reply (SQS's long polls stop waiting then). */
  signal?: AbortSignal | undefined
}

export type Result =
  | Output
  | PreRendered
  | EventStreamOutput
  | Promise<Output | PreRendered | EventStreamOutput>

/** An operation's handler: its input is what the spec (or the fast path) let through. */
export type Handler<Input> = (input: Input, ctx: OperationContext) => Result

/**
 * One AWS JSON-protocol operation: its wire shape (checked before `handle` runs) and its handler.
 * `Input` is the type its spec describes; a table of operations holds them as plain `Operation`s
 * (input erased to a record). `fastParse` and `handle` are methods so that a typed operation fits
 * in that table: the dispatcher only ever hands an operation what its own spec or fast path
 * produced, so the erasure cannot mix one operation's input with another's.
 */
export interface Operation<Input extends object = Record<string, unknown>> {
  readonly name: string
  readonly spec: OperationSpec
  /**
   * Optional hot-path check: true means the body is well formed, so the generic (slower,
   * error-wording) validator can be skipped. Must never accept what the spec rejects.
   */
  readonly fastCheck?: ((data: Record<string, unknown>) => boolean) | undefined
  /**
   * Optional hot-path parser for JSON bodies: returns the validated input straight from the raw
   * body, or undefined to fall back to JSON.parse and the generic validator. Same rule as
   * `fastCheck`: it may decline anything, but must never accept what the spec rejects.
   */
  fastParse?(body: Buffer): Input | undefined
  handle(input: Input, ctx: OperationContext): Result
}

/**
 * What `defineOperation` takes. `fastCheck` is a type guard: a body it passes goes to `handle`
 * as parsed, so it must be an input of the spec. `fastParse` may return blobs as views of the
 * request body (`Buffer`) rather than base64 strings; the handler then sees either form.
 */
export interface OperationDefinition<S extends OperationSpec, Fast extends object> {
  name: string
  spec: S & NoInfer<CheckedSpec<S>>
  fastCheck?: (data: Record<string, unknown>) => data is InputOf<S>
  fastParse?: (body: Buffer) => Fast | undefined
  handle: Handler<InputOf<S> | Fast>
}

/**
 * Declares an operation whose handler's input type is derived from its spec, so the spec is both
 * the validator and the type. At run time it returns its argument: nothing is added to a request.
 *
 * @example
 * export const deleteStream = defineOperation({
 *   name: 'DeleteStream',
 *   spec: { StreamName: { ...STREAM_NAME, notNull: true } },
 *   handle(input, ctx) {
 *     ctx.engine.deleteStream(input.StreamName) // input.StreamName: string
 *     return undefined
 *   },
 * })
 */
export function defineOperation<
  const S extends OperationSpec,
  Fast extends InputOf<S, string | Buffer> = never,
>(definition: OperationDefinition<S, Fast>): Operation<InputOf<S> | Fast> {
  return definition
}

export function isPreRendered(value: unknown): value is PreRendered {
  return typeof value === 'object' && value !== null && typeof (value as PreRendered).json === 'function'
}

export function isEventStream(value: unknown): value is EventStreamOutput {
  return typeof value === 'object' && value !== null && (value as EventStreamOutput).eventStream === true
}

import type { DeliveryService } from '../../delivery/types.ts'
import type { StreamEngine } from '../../engine/engine.ts'
import type { OperationSpec } from '../validation.ts'

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

export interface OperationContext {
  engine: StreamEngine
  /** The delivery runtime, for the Firehose operations (present when the server serves Firehose). */
  delivery?: DeliveryService | undefined
}

/** One Kinesis API operation: its wire shape (checked before `handle` runs) and its handler. */
export interface Operation {
  name: string
  spec: OperationSpec
  /**
   * Optional hot-path check: true means the body is well formed, so the generic (slower,
   * error-wording) validator can be skipped. Must never accept what the spec rejects.
   */
  fastCheck?: (data: Record<string, unknown>) => boolean
  /**
   * Optional hot-path parser for JSON bodies: returns the validated input straight from the raw
   * body, or undefined to fall back to JSON.parse and the generic validator. Same rule as
   * `fastCheck`: it may decline anything, but must never accept what the spec rejects.
   */
  fastParse?: (body: Buffer) => Record<string, unknown> | undefined
  handle(
    input: Record<string, unknown>,
    ctx: OperationContext,
  ): Output | PreRendered | Promise<Output | PreRendered>
}

export function isPreRendered(value: unknown): value is PreRendered {
  return typeof value === 'object' && value !== null && typeof (value as PreRendered).json === 'function'
}

/**
 * Messages between the pool (parent thread) and a function worker. Each invocation costs exactly
 * one message each way (`invoke` → `result`); logs ride on the `result` unless the handler keeps
 * logging for a while, and binding calls add one message each way per call.
 */
import type { BindingCall, FunctionLog } from '../../contracts/functions.ts'

/** What a worker is started with (`workerData`). */
export interface WorkerInit {
  functionName: string
  /** Absolute path of the handler module (its source, as the user names it). */
  file: string
  /** The handler compiled to JavaScript (see compile.ts): what the worker imports. */
  moduleUrl: string
  /** The handler is CommonJS: its exports are the compiled module's default export. */
  commonJs: boolean
  exportName: string
  /** Lambda's handler string (`_HANDLER`), used in `Runtime.HandlerNotFound` messages. */
  handlerString: string
  functionVersion: string
  invokedFunctionArn: string
  memoryLimitInMB: string
  logGroupName: string
  logStreamName: string
  /** When false, console output is dropped in the worker instead of being posted. */
  captureLogs: boolean
}

/** An error as Lambda reports it (`Errors.toRapidResponse` in the Node.js runtime). */
export interface LambdaError {
  errorType: string
  errorMessage: string
  stackTrace: string[]
}

export type ToWorker =
  | {
      t: 'invoke'
      requestId: string
      event: unknown
      /** When set, the event is this UTF-8 JSON (a transferred EncodedEvent) and `event` is unused. */
      json?: Uint8Array
      /** Epoch milliseconds (`Date.now()` clock, shared by all threads). */
      deadline: number
    }
  | { t: 'reply'; id: number; ok: true; value: unknown }
  | { t: 'reply'; id: number; ok: false; name: string; message: string }

export type FromWorker =
  /** The handler module loaded (or failed to: `error`), sent once per worker. */
  | { t: 'ready'; error?: LambdaError; logs?: FunctionLog[] }
  /** `json` is the response body as Lambda would send it (`JSON.stringify`, undefined → null). */
  /** `spent`: the invocation's event buffer (`json` of the invoke), handed back for reuse. */
  | { t: 'result'; ok: true; json: string; logs?: FunctionLog[]; spent?: ArrayBuffer }
  | { t: 'result'; ok: false; error: LambdaError; logs?: FunctionLog[]; spent?: ArrayBuffer }
  | { t: 'logs'; logs: FunctionLog[] }
  | { t: 'call'; id: number; call: BindingCall }

import { randomUUID } from 'node:crypto'
import type { InvokeOptions, InvokeOutcome, Invoker } from '../../../src/contracts/functions.ts'

// biome-ignore lint/suspicious/noExplicitAny: tests read events field by field
export type Handler = (event: any) => unknown

export interface Invocation {
  functionName: string
  // biome-ignore lint/suspicious/noExplicitAny: tests read events field by field
  event: any
  requestId: string
}

/**
 * The `Invoker` contract over plain functions: events and results are structured-cloned as they
 * are between the engine and a worker, a throw is Lambda's "Unhandled" error, and `throttle`
 * answers with `throttled` without running anything. (Stand-in until the worker pool lands.)
 */
export class FunctionInvoker implements Invoker {
  readonly calls: Invocation[] = []
  /** How many of the next invocations are throttled. */
  throttle = 0

  constructor(readonly handlers: Record<string, Handler>) {}

  async invoke(functionName: string, event: unknown, options?: InvokeOptions): Promise<InvokeOutcome> {
    const requestId = options?.requestId ?? randomUUID()
    if (this.throttle > 0) {
      this.throttle--
      return { kind: 'throttled', requestId }
    }
    const handler = this.handlers[functionName]
    if (!handler) throw new Error(`no function ${functionName}`)
    const copy = structuredClone(event)
    this.calls.push({ functionName, event: copy, requestId })
    try {
      const result = structuredClone(await handler(copy))
      return { kind: 'ok', result, durationMs: 1, requestId }
    } catch (error) {
      const e = error instanceof Error ? error : new Error(String(error))
      return {
        kind: 'error',
        errorType: e.name,
        errorMessage: e.message,
        stackTrace: [],
        durationMs: 1,
        requestId,
      }
    }
  }
}

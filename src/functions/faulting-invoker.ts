import { randomUUID } from 'node:crypto'
import type { InvokeOptions, InvokeOutcome, Invoker } from '../contracts/functions.ts'
import type { FaultInjector } from '../faults/injector.ts'
import type { Clock, TimerHandle } from '../util/clock.ts'

/**
 * Wraps an invoker with the faults injected into functions (docs/faults.md): an invocation a
 * fault hits is not run; it ends as a function error (`error`) or as a timeout after the
 * function's timeout on the engine's clock (`timeout`). Placed inside the metered invoker, so
 * faulted invocations count in Invocations and Errors, and the event sources treat them as
 * they treat real failures (retries, bisection, on-failure destinations, dead-letter queues).
 */
export class FaultingInvoker implements Invoker {
  readonly #inner: Invoker
  readonly #faults: FaultInjector
  readonly #clock: Clock
  readonly #timeoutMs: (functionName: string) => number
  /** Timeouts being waited out, ended at once on close. */
  readonly #waiting = new Map<TimerHandle, () => void>()

  constructor(
    inner: Invoker,
    faults: FaultInjector,
    clock: Clock,
    timeoutMs: (functionName: string) => number,
  ) {
    this.#inner = inner
    this.#faults = faults
    this.#clock = clock
    this.#timeoutMs = timeoutMs
  }

  runnable(functionName: string): Promise<void> | undefined {
    return this.#inner.runnable?.(functionName)
  }

  async invoke(functionName: string, event: unknown, options?: InvokeOptions): Promise<InvokeOutcome> {
    const fault = this.#faults.size > 0 ? this.#faults.strike('function', functionName) : undefined
    if (!fault) return this.#inner.invoke(functionName, event, options)
    const requestId = options?.requestId ?? randomUUID()
    if (fault.effect === 'timeout') {
      const durationMs = this.#timeoutMs(functionName)
      await this.#wait(durationMs)
      return { kind: 'timeout', durationMs, requestId }
    }
    return {
      kind: 'error',
      errorType: 'InjectedFault',
      errorMessage: `fault ${fault.id} failed this invocation (tributary fault)`,
      stackTrace: [],
      durationMs: 0,
      requestId,
    }
  }

  #wait(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = this.#clock.setTimeout(() => {
        this.#waiting.delete(timer)
        resolve()
      }, ms)
      timer.unref?.()
      this.#waiting.set(timer, resolve)
    })
  }

  /** Ends the timeouts being waited out (the pipeline is stopping). */
  close(): void {
    for (const [timer, resolve] of this.#waiting) {
      this.#clock.clearTimeout(timer)
      resolve()
    }
    this.#waiting.clear()
  }
}

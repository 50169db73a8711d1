import { randomUUID } from 'node:crypto'
import type { FunctionLog, InvokeOptions, InvokeOutcome, Invoker } from '../contracts/functions.ts'
import type { FaultInjector } from '../faults/injector.ts'
import type { Clock, TimerHandle } from '../util/clock.ts'
import { logStreamName } from './workers/environment.ts'
import type { InvocationEvent } from './workers/function-worker.ts'

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
  readonly #logs: FaultLogs | undefined
  /** Timeouts being waited out, ended at once on close. */
  readonly #waiting = new Map<TimerHandle, () => void>()

  constructor(
    inner: Invoker,
    faults: FaultInjector,
    clock: Clock,
    timeoutMs: (functionName: string) => number,
    logs?: FaultLogs,
  ) {
    this.#inner = inner
    this.#faults = faults
    this.#clock = clock
    this.#timeoutMs = timeoutMs
    this.#logs = logs
  }

  runnable(functionName: string): Promise<void> | undefined {
    return this.#inner.runnable?.(functionName)
  }

  async invoke(functionName: string, event: unknown, options?: InvokeOptions): Promise<InvokeOutcome> {
    const fault = this.#faults.size > 0 ? this.#faults.strike('function', functionName) : undefined
    if (!fault) return this.#inner.invoke(functionName, event, options)
    const requestId = options?.requestId ?? randomUUID()
    const log = this.#logs && new InvocationLog(this.#logs, functionName, requestId, this.#clock)
    log?.start()
    if (fault.effect === 'timeout') {
      const durationMs = this.#timeoutMs(functionName)
      await this.#wait(durationMs)
      log?.line(`Task timed out after ${(durationMs / 1000).toFixed(2)} seconds`)
      log?.end('timeout', durationMs)
      return { kind: 'timeout', durationMs, requestId }
    }
    const error = {
      errorType: 'InjectedFault',
      errorMessage: `fault ${fault.id} failed this invocation (tributary fault)`,
      stackTrace: [],
    }
    log?.line(`Invoke Error \t${JSON.stringify(error)}`)
    log?.end('error', 0)
    return { kind: 'error', ...error, durationMs: 0, requestId }
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

/**
 * Where a faulted invocation's log lines go: the START, the error or timeout line, END and REPORT
 * that Lambda writes for the failure the fault stands for, in a log stream of the function's own.
 */
export interface FaultLogs {
  onInvocation(event: InvocationEvent): void
  onLog(log: FunctionLog): void
  memoryMb(functionName: string): number
}

/** One faulted invocation's lines, in a stream named as Lambda's (`…/[$LATEST]<32 hex>`). */
class InvocationLog {
  readonly #logStreamName: string

  constructor(
    readonly logs: FaultLogs,
    readonly functionName: string,
    readonly requestId: string,
    readonly clock: Clock,
  ) {
    this.#logStreamName = logStreamName(clock.now())
  }

  start(): void {
    const { functionName, requestId } = this
    this.logs.onInvocation({
      phase: 'start',
      functionName,
      logStreamName: this.#logStreamName,
      requestId,
      timestamp: this.clock.now(),
    })
  }

  line(message: string): void {
    const { functionName, requestId } = this
    this.logs.onLog({
      functionName,
      requestId,
      level: 'error',
      message,
      timestamp: this.clock.now(),
      logStreamName: this.#logStreamName,
    })
  }

  end(outcome: 'error' | 'timeout', durationMs: number): void {
    const { functionName, requestId } = this
    this.logs.onInvocation({
      phase: 'end',
      functionName,
      logStreamName: this.#logStreamName,
      requestId,
      timestamp: this.clock.now(),
      outcome,
      durationMs,
      memorySizeMb: this.logs.memoryMb(functionName),
      initDurationMs: undefined,
    })
  }
}

import type { MetricSink } from '../monitor/metrics.ts'
import type { Clock } from '../util/clock.ts'
import type { InvokeOptions, InvokeOutcome, Invoker } from './types.ts'

/**
 * Wraps an invoker to publish Lambda's function metrics (AWS/Lambda, dimension FunctionName):
 * Invocations, Errors (function errors, timeouts and crashes), Throttles, Duration and
 * ConcurrentExecutions. Telemetry lives here, not in the event sources that invoke.
 */
export class MeteredInvoker implements Invoker {
  readonly #inner: Invoker
  readonly #metrics: MetricSink
  readonly #clock: Clock
  readonly #concurrent = new Map<string, number>()

  constructor(inner: Invoker, metrics: MetricSink, clock: Clock) {
    this.#inner = inner
    this.#metrics = metrics
    this.#clock = clock
  }

  runnable(functionName: string): Promise<void> | undefined {
    return this.#inner.runnable?.(functionName)
  }

  concurrent(functionName: string): number {
    return this.#concurrent.get(functionName) ?? 0
  }

  async invoke(functionName: string, event: unknown, options?: InvokeOptions): Promise<InvokeOutcome> {
    const running = (this.#concurrent.get(functionName) ?? 0) + 1
    this.#concurrent.set(functionName, running)
    this.#record(functionName, 'ConcurrentExecutions', running, 'Count')
    try {
      const outcome = await this.#inner.invoke(functionName, event, options)
      if (outcome.kind === 'throttled') {
        this.#record(functionName, 'Throttles', 1, 'Count')
        return outcome
      }
      this.#record(functionName, 'Invocations', 1, 'Count')
      this.#record(functionName, 'Duration', outcome.durationMs, 'Milliseconds')
      this.#record(functionName, 'Errors', outcome.kind === 'ok' ? 0 : 1, 'Count')
      return outcome
    } finally {
      this.#concurrent.set(functionName, (this.#concurrent.get(functionName) ?? 1) - 1)
    }
  }

  #record(functionName: string, name: string, value: number, unit: 'Count' | 'Milliseconds'): void {
    this.#metrics.record({
      namespace: 'AWS/Lambda',
      name,
      dimensions: { FunctionName: functionName },
      value,
      unit,
      timestamp: this.#clock.now(),
    })
  }
}

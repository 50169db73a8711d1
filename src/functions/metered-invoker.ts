import type { InvokeOptions, InvokeOutcome, Invoker } from '../contracts/functions.ts'
import { Lambda } from '../monitor/catalog/lambda.ts'
import { MetricScopes } from '../monitor/catalog/scope.ts'
import type { MetricSink } from '../monitor/metrics.ts'
import type { Clock } from '../util/clock.ts'

/**
 * Wraps an invoker to publish Lambda's function metrics (AWS/Lambda, dimension FunctionName):
 * Invocations, Errors (function errors, timeouts and crashes), Throttles, Duration and
 * ConcurrentExecutions. Telemetry lives here, not in the event sources that invoke.
 */
export class MeteredInvoker implements Invoker {
  readonly #inner: Invoker
  readonly #metrics: MetricScopes<'FunctionName'>
  readonly #concurrent = new Map<string, number>()

  constructor(inner: Invoker, metrics: MetricSink, clock: Clock) {
    this.#inner = inner
    this.#metrics = new MetricScopes(metrics, 'FunctionName', clock)
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
    const metrics = this.#metrics.of(functionName)
    metrics.record(Lambda.ConcurrentExecutions, running)
    try {
      const outcome = await this.#inner.invoke(functionName, event, options)
      if (outcome.kind === 'throttled') {
        metrics.record(Lambda.Throttles, 1)
        return outcome
      }
      metrics.record(Lambda.Invocations, 1)
      metrics.record(Lambda.Duration, outcome.durationMs)
      metrics.record(Lambda.Errors, outcome.kind === 'ok' ? 0 : 1)
      return outcome
    } finally {
      this.#concurrent.set(functionName, (this.#concurrent.get(functionName) ?? 1) - 1)
    }
  }
}

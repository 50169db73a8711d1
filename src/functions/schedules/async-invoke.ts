import { randomUUID } from 'node:crypto'
import { Lambda } from '../../monitor/catalog/lambda.ts'
import { MetricScope } from '../../monitor/catalog/scope.ts'
import type { MetricSink } from '../../monitor/metrics.ts'
import type { Clock } from '../../util/clock.ts'
import type { InvokeOutcome, Invoker } from '../types.ts'

/**
 * Lambda's asynchronous invocation (what EventBridge, SNS and S3 use): the event is queued, run,
 * and retried on failure.
 * https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-error-handling.html
 */
export interface AsyncInvokeConfig {
  /** MaximumRetryAttempts: 0-2, default 2. */
  maximumRetryAttempts: number
  /** MaximumEventAgeInSeconds as ms: 60 s-6 h, default 6 h. */
  maximumEventAgeMs: number
}

export const DEFAULT_ASYNC_INVOKE_CONFIG: Readonly<AsyncInvokeConfig> = {
  maximumRetryAttempts: 2,
  maximumEventAgeMs: 6 * 60 * 60 * 1000,
}

/** "a one-minute wait between the first two attempts, and two minutes between the second and third". */
const FUNCTION_ERROR_DELAYS_MS = [60_000, 120_000] as const
/** Throttles: "The retry interval increases exponentially from 1 second ... to a maximum of 5 minutes." */
const THROTTLE_FIRST_DELAY_MS = 1000
const THROTTLE_MAX_DELAY_MS = 5 * 60_000

export type AsyncInvokeResult =
  | { kind: 'succeeded'; attempts: number; outcome: Extract<InvokeOutcome, { kind: 'ok' }> }
  /** Lambda discards the event (to an on-failure destination, when one exists). */
  | {
      kind: 'dropped'
      reason: 'RetriesExhausted' | 'EventAgeExceeded'
      attempts: number
      lastOutcome: Exclude<InvokeOutcome, { kind: 'ok' }>
    }
  | { kind: 'cancelled'; attempts: number }

export interface AsyncInvokeOptions {
  invoker: Invoker
  clock: Clock
  config?: AsyncInvokeConfig
  /** Publishes AWS/Lambda AsyncEventsReceived and AsyncEventsDropped (dimension FunctionName). */
  metrics?: MetricSink
  /** Stops waiting for a retry (shutdown); an attempt already running finishes. */
  signal?: AbortSignal
}

function wait(clock: Clock, ms: number, signal: AbortSignal | undefined): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal?.aborted) {
      resolve(false)
      return
    }
    const onAbort = () => {
      clock.clearTimeout(handle)
      resolve(false)
    }
    const handle = clock.setTimeout(() => {
      signal?.removeEventListener('abort', onAbort)
      resolve(true)
    }, ms)
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}

/**
 * Invokes a function asynchronously with Lambda's retry rules: a function error (thrown, timed
 * out, crashed) is retried up to `maximumRetryAttempts` times, 1 then 2 minutes apart; a throttle
 * is retried with exponential backoff (1 s doubling to 5 min) without using up attempts; an event
 * older than `maximumEventAgeMs` is dropped. Every attempt carries the same request id, as Lambda
 * reuses it for retries. Rejects only if the invoker itself rejects (e.g. an unknown function).
 *
 * @example
 * const result = await invokeAsync('nightly', event, { invoker, clock })
 * if (result.kind === 'dropped') logger.warn(`nightly dropped: ${result.reason}`)
 */
export async function invokeAsync(
  functionName: string,
  event: unknown,
  options: AsyncInvokeOptions,
): Promise<AsyncInvokeResult> {
  const { invoker, clock, signal, metrics } = options
  const config = options.config ?? DEFAULT_ASYNC_INVOKE_CONFIG
  const fn = new MetricScope(metrics, { FunctionName: functionName }, clock)
  const requestId = randomUUID()
  const queuedAt = clock.now()
  fn.record(Lambda.AsyncEventsReceived, 1)
  let attempts = 0
  let throttleDelay = THROTTLE_FIRST_DELAY_MS
  for (;;) {
    const outcome = await invoker.invoke(functionName, event, { requestId })
    if (outcome.kind === 'ok') return { kind: 'succeeded', attempts: attempts + 1, outcome }
    let delay: number
    if (outcome.kind === 'throttled') {
      delay = throttleDelay
      throttleDelay = Math.min(throttleDelay * 2, THROTTLE_MAX_DELAY_MS)
    } else {
      attempts++
      if (attempts > config.maximumRetryAttempts) {
        fn.record(Lambda.AsyncEventsDropped, 1)
        return { kind: 'dropped', reason: 'RetriesExhausted', attempts, lastOutcome: outcome }
      }
      delay = FUNCTION_ERROR_DELAYS_MS[Math.min(attempts, FUNCTION_ERROR_DELAYS_MS.length) - 1]!
    }
    if (clock.now() + delay - queuedAt > config.maximumEventAgeMs) {
      fn.record(Lambda.AsyncEventsDropped, 1)
      return { kind: 'dropped', reason: 'EventAgeExceeded', attempts, lastOutcome: outcome }
    }
    if (!(await wait(clock, delay, signal))) return { kind: 'cancelled', attempts }
  }
}

import type { Clock } from '../../util/clock.ts'
import { type AttemptFailure, NotificationDeliveryError } from './types.ts'

export interface RetryPolicy {
  /** Attempts in all, first included (1 = never retry). */
  maxAttempts: number
  /** Delay before the first retry; doubles on each further one. */
  baseDelayMs: number
  /** Upper bound of one delay (also of a server's Retry-After). */
  maxDelayMs: number
}

export const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 4, baseDelayMs: 1_000, maxDelayMs: 60_000 }

/** Reported before each retry is scheduled: what failed and how long until the next attempt. */
export interface RetryEvent {
  /** The attempt that just failed, from 1. */
  attempt: number
  delayMs: number
  reason: string
}

export interface RetryContext {
  clock: Clock
  policy: RetryPolicy
  /** In [0, 1): the jitter source (Math.random by default; fixed in tests). */
  random?: () => number
  onRetry?: (event: RetryEvent) => void
  /** Stops waiting for the next attempt (shutdown); the delivery then fails with the last reason. */
  signal?: AbortSignal
}

/**
 * The delay before retry `n` (1-based): exponential, capped, with "equal jitter" — half fixed,
 * half random — so a burst of failures does not retry in lockstep yet never retries at once.
 */
export function backoffDelay(policy: RetryPolicy, retry: number, random: () => number = Math.random): number {
  const exponential = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (retry - 1))
  return Math.round(exponential / 2 + (exponential / 2) * random())
}

/**
 * Runs `attempt` until it returns without a failure, a failure is not retryable, or the attempts
 * run out; waits on the injected clock in between.
 */
export async function withRetries(
  channel: string,
  endpoint: string,
  context: RetryContext,
  attempt: (n: number) => Promise<AttemptFailure | undefined>,
): Promise<void> {
  const { clock, policy, random = Math.random } = context
  for (let n = 1; ; n++) {
    const failure = await attempt(n)
    if (!failure) return
    if (!failure.retryable || n >= policy.maxAttempts || context.signal?.aborted) {
      throw new NotificationDeliveryError(channel, endpoint, n, failure.reason, { cause: failure.cause })
    }
    const delayMs = Math.min(
      policy.maxDelayMs,
      Math.max(backoffDelay(policy, n, random), failure.retryAfterMs ?? 0),
    )
    context.onRetry?.({ attempt: n, delayMs, reason: failure.reason })
    if (!(await wait(clock, delayMs, context.signal))) {
      throw new NotificationDeliveryError(channel, endpoint, n, `${failure.reason} (stopped before retrying)`)
    }
  }
}

/** Resolves true after `ms` on the clock, or false as soon as `signal` aborts. */
function wait(clock: Clock, ms: number, signal: AbortSignal | undefined): Promise<boolean> {
  return new Promise((resolve) => {
    const onAbort = () => {
      clock.clearTimeout(timer)
      resolve(false)
    }
    const timer = clock.setTimeout(() => {
      signal?.removeEventListener('abort', onAbort)
      resolve(true)
    }, ms)
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}

import { createHmac, timingSafeEqual } from 'node:crypto'
import { type Clock, systemClock } from '../../util/clock.ts'
import { DEFAULT_RETRY, type RetryEvent, type RetryPolicy, withRetries } from './retry.ts'
import type { AttemptFailure, Notification, NotificationChannel } from './types.ts'

export const SIGNATURE_HEADER = 'x-tributary-signature'
export const TIMESTAMP_HEADER = 'x-tributary-timestamp'
/** How old a signed timestamp a receiver should accept, by default (as Stripe and Slack do). */
export const SIGNATURE_TOLERANCE_SECONDS = 300

export interface WebhookChannelOptions {
  url: string
  /** HMAC-SHA256 key. Without one the request carries no signature header. */
  secret?: string
  /** Attempts in all (default 4: the first and 3 retries). */
  maxAttempts?: number
  /** Per attempt (default 10 s), measured on `clock`. */
  timeoutMs?: number
  /** Backoff before retries (defaults: 1 s doubling, at most 60 s, with jitter). */
  backoff?: Partial<Pick<RetryPolicy, 'baseDelayMs' | 'maxDelayMs'>>
  clock?: Clock
  /** Jitter source in [0, 1). */
  random?: () => number
  /** Called before each retry is scheduled. */
  onRetry?: (event: RetryEvent) => void
  /** Aborts the request in flight and any wait for a retry (shutdown). */
  signal?: AbortSignal
}

/** The JSON body: SNS's HTTP notification fields (unsigned by SNS's scheme; see the headers). */
export interface WebhookPayload {
  Type: 'Notification'
  MessageId: string
  TopicArn: string
  Subject?: string
  Message: string
  Timestamp: string
  MessageAttributes?: Record<string, { Type: string; Value: string }>
}

export function webhookPayload(n: Notification): WebhookPayload {
  const payload: WebhookPayload = {
    Type: 'Notification',
    MessageId: n.messageId,
    TopicArn: n.topicArn ?? n.topic,
    ...(n.subject !== undefined ? { Subject: n.subject } : {}),
    Message: n.message,
    Timestamp: n.timestamp,
  }
  const names = Object.keys(n.attributes ?? {})
  if (names.length > 0) {
    payload.MessageAttributes = Object.fromEntries(
      names.map((name) => [
        name,
        { Type: n.attributeTypes?.[name] ?? 'String', Value: n.attributes![name]! },
      ]),
    )
  }
  return payload
}

/**
 * `sha256=<hex>` of HMAC-SHA256(secret, `<timestamp>.<body>`). The timestamp (Unix seconds, sent
 * in `X-Tributary-Timestamp`) is signed with the body so a captured request cannot be replayed
 * later than the receiver's tolerance.
 */
export function signWebhook(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`
}

/**
 * What a receiver runs: the signature matches the raw body and timestamp, and the timestamp is
 * within `toleranceSeconds` of `nowMs`. Compares in constant time.
 *
 * @example
 * verifyWebhookSignature({ secret, body: rawBody, timestamp: req.headers['x-tributary-timestamp'],
 *   signature: req.headers['x-tributary-signature'] })
 */
export function verifyWebhookSignature(input: {
  secret: string
  body: string
  timestamp: string | undefined
  signature: string | undefined
  nowMs?: number
  toleranceSeconds?: number
}): boolean {
  const { secret, body, timestamp, signature } = input
  if (!timestamp || !signature || !/^\d+$/.test(timestamp)) return false
  const age = Math.abs((input.nowMs ?? Date.now()) / 1000 - Number(timestamp))
  if (age > (input.toleranceSeconds ?? SIGNATURE_TOLERANCE_SECONDS)) return false
  const expected = Buffer.from(signWebhook(secret, timestamp, body))
  const given = Buffer.from(signature)
  return given.length === expected.length && timingSafeEqual(given, expected)
}

/**
 * POSTs each notification as JSON, signed, and retries with exponential backoff and jitter on
 * network errors, timeouts, 5xx and 429 (honouring Retry-After); other 4xx answers are final.
 *
 * @example
 * const hook = new WebhookChannel({ url: 'http://127.0.0.1:9000/hook', secret: 's3cret' })
 * await hook.deliver({ topic: 'alerts', message: 'disk full', messageId, timestamp })
 */
export class WebhookChannel implements NotificationChannel {
  readonly #options: WebhookChannelOptions
  readonly #clock: Clock
  readonly #policy: RetryPolicy

  constructor(options: WebhookChannelOptions) {
    this.#options = options
    this.#clock = options.clock ?? systemClock
    this.#policy = {
      ...DEFAULT_RETRY,
      ...options.backoff,
      maxAttempts: options.maxAttempts ?? DEFAULT_RETRY.maxAttempts,
    }
  }

  async deliver(notification: Notification): Promise<void> {
    const body = JSON.stringify(webhookPayload(notification))
    const { url, random, onRetry, signal } = this.#options
    await withRetries(
      'webhook',
      url,
      { clock: this.#clock, policy: this.#policy, random, onRetry, signal },
      (n) => this.#attempt(notification, body, n),
    )
  }

  async #attempt(n: Notification, body: string, attempt: number): Promise<AttemptFailure | undefined> {
    const { url, secret, timeoutMs = 10_000, signal } = this.#options
    const timestamp = String(Math.floor(this.#clock.now() / 1000))
    const headers: Record<string, string> = {
      'content-type': 'application/json; charset=utf-8',
      'user-agent': 'Tributary-Notifications/1.0',
      'x-amz-sns-message-type': 'Notification',
      'x-amz-sns-message-id': n.messageId,
      'x-amz-sns-topic-arn': n.topicArn ?? n.topic,
      'x-tributary-delivery-attempt': String(attempt),
      [TIMESTAMP_HEADER]: timestamp,
    }
    if (secret) headers[SIGNATURE_HEADER] = signWebhook(secret, timestamp, body)
    const controller = new AbortController()
    let timedOut = false
    const timer = this.#clock.setTimeout(() => {
      timedOut = true
      controller.abort()
    }, timeoutMs)
    const requestSignal = signal ? AbortSignal.any([signal, controller.signal]) : controller.signal
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers,
        body,
        redirect: 'manual',
        signal: requestSignal,
      })
      await response.body?.cancel()
      if (response.status >= 200 && response.status < 300) return undefined
      const retryable = response.status === 429 || response.status >= 500
      return { retryable, reason: `HTTP ${response.status}`, retryAfterMs: this.#retryAfter(response) }
    } catch (error) {
      return { retryable: true, reason: timedOut ? 'timeout' : networkReason(error), cause: error }
    } finally {
      this.#clock.clearTimeout(timer)
    }
  }

  /** Retry-After in seconds or as an HTTP date. */
  #retryAfter(response: Response): number | undefined {
    const value = response.headers.get('retry-after')
    if (!value) return undefined
    if (/^\d+$/.test(value)) return Number(value) * 1000
    const at = Date.parse(value)
    return Number.isNaN(at) ? undefined : Math.max(0, at - this.#clock.now())
  }
}

/** A bounded reason: the system error code (`ECONNREFUSED`, ...) rather than free text. */
function networkReason(error: unknown): string {
  const cause = (error as { cause?: { code?: unknown } })?.cause
  if (typeof cause?.code === 'string') return cause.code
  if (error instanceof Error) return error.name
  return 'network error'
}

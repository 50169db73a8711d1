import { describe, expect, it } from 'vitest'
import type { RetryEvent } from '../../../src/monitor/notify/retry.ts'
import { NotificationDeliveryError } from '../../../src/monitor/notify/types.ts'
import {
  signWebhook,
  verifyWebhookSignature,
  WebhookChannel,
  type WebhookChannelOptions,
} from '../../../src/monitor/notify/webhook-channel.ts'
import { ManualClock } from '../../../src/util/clock.ts'
import { closedPort, notification, startReceiver, T0 } from './fixtures.ts'

const SECRET = 'whsec-test'

/**
 * A channel on a manual clock. Each retry's timer is advanced as soon as it is pending, after
 * checking that nothing else is: time moves only by the backoff the channel chose.
 */
function channel(clock: ManualClock, options: Omit<WebhookChannelOptions, 'clock'>) {
  const retries: RetryEvent[] = []
  const hook = new WebhookChannel({
    clock,
    random: () => 0.5,
    onRetry(event) {
      retries.push(event)
      queueMicrotask(() => {
        expect(clock.nextTimerAt()).toBe(clock.now() + event.delayMs)
        clock.advance(event.delayMs)
      })
    },
    ...options,
  })
  return { hook, retries }
}

describe('WebhookChannel', () => {
  it('POSTs the SNS-like JSON, signed with HMAC over timestamp and body', async () => {
    const clock = new ManualClock(T0)
    const receiver = await startReceiver([200])
    const { hook } = channel(clock, { url: receiver.url, secret: SECRET })
    const n = notification({ subject: 'ALARM: HighIteratorAge', attributes: { severity: 'high' } })

    await hook.deliver(n)

    const [request] = receiver.requests
    expect(request!.method).toBe('POST')
    expect(request!.url).toBe('/hooks/alerts')
    expect(request!.headers['content-type']).toBe('application/json; charset=utf-8')
    expect(request!.headers['x-amz-sns-message-type']).toBe('Notification')
    expect(request!.headers['x-tributary-timestamp']).toBe(String(T0 / 1000))
    expect(JSON.parse(request!.body)).toEqual({
      Type: 'Notification',
      MessageId: n.messageId,
      TopicArn: 'arn:aws:sns:us-east-1:000000000000:alerts',
      Subject: 'ALARM: HighIteratorAge',
      Message: n.message,
      Timestamp: '2026-01-01T00:05:00.000Z',
      MessageAttributes: { severity: { Type: 'String', Value: 'high' } },
    })
    const check = (body: string, timestamp: string | undefined, nowMs = T0) =>
      verifyWebhookSignature({
        secret: SECRET,
        body,
        timestamp,
        signature: request!.headers['x-tributary-signature'] as string,
        nowMs,
      })
    const timestamp = request!.headers['x-tributary-timestamp'] as string
    expect(request!.headers['x-tributary-signature']).toMatch(/^sha256=[0-9a-f]{64}$/)
    expect(check(request!.body, timestamp)).toBe(true)
    expect(check(request!.body.replace('ALARM', 'OK'), timestamp), 'tampered body').toBe(false)
    expect(check(request!.body, String(Number(timestamp) + 1)), 'other timestamp').toBe(false)
    expect(check(request!.body, timestamp, T0 + 301_000), 'replayed after the tolerance').toBe(false)
  })

  it('sends no signature without a secret', async () => {
    const receiver = await startReceiver([204])
    await channel(new ManualClock(T0), { url: receiver.url }).hook.deliver(notification())
    expect(receiver.requests[0]!.headers['x-tributary-signature']).toBeUndefined()
  })

  it('retries 500, 500, then succeeds: 3 attempts, exponential backoff on the clock', async () => {
    const clock = new ManualClock(T0)
    const receiver = await startReceiver([500, 500, 200])
    const { hook, retries } = channel(clock, { url: receiver.url, secret: SECRET, maxAttempts: 5 })

    await hook.deliver(notification())

    expect(receiver.requests).toHaveLength(3)
    expect(retries).toEqual([
      { attempt: 1, delayMs: 750, reason: 'HTTP 500' },
      { attempt: 2, delayMs: 1500, reason: 'HTTP 500' },
    ])
    expect(clock.now()).toBe(T0 + 2250)
    const third = receiver.requests[2]!
    expect(third.headers['x-tributary-delivery-attempt']).toBe('3')
    expect(third.headers['x-tributary-timestamp']).toBe(String(Math.floor((T0 + 2250) / 1000)))
    expect(
      verifyWebhookSignature({
        secret: SECRET,
        body: third.body,
        timestamp: third.headers['x-tributary-timestamp'] as string,
        signature: third.headers['x-tributary-signature'] as string,
        nowMs: clock.now(),
      }),
    ).toBe(true)
  })

  it.each([400, 401, 403, 404, 410, 422])('does not retry HTTP %i', async (status) => {
    const receiver = await startReceiver([status, 200])
    const { hook, retries } = channel(new ManualClock(T0), { url: receiver.url })

    const error = await hook.deliver(notification()).catch((e: unknown) => e)

    expect(error).toBeInstanceOf(NotificationDeliveryError)
    expect(error).toMatchObject({ channel: 'webhook', attempts: 1, reason: `HTTP ${status}` })
    expect(receiver.requests).toHaveLength(1)
    expect(retries).toEqual([])
  })

  it('reports the final failure once the attempts run out', async () => {
    const receiver = await startReceiver([503])
    const { hook, retries } = channel(new ManualClock(T0), { url: receiver.url, maxAttempts: 3 })

    await expect(hook.deliver(notification())).rejects.toThrow(
      `webhook delivery to ${receiver.url} failed after 3 attempt(s): HTTP 503`,
    )
    expect(receiver.requests).toHaveLength(3)
    expect(retries.map((r) => r.delayMs)).toEqual([750, 1500])
  })

  it('waits at least as long as a 429 Retry-After asks', async () => {
    const receiver = await startReceiver([{ status: 429, headers: { 'retry-after': '7' } }, 200])
    const { hook, retries } = channel(new ManualClock(T0), { url: receiver.url })
    await hook.deliver(notification())
    expect(retries).toEqual([{ attempt: 1, delayMs: 7000, reason: 'HTTP 429' }])
  })

  it('retries a refused connection', async () => {
    const url = `http://127.0.0.1:${await closedPort()}/hook`
    const { hook, retries } = channel(new ManualClock(T0), { url, maxAttempts: 2 })
    await expect(hook.deliver(notification())).rejects.toMatchObject({ attempts: 2, reason: 'ECONNREFUSED' })
    expect(retries).toEqual([{ attempt: 1, delayMs: 750, reason: 'ECONNREFUSED' }])
  })

  it('times out an attempt on the clock and retries it', async () => {
    const clock = new ManualClock(T0)
    const receiver = await startReceiver(['hang', 200])
    const { hook, retries } = channel(clock, { url: receiver.url, timeoutMs: 5_000 })

    const delivered = hook.deliver(notification())
    await receiver.arrived(1)
    clock.advance(5_000)
    await delivered

    expect(retries).toEqual([{ attempt: 1, delayMs: 750, reason: 'timeout' }])
    expect(receiver.requests).toHaveLength(2)
  })

  it('stops retrying when its signal aborts', async () => {
    const receiver = await startReceiver([500])
    const stop = new AbortController()
    const hook = new WebhookChannel({
      url: receiver.url,
      clock: new ManualClock(T0),
      signal: stop.signal,
      onRetry: () => queueMicrotask(() => stop.abort()),
    })
    await expect(hook.deliver(notification())).rejects.toMatchObject({
      attempts: 1,
      reason: 'HTTP 500 (stopped before retrying)',
    })
  })
})

describe('signWebhook', () => {
  it('is HMAC-SHA256 of "<timestamp>.<body>" in hex (as `openssl dgst -sha256 -hmac` computes it)', () => {
    expect(signWebhook('key', '1767225900', '{}')).toMatchInlineSnapshot(
      `"sha256=ec970f2988785b8ea99f11a6f7e69544851ec1b68d7fb50f2f792aa297deeb0a"`,
    )
  })
})

// biome-ignore-all lint/suspicious/noTemplateCurlyInString: `${env:VAR}` is the configuration syntax under test, not a template.
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { notificationSubscriptionSchema } from '../../../src/monitor/notify/config.ts'
import { readOutbox } from '../../../src/monitor/notify/outbox-channel.ts'
import { createNotificationProtocols } from '../../../src/monitor/notify/protocols.ts'
import type { NotificationDeliveryError } from '../../../src/monitor/notify/types.ts'
import { verifyWebhookSignature } from '../../../src/monitor/notify/webhook-channel.ts'
import { subscriptionSchema } from '../../../src/services/topics/definition.ts'
import { ManualClock } from '../../../src/util/clock.ts'
import { tempDir } from '../../helpers/tmp.ts'
import { openQueues } from '../../services/queues/fixtures.ts'
import { withTopics } from '../../services/topics/fixtures.ts'
import { alarmMessage, parseMail, startReceiver, startSmtpServer, T0 } from './fixtures.ts'

const topicSchema = z.object({
  subscriptions: z.array(z.union([subscriptionSchema, notificationSubscriptionSchema])),
})

async function setUp(env: Record<string, string> = {}) {
  const clock = new ManualClock(T0)
  const dataDir = await tempDir()
  const failures: NotificationDeliveryError[] = []
  const notify = createNotificationProtocols({
    dataDir,
    env,
    clock,
    random: () => 0.5,
    dashboardUrl: 'http://127.0.0.1:4567',
    onFailure: (error) => failures.push(error),
  })
  const { topics } = withTopics(await openQueues(clock), {}, notify.protocols)
  return { clock, dataDir, notify, topics, failures }
}

describe('notification protocols in the topic service', () => {
  it('fans an alarm out to the outbox, a real webhook and a real SMTP server', async () => {
    const smtp = await startSmtpServer()
    const receiver = await startReceiver([200])
    const { dataDir, notify, topics } = await setUp({
      TRIBUTARY_SMTP_HOST: '127.0.0.1',
      TRIBUTARY_SMTP_PORT: String(smtp.port),
      HOOK_SECRET: 'whsec-1',
    })
    const config = topicSchema.parse({
      subscriptions: [
        { outbox: true },
        { webhook: receiver.url, secret: '${env:HOOK_SECRET}' },
        { email: 'ops@example.com', smtp: { ignoreTLS: true } },
      ],
    })
    const subscriptions = topics.declare('alerts', config)
    expect(subscriptions.map((s) => [s.protocol, s.endpoint])).toEqual([
      ['outbox', join(dataDir, 'outbox.ndjson')],
      ['webhook', receiver.url],
      ['email', 'ops@example.com'],
    ])
    expect(JSON.stringify(subscriptions)).not.toContain('whsec-1')

    const { messageId } = topics.publish('alerts', alarmMessage(), { subject: 'ALARM: "HighIteratorAge"' })

    // The outbox is written (and fsynced) inside the publish.
    const [entry] = await readOutbox(join(dataDir, 'outbox.ndjson'))
    expect(entry).toMatchObject({ topic: 'alerts', messageId, subject: 'ALARM: HighIteratorAge' })
    await notify.idle()
    const request = receiver.requests[0]!
    expect(JSON.parse(request.body)).toMatchObject({
      Type: 'Notification',
      MessageId: messageId,
      TopicArn: 'arn:aws:sns:eu-west-1:123456789012:alerts',
    })
    expect(
      verifyWebhookSignature({
        secret: 'whsec-1',
        body: request.body,
        timestamp: request.headers['x-tributary-timestamp'] as string,
        signature: request.headers['x-tributary-signature'] as string,
        nowMs: T0,
      }),
    ).toBe(true)
    const mail = parseMail((await smtp.next()).raw)
    expect(mail.headers.subject).toBe('ALARM: HighIteratorAge')
    expect(mail.text).toContain('Dashboard   http://127.0.0.1:4567/ui/#/alarms/HighIteratorAge')
    await notify.close()
  })

  it('writes e-mail to the outbox when no SMTP server is configured', async () => {
    const { dataDir, topics } = await setUp()
    topics.declare('alerts', topicSchema.parse({ subscriptions: [{ email: ['ops@example.com'] }] }))
    topics.publish('alerts', 'disk full')
    expect(await readOutbox(join(dataDir, 'outbox.ndjson'))).toMatchObject([
      { to: ['ops@example.com'], subject: 'Notification from alerts', message: 'disk full' },
    ])
  })

  it('reports a webhook that fails for good, without failing the publish', async () => {
    const receiver = await startReceiver([404])
    const { notify, topics, failures } = await setUp()
    topics.declare('alerts', { subscriptions: [{ protocol: 'webhook', webhook: receiver.url }] })
    topics.publish('alerts', 'disk full')
    await notify.idle()
    expect(failures.map((f) => f.message)).toEqual([
      `webhook delivery to ${receiver.url} failed after 1 attempt(s): HTTP 404`,
    ])
  })

  it('stops pending retries on close', async () => {
    const receiver = await startReceiver([503])
    const { notify, topics, failures } = await setUp()
    topics.declare('alerts', { subscriptions: [{ protocol: 'webhook', webhook: receiver.url, retries: 5 }] })
    topics.publish('alerts', 'disk full')
    await receiver.arrived(1)
    await notify.close()
    expect(failures).toHaveLength(1)
    expect(failures[0]!.attempts).toBe(1)
  })

  it.each([
    [{ protocol: 'email', email: 'nope' }, 'topics.alerts.subscriptions[0].email'],
    [
      { protocol: 'webhook', webhook: 'http://127.0.0.1/h', secret: '${env:MISSING}' },
      'topics.alerts.subscriptions[0].secret',
    ],
    [{ protocol: 'outbox', outbox: 1 }, 'topics.alerts.subscriptions[0].outbox'],
  ])('rejects %j when the topic is declared', async (subscription, field) => {
    const { topics } = await setUp()
    expect(() => topics.declare('alerts', { subscriptions: [subscription] })).toThrow(
      expect.objectContaining({ name: 'InvalidConfigError', field }),
    )
  })
})

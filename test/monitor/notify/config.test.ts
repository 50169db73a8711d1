// biome-ignore-all lint/suspicious/noTemplateCurlyInString: `${env:VAR}` is the configuration syntax under test, not a template.
import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import {
  expandEnv,
  notificationSubscriptionSchema,
  parseNotificationSubscription,
  resolveSmtp,
  webhookSubscriptionSchema,
} from '../../../src/monitor/notify/config.ts'
import { subscriptionSchema } from '../../../src/services/topics/definition.ts'
import { InvalidConfigError } from '../../../src/util/invalid-config.ts'

/** What the pipeline schema becomes once the lead merges the notification subscriptions. */
const merged = z.object({
  subscriptions: z.array(z.union([subscriptionSchema, notificationSubscriptionSchema])),
})

describe('notificationSubscriptionSchema', () => {
  it('normalizes the short forms to subscriptions with their protocol', () => {
    const topic = merged.parse({
      subscriptions: [
        { queue: 'alert-log' },
        { email: 'ops@example.com' },
        {
          email: ['a@example.com', 'b@example.com'],
          smtp: { host: 'smtp.example.com', port: 465, secure: true },
        },
        { webhook: 'https://hooks.example.com/tributary', secret: '${env:HOOK_SECRET}' },
        { outbox: true },
        { outbox: 'alerts/outbox.ndjson' },
      ],
    })
    expect(topic.subscriptions).toEqual([
      { queue: 'alert-log', rawMessageDelivery: false },
      { protocol: 'email', email: ['ops@example.com'] },
      {
        protocol: 'email',
        email: ['a@example.com', 'b@example.com'],
        smtp: { host: 'smtp.example.com', port: 465, secure: true },
      },
      {
        protocol: 'webhook',
        webhook: 'https://hooks.example.com/tributary',
        secret: '${env:HOOK_SECRET}',
        retries: 3,
        timeoutSeconds: 10,
      },
      { protocol: 'outbox', outbox: true },
      { protocol: 'outbox', outbox: 'alerts/outbox.ndjson' },
    ])
  })

  it.each([
    ['a bad address', { email: 'not-an-address' }, ['email']],
    ['no addresses', { email: [] }, ['email']],
    ['an unknown SMTP setting', { email: 'a@example.com', smtp: { hots: 'x' } }, ['smtp']],
    [
      'requireTLS with ignoreTLS',
      { email: 'a@example.com', smtp: { requireTLS: true, ignoreTLS: true } },
      ['smtp'],
    ],
    ['a non-HTTP webhook', { webhook: 'ftp://example.com/x' }, ['webhook']],
    ['too many retries', { webhook: 'http://127.0.0.1/x', retries: 11 }, ['retries']],
    ['outbox false', { outbox: false }, ['outbox']],
  ])('rejects %s', (_, input, path) => {
    const result = notificationSubscriptionSchema.safeParse(input)
    expect(result.success).toBe(false)
    const paths = result.error!.issues.flatMap((i) =>
      i.code === 'invalid_union' ? i.errors.flat().map((e) => e.path) : [i.path],
    )
    expect(paths).toContainEqual(expect.arrayContaining(path))
  })
})

describe('parseNotificationSubscription', () => {
  it('accepts the protocol form and names the offending field', () => {
    expect(
      parseNotificationSubscription(
        webhookSubscriptionSchema,
        { protocol: 'webhook', webhook: 'http://127.0.0.1/h' },
        'p',
      ),
    ).toMatchObject({ protocol: 'webhook', retries: 3 })
    expect(() =>
      parseNotificationSubscription(
        webhookSubscriptionSchema,
        { webhook: 'http://127.0.0.1/h', retries: -1 },
        'topics.a.subscriptions[0]',
      ),
    ).toThrow(
      new InvalidConfigError('topics.a.subscriptions[0].retries', 'Too small: expected number to be >=0'),
    )
  })
})

describe('resolveSmtp', () => {
  it('takes the subscription, then pipeline defaults, then TRIBUTARY_SMTP_*', () => {
    const env = {
      TRIBUTARY_SMTP_HOST: 'env-host',
      TRIBUTARY_SMTP_PORT: '2525',
      TRIBUTARY_SMTP_USER: 'env-user',
      TRIBUTARY_SMTP_PASS: 'env-pass',
      TRIBUTARY_SMTP_FROM: 'env@example.com',
    }
    expect(resolveSmtp(undefined, undefined, env, 'smtp')).toEqual({
      host: 'env-host',
      port: 2525,
      secure: false,
      requireTLS: false,
      ignoreTLS: false,
      auth: { user: 'env-user', pass: 'env-pass' },
      from: 'env@example.com',
    })
    expect(
      resolveSmtp(
        { host: 'own', tls: { rejectUnauthorized: false } },
        { host: 'pipeline', secure: true, tls: { servername: 'mx' } },
        {},
        'smtp',
      ),
    ).toEqual({
      host: 'own',
      port: 465,
      secure: true,
      requireTLS: false,
      ignoreTLS: false,
      tls: { servername: 'mx', rejectUnauthorized: false },
      from: 'Tributary <tributary@localhost>',
    })
  })

  it('expands ${env:VAR} references', () => {
    const smtp = resolveSmtp(
      { host: '${env:MAIL_HOST}', port: '${env:MAIL_PORT}', user: 'me', pass: '${env:MAIL_PASS}' },
      undefined,
      { MAIL_HOST: 'mail.internal', MAIL_PORT: '587', MAIL_PASS: 's3cret' },
      'smtp',
    )
    expect(smtp).toMatchObject({ host: 'mail.internal', port: 587, auth: { user: 'me', pass: 's3cret' } })
  })

  it('is undefined without a host anywhere (e-mail then goes to the outbox)', () => {
    expect(resolveSmtp({ port: 25 }, undefined, {}, 'smtp')).toBeUndefined()
  })

  it.each([
    [{ host: '${env:NOPE}' }, {}, 'topics.a.smtp.host: environment variable NOPE is not set'],
    [{ host: 'h', port: 'x' }, {}, 'topics.a.smtp.port: must be a port number (got "x")'],
    [{ host: 'h', user: 'u' }, {}, 'topics.a.smtp.pass: SMTP user and pass go together'],
    [
      { host: 'h' },
      { TRIBUTARY_SMTP_SECURE: 'maybe' },
      'TRIBUTARY_SMTP_SECURE: must be true or false (got "maybe")',
    ],
  ])('rejects %j', (config, env, message) => {
    expect(() => resolveSmtp(config, undefined, env, 'topics.a.smtp')).toThrow(message)
  })
})

describe('expandEnv', () => {
  it('replaces every reference and leaves other text alone', () => {
    expect(expandEnv('${env:A}-${env:B}-$HOME', { A: '1', B: '2' }, 'x')).toBe('1-2-$HOME')
  })
})

import { describe, expect, it } from 'vitest'
import { resolveSmtp, type SmtpSettings } from '../../../src/monitor/notify/config.ts'
import { EmailChannel } from '../../../src/monitor/notify/email-channel.ts'
import { NotificationDeliveryError } from '../../../src/monitor/notify/types.ts'
import { ManualClock } from '../../../src/util/clock.ts'
import { notification, parseMail, startSmtpServer, T0 } from './fixtures.ts'

function smtp(port: number, overrides: Partial<SmtpSettings> = {}): SmtpSettings {
  return {
    host: '127.0.0.1',
    port,
    secure: false,
    requireTLS: false,
    ignoreTLS: true,
    from: 'Tributary <alerts@tributary.test>',
    ...overrides,
  }
}

function channel(settings: SmtpSettings, to = ['ops@example.com']) {
  const mail = new EmailChannel({
    smtp: settings,
    to,
    clock: new ManualClock(T0),
    maxAttempts: 1,
    dashboardUrl: 'http://127.0.0.1:4567',
  })
  return mail
}

describe('EmailChannel', () => {
  it('delivers an alarm to a real SMTP server: what fired, why, the value and the link', async () => {
    const server = await startSmtpServer()
    const n = notification()

    await channel(smtp(server.port), ['ops@example.com', 'oncall@example.com']).deliver(n)

    const mail = await server.next()
    expect(mail.from).toBe('alerts@tributary.test')
    expect(mail.to).toEqual(['ops@example.com', 'oncall@example.com'])
    const { headers, text, html } = parseMail(mail.raw)
    expect(headers.from).toBe('Tributary <alerts@tributary.test>')
    expect(headers.to).toBe('ops@example.com, oncall@example.com')
    expect(headers.subject).toBe('ALARM: HighIteratorAge')
    expect(headers['x-tributary-topic']).toBe('alerts')
    expect(headers['x-tributary-message-id']).toBe(n.messageId)
    expect(text).toContain('ALARM: HighIteratorAge — Threshold Crossed: 1 out of the last 1 datapoints')
    expect(text).toContain('What fired  alarm "HighIteratorAge" (OK → ALARM)')
    expect(text).toContain('Why         Threshold Crossed:')
    expect(text).toContain('Value       120000 Milliseconds (alarms when > 60000)')
    expect(text).toContain('Dashboard   http://127.0.0.1:4567/ui/#/alarms/HighIteratorAge')
    expect(html).toContain('<a href="http://127.0.0.1:4567/ui/#/alarms/HighIteratorAge">')
  })

  it('logs in with the configured credentials', async () => {
    const server = await startSmtpServer({
      authOptional: false,
      allowInsecureAuth: true,
      onAuth(auth, _session, callback) {
        if (auth.username === 'tributary' && auth.password === 'hunter2')
          callback(null, { user: auth.username })
        else callback(new Error('Invalid username or password'))
      },
    })
    await channel(smtp(server.port, { auth: { user: 'tributary', pass: 'hunter2' } })).deliver(
      notification({ subject: 'Order failed', message: 'order 42 went to the DLQ' }),
    )
    const mail = await server.next()
    expect(mail.user).toBe('tributary')
    const { headers, text } = parseMail(mail.raw)
    expect(headers.subject).toBe('Order failed')
    expect(text).toContain('order 42 went to the DLQ')
  })

  it('fails without retrying when the login is refused', async () => {
    const server = await startSmtpServer({
      authOptional: false,
      allowInsecureAuth: true,
      onAuth: (_auth, _session, callback) => callback(new Error('Invalid username or password')),
    })
    const error = await channel(smtp(server.port, { auth: { user: 'u', pass: 'wrong' } }))
      .deliver(notification())
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(NotificationDeliveryError)
    expect(error).toMatchObject({ channel: 'email', attempts: 1, reason: 'SMTP 535' })
    expect(server.mails).toEqual([])
  })

  it('upgrades with STARTTLS when required, accepting a self-signed certificate if told to', async () => {
    // smtp-server's built-in certificate is self-signed.
    const server = await startSmtpServer({ disabledCommands: [] })
    const settings = smtp(server.port, { ignoreTLS: false, requireTLS: true })

    await expect(channel(settings).deliver(notification())).rejects.toBeInstanceOf(NotificationDeliveryError)
    await channel({ ...settings, tls: { rejectUnauthorized: false } }).deliver(notification())

    const mail = await server.next()
    expect(mail.secure).toBe(true)
  })

  it('retries a 4xx reply with backoff on the clock', async () => {
    let refusals = 1
    const server = await startSmtpServer({
      onRcptTo(_address, _session, callback) {
        if (refusals-- > 0) callback(Object.assign(new Error('Try again later'), { responseCode: 451 }))
        else callback()
      },
    })
    const clock = new ManualClock(T0)
    const delays: number[] = []
    const mail = new EmailChannel({
      smtp: smtp(server.port),
      to: ['ops@example.com'],
      clock,
      random: () => 0,
      onRetry(event) {
        delays.push(event.delayMs)
        queueMicrotask(() => clock.advance(event.delayMs))
      },
    })
    await mail.deliver(notification())
    expect(delays).toEqual([500])
    expect(await server.next()).toMatchObject({ to: ['ops@example.com'] })
  })

  it('reads its settings from TRIBUTARY_SMTP_* through resolveSmtp', async () => {
    const server = await startSmtpServer()
    const settings = resolveSmtp(
      { ignoreTLS: true },
      undefined,
      {
        TRIBUTARY_SMTP_HOST: '127.0.0.1',
        TRIBUTARY_SMTP_PORT: String(server.port),
        TRIBUTARY_SMTP_FROM: 'env@tributary.test',
      },
      'smtp',
    )!
    await channel(settings).deliver(notification())
    expect((await server.next()).from).toBe('env@tributary.test')
  })
})

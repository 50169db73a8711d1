import type { Transporter } from 'nodemailer'
import { type Clock, systemClock } from '../../util/clock.ts'
import type { SmtpSettings } from './config.ts'
import { type RenderOptions, renderNotification } from './render.ts'
import { DEFAULT_RETRY, type RetryEvent, type RetryPolicy, withRetries } from './retry.ts'
import type { AttemptFailure, Notification, NotificationChannel } from './types.ts'

export interface EmailChannelOptions extends RenderOptions {
  /** See `resolveSmtp` for settings read from config and `TRIBUTARY_SMTP_*`. */
  smtp: SmtpSettings
  to: readonly string[]
  /** Attempts in all (default 3). */
  maxAttempts?: number
  backoff?: Partial<Pick<RetryPolicy, 'baseDelayMs' | 'maxDelayMs'>>
  /** Connection, greeting and socket timeouts (default 30 s each). */
  timeoutMs?: number
  clock?: Clock
  random?: () => number
  onRetry?: (event: RetryEvent) => void
  signal?: AbortSignal
}

/** SMTP errors nodemailer reports without a reply code that another attempt may get past. */
const TRANSIENT_CODES = new Set(['ECONNECTION', 'ETIMEDOUT', 'ESOCKET', 'EDNS', 'ECONNRESET'])

/**
 * Sends each notification as an e-mail (plain text and HTML) over SMTP with nodemailer. Alarm
 * messages read "ALARM: <name> — <reason>" with the value and a dashboard link. Connection
 * failures and 4xx replies are retried with backoff; 5xx replies and failed logins are final.
 *
 * @example
 * const mail = new EmailChannel({ smtp: resolveSmtp(undefined, undefined, process.env, 'smtp')!,
 *   to: ['ops@example.com'] })
 * await mail.deliver(notification)
 */
export class EmailChannel implements NotificationChannel {
  readonly #options: EmailChannelOptions
  readonly #clock: Clock
  readonly #policy: RetryPolicy
  /** Created on the first e-mail: nodemailer is loaded only by pipelines that send one. */
  #transport: Promise<Transporter> | undefined
  #closed = false

  constructor(options: EmailChannelOptions) {
    this.#options = options
    this.#clock = options.clock ?? systemClock
    this.#policy = { ...DEFAULT_RETRY, ...options.backoff, maxAttempts: options.maxAttempts ?? 3 }
  }

  #transporter(): Promise<Transporter> {
    this.#transport ??= import('nodemailer').then(({ default: nodemailer }) => {
      const { smtp, timeoutMs = 30_000 } = this.#options
      const transport = nodemailer.createTransport({
        host: smtp.host,
        port: smtp.port,
        secure: smtp.secure,
        requireTLS: smtp.requireTLS,
        ignoreTLS: smtp.ignoreTLS,
        ...(smtp.tls ? { tls: smtp.tls } : {}),
        ...(smtp.auth ? { auth: smtp.auth } : {}),
        connectionTimeout: timeoutMs,
        greetingTimeout: timeoutMs,
        socketTimeout: timeoutMs,
      })
      if (this.#closed) transport.close()
      return transport
    })
    return this.#transport
  }

  async deliver(notification: Notification): Promise<void> {
    const { to, random, onRetry, signal, smtp } = this.#options
    const rendered = renderNotification(notification, this.#options)
    const mail = {
      from: smtp.from,
      to: [...to],
      subject: rendered.subject,
      text: rendered.text,
      html: rendered.html,
      date: new Date(this.#clock.now()),
      headers: {
        'X-Tributary-Topic': notification.topic,
        'X-Tributary-Message-Id': notification.messageId,
      },
    }
    const context = { clock: this.#clock, policy: this.#policy, random, onRetry, signal }
    await withRetries('email', to.join(', '), context, async (): Promise<AttemptFailure | undefined> => {
      try {
        await (await this.#transporter()).sendMail(mail)
        return undefined
      } catch (error) {
        return classify(error)
      }
    })
  }

  /** Closes pooled SMTP connections. */
  close(): void {
    this.#closed = true
    void this.#transport?.then((transport) => transport.close())
  }
}

function classify(error: unknown): AttemptFailure {
  const { responseCode, code } = error as { responseCode?: number; code?: string }
  if (typeof responseCode === 'number') {
    return {
      retryable: responseCode >= 400 && responseCode < 500,
      reason: `SMTP ${responseCode}`,
      cause: error,
    }
  }
  const reason = typeof code === 'string' ? code : 'SMTP error'
  return { retryable: typeof code === 'string' && TRANSIENT_CODES.has(code), reason, cause: error }
}

import { isAbsolute, join } from 'node:path'
import type { SubscriptionProtocol, Notification as TopicNotification } from '../../contracts/topics.ts'
import { type Clock, systemClock } from '../../util/clock.ts'
import { type Logger, silentLogger } from '../../util/logger.ts'
import {
  emailSubscriptionSchema,
  expandEnv,
  outboxSubscriptionSchema,
  parseNotificationSubscription,
  resolveSmtp,
  type SmtpConfig,
  webhookSubscriptionSchema,
} from './config.ts'
import { EmailChannel } from './email-channel.ts'
import { defaultOutboxPath, OutboxChannel } from './outbox-channel.ts'
import type { RenderOptions } from './render.ts'
import type { RetryEvent } from './retry.ts'
import { type Notification, NotificationDeliveryError } from './types.ts'
import { WebhookChannel } from './webhook-channel.ts'

export interface NotificationProtocolsOptions extends RenderOptions {
  /** The data directory: `{ outbox: true }` writes `<dataDir>/outbox.ndjson`, relative paths resolve here. */
  dataDir: string
  /** Pipeline-wide SMTP settings under each subscription's own `smtp`. */
  smtp?: SmtpConfig
  /** Where `${env:VAR}` and `TRIBUTARY_SMTP_*` are read (default `process.env`). */
  env?: Readonly<Record<string, string | undefined>>
  clock?: Clock
  logger?: Logger
  random?: () => number
  /** A delivery that failed for good (after its retries). Also logged as a warning. */
  onFailure?: (error: NotificationDeliveryError, subscriptionArn: string) => void
  /** A retry being scheduled, with the endpoint (address list or URL) it is for. */
  onRetry?: (event: RetryEvent, endpoint: string) => void
}

/** The e-mail, webhook and outbox protocols for the topic service, and their lifecycle. */
export interface NotificationProtocols {
  protocols: SubscriptionProtocol<{ protocol: string }>[]
  /** Resolves once every e-mail and webhook delivery under way has finished, either way. */
  idle(): Promise<void>
  /** Stops waiting for retries (those deliveries fail), waits for requests in flight, closes SMTP. */
  close(): Promise<void>
}

export interface EmailSubscriptionResolved {
  protocol: 'email'
  email: string[]
  /** `outbox` when no SMTP host is configured anywhere. */
  via: 'smtp' | 'outbox'
}

export interface WebhookSubscriptionResolved {
  protocol: 'webhook'
  webhook: string
  signed: boolean
}

export interface OutboxSubscriptionResolved {
  protocol: 'outbox'
  outbox: string
}

interface Sync {
  deliverSync(n: Notification): void
}
interface Async {
  deliver(n: Notification): Promise<void>
}

/**
 * Builds the `email`, `webhook` and `outbox` subscription protocols. The topic service calls
 * `deliver` inside its publish transaction, so the outbox is written (and fsynced) there, while
 * e-mail and webhooks start once the publish has returned and retry in the background: a slow
 * mail server never holds up a publisher. Those deliveries live in memory; a crash loses the ones
 * still retrying (the outbox, queue and function subscriptions are durable).
 *
 * @example
 * const notify = createNotificationProtocols({ dataDir: engine.dataDir, clock, logger })
 * const topics = new TopicService({ store, queues, asyncInvocations, protocols: notify.protocols })
 * // on shutdown
 * await notify.close()
 */
export function createNotificationProtocols(options: NotificationProtocolsOptions): NotificationProtocols {
  const env = options.env ?? process.env
  const clock = options.clock ?? systemClock
  const logger = options.logger ?? silentLogger
  const render: RenderOptions = options.dashboardUrl ? { dashboardUrl: options.dashboardUrl } : {}
  const stop = new AbortController()
  const inFlight = new Set<Promise<void>>()
  const emailChannels: EmailChannel[] = []
  const sync = new WeakMap<object, Sync>()
  const background = new WeakMap<object, Async>()
  const outboxFile = (path: string | true) =>
    path === true ? defaultOutboxPath(options.dataDir) : isAbsolute(path) ? path : join(options.dataDir, path)
  const retryHook = (endpoint: string) =>
    options.onRetry ? (e: RetryEvent) => options.onRetry!(e, endpoint) : undefined
  const shared = { clock, signal: stop.signal, ...(options.random ? { random: options.random } : {}) }

  const start = (channel: Async, n: TopicNotification, arn: string) => {
    const delivery = Promise.resolve()
      .then(() => channel.deliver(toNotification(n)))
      .catch((error: unknown) => {
        const failure =
          error instanceof NotificationDeliveryError
            ? error
            : new NotificationDeliveryError('notification', arn, 1, String(error), { cause: error })
        logger.warn(`${arn}: ${failure.message}`)
        options.onFailure?.(failure, arn)
      })
      .finally(() => inFlight.delete(delivery))
    inFlight.add(delivery)
  }

  const email: SubscriptionProtocol<EmailSubscriptionResolved> = {
    protocol: 'email',
    resolve(input, path) {
      const config = parseNotificationSubscription(emailSubscriptionSchema, input, path)
      const smtp = resolveSmtp(config.smtp, options.smtp, env, `${path}.smtp`)
      const resolved: EmailSubscriptionResolved = {
        protocol: 'email',
        email: config.email,
        via: smtp ? 'smtp' : 'outbox',
      }
      if (smtp) {
        const channel = new EmailChannel({
          smtp,
          to: config.email,
          onRetry: retryHook(config.email.join(',')),
          ...shared,
          ...render,
        })
        emailChannels.push(channel)
        background.set(resolved, channel)
      } else {
        const file = defaultOutboxPath(options.dataDir)
        // Information, not a problem: the outbox is the zero-setup way alerts are meant to arrive.
        logger.info(
          `e-mail: no SMTP server configured (smtp.host or TRIBUTARY_SMTP_HOST), so e-mail to ${config.email.join(', ')} (${path}) is written to ${file}`,
        )
        sync.set(resolved, new OutboxChannel({ file, clock, to: config.email, ...render }))
      }
      return resolved
    },
    endpoint: (s) => s.email.join(','),
    deliver(n, s, arn) {
      const outbox = sync.get(s)
      if (outbox) outbox.deliverSync(toNotification(n))
      else start(background.get(s)!, n, arn)
    },
  }

  const webhook: SubscriptionProtocol<WebhookSubscriptionResolved> = {
    protocol: 'webhook',
    resolve(input, path) {
      const config = parseNotificationSubscription(webhookSubscriptionSchema, input, path)
      const secret = config.secret === undefined ? undefined : expandEnv(config.secret, env, `${path}.secret`)
      const resolved: WebhookSubscriptionResolved = {
        protocol: 'webhook',
        webhook: config.webhook,
        signed: secret !== undefined,
      }
      const channel = new WebhookChannel({
        url: config.webhook,
        ...(secret !== undefined ? { secret } : {}),
        maxAttempts: config.retries + 1,
        timeoutMs: config.timeoutSeconds * 1000,
        onRetry: retryHook(config.webhook),
        ...shared,
      })
      background.set(resolved, channel)
      return resolved
    },
    endpoint: (s) => s.webhook,
    messageKey: (s) => (s.webhook.startsWith('https:') ? 'https' : 'http'),
    deliver(n, s, arn) {
      start(background.get(s)!, n, arn)
    },
  }

  const outbox: SubscriptionProtocol<OutboxSubscriptionResolved> = {
    protocol: 'outbox',
    resolve(input, path) {
      const config = parseNotificationSubscription(outboxSubscriptionSchema, input, path)
      const resolved: OutboxSubscriptionResolved = { protocol: 'outbox', outbox: outboxFile(config.outbox) }
      sync.set(resolved, new OutboxChannel({ file: resolved.outbox, clock, ...render }))
      return resolved
    },
    endpoint: (s) => s.outbox,
    deliver(n, s) {
      sync.get(s)!.deliverSync(toNotification(n))
    },
  }

  const idle = async () => {
    while (inFlight.size > 0) await Promise.all([...inFlight])
  }
  return {
    protocols: [email, webhook, outbox] as SubscriptionProtocol<{ protocol: string }>[],
    idle,
    async close() {
      stop.abort()
      await idle()
      for (const channel of emailChannels) channel.close()
    },
  }
}

/** The topic service's notification, as the channels take it. */
export function toNotification(n: TopicNotification): Notification {
  return {
    topic: n.topicArn.slice(n.topicArn.lastIndexOf(':') + 1),
    topicArn: n.topicArn,
    ...(n.subject !== undefined ? { subject: n.subject } : {}),
    message: n.message,
    messageId: n.messageId,
    timestamp: n.timestamp,
    attributes: n.attributes,
    ...(n.attributeTypes ? { attributeTypes: n.attributeTypes } : {}),
  }
}

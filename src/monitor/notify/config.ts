import { z } from 'zod'
import { InvalidConfigError } from '../../util/invalid-config.ts'

/**
 * Subscription settings for e-mail, webhooks and the outbox, in the pipeline definition's short
 * forms. Each schema outputs the subscription with its `protocol` spelled out, which is what the
 * topic service dispatches on. String settings may name environment variables as `${env:VAR}`;
 * those are read when the topic is declared, never stored in the parsed definition.
 */

/** `${env:VAR}` anywhere in a string setting. */
const ENV_REFERENCE = /\$\{env:([A-Za-z_][A-Za-z0-9_]*)\}/g

const port = z.union([z.int().min(1).max(65_535), z.string().min(1)])

export const smtpSchema = z
  .object({
    /** The SMTP server (else `TRIBUTARY_SMTP_HOST`; with neither, mail goes to the outbox file). */
    host: z.string().min(1).optional(),
    /** Defaults to 465 with `secure`, else 587. A string may be `${env:VAR}`. */
    port: port.optional(),
    /** TLS from the first byte (SMTPS, port 465). Without it STARTTLS is used when offered. */
    secure: z.boolean().optional(),
    /** Fail unless the server offers STARTTLS. */
    requireTLS: z.boolean().optional(),
    /** Never STARTTLS, even when offered (local test servers only). */
    ignoreTLS: z.boolean().optional(),
    /** TLS settings of the connection. */
    tls: z
      .object({
        /** `false` accepts self-signed certificates (local testing only). */
        rejectUnauthorized: z.boolean().optional(),
        /** The name the server's certificate must carry, when it is not `host`. */
        servername: z.string().min(1).optional(),
      })
      .strict()
      .optional(),
    /** Login user; may be `${env:VAR}`. */
    user: z.string().min(1).optional(),
    /** Login password; may be `${env:VAR}` (keep secrets out of the file). */
    pass: z.string().min(1).optional(),
    /** Sender, e.g. `Tributary <alerts@example.com>`. */
    from: z.string().min(1).optional(),
  })
  .strict()
  .refine((s) => !(s.requireTLS && s.ignoreTLS), { message: 'requireTLS and ignoreTLS exclude each other' })

const address = z.email()

export const emailSubscriptionSchema = z
  .object({
    /** One address or up to 50. */
    email: z.union([address, z.array(address).min(1).max(50)]),
    /** This subscription's SMTP settings, over `notifications.smtp`. */
    smtp: smtpSchema.optional(),
  })
  .strict()
  .transform((s) => ({
    protocol: 'email' as const,
    email: typeof s.email === 'string' ? [s.email] : s.email,
    ...(s.smtp ? { smtp: s.smtp } : {}),
  }))

export const WEBHOOK_DEFAULTS = { retries: 3, timeoutSeconds: 10 } as const

export const webhookSubscriptionSchema = z
  .object({
    /** The URL each message is POSTed to (JSON, as SNS's HTTP/S subscriptions). */
    webhook: z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' }),
    /** HMAC-SHA256 key for `X-Tributary-Signature`; may be `${env:VAR}`. */
    secret: z.string().min(1).optional(),
    /** Retries after the first attempt, 0-10. */
    retries: z.int().min(0).max(10).default(WEBHOOK_DEFAULTS.retries),
    /** Per attempt, 1-60 s. */
    timeoutSeconds: z.number().min(1).max(60).default(WEBHOOK_DEFAULTS.timeoutSeconds),
  })
  .strict()
  .transform((s) => ({ protocol: 'webhook' as const, ...s }))

export const outboxSubscriptionSchema = z
  .object({
    /** `true` for `<dataDir>/outbox.ndjson`, or a file path (relative to the data directory). */
    outbox: z.union([z.literal(true), z.string().min(1)]),
  })
  .strict()
  .transform((s) => ({ protocol: 'outbox' as const, outbox: s.outbox }))

/** The three notification subscription kinds; merge into the pipeline's `subscriptionSchema`. */
export const notificationSubscriptionSchema = z.union([
  emailSubscriptionSchema,
  webhookSubscriptionSchema,
  outboxSubscriptionSchema,
])

export type SmtpConfig = z.output<typeof smtpSchema>
export type EmailSubscription = z.output<typeof emailSubscriptionSchema>
export type WebhookSubscription = z.output<typeof webhookSubscriptionSchema>
export type OutboxSubscription = z.output<typeof outboxSubscriptionSchema>
export type NotificationSubscription = z.output<typeof notificationSubscriptionSchema>
export type NotificationSubscriptionInput = z.input<typeof notificationSubscriptionSchema>

/** SMTP settings with environment references read and defaults applied. */
export interface SmtpSettings {
  host: string
  port: number
  secure: boolean
  requireTLS: boolean
  ignoreTLS: boolean
  tls?: { rejectUnauthorized?: boolean; servername?: string }
  auth?: { user: string; pass: string }
  from: string
}

export const DEFAULT_FROM = 'Tributary <tributary@localhost>'

/** Environment variables that fill in SMTP settings the configuration leaves out. */
export const SMTP_ENV = {
  host: 'TRIBUTARY_SMTP_HOST',
  port: 'TRIBUTARY_SMTP_PORT',
  secure: 'TRIBUTARY_SMTP_SECURE',
  user: 'TRIBUTARY_SMTP_USER',
  pass: 'TRIBUTARY_SMTP_PASS',
  from: 'TRIBUTARY_SMTP_FROM',
} as const

type Env = Readonly<Record<string, string | undefined>>

/** Replaces every `${env:VAR}`; an unset variable is a configuration error naming `path`. */
export function expandEnv(value: string, env: Env, path: string): string {
  return value.replace(ENV_REFERENCE, (_, variable: string) => {
    const found = env[variable]
    if (found === undefined) throw new InvalidConfigError(path, `environment variable ${variable} is not set`)
    return found
  })
}

/**
 * SMTP settings for one subscription: its own `smtp` block, then `defaults` (pipeline-wide), then
 * the `TRIBUTARY_SMTP_*` variables, field by field. Undefined when no host is set anywhere: the
 * caller then writes e-mail to the outbox instead, so a demo needs no mail server.
 */
export function resolveSmtp(
  config: SmtpConfig | undefined,
  defaults: SmtpConfig | undefined,
  env: Env,
  path: string,
): SmtpSettings | undefined {
  const merged: SmtpConfig = {
    ...defaults,
    ...config,
    ...(defaults?.tls || config?.tls ? { tls: { ...defaults?.tls, ...config?.tls } } : {}),
  }
  const pick = (key: 'host' | 'user' | 'pass' | 'from'): string | undefined => {
    const value = merged[key] ?? env[SMTP_ENV[key]]
    return value === undefined || value === '' ? undefined : expandEnv(value, env, `${path}.${key}`)
  }
  const host = pick('host')
  if (!host) return undefined
  const secure = merged.secure ?? flag(env[SMTP_ENV.secure], `${SMTP_ENV.secure}`) ?? false
  const rawPort = merged.port ?? env[SMTP_ENV.port]
  const port = rawPort === undefined || rawPort === '' ? (secure ? 465 : 587) : toPort(rawPort, env, path)
  const user = pick('user')
  const pass = pick('pass')
  if ((user === undefined) !== (pass === undefined)) {
    throw new InvalidConfigError(`${path}.${user ? 'pass' : 'user'}`, 'SMTP user and pass go together')
  }
  return {
    host,
    port,
    secure,
    requireTLS: merged.requireTLS ?? false,
    ignoreTLS: merged.ignoreTLS ?? false,
    ...(merged.tls ? { tls: merged.tls } : {}),
    ...(user && pass ? { auth: { user, pass } } : {}),
    from: pick('from') ?? DEFAULT_FROM,
  }
}

function toPort(value: string | number, env: Env, path: string): number {
  const n = typeof value === 'number' ? value : Number(expandEnv(value, env, `${path}.port`))
  if (!Number.isInteger(n) || n < 1 || n > 65_535) {
    throw new InvalidConfigError(`${path}.port`, `must be a port number (got ${JSON.stringify(value)})`)
  }
  return n
}

function flag(value: string | undefined, path: string): boolean | undefined {
  if (value === undefined || value === '') return undefined
  if (/^(true|1|yes)$/i.test(value)) return true
  if (/^(false|0|no)$/i.test(value)) return false
  throw new InvalidConfigError(path, `must be true or false (got ${JSON.stringify(value)})`)
}

/**
 * Checks a subscription given to the topic service directly (short form, or with `protocol`),
 * as the pipeline schema would; the error names the first offending field.
 */
export function parseNotificationSubscription<S extends z.ZodType>(
  schema: S,
  input: Record<string, unknown>,
  path: string,
): z.output<S> {
  const { protocol: _, ...rest } = input
  const result = schema.safeParse(rest)
  if (!result.success) {
    const issue = result.error.issues[0]!
    const at = issue.path.length > 0 ? `${path}.${issue.path.join('.')}` : path
    throw new InvalidConfigError(at, issue.message)
  }
  return result.data
}

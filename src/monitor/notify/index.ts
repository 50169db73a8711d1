export {
  DEFAULT_FROM,
  type EmailSubscription,
  emailSubscriptionSchema,
  expandEnv,
  type NotificationSubscription,
  type NotificationSubscriptionInput,
  notificationSubscriptionSchema,
  type OutboxSubscription,
  outboxSubscriptionSchema,
  resolveSmtp,
  SMTP_ENV,
  type SmtpConfig,
  type SmtpSettings,
  smtpSchema,
  WEBHOOK_DEFAULTS,
  type WebhookSubscription,
  webhookSubscriptionSchema,
} from './config.ts'
export { EmailChannel, type EmailChannelOptions } from './email-channel.ts'
export {
  defaultOutboxPath,
  OUTBOX_FILE,
  OutboxChannel,
  type OutboxChannelOptions,
  type OutboxEntry,
  readOutbox,
} from './outbox-channel.ts'
export {
  createNotificationProtocols,
  type EmailSubscriptionResolved,
  type NotificationProtocols,
  type NotificationProtocolsOptions,
  type OutboxSubscriptionResolved,
  toNotification,
  type WebhookSubscriptionResolved,
} from './protocols.ts'
export {
  type AlarmSummary,
  alarmLink,
  DEFAULT_DASHBOARD_URL,
  escapeHtml,
  type RenderedMessage,
  type RenderOptions,
  renderAlarm,
  renderNotification,
} from './render.ts'
export { backoffDelay, DEFAULT_RETRY, type RetryEvent, type RetryPolicy } from './retry.ts'
export {
  type AttemptFailure,
  type Notification,
  type NotificationChannel,
  NotificationDeliveryError,
} from './types.ts'
export {
  SIGNATURE_HEADER,
  SIGNATURE_TOLERANCE_SECONDS,
  signWebhook,
  TIMESTAMP_HEADER,
  verifyWebhookSignature,
  WebhookChannel,
  type WebhookChannelOptions,
  type WebhookPayload,
  webhookPayload,
} from './webhook-channel.ts'

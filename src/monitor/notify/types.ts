/**
 * One message to deliver, independent of how the topic that published it is implemented. For
 * CloudWatch alarms `message` is the alarm's SNS JSON (AlarmName, NewStateValue, ...).
 */
export interface Notification {
  /** Topic name, e.g. `alerts`. */
  topic: string
  /** The topic's ARN when known (the webhook payload's `TopicArn`). */
  topicArn?: string
  subject?: string
  message: string
  messageId: string
  /** ISO 8601, UTC (SNS's Timestamp). */
  timestamp: string
  attributes?: Readonly<Record<string, string>>
  /** Each attribute's SNS type (`Number`, `String.Array`, `Binary`); unlisted: `String`. */
  attributeTypes?: Readonly<Record<string, string>>
}

/**
 * Delivers notifications to one destination. `deliver` resolves once the destination has
 * accepted the notification (an SMTP server queued it, a webhook answered 2xx, the outbox line is
 * fsynced) and rejects with a {@link NotificationDeliveryError} once retries are exhausted.
 */
export interface NotificationChannel {
  deliver(notification: Notification): Promise<void>
}

/** Why one attempt failed, and whether another attempt may succeed. */
export interface AttemptFailure {
  retryable: boolean
  /** Short, bounded description: `HTTP 503`, `ECONNREFUSED`, `SMTP 451`, `timeout`. */
  reason: string
  /** A server's Retry-After, when it sent one. */
  retryAfterMs?: number
  cause?: unknown
}

/** A notification that could not be delivered: the last attempt's reason, and how many were made. */
export class NotificationDeliveryError extends Error {
  override readonly name = 'NotificationDeliveryError'

  constructor(
    /** `email`, `webhook` or `outbox`. */
    readonly channel: string,
    /** Where to: an address list, a URL, a file. */
    readonly endpoint: string,
    readonly attempts: number,
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(`${channel} delivery to ${endpoint} failed after ${attempts} attempt(s): ${reason}`, options)
  }
}

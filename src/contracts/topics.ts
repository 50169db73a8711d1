/**
 * Contracts of SNS topics with the subscribers they deliver to: a topic fans each published
 * message out as a {@link Notification}, and each kind of subscriber (queue, function, e-mail,
 * webhook, outbox) is a {@link SubscriptionProtocol}. The topic service implements the built-in
 * protocols; the notification channels in the monitor bring further ones without the two
 * importing each other.
 */

/** One published message, as every subscription protocol renders it. */
export interface Notification {
  messageId: string
  topicArn: string
  subject: string | undefined
  message: string
  /** ISO 8601 with milliseconds, UTC (SNS's Timestamp). */
  timestamp: string
  attributes: Readonly<Record<string, string>>
  /** The SNS type of each attribute (`Number`, `String.Array`); absent or unlisted: `String`. */
  attributeTypes?: Readonly<Record<string, string>>
  /** SNS's Signature: computed locally, so it cannot be checked against AWS's certificates. */
  signature: string
  signingCertUrl: string
}

/**
 * How a topic delivers to one kind of subscriber. Topics know nothing of queues or functions:
 * each protocol brings its own checks and delivery, so e-mail and webhooks are further entries.
 */
export interface SubscriptionProtocol<S extends { protocol: string } = { protocol: string }> {
  readonly protocol: S['protocol']
  /** Checks a declaration (short form or with `protocol`) and returns the subscription. */
  resolve(input: Record<string, unknown>, path: string): S
  /** What the subscription delivers to (SNS's Endpoint): a queue ARN, a function ARN, an address. */
  endpoint(subscription: S): string
  /**
   * The key of a `MessageStructure: 'json'` message this subscription reads (SNS's protocol name:
   * `sqs`, `lambda`, `email`, `https`); absent: the protocol's name. Others read `default`.
   */
  messageKey?(subscription: S): string
  /**
   * Delivers one notification, inside the publish transaction. Must not wait for a slow endpoint
   * (hand the work to a queue instead). Throws when the endpoint refuses the notification.
   */
  deliver(notification: Notification, subscription: S, subscriptionArn: string): void
}

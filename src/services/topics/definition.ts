import { z } from 'zod'
import { resourceName } from '../../kind/name.ts'
import { notificationSubscriptionSchema } from '../../monitor/notify/config.ts'

/** One subscription of a topic: a queue, a function, or a notification channel. */
export const subscriptionSchema = z.union([
  z
    .object({
      /** The queue receiving each message. */
      queue: resourceName,
      /** Deliver the message as it was published, without SNS's JSON envelope. */
      rawMessageDelivery: z.boolean().default(false),
    })
    .strict(),
  z
    .object({
      /** The function invoked (asynchronously) with SNS's event. */
      function: resourceName,
    })
    .strict(),
  /** `{ email }`, `{ webhook }` or `{ outbox }`: see docs/notifications.md. */
  notificationSubscriptionSchema,
])

/**
 * An SNS standard topic and its subscriptions: queues, functions (invoked asynchronously),
 * e-mail, webhooks and the outbox.
 *
 * @example
 * topics: { alerts: { subscriptions: [{ queue: 'alert-log' }, { email: 'oncall@example.com' }] } }
 */
export const topicSchema = z
  .object({
    /** Where each published message goes. */
    subscriptions: z.array(subscriptionSchema).default([]),
  })
  .strict()

export type TopicDefinition = z.output<typeof topicSchema>

import { InvalidConfigError } from '../../util/invalid-config.ts'

/**
 * SNS limits. https://docs.aws.amazon.com/sns/latest/api/API_Publish.html
 */
export const TOPIC_LIMITS = {
  /** Message plus attributes, bytes. */
  messageBytes: 262_144,
  subjectLength: 100,
  messageAttributes: 10,
  /** Tags per topic, and a tag's key and value lengths (SNS's quotas). */
  tags: 50,
  tagKeyLength: 128,
  tagValueLength: 256,
} as const

/** Topic names: 1–256 characters, alphanumerics, hyphens and underscores (CreateTopic). */
export const TOPIC_NAME = /^[A-Za-z0-9_-]{1,256}$/

/** Delivers to a queue: the SNS JSON envelope, or the message alone with `rawMessageDelivery`. */
export interface QueueSubscription {
  protocol: 'sqs'
  queue: string
  rawMessageDelivery: boolean
}

/** Invokes a function asynchronously with Lambda's SNS event. */
export interface FunctionSubscription {
  protocol: 'lambda'
  function: string
}

/**
 * A subscription, told apart by `protocol` as SNS does. E-mail and webhook subscriptions slot in
 * as further members with their own protocol and a {@link SubscriptionProtocol} that delivers them.
 */
export type Subscription = QueueSubscription | FunctionSubscription

/**
 * A subscription as written in the pipeline definition: the short forms `{ queue }` and
 * `{ function }`, or any subscription with its `protocol` spelled out.
 */
export type SubscriptionInput =
  | { queue: string; rawMessageDelivery?: boolean }
  | { function: string }
  | ({ protocol: string } & Record<string, unknown>)

export interface TopicConfig {
  subscriptions?: readonly SubscriptionInput[]
}

export function checkTopicName(name: string, path = `topics.${name}`): void {
  if (!TOPIC_NAME.test(name)) {
    throw new InvalidConfigError(path, 'a topic name has 1 to 256 letters, digits, hyphens or underscores')
  }
}

/** Reads the short forms; a declaration with a `protocol` is left to that protocol to check. */
export function protocolOf(input: SubscriptionInput, path: string): string {
  if (typeof input !== 'object' || input === null) throw new InvalidConfigError(path, 'must be an object')
  if ('protocol' in input && typeof input.protocol === 'string') return input.protocol
  if ('queue' in input) return 'sqs'
  if ('function' in input) return 'lambda'
  throw new InvalidConfigError(path, "needs a 'queue' or a 'function' to deliver to")
}

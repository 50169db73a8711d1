import { InvalidConfigError, intInRange } from '../../util/invalid-config.ts'

/**
 * SQS queue attributes with AWS's ranges and defaults.
 * https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SetQueueAttributes.html
 */
export const QUEUE_LIMITS = {
  visibilityTimeoutSeconds: { min: 0, max: 43_200, default: 30 },
  delaySeconds: { min: 0, max: 900, default: 0 },
  messageRetentionSeconds: { min: 60, max: 1_209_600, default: 345_600 },
  maximumMessageSize: { min: 1_024, max: 1_048_576, default: 262_144 },
  /** RedrivePolicy.maxReceiveCount. */
  maxReceiveCount: { min: 1, max: 1_000 },
  /** ReceiveMessage MaxNumberOfMessages. */
  receiveMax: { min: 1, max: 10 },
  /** ReceiveMessage WaitTimeSeconds (long polling). */
  waitTimeSeconds: { min: 0, max: 20 },
  /** Message attributes per message. */
  messageAttributes: 10,
  /** Cost-allocation tags per queue, and a tag's key and value lengths (SQS's quotas). */
  tags: 50,
  tagKeyLength: 128,
  tagValueLength: 256,
} as const

/** Queue names: 1–80 characters, alphanumerics, hyphens and underscores (CreateQueue). */
export const QUEUE_NAME = /^[A-Za-z0-9_-]{1,80}$/

/** A queue as declared in the pipeline definition. Every field is optional. */
export interface QueueConfig {
  /** Seconds a received message stays hidden (0–43,200; default 30). */
  visibilityTimeoutSeconds?: number
  /** Seconds before a new message becomes visible (0–900; default 0). */
  delaySeconds?: number
  /** Seconds a message is kept (60–1,209,600; default 345,600 = 4 days). */
  messageRetentionSeconds?: number
  /** Largest message in bytes, body plus attributes (1,024–1,048,576; default 262,144). */
  maximumMessageSize?: number
  /** Redrive policy: receives before a message moves to `deadLetterQueue` (1–1,000). */
  maxReceiveCount?: number
  /** Redrive policy: the queue that takes messages received more than `maxReceiveCount` times. */
  deadLetterQueue?: string
  /** FIFO queues are not supported yet; `true` is rejected. */
  fifo?: boolean
}

export interface RedrivePolicy {
  maxReceiveCount: number
  deadLetterQueue: string
}

export interface ResolvedQueueConfig {
  visibilityTimeoutSeconds: number
  delaySeconds: number
  messageRetentionSeconds: number
  maximumMessageSize: number
  redrive: RedrivePolicy | undefined
}

/**
 * Applies AWS's defaults and checks every field's range.
 *
 * @example
 * resolveQueueConfig('orders', { maxReceiveCount: 3, deadLetterQueue: 'orders-dlq' })
 * // { visibilityTimeoutSeconds: 30, delaySeconds: 0, ..., redrive: { maxReceiveCount: 3, ... } }
 */
export function resolveQueueConfig(
  name: string,
  input: QueueConfig = {},
  path = `queues.${name}`,
): ResolvedQueueConfig {
  if (!QUEUE_NAME.test(name)) {
    throw new InvalidConfigError(path, 'a queue name has 1 to 80 letters, digits, hyphens or underscores')
  }
  const known = new Set([
    'visibilityTimeoutSeconds',
    'delaySeconds',
    'messageRetentionSeconds',
    'maximumMessageSize',
    'maxReceiveCount',
    'deadLetterQueue',
    'fifo',
  ])
  for (const key of Object.keys(input)) {
    if (!known.has(key)) throw new InvalidConfigError(`${path}.${key}`, 'unknown queue setting')
  }
  if (input.fifo) throw new InvalidConfigError(`${path}.fifo`, 'FIFO queues are not supported yet')
  const L = QUEUE_LIMITS
  const range = (
    key: keyof typeof L & keyof QueueConfig,
    limits: { min: number; max: number; default: number },
  ) => intInRange(`${path}.${key}`, input[key], limits.min, limits.max, limits.default)
  return {
    visibilityTimeoutSeconds: range('visibilityTimeoutSeconds', L.visibilityTimeoutSeconds),
    delaySeconds: range('delaySeconds', L.delaySeconds),
    messageRetentionSeconds: range('messageRetentionSeconds', L.messageRetentionSeconds),
    maximumMessageSize: range('maximumMessageSize', L.maximumMessageSize),
    redrive: resolveRedrive(name, input, path),
  }
}

function resolveRedrive(name: string, input: QueueConfig, path: string): RedrivePolicy | undefined {
  const { maxReceiveCount, deadLetterQueue } = input
  if (maxReceiveCount === undefined && deadLetterQueue === undefined) return undefined
  if (deadLetterQueue === undefined) {
    throw new InvalidConfigError(`${path}.deadLetterQueue`, 'required when maxReceiveCount is set')
  }
  if (maxReceiveCount === undefined) {
    throw new InvalidConfigError(`${path}.maxReceiveCount`, 'required when deadLetterQueue is set')
  }
  if (typeof deadLetterQueue !== 'string' || !QUEUE_NAME.test(deadLetterQueue)) {
    throw new InvalidConfigError(`${path}.deadLetterQueue`, 'must be the name of a declared queue')
  }
  if (deadLetterQueue === name) {
    throw new InvalidConfigError(`${path}.deadLetterQueue`, 'a queue cannot be its own dead-letter queue')
  }
  const { min, max } = QUEUE_LIMITS.maxReceiveCount
  return {
    maxReceiveCount: intInRange(`${path}.maxReceiveCount`, maxReceiveCount, min, max, min),
    deadLetterQueue,
  }
}

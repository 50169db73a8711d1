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
  /** FIFO: how long a MessageDeduplicationId suppresses a repeat send (SQS's 5 minutes). */
  deduplicationWindowMs: 300_000,
  /** FIFO: MessageGroupId and MessageDeduplicationId lengths. */
  fifoIdLength: 128,
} as const

/** FIFO queue settings (SQS's DeduplicationScope and FifoThroughputLimit attribute values). */
export const DEDUPLICATION_SCOPES = ['queue', 'messageGroup'] as const
export const FIFO_THROUGHPUT_LIMITS = ['perQueue', 'perMessageGroupId'] as const
export type DeduplicationScope = (typeof DEDUPLICATION_SCOPES)[number]
export type FifoThroughputLimit = (typeof FIFO_THROUGHPUT_LIMITS)[number]

/** Queue names: 1–80 characters, alphanumerics, hyphens and underscores (CreateQueue). */
export const QUEUE_NAME = /^[A-Za-z0-9_-]{1,80}$/

/** FIFO queue names: the same characters, ending in `.fifo`, which counts towards the 80. */
export const FIFO_QUEUE_NAME = /^[A-Za-z0-9_-]{1,75}\.fifo$/

/** A FIFO queue's name says so: SQS requires `.fifo` on a FIFO queue and refuses it on a standard one. */
export const isFifoName = (name: string) => name.endsWith('.fifo')

/** Either kind of queue name. */
export const isQueueName = (name: string) => QUEUE_NAME.test(name) || FIFO_QUEUE_NAME.test(name)

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
  /** A FIFO queue (SQS FifoQueue): its name must end in `.fifo`, and a `.fifo` name needs it. */
  fifo?: boolean
  /** FIFO only: a message's deduplication ID defaults to the SHA-256 of its body. */
  contentBasedDeduplication?: boolean
  /** FIFO only: deduplicate across the queue (default) or within each message group. */
  deduplicationScope?: DeduplicationScope
  /** FIFO only: SQS's throughput quota per queue (default) or per message group; kept, not enforced. */
  fifoThroughputLimit?: FifoThroughputLimit
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
  /** FIFO settings; undefined for a standard queue. */
  fifo?: FifoSettings | undefined
}

export interface FifoSettings {
  contentBasedDeduplication: boolean
  deduplicationScope: DeduplicationScope
  fifoThroughputLimit: FifoThroughputLimit
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
  if (!isQueueName(name)) {
    throw new InvalidConfigError(
      path,
      'a queue name has 1 to 80 letters, digits, hyphens or underscores (a FIFO queue ends in .fifo)',
    )
  }
  const known = new Set([
    'visibilityTimeoutSeconds',
    'delaySeconds',
    'messageRetentionSeconds',
    'maximumMessageSize',
    'maxReceiveCount',
    'deadLetterQueue',
    'fifo',
    'contentBasedDeduplication',
    'deduplicationScope',
    'fifoThroughputLimit',
  ])
  for (const key of Object.keys(input)) {
    if (!known.has(key)) throw new InvalidConfigError(`${path}.${key}`, 'unknown queue setting')
  }
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
    fifo: resolveFifo(name, input, path),
  }
}

function resolveFifo(name: string, input: QueueConfig, path: string): FifoSettings | undefined {
  if (input.fifo !== undefined && typeof input.fifo !== 'boolean') {
    throw new InvalidConfigError(`${path}.fifo`, 'must be true or false')
  }
  const fifo = input.fifo === true
  if (fifo !== isFifoName(name)) {
    throw new InvalidConfigError(
      `${path}.fifo`,
      fifo ? "a FIFO queue's name must end in .fifo" : 'a queue named .fifo must be declared with fifo: true',
    )
  }
  const { contentBasedDeduplication, deduplicationScope, fifoThroughputLimit } = input
  if (!fifo) {
    for (const key of ['contentBasedDeduplication', 'deduplicationScope', 'fifoThroughputLimit'] as const)
      if (input[key] !== undefined) throw new InvalidConfigError(`${path}.${key}`, 'only a FIFO queue has it')
    return undefined
  }
  if (contentBasedDeduplication !== undefined && typeof contentBasedDeduplication !== 'boolean') {
    throw new InvalidConfigError(`${path}.contentBasedDeduplication`, 'must be true or false')
  }
  if (deduplicationScope !== undefined && !DEDUPLICATION_SCOPES.includes(deduplicationScope)) {
    throw new InvalidConfigError(`${path}.deduplicationScope`, "must be 'queue' or 'messageGroup'")
  }
  if (fifoThroughputLimit !== undefined && !FIFO_THROUGHPUT_LIMITS.includes(fifoThroughputLimit)) {
    throw new InvalidConfigError(`${path}.fifoThroughputLimit`, "must be 'perQueue' or 'perMessageGroupId'")
  }
  return {
    contentBasedDeduplication: contentBasedDeduplication ?? false,
    deduplicationScope: deduplicationScope ?? 'queue',
    fifoThroughputLimit: fifoThroughputLimit ?? 'perQueue',
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
  if (typeof deadLetterQueue !== 'string' || !isQueueName(deadLetterQueue)) {
    throw new InvalidConfigError(`${path}.deadLetterQueue`, 'must be the name of a declared queue')
  }
  if (deadLetterQueue === name) {
    throw new InvalidConfigError(`${path}.deadLetterQueue`, 'a queue cannot be its own dead-letter queue')
  }
  if (isFifoName(deadLetterQueue) !== isFifoName(name)) {
    throw new InvalidConfigError(
      `${path}.deadLetterQueue`,
      'Dead-letter queue must be same type of queue as the source.',
    )
  }
  const { min, max } = QUEUE_LIMITS.maxReceiveCount
  return {
    maxReceiveCount: intInRange(`${path}.maxReceiveCount`, maxReceiveCount, min, max, min),
    deadLetterQueue,
  }
}

import {
  DEDUPLICATION_SCOPES,
  type DeduplicationScope,
  FIFO_THROUGHPUT_LIMITS,
  type FifoThroughputLimit,
  isFifoName,
  QUEUE_LIMITS,
  type QueueConfig,
  type ResolvedQueueConfig,
} from '../../services/queues/config.ts'
import type { QueueService } from '../../services/queues/queue-service.ts'
import { defineOperation, type OperationContext } from '../operation.ts'
import { queueOf, required, sqs, sqsError } from './shared.ts'

/** The queue attributes that map onto the queue service's settings, with their ranges. */
const NUMERIC = {
  VisibilityTimeout: ['visibilityTimeoutSeconds', QUEUE_LIMITS.visibilityTimeoutSeconds],
  DelaySeconds: ['delaySeconds', QUEUE_LIMITS.delaySeconds],
  MessageRetentionPeriod: ['messageRetentionSeconds', QUEUE_LIMITS.messageRetentionSeconds],
  MaximumMessageSize: ['maximumMessageSize', QUEUE_LIMITS.maximumMessageSize],
} as const

type NumericAttribute = keyof typeof NUMERIC

/**
 * Attributes accepted and checked but not kept: the service has no default long-poll wait, and
 * encryption at rest is not simulated. GetQueueAttributes reports their defaults.
 */
const ACCEPTED = {
  ReceiveMessageWaitTimeSeconds: (value: string) => integerIn(value, QUEUE_LIMITS.waitTimeSeconds),
  SqsManagedSseEnabled: (value: string) => value === 'true' || value === 'false',
} as const

/** Every attribute GetQueueAttributes knows, in the order `All` lists them. */
const READABLE = [
  'QueueArn',
  'ApproximateNumberOfMessages',
  'ApproximateNumberOfMessagesNotVisible',
  'ApproximateNumberOfMessagesDelayed',
  'VisibilityTimeout',
  'DelaySeconds',
  'MessageRetentionPeriod',
  'MaximumMessageSize',
  'ReceiveMessageWaitTimeSeconds',
  'SqsManagedSseEnabled',
  'RedrivePolicy',
  'FifoQueue',
  'ContentBasedDeduplication',
  'DeduplicationScope',
  'FifoThroughputLimit',
] as const

/** FIFO-only attributes a request may change; a standard queue does not know them. */
const FIFO_SETTINGS = {
  ContentBasedDeduplication: ['contentBasedDeduplication', ['true', 'false']],
  DeduplicationScope: ['deduplicationScope', DEDUPLICATION_SCOPES],
  FifoThroughputLimit: ['fifoThroughputLimit', FIFO_THROUGHPUT_LIMITS],
} as const

type FifoSetting = keyof typeof FIFO_SETTINGS

/**
 * SQS attributes this queue never has (policies, KMS) or does not track (timestamps): asking
 * for them is no error, and they are left out of the answer, as SQS leaves out unset ones.
 */
const ABSENT = new Set([
  'CreatedTimestamp',
  'LastModifiedTimestamp',
  'Policy',
  'RedriveAllowPolicy',
  'KmsMasterKeyId',
  'KmsDataKeyReusePeriodSeconds',
])

function integerIn(value: string, range: { min: number; max: number }): boolean {
  if (!/^\d{1,10}$/.test(value)) return false
  const n = Number(value)
  return n >= range.min && n <= range.max
}

const invalidValue = (name: string) =>
  sqsError('InvalidAttributeValue', `Invalid value for the parameter ${name}.`)

/** What a request's Attributes change, as the queue service's settings (`redrive: null` removes it). */
export interface AttributeChanges {
  numeric: Partial<Record<NumericAttribute, number>>
  redrive?: { maxReceiveCount: number; deadLetterQueue: string } | null
  /** Whether the queue is (or is to be) a FIFO queue: its name says so. */
  fifoQueue: boolean
  fifo: {
    contentBasedDeduplication?: boolean
    deduplicationScope?: DeduplicationScope
    fifoThroughputLimit?: FifoThroughputLimit
  }
}

/**
 * Checks CreateQueue / SetQueueAttributes attributes as SQS does. FifoQueue is CreateQueue's
 * alone (`creating`), and the FIFO settings are known to FIFO queues only, whose names end in
 * `.fifo` (CreateQueue checks the name against FifoQueue before this).
 */
export function parseAttributes(
  attributes: Record<string, string> | undefined,
  queues: QueueService,
  self: string,
  creating = false,
): AttributeChanges {
  const fifo = isFifoName(self)
  const changes: AttributeChanges = { numeric: {}, fifoQueue: fifo, fifo: {} }
  for (const [name, value] of Object.entries(attributes ?? {})) {
    if (typeof value !== 'string') throw invalidValue(name)
    if (name in NUMERIC) {
      const [, range] = NUMERIC[name as NumericAttribute]
      if (!integerIn(value, range)) throw invalidValue(name)
      changes.numeric[name as NumericAttribute] = Number(value)
    } else if (name in ACCEPTED) {
      if (!ACCEPTED[name as keyof typeof ACCEPTED](value)) throw invalidValue(name)
    } else if (name === 'RedrivePolicy') {
      changes.redrive = value === '' ? null : parseRedrivePolicy(value, queues, self)
    } else if (name === 'FifoQueue' && creating) {
      if (value !== 'true' && value !== 'false') throw invalidValue(name)
    } else if (name in FIFO_SETTINGS && fifo) {
      const [key, values] = FIFO_SETTINGS[name as FifoSetting]
      if (!(values as readonly string[]).includes(value)) throw invalidValue(name)
      if (key === 'contentBasedDeduplication') changes.fifo[key] = value === 'true'
      else (changes.fifo as Record<string, string>)[key] = value
    } else {
      throw sqsError('InvalidAttributeName', `Unknown Attribute ${name}.`)
    }
  }
  return changes
}

function parseRedrivePolicy(value: string, queues: QueueService, self: string) {
  const invalid = (reason: string) =>
    sqsError(
      'InvalidParameterValue',
      `Value ${value} for parameter RedrivePolicy is invalid. Reason: ${reason}`,
    )
  let policy: unknown
  try {
    policy = JSON.parse(value)
  } catch {
    throw invalid('Invalid value for the parameter RedrivePolicy.')
  }
  if (typeof policy !== 'object' || policy === null) throw invalid('Redrive policy is not a JSON object.')
  const { deadLetterTargetArn, maxReceiveCount } = policy as Record<string, unknown>
  if (typeof deadLetterTargetArn !== 'string') {
    throw invalid('Redrive policy does not contain mandatory attribute: deadLetterTargetArn.')
  }
  if (maxReceiveCount === undefined) {
    throw invalid('Redrive policy does not contain mandatory attribute: maxReceiveCount.')
  }
  const count = Number(maxReceiveCount)
  const { min, max } = QUEUE_LIMITS.maxReceiveCount
  if (!Number.isInteger(count) || count < min || count > max) {
    throw invalid(
      `Invalid value for maxReceiveCount: ${String(maxReceiveCount)}, valid values are from ${min} to ${max} both inclusive.`,
    )
  }
  const deadLetterQueue = deadLetterTargetArn.slice(deadLetterTargetArn.lastIndexOf(':') + 1)
  if (!queues.has(deadLetterQueue) || queues.arn(deadLetterQueue) !== deadLetterTargetArn) {
    throw invalid('Dead letter target does not exist.')
  }
  if (deadLetterQueue === self) throw invalid('Dead letter target cannot be the source queue.')
  if (isFifoName(deadLetterQueue) !== isFifoName(self)) {
    // SQS's text ends in two full stops.
    throw invalid('Dead-letter queue must be same type of queue as the source..')
  }
  return { maxReceiveCount: count, deadLetterQueue }
}

/** The settings a queue has once `changes` apply to `current` (AWS's defaults when it is new). */
export function applyChanges(
  current: ResolvedQueueConfig | undefined,
  changes: AttributeChanges,
): QueueConfig {
  const config: QueueConfig = current
    ? {
        visibilityTimeoutSeconds: current.visibilityTimeoutSeconds,
        delaySeconds: current.delaySeconds,
        messageRetentionSeconds: current.messageRetentionSeconds,
        maximumMessageSize: current.maximumMessageSize,
        ...(current.redrive ?? {}),
        ...(current.fifo ?? {}),
      }
    : {}
  if (changes.fifoQueue) config.fifo = true
  Object.assign(config, changes.fifo)
  for (const [attribute, value] of Object.entries(changes.numeric)) {
    config[NUMERIC[attribute as NumericAttribute][0]] = value
  }
  if (changes.redrive === null) {
    delete config.maxReceiveCount
    delete config.deadLetterQueue
  } else if (changes.redrive) {
    config.maxReceiveCount = changes.redrive.maxReceiveCount
    config.deadLetterQueue = changes.redrive.deadLetterQueue
  }
  return config
}

/**
 * The first attribute whose requested value differs from the queue's (CreateQueue on an existing
 * queue), or undefined when every one matches.
 */
export function differingAttribute(
  queues: QueueService,
  name: string,
  changes: AttributeChanges,
): string | undefined {
  const current = queues.config(name)
  for (const [attribute, value] of Object.entries(changes.numeric)) {
    if (current[NUMERIC[attribute as NumericAttribute][0]] !== value) return attribute
  }
  for (const [attribute, [key]] of Object.entries(FIFO_SETTINGS)) {
    const wanted = changes.fifo[key]
    if (wanted !== undefined && current.fifo?.[key] !== wanted) return attribute
  }
  if (changes.redrive !== undefined) {
    const a = changes.redrive
    const b = current.redrive
    if ((a === null) !== (b === undefined)) return 'RedrivePolicy'
    if (a && b && (a.maxReceiveCount !== b.maxReceiveCount || a.deadLetterQueue !== b.deadLetterQueue))
      return 'RedrivePolicy'
  }
  return undefined
}

/** One attribute's value as GetQueueAttributes reports it (undefined: the queue has none). */
function readAttribute(
  queues: QueueService,
  name: string,
  attribute: (typeof READABLE)[number],
  depth: () => ReturnType<QueueService['depth']>,
): string | undefined {
  const config = queues.config(name)
  switch (attribute) {
    case 'QueueArn':
      return queues.arn(name)
    case 'ApproximateNumberOfMessages':
      return String(depth().visible)
    case 'ApproximateNumberOfMessagesNotVisible':
      return String(depth().inFlight)
    case 'ApproximateNumberOfMessagesDelayed':
      return String(depth().delayed)
    case 'VisibilityTimeout':
      return String(config.visibilityTimeoutSeconds)
    case 'DelaySeconds':
      return String(config.delaySeconds)
    case 'MessageRetentionPeriod':
      return String(config.messageRetentionSeconds)
    case 'MaximumMessageSize':
      return String(config.maximumMessageSize)
    case 'ReceiveMessageWaitTimeSeconds':
      return '0'
    case 'SqsManagedSseEnabled':
      return 'false'
    case 'RedrivePolicy':
      return config.redrive
        ? JSON.stringify({
            deadLetterTargetArn: queues.arn(config.redrive.deadLetterQueue),
            maxReceiveCount: config.redrive.maxReceiveCount,
          })
        : undefined
    case 'FifoQueue':
      return config.fifo ? 'true' : undefined
    case 'ContentBasedDeduplication':
      return config.fifo ? String(config.fifo.contentBasedDeduplication) : undefined
    case 'DeduplicationScope':
      return config.fifo?.deduplicationScope
    case 'FifoThroughputLimit':
      return config.fifo?.fifoThroughputLimit
  }
}

const QUEUE_URL = { type: 'String' } as const
const ATTRIBUTES = { type: 'Map', children: { type: 'String' } } as const

export const getQueueAttributes = defineOperation({
  name: 'GetQueueAttributes',
  spec: {
    QueueUrl: QUEUE_URL,
    AttributeNames: { type: 'List', children: { type: 'String' } },
  },
  handle: (input, ctx: OperationContext) =>
    sqs(() => {
      const { service, name } = queueOf(ctx, input.QueueUrl)
      const requested = input.AttributeNames ?? []
      const wanted = new Set<(typeof READABLE)[number]>()
      for (const attribute of requested) {
        if (attribute === 'All') {
          for (const a of READABLE) wanted.add(a)
        } else if ((READABLE as readonly string[]).includes(attribute)) {
          wanted.add(attribute as (typeof READABLE)[number])
        } else if (!ABSENT.has(attribute)) {
          throw sqsError('InvalidAttributeName', `Unknown Attribute ${attribute}.`)
        }
      }
      if (wanted.size === 0) return {}
      let depth: ReturnType<QueueService['depth']> | undefined
      const Attributes: Record<string, string> = {}
      for (const attribute of READABLE) {
        if (!wanted.has(attribute)) continue
        const value = readAttribute(service, name, attribute, () => (depth ??= service.depth(name)))
        if (value !== undefined) Attributes[attribute] = value
      }
      return { Attributes }
    }),
})

export const setQueueAttributes = defineOperation({
  name: 'SetQueueAttributes',
  spec: { QueueUrl: QUEUE_URL, Attributes: ATTRIBUTES },
  handle: (input, ctx) =>
    sqs(() => {
      const { service, name } = queueOf(ctx, input.QueueUrl)
      const changes = parseAttributes(required(input.Attributes, 'Attributes'), service, name)
      service.declare(name, applyChanges(service.config(name), changes))
      return undefined
    }),
})

export { ATTRIBUTES, QUEUE_URL }

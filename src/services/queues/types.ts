import { randomHex } from '../../util/random-ids.ts'
import type { ResolvedQueueConfig } from './config.ts'
import { QueueError } from './errors.ts'
import { type MessageAttributes, type SendAttributes, typedAttributes } from './message.ts'
import type { MessageRow } from './queue-store.ts'

export interface SendOptions {
  /** 0–900 s; defaults to the queue's delaySeconds. */
  delaySeconds?: number
  /** Message attributes (a string is a `String` one; `{ dataType, stringValue }` for `Number`). At most 10. */
  attributes?: SendAttributes
  /** Reported as the SenderId attribute; defaults to the account ID. */
  senderId?: string
  /**
   * MessageGroupId: required on a FIFO queue, whose groups keep their order; on a standard queue
   * it is kept and returned (SQS's fair queues) but orders nothing.
   */
  messageGroupId?: string
  /** MessageDeduplicationId (FIFO only): a repeat within 5 minutes sends nothing new. */
  messageDeduplicationId?: string
}

export interface SendResult {
  messageId: string
  md5OfBody: string
  md5OfMessageAttributes?: string
  /** FIFO only: the message's place in its queue (a 20-digit decimal string, increasing). */
  sequenceNumber?: string
}

export interface ReceiveOptions {
  /** MaxNumberOfMessages, 1–10 (default 1). */
  max?: number
  /** Overrides the queue's visibility timeout for these messages (0–43,200 s). */
  visibilityTimeoutSeconds?: number
  /** Long polling: wait up to this many seconds (0–20, default 0) for a first message. */
  waitTimeSeconds?: number
  /** Ends a long poll early with no messages. */
  signal?: AbortSignal
}

/** A received message, with SQS's system attribute names as keys of `attributes`. */
export interface ReceivedMessage {
  messageId: string
  receiptHandle: string
  body: string
  md5OfBody: string
  md5OfMessageAttributes?: string
  attributes: {
    ApproximateReceiveCount: string
    SentTimestamp: string
    SenderId: string
    ApproximateFirstReceiveTimestamp: string
    /** On a message moved to a dead-letter queue: the queue it came from. */
    DeadLetterQueueSourceArn?: string
    /** FIFO queues (and a standard queue's message sent with a group). */
    MessageGroupId?: string
    /** FIFO only. */
    MessageDeduplicationId?: string
    /** FIFO only. */
    SequenceNumber?: string
  }
  messageAttributes: Record<string, { dataType: string; stringValue: string }>
}

/** ApproximateNumberOfMessagesVisible / NotVisible / Delayed, and the oldest message's age. */
export interface QueueDepth {
  visible: number
  inFlight: number
  delayed: number
  /** ms since the oldest message was sent; 0 when the queue is empty. */
  oldestAgeMs: number
}

export type MessageState = 'visible' | 'inFlight' | 'delayed'

/** A message as a dashboard sees it: nothing about it changes by looking. */
export interface PeekedMessage {
  messageId: string
  body: string
  messageAttributes: MessageAttributes
  state: MessageState
  sentAt: number
  visibleAt: number
  receiveCount: number
  firstReceivedAt: number | undefined
  /** For a message moved to a dead-letter queue: the queue it came from. */
  sourceQueue: string | undefined
}

export interface QueueSummary {
  name: string
  arn: string
  config: ResolvedQueueConfig
  depth: QueueDepth
}

export function toReceived(row: MessageRow, deadLetterSourceArn?: string): ReceivedMessage {
  const messageAttributes: ReceivedMessage['messageAttributes'] = row.attributes
    ? typedAttributes(JSON.parse(row.attributes))
    : {}
  const message: ReceivedMessage = {
    messageId: row.message_id,
    receiptHandle: row.receipt_handle!,
    body: row.body,
    md5OfBody: row.md5_of_body,
    attributes: {
      ApproximateReceiveCount: String(row.receive_count),
      SentTimestamp: String(row.sent_at),
      SenderId: row.sender_id,
      ApproximateFirstReceiveTimestamp: String(row.first_received_at),
      ...(deadLetterSourceArn ? { DeadLetterQueueSourceArn: deadLetterSourceArn } : {}),
      ...(row.group_id !== null ? { MessageGroupId: row.group_id } : {}),
      ...(row.dedup_id !== null
        ? { MessageDeduplicationId: row.dedup_id, SequenceNumber: sequenceNumber(row.seq) }
        : {}),
    },
    messageAttributes,
  }
  if (row.md5_of_attributes) message.md5OfMessageAttributes = row.md5_of_attributes
  return message
}

/**
 * A FIFO message's SequenceNumber: SQS's are 20-digit decimal strings that grow within a queue.
 * These come from the message's row number (never reused), so they survive a restart.
 */
export function sequenceNumber(seq: number): string {
  return String(10n ** 19n + BigInt(seq))
}

export function toPeeked(row: MessageRow, now: number): PeekedMessage {
  let state: MessageState = 'visible'
  if (row.visible_at > now) state = row.receipt_handle ? 'inFlight' : 'delayed'
  return {
    messageId: row.message_id,
    body: row.body,
    messageAttributes: row.attributes ? peekedAttributes(row.attributes) : {},
    state,
    sentAt: row.sent_at,
    visibleAt: row.visible_at,
    receiveCount: row.receive_count,
    firstReceivedAt: row.first_received_at ?? undefined,
    sourceQueue: row.source_queue ?? undefined,
  }
}

/**
 * Receipt handles name the queue and message plus a random part, so each receive gets a new
 * one and a handle from another queue or a typo is told apart from a merely stale handle.
 */
export function newReceiptHandle(queue: string, messageId: string): string {
  return Buffer.from(`${queue}\n${messageId}\n${randomHex(16)}`).toString('base64')
}

/** A handle that is not one of this queue's is `ReceiptHandleIsInvalid`; a stale one is not. */
export function checkReceiptHandle(queue: string, handle: string): void {
  if (receiptHandleQueue(handle) !== queue) {
    throw new QueueError(
      'ReceiptHandleIsInvalid',
      `The input receipt handle "${handle}" is not a valid receipt handle.`,
    )
  }
}

function receiptHandleQueue(handle: unknown): string | undefined {
  if (typeof handle !== 'string' || handle.length === 0 || handle.length > 1024) return undefined
  const parts = Buffer.from(handle, 'base64').toString('utf8').split('\n')
  if (parts.length !== 3 || !/^[0-9a-f]{32}$/.test(parts[2]!)) return undefined
  return parts[0]
}

/** A peek shows each attribute's value. */
function peekedAttributes(stored: string): MessageAttributes {
  const out: MessageAttributes = {}
  for (const [name, a] of Object.entries(typedAttributes(JSON.parse(stored)))) out[name] = a.stringValue
  return out
}

import { createHash } from 'node:crypto'
import { QUEUE_LIMITS, type ResolvedQueueConfig } from './config.ts'
import { invalidParameter, QueueError } from './errors.ts'
import type { QueueStore } from './queue-store.ts'
import { type SendOptions, type SendResult, sequenceNumber } from './types.ts'

/** SQS's reason for a parameter the queue's type does not take (its wording, grammar included). */
const NOT_FOR_THIS_QUEUE_TYPE = 'The request include parameter that is not valid for this queue type.'

/** Group and deduplication IDs: 1–128 characters, alphanumeric or ASCII punctuation. */
const FIFO_ID = /^[A-Za-z0-9!"#$%&'()*+,\-./:;<=>?@[\\\]^_`{|}~]+$/

/** What a send carries for ordering and deduplication, once checked against the queue's type. */
export interface MessageIds {
  groupId: string | null
  dedupId: string | null
  /** The key deduplication IDs are unique within: '' for the queue, or the group. */
  scope: string
}

/**
 * Checks a send's MessageGroupId, MessageDeduplicationId and DelaySeconds against the queue's
 * type, in SQS's terms: a FIFO queue needs a group, and a deduplication ID unless
 * ContentBasedDeduplication derives one (the SHA-256 of the body), and takes no per-message delay.
 * A standard queue takes a group (fair queues) but no deduplication ID.
 */
export function messageIds(config: ResolvedQueueConfig, body: string, options: SendOptions): MessageIds {
  const { messageGroupId: group, messageDeduplicationId: dedup } = options
  if (group !== undefined) checkId('MessageGroupId', group)
  if (dedup !== undefined) checkId('MessageDeduplicationId', dedup)
  const fifo = config.fifo
  if (!fifo) {
    if (dedup !== undefined) throw invalidParameter('MessageDeduplicationId', dedup, NOT_FOR_THIS_QUEUE_TYPE)
    return { groupId: group ?? null, dedupId: null, scope: '' }
  }
  if (options.delaySeconds !== undefined) {
    throw invalidParameter('DelaySeconds', options.delaySeconds, NOT_FOR_THIS_QUEUE_TYPE)
  }
  if (group === undefined || group === '') {
    throw new QueueError('MissingParameter', 'The request must contain the parameter MessageGroupId.')
  }
  let dedupId = dedup
  if (dedupId === undefined) {
    if (!fifo.contentBasedDeduplication) {
      throw new QueueError(
        'InvalidParameterValue',
        'The queue should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly',
      )
    }
    dedupId = createHash('sha256').update(body, 'utf8').digest('hex')
  }
  return { groupId: group, dedupId, scope: fifo.deduplicationScope === 'messageGroup' ? group : '' }
}

function checkId(parameter: string, value: string): void {
  if (typeof value !== 'string' || value.length > QUEUE_LIMITS.fifoIdLength || !FIFO_ID.test(value)) {
    throw invalidParameter(
      parameter,
      value,
      `${parameter} can only include alphanumeric and punctuation characters. 1 to ${QUEUE_LIMITS.fifoIdLength} in length.`,
    )
  }
}

/**
 * A FIFO send, in one transaction: inserts unless the deduplication ID was seen within the last
 * 5 minutes, in which case `result` takes the first message's ID and sequence number (SQS answers
 * a duplicate as a success). Returns whether it inserted.
 */
export function insertOnce(
  repo: QueueStore,
  ids: { queue: string; scope: string; dedupId: string },
  result: SendResult,
  now: number,
  insert: () => number,
): boolean {
  const { queue, scope, dedupId } = ids
  const since = now - QUEUE_LIMITS.deduplicationWindowMs
  return repo.transaction(() => {
    const seen = repo.dedup(queue, scope, dedupId, since)
    if (seen) {
      result.messageId = seen.message_id
      result.sequenceNumber = sequenceNumber(seen.seq)
      return false
    }
    const seq = insert()
    result.sequenceNumber = sequenceNumber(seq)
    repo.putDedup(queue, scope, dedupId, { message_id: result.messageId, seq, sent_at: now }, since)
    return true
  })
}

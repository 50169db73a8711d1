import { randomUUID } from 'node:crypto'
import type { ResolvedQueueConfig } from './config.ts'
import type { QueueStore } from './queue-store.ts'
import { newReceiptHandle, type ReceivedMessage, toReceived } from './types.ts'

/** What the moves need to know about other queues. */
export interface QueueLookup {
  has(name: string): boolean
  arn(name: string): string
}

/**
 * The receive step of ReceiveMessage, inside the caller's transaction: takes up to `max` visible
 * messages and hides them until `now + visibilitySeconds`. A message already received
 * maxReceiveCount times is moved to the dead-letter queue instead (SQS moves it on the receive
 * that would exceed the count); `deadLetters` names the queues that gained messages. On a FIFO
 * queue, messages come in send order, and none of a group with a message in flight.
 */
export function takeVisible(
  repo: QueueStore,
  queue: string,
  config: ResolvedQueueConfig,
  queues: QueueLookup,
  now: number,
  max: number,
  visibilitySeconds: number,
): { messages: ReceivedMessage[]; deadLetters: Set<string> } {
  const messages: ReceivedMessage[] = []
  const taken = new Set<number>()
  const deadLetters = new Set<string>()
  const redrive = config.redrive && queues.has(config.redrive.deadLetterQueue) ? config.redrive : undefined
  // A FIFO queue hands out messages in send order and holds back a group while one is in flight.
  const ready = config.fifo
    ? (limit: number) => repo.readyInOrder(queue, now, limit)
    : (limit: number) => repo.ready(queue, now, limit)
  // Rows moved to the DLQ free their slots: read again until `max` or no more progress. With a
  // visibility timeout of 0 the rows just taken are visible again, hence `taken`.
  for (let progress = true; progress && messages.length < max; ) {
    progress = false
    for (const row of ready(max - messages.length + taken.size)) {
      if (taken.has(row.seq) || messages.length >= max) continue
      if (redrive && row.receive_count >= redrive.maxReceiveCount) {
        repo.move(row.seq, redrive.deadLetterQueue, now, queue)
        deadLetters.add(redrive.deadLetterQueue)
        progress = true
        continue
      }
      const handle = newReceiptHandle(queue, row.message_id)
      repo.markReceived(row.seq, handle, now, now + visibilitySeconds * 1000)
      taken.add(row.seq)
      messages.push(
        toReceived(
          {
            ...row,
            receive_count: row.receive_count + 1,
            first_received_at: row.first_received_at ?? now,
            receipt_handle: handle,
          },
          row.source_queue ? queues.arn(row.source_queue) : undefined,
        ),
      )
    }
  }
  return { messages, deadLetters }
}

/**
 * The move step of a dead-letter redrive, inside the caller's transaction: visible messages go to
 * `destination`, or back to the queue each came from, as new messages (new ID, sent now, receive
 * count 0) as SQS's redrive makes them. Messages with no known source queue stay.
 */
export function redriveVisible(
  repo: QueueStore,
  deadLetterQueue: string,
  destination: string | undefined,
  queues: QueueLookup,
  now: number,
  limit: number,
): { moved: number; skipped: number; targets: Set<string> } {
  const targets = new Set<string>()
  let moved = 0
  let skipped = 0
  for (const row of repo.ready(deadLetterQueue, now, limit)) {
    const target = destination ?? row.source_queue ?? undefined
    if (target === undefined || !queues.has(target)) {
      skipped++
      continue
    }
    repo.redrive(row.seq, target, randomUUID(), now)
    targets.add(target)
    moved++
  }
  return { moved, skipped, targets }
}

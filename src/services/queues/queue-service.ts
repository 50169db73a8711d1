import { randomUUID } from 'node:crypto'
import { MetricScopes } from '../../monitor/catalog/scope.ts'
import { SQS } from '../../monitor/catalog/sqs.ts'
import type { MetricSink } from '../../monitor/metrics.ts'
import { ResourceTags } from '../../storage/state/resource-tags.ts'
import type { StateStore } from '../../storage/state/state-store.ts'
import { type Clock, systemClock } from '../../util/clock.ts'
import { InvalidConfigError } from '../../util/invalid-config.ts'
import { QUEUE_LIMITS, type QueueConfig, type ResolvedQueueConfig, resolveQueueConfig } from './config.ts'
import { checkRange, invalidParameter, QueueError, queueDoesNotExist } from './errors.ts'
import { insertOnce, messageIds } from './fifo.ts'
import { LongPoll } from './long-poll.ts'
import { md5Hex, md5OfMessageAttributes, messageSize, storedAttributes, validateMessage } from './message.ts'
import { QueueStore } from './queue-store.ts'
import { redriveVisible, takeVisible } from './transfers.ts'
import {
  checkReceiptHandle,
  type PeekedMessage,
  type QueueDepth,
  type QueueSummary,
  type ReceivedMessage,
  type ReceiveOptions,
  type SendOptions,
  type SendResult,
  toPeeked,
} from './types.ts'

export interface QueueServiceOptions {
  store: StateStore
  clock?: Clock
  metrics?: MetricSink
  region?: string
  accountId?: string
}

/**
 * Durable queues with SQS semantics, kept in the state store: visibility timeouts, receive
 * counts, delays, redrive to a dead-letter queue, retention, long polling. Every acknowledged
 * send, receive and delete is committed before the call returns, so a restart loses nothing and
 * in-flight messages reappear when their visibility timeout passes, as on SQS.
 *
 * @example
 * const queues = new QueueService({ store })
 * queues.declare('orders', { visibilityTimeoutSeconds: 60 })
 * queues.send('orders', JSON.stringify({ id: 1 }))
 * const [message] = await queues.receive('orders', { waitTimeSeconds: 20 })
 * queues.delete('orders', message!.receiptHandle)
 */
export class QueueService {
  readonly region: string
  readonly accountId: string
  readonly #repo: QueueStore
  readonly #clock: Clock
  readonly #metrics: MetricScopes<'QueueName'>
  readonly #configs = new Map<string, ResolvedQueueConfig>()
  readonly #longPoll: LongPoll<ReceivedMessage>
  readonly #tags: ResourceTags

  constructor(options: QueueServiceOptions) {
    this.#repo = new QueueStore(options.store)
    this.#clock = options.clock ?? systemClock
    this.#metrics = new MetricScopes(options.metrics, 'QueueName', this.#clock)
    this.region = options.region ?? 'us-east-1'
    this.accountId = options.accountId ?? '000000000000'
    // Configs stored before FIFO queues existed have no `fifo`: they are standard queues.
    for (const row of this.#repo.queues()) this.#configs.set(row.name, JSON.parse(row.config))
    this.#tags = new ResourceTags(options.store)
    this.#longPoll = new LongPoll(this.#clock, (queue) => this.#repo.nextVisibleAt(queue, this.#clock.now()))
  }

  /** Creates the queue, or updates its settings (messages are kept). A dead-letter queue must exist first. */
  declare(name: string, config: QueueConfig = {}): ResolvedQueueConfig {
    this.declareAll({ [name]: config })
    return this.#config(name)
  }

  /** Creates a queue with its tags in one transaction: a refused tag leaves no queue behind (CreateQueue). */
  create(name: string, config: QueueConfig, tags: Readonly<Record<string, string>> = {}): void {
    this.#checkTags(name, {}, tags)
    this.#repo.store.transaction(() => {
      this.declare(name, config)
      this.#tags.put(this.arn(name), tags)
    })
  }

  /** Declares several queues at once, in whatever order, dead-letter queues included. */
  declareAll(queues: Readonly<Record<string, QueueConfig>>): void {
    const resolved = Object.entries(queues).map(
      ([name, config]) => [name, resolveQueueConfig(name, config)] as const,
    )
    for (const [name, config] of resolved) {
      const dlq = config.redrive?.deadLetterQueue
      if (dlq !== undefined && !(dlq in queues) && !this.#configs.has(dlq)) {
        throw new InvalidConfigError(`queues.${name}.deadLetterQueue`, `queue '${dlq}' is not declared`)
      }
    }
    this.#repo.store.transaction(() => {
      for (const [name, config] of resolved) {
        this.#repo.upsertQueue(name, JSON.stringify(config), this.#clock.now())
        this.#configs.set(name, config)
      }
    })
  }

  /** Deletes the queue, its messages and its tags. */
  deleteQueue(name: string): void {
    this.#config(name)
    this.#repo.store.transaction(() => {
      this.#repo.deleteQueue(name)
      this.#tags.removeAll(this.arn(name))
    })
    this.#configs.delete(name)
    this.#longPoll.notify(name)
  }

  /** The queue's cost-allocation tags (TagQueue / CreateQueue's `tags`), by key. */
  tags(name: string): Record<string, string> {
    this.#config(name)
    return this.#tags.get(this.arn(name))
  }

  /**
   * Adds or overwrites tags, within SQS's quotas: keys of 1–128 characters, values of up to 256, at
   * most 50 on a queue.
   */
  tag(name: string, tags: Readonly<Record<string, string>>): void {
    this.#config(name)
    this.#checkTags(name, this.#tags.get(this.arn(name)), tags)
    this.#tags.put(this.arn(name), tags)
  }

  #checkTags(
    name: string,
    existing: Readonly<Record<string, string>>,
    tags: Readonly<Record<string, string>>,
  ) {
    for (const [key, value] of Object.entries(tags)) {
      if (key.length < 1 || key.length > QUEUE_LIMITS.tagKeyLength)
        throw new QueueError(
          'InvalidParameterValue',
          `Tag keys must be between 1 and ${QUEUE_LIMITS.tagKeyLength} characters in length.`,
        )
      if (value.length > QUEUE_LIMITS.tagValueLength)
        throw new QueueError(
          'InvalidParameterValue',
          `Tag values may only be up to ${QUEUE_LIMITS.tagValueLength} characters in length.`,
        )
    }
    if (Object.keys({ ...existing, ...tags }).length > QUEUE_LIMITS.tags)
      throw new QueueError('InvalidParameterValue', `Too many tags added for queue ${name}.`)
  }

  /** Removes tags by key; keys the queue doesn't have are ignored. */
  untag(name: string, keys: readonly string[]): void {
    this.#config(name)
    this.#tags.remove(this.arn(name), keys)
  }

  has(name: string): boolean {
    return this.#configs.has(name)
  }

  config(name: string): ResolvedQueueConfig {
    return this.#config(name)
  }

  arn(name: string): string {
    return `arn:aws:sqs:${this.region}:${this.accountId}:${name}`
  }

  names(): string[] {
    return [...this.#configs.keys()].sort()
  }

  /**
   * SendMessage. On a FIFO queue a repeated deduplication ID within 5 minutes of the first send
   * succeeds with the first message's ID and sequence number and adds nothing.
   */
  send(queue: string, body: string, options: SendOptions = {}): SendResult {
    const config = this.#config(queue)
    const delay = options.delaySeconds ?? config.delaySeconds
    const { min, max } = QUEUE_LIMITS.delaySeconds
    if (!Number.isInteger(delay) || delay < min || delay > max) {
      throw invalidParameter('DelaySeconds', delay, `DelaySeconds must be >= ${min} and <= ${max}.`)
    }
    const attributes = validateMessage(body, options.attributes, config.maximumMessageSize)
    const ids = messageIds(config, body, options)
    const now = this.#clock.now()
    const result: SendResult = { messageId: randomUUID(), md5OfBody: md5Hex(body) }
    const md5Attributes = md5OfMessageAttributes(attributes)
    if (md5Attributes) result.md5OfMessageAttributes = md5Attributes
    const insert = () =>
      this.#repo.insert({
        queue,
        message_id: result.messageId,
        body,
        md5_of_body: result.md5OfBody,
        attributes: md5Attributes ? JSON.stringify(storedAttributes(attributes)) : null,
        md5_of_attributes: md5Attributes ?? null,
        sender_id: options.senderId ?? this.accountId,
        sent_at: now,
        visible_at: now + delay * 1000,
        group_id: ids.groupId,
        dedup_id: ids.dedupId,
      })
    if (ids.dedupId === null) insert()
    else if (!insertOnce(this.#repo, { queue, ...ids, dedupId: ids.dedupId }, result, now, insert))
      return result
    const metrics = this.#metrics.of(queue)
    metrics.record(SQS.NumberOfMessagesSent, 1)
    metrics.record(SQS.SentMessageSize, messageSize(body, attributes))
    this.#notifySoon(queue)
    return result
  }

  /**
   * ReceiveMessage: up to `max` visible messages, hidden for the visibility timeout. A message
   * whose receive count has reached the redrive policy's maxReceiveCount is moved to the
   * dead-letter queue instead of being returned. With `waitTimeSeconds`, waits for a first message.
   */
  async receive(queue: string, options: ReceiveOptions = {}): Promise<ReceivedMessage[]> {
    const config = this.#config(queue)
    const max = checkRange('MaxNumberOfMessages', options.max, QUEUE_LIMITS.receiveMax, 1)
    const visibility = checkRange(
      'VisibilityTimeout',
      options.visibilityTimeoutSeconds,
      QUEUE_LIMITS.visibilityTimeoutSeconds,
      config.visibilityTimeoutSeconds,
    )
    const wait = checkRange('WaitTimeSeconds', options.waitTimeSeconds, QUEUE_LIMITS.waitTimeSeconds, 0)
    const attempt = () => this.#receiveNow(queue, max, visibility)
    let messages = attempt()
    if (messages.length === 0 && wait > 0) {
      messages = await this.#longPoll.wait(queue, wait * 1000, attempt, options.signal)
    }
    if (messages.length === 0) this.#metrics.of(queue).record(SQS.NumberOfEmptyReceives, 1)
    return messages
  }

  /**
   * DeleteMessage. A stale receipt handle (the message was received again since) deletes nothing
   * and is not an error, as on SQS; a malformed one is `ReceiptHandleIsInvalid`.
   * Returns whether a message was deleted.
   */
  delete(queue: string, receiptHandle: string): boolean {
    this.#config(queue)
    checkReceiptHandle(queue, receiptHandle)
    const deleted = this.#repo.deleteByHandle(queue, receiptHandle)
    if (deleted) this.#deleted(queue, 1)
    return deleted
  }

  /** DeleteMessageBatch in one transaction; returns how many messages were deleted. */
  deleteMany(queue: string, receiptHandles: readonly string[]): number {
    this.#config(queue)
    for (const handle of receiptHandles) checkReceiptHandle(queue, handle)
    const deleted = this.#repo.transaction(() =>
      receiptHandles.reduce((n, handle) => n + (this.#repo.deleteByHandle(queue, handle) ? 1 : 0), 0),
    )
    if (deleted > 0) this.#deleted(queue, deleted)
    return deleted
  }

  #deleted(queue: string, count: number): void {
    this.#metrics.of(queue).record(SQS.NumberOfMessagesDeleted, count)
    // A delete can release a FIFO message group: its next message is receivable now.
    if (this.#config(queue).fifo) this.#notifySoon(queue)
  }

  /** ChangeMessageVisibility: hides an in-flight message for `seconds` from now (0 makes it visible). */
  changeVisibility(queue: string, receiptHandle: string, seconds: number): void {
    this.#config(queue)
    checkReceiptHandle(queue, receiptHandle)
    const { min, max } = QUEUE_LIMITS.visibilityTimeoutSeconds
    checkRange('VisibilityTimeout', seconds, { min, max }, 0)
    const now = this.#clock.now()
    const row = this.#repo.byHandle(receiptHandle)
    if (!row) throw invalidParameter('ReceiptHandle', receiptHandle, 'The receipt handle has expired.')
    if (row.visible_at <= now)
      throw new QueueError('MessageNotInflight', 'The message referred to is not in flight.')
    if (now + seconds * 1000 - row.received_at! > max * 1000) {
      throw invalidParameter(
        'VisibilityTimeout',
        seconds,
        `Total VisibilityTimeout for the message is beyond the limit [${max} seconds]`,
      )
    }
    this.#repo.setVisibleAt(row.seq, now + seconds * 1000)
    this.#notifySoon(queue)
  }

  depth(queue: string): QueueDepth {
    const config = this.#config(queue)
    const now = this.#clock.now()
    this.#expire(queue, config, now)
    const row = this.#repo.depth(queue, now)
    return {
      visible: row.visible,
      inFlight: row.in_flight,
      delayed: row.delayed,
      oldestAgeMs: row.oldest === null ? 0 : now - row.oldest,
    }
  }

  /** PurgeQueue: deletes every message, in flight or not; returns how many. */
  purge(queue: string): number {
    this.#config(queue)
    return this.#repo.purge(queue)
  }

  /** Messages in send order, without receiving them (for inspecting a DLQ). `after` is the previous `next`. */
  peek(
    queue: string,
    options: { limit?: number; after?: string } = {},
  ): { messages: PeekedMessage[]; next?: string } {
    const config = this.#config(queue)
    const now = this.#clock.now()
    this.#expire(queue, config, now)
    const limit = Math.min(Math.max(options.limit ?? 100, 1), 1000)
    const rows = this.#repo.peek(queue, Number(options.after ?? 0) || 0, limit)
    const last = rows.at(-1)
    return {
      messages: rows.map((row) => toPeeked(row, now)),
      ...(rows.length === limit && last ? { next: String(last.seq) } : {}),
    }
  }

  list(): QueueSummary[] {
    return this.names().map((name) => ({
      name,
      arn: this.arn(name),
      config: this.#config(name),
      depth: this.depth(name),
    }))
  }

  /**
   * Moves visible messages out of a dead-letter queue (StartMessageMoveTask): to `destination`, or
   * each back to the queue it came from. Moved messages are new messages (new ID, sent now,
   * receive count 0), as SQS's redrive makes them. Messages with no known source are skipped.
   */
  redrive(deadLetterQueue: string, options: { destination?: string; limit?: number } = {}) {
    const config = this.#config(deadLetterQueue)
    if (options.destination !== undefined && !!this.#config(options.destination).fifo !== !!config.fifo) {
      // A message's group, deduplication ID and order mean nothing to the other type of queue.
      throw new QueueError(
        'InvalidParameterValue',
        'The destination queue must be the same type of queue (standard or FIFO) as the dead-letter queue.',
      )
    }
    const now = this.#clock.now()
    const limit = options.limit ?? Number.MAX_SAFE_INTEGER
    const result = this.#repo.transaction(() => {
      this.#expire(deadLetterQueue, config, now)
      return redriveVisible(this.#repo, deadLetterQueue, options.destination, this, now, limit)
    })
    for (const target of result.targets) this.#notifySoon(target)
    return { moved: result.moved, skipped: result.skipped }
  }

  /** Ends pending long polls with no messages. */
  close(): void {
    this.#longPoll.close()
  }

  #receiveNow(queue: string, max: number, visibilitySeconds: number): ReceivedMessage[] {
    const config = this.#config(queue)
    const now = this.#clock.now()
    const { messages, deadLetters } = this.#repo.transaction(() => {
      this.#expire(queue, config, now)
      return takeVisible(this.#repo, queue, config, this, now, max, visibilitySeconds)
    })
    for (const dlq of deadLetters) this.#notifySoon(dlq)
    if (messages.length > 0) this.#metrics.of(queue).record(SQS.NumberOfMessagesReceived, messages.length)
    return messages
  }

  #expire(queue: string, config: ResolvedQueueConfig, now: number): void {
    this.#repo.expire(queue, now - config.messageRetentionSeconds * 1000)
  }

  #config(queue: string): ResolvedQueueConfig {
    const config = this.#configs.get(queue)
    if (!config) throw queueDoesNotExist(queue)
    return config
  }

  /** After the current synchronous work (and any transaction around it) has committed. */
  #notifySoon(queue: string): void {
    queueMicrotask(() => this.#longPoll.notify(queue))
  }
}

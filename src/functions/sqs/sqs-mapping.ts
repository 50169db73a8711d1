import { createHash } from 'node:crypto'
import type { InvokeOutcome, Invoker } from '../../contracts/functions.ts'
import type { QueueService } from '../../services/queues/queue-service.ts'
import { type Clock, systemClock } from '../../util/clock.ts'
import { InvalidConfigError } from '../../util/invalid-config.ts'
import { type Logger, silentLogger } from '../../util/logger.ts'
import { judgeBatchItemFailures } from '../batch-item-failures.ts'
import { RecordFilter } from '../filter.ts'
import { recordBytes, type SqsEventRecord, sqsEventRecord, sqsFilterView } from './sqs-event.ts'
import {
  DEFAULT_POLLERS,
  type ResolvedSqsMappingConfig,
  resolveSqsMappingConfig,
  SQS_MAPPING_LIMITS,
  type SqsMappingConfig,
} from './sqs-mapping-config.ts'

export interface SqsMappingDeps {
  queues: QueueService
  invoker: Invoker
  clock?: Clock
  logger?: Logger
  /**
   * The function's timeout. Lambda refuses a mapping whose queue's visibility timeout is shorter
   * (a message would reappear while its batch still runs).
   */
  functionTimeoutMs?: number
}

export interface SqsMappingStatus {
  uuid: string
  functionName: string
  queueName: string
  state: 'Enabled' | 'Disabled'
  pollers: number
  /** Batches handed to the function and not yet settled. */
  batchesInFlight: number
}

/** Longest pause between retries of a throttled batch. */
const MAX_THROTTLE_BACKOFF_MS = 60_000
/** Pause after an unexpected error (e.g. the queue was deleted) before polling again. */
const ERROR_PAUSE_MS = 1_000

/**
 * An SQS event source mapping with Lambda's semantics. Each poller long-polls the queue, gathers
 * a batch (up to BatchSize, the batching window after the first message, or 6 MB), invokes the
 * function with Lambda's SQS event, and then deletes the batch on success. On a function error
 * nothing is deleted: the messages reappear when their visibility timeout passes, their receive
 * count grows, and the queue's redrive policy moves them to the DLQ in the end. With
 * ReportBatchItemFailures only the reported messages stay. A throttled batch is retried with
 * backoff while its visibility timeout lasts, then left to reappear.
 *
 * @example
 * const mapping = new SqsMapping({ function: 'worker', queue: 'jobs', batchSize: 10 }, { queues, invoker })
 * mapping.start()
 * // ...
 * await mapping.stop()
 */
export class SqsMapping {
  readonly uuid: string
  readonly config: ResolvedSqsMappingConfig
  readonly #queues: QueueService
  readonly #invoker: Invoker
  readonly #clock: Clock
  readonly #logger: Logger
  readonly #filter: RecordFilter
  #abort = new AbortController()
  #loops: Promise<void>[] = []
  #inFlight = 0

  constructor(config: SqsMappingConfig, deps: SqsMappingDeps) {
    this.config = resolveSqsMappingConfig(config)
    this.#queues = deps.queues
    this.#invoker = deps.invoker
    this.#clock = deps.clock ?? systemClock
    this.#logger = deps.logger ?? silentLogger
    this.#filter = new RecordFilter(this.config.filterPatterns)
    const queueConfig = deps.queues.config(this.config.queue)
    if (queueConfig.fifo) checkFifoMapping(this.config)
    const visibility = queueConfig.visibilityTimeoutSeconds
    if (deps.functionTimeoutMs !== undefined && visibility * 1000 < deps.functionTimeoutMs) {
      throw new InvalidConfigError(
        `queues.${this.config.queue}.visibilityTimeoutSeconds`,
        `Queue visibility timeout: ${visibility} seconds is less than Function timeout: ${Math.ceil(deps.functionTimeoutMs / 1000)} seconds (function '${this.config.function}')`,
      )
    }
    this.uuid = mappingUuid(this.config.function, this.#queues.arn(this.config.queue))
  }

  get running(): boolean {
    return this.#loops.length > 0
  }

  /** Starts the pollers (nothing happens when the mapping is disabled or already running). */
  start(): void {
    if (!this.config.enabled || this.running) return
    this.#abort = new AbortController()
    const pollers = this.config.maximumConcurrency ?? DEFAULT_POLLERS
    for (let i = 0; i < pollers; i++) this.#loops.push(this.#poll())
  }

  /** Stops polling and waits for running batches to settle. */
  async stop(): Promise<void> {
    this.#abort.abort()
    await Promise.all(this.#loops)
    this.#loops = []
  }

  status(): SqsMappingStatus {
    return {
      uuid: this.uuid,
      functionName: this.config.function,
      queueName: this.config.queue,
      state: this.config.enabled ? 'Enabled' : 'Disabled',
      pollers: this.#loops.length,
      batchesInFlight: this.#inFlight,
    }
  }

  async #poll(): Promise<void> {
    const signal = this.#abort.signal
    let carry: SqsEventRecord[] = []
    while (!signal.aborted) {
      try {
        // While the function's code does not load (an edit under `tributary dev`), receive
        // nothing: each receive would count towards the redrive policy's maxReceiveCount.
        const paused = this.#invoker.runnable?.(this.config.function)
        if (paused) await Promise.race([paused, aborted(signal)])
        if (signal.aborted) {
          this.#release(carry)
          return
        }
        const { batch, rest, receivedAt } = await this.#gather(carry, signal)
        carry = rest
        if (signal.aborted) {
          this.#release([...batch, ...rest])
          return
        }
        if (batch.length > 0) await this.#process(batch, receivedAt, signal)
      } catch (error) {
        this.#logger.error(`sqs mapping ${this.config.queue} → ${this.config.function}: ${String(error)}`)
        await this.#sleep(ERROR_PAUSE_MS, signal)
      }
    }
  }

  /**
   * Gathers one batch: long-polls for a first message, then keeps receiving until BatchSize, the
   * end of the batching window, or the payload limit. Records past the payload limit are carried
   * into the next batch (they are already received, so they are not received again).
   */
  async #gather(
    carry: SqsEventRecord[],
    signal: AbortSignal,
  ): Promise<{ batch: SqsEventRecord[]; rest: SqsEventRecord[]; receivedAt: number }> {
    const { batchSize, maximumBatchingWindowInSeconds: window, queue } = this.config
    const batch: SqsEventRecord[] = []
    const rest: SqsEventRecord[] = []
    let bytes = 0
    const add = (record: SqsEventRecord) => {
      const size = recordBytes(record)
      if (rest.length > 0 || (batch.length > 0 && bytes + size > SQS_MAPPING_LIMITS.payloadBytes))
        rest.push(record)
      else {
        batch.push(record)
        bytes += size
      }
    }
    carry.forEach(add)
    // When the batch's first messages were received: their visibility timeout runs from here.
    let receivedAt = this.#clock.now()
    let deadline = batch.length > 0 ? receivedAt + window * 1000 : undefined
    const arn = this.#queues.arn(queue)
    while (!signal.aborted && rest.length === 0 && batch.length < batchSize) {
      if (deadline !== undefined && (window === 0 || this.#clock.now() >= deadline)) break
      const received = await this.#receive(Math.min(10, batchSize - batch.length), deadline, signal)
      for (const message of received) add(sqsEventRecord(message, arn, this.#queues.region))
      if (received.length > 0 && deadline === undefined) {
        receivedAt = this.#clock.now()
        deadline = receivedAt + window * 1000
      }
    }
    return { batch, rest, receivedAt }
  }

  /** One long poll (20 s, as Lambda's pollers), cut short at `deadline` or on stop. */
  async #receive(max: number, deadline: number | undefined, signal: AbortSignal) {
    const controller = new AbortController()
    const stop = () => controller.abort()
    signal.addEventListener('abort', stop, { once: true })
    const timer =
      deadline === undefined
        ? undefined
        : this.#clock.setTimeout(stop, Math.max(0, deadline - this.#clock.now()))
    try {
      return await this.#queues.receive(this.config.queue, {
        max,
        waitTimeSeconds: 20,
        signal: controller.signal,
      })
    } finally {
      signal.removeEventListener('abort', stop)
      if (timer) this.#clock.clearTimeout(timer)
    }
  }

  async #process(batch: SqsEventRecord[], receivedAt: number, signal: AbortSignal): Promise<void> {
    const { queue } = this.config
    let records = batch
    if (this.#filter.active) {
      const kept = new Set(batch.filter((r) => this.#filter.keep(sqsFilterView(r))))
      records = [...kept]
      // Lambda deletes the messages no filter matches.
      const dropped = batch.filter((r) => !kept.has(r))
      if (dropped.length > 0)
        this.#queues.deleteMany(
          queue,
          dropped.map((r) => r.receiptHandle),
        )
      if (records.length === 0) return
    }
    this.#inFlight++
    try {
      const outcome = await this.#invoke(records, receivedAt, signal)
      this.#settle(records, outcome)
    } finally {
      this.#inFlight--
    }
  }

  /** Invokes; a throttled batch is retried with backoff while its messages stay hidden. */
  async #invoke(records: SqsEventRecord[], receivedAt: number, signal: AbortSignal): Promise<InvokeOutcome> {
    const hiddenUntil = receivedAt + this.#queues.config(this.config.queue).visibilityTimeoutSeconds * 1000
    let backoff = 1_000
    for (;;) {
      const outcome = await this.#invoker.invoke(this.config.function, { Records: records })
      if (outcome.kind !== 'throttled' || signal.aborted) return outcome
      if (this.#clock.now() + backoff >= hiddenUntil) return outcome
      await this.#sleep(backoff, signal)
      backoff = Math.min(backoff * 2, MAX_THROTTLE_BACKOFF_MS)
    }
  }

  /**
   * Deletes what succeeded; whatever failed stays hidden until its visibility timeout passes (on
   * a FIFO queue that holds back the rest of its message group, as on SQS).
   */
  #settle(records: SqsEventRecord[], outcome: InvokeOutcome): void {
    if (outcome.kind !== 'ok') return
    let succeeded = records
    if (this.config.reportBatchItemFailures) {
      const verdict = judgeBatchItemFailures('sqs', outcome.result, new Set(records.map((r) => r.messageId)))
      if (verdict.kind === 'failure') return
      if (verdict.kind === 'partial') {
        const failed = this.#queues.config(this.config.queue).fifo
          ? failedInGroupOrder(records, verdict.failed)
          : verdict.failed
        succeeded = records.filter((r) => !failed.has(r.messageId))
      }
    }
    if (succeeded.length > 0) {
      this.#queues.deleteMany(
        this.config.queue,
        succeeded.map((r) => r.receiptHandle),
      )
    }
  }

  /** On stop, messages gathered but never handed to the function are made visible again. */
  #release(records: SqsEventRecord[]): void {
    for (const record of records) {
      try {
        this.#queues.changeVisibility(this.config.queue, record.receiptHandle, 0)
      } catch {
        // Already visible again, or the queue is gone: nothing to release.
      }
    }
  }

  #sleep(ms: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      if (signal.aborted) return resolve()
      const done = () => {
        this.#clock.clearTimeout(timer)
        signal.removeEventListener('abort', done)
        resolve()
      }
      const timer = this.#clock.setTimeout(done, ms)
      signal.addEventListener('abort', done, { once: true })
    })
  }
}

/**
 * Lambda on a FIFO queue: at most 10 messages a batch and no batching window (AWS's
 * services-sqs-parameters page), so a batch is one receive, in group order.
 */
function checkFifoMapping(config: ResolvedSqsMappingConfig): void {
  const max = SQS_MAPPING_LIMITS.fifoBatchSize
  if (config.batchSize > max) {
    throw new InvalidConfigError(
      'mappings.batchSize',
      `must be at most ${max} for a FIFO queue (queue '${config.queue}'), as on AWS`,
    )
  }
  if (config.maximumBatchingWindowInSeconds !== 0) {
    throw new InvalidConfigError(
      'mappings.maximumBatchingWindowInSeconds',
      `a batching window is not supported for a FIFO queue (queue '${config.queue}'), as on AWS`,
    )
  }
}

/**
 * A FIFO batch's partial response, kept in order: Lambda's guidance is that a function stops at
 * the first failure and reports it and everything after it; a function that reports a message
 * and not the later ones of the same group would have them deleted out of order. So, per message
 * group, every message after the first one reported failed stays in the queue too.
 */
function failedInGroupOrder(records: readonly SqsEventRecord[], reported: ReadonlySet<string>): Set<string> {
  const failed = new Set(reported)
  const stopped = new Set<string | undefined>()
  for (const record of records) {
    const group = record.attributes.MessageGroupId
    if (stopped.has(group)) failed.add(record.messageId)
    else if (reported.has(record.messageId)) stopped.add(group)
  }
  return failed
}

function aborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }))
}

/** A stable id for a mapping (Lambda's EventSourceMappingUUID), from what it connects. */
function mappingUuid(functionName: string, source: string): string {
  const h = createHash('sha1').update(`${functionName}\0${source}`).digest('hex')
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`
}

import type { StreamConsumer } from './consumers.ts'
import type { StreamEngine } from './engine.ts'
import { consumerErrors } from './messages.ts'
import { type IteratorType, type ReadRecord, startingOrdinal } from './records.ts'
import { decodedLength, FLAG_ENCRYPTED, type ShardRecord, ShardTail } from './shard-tail.ts'
import type { ShardRuntime, StreamRuntime } from './stream-state.ts'

/** A subscription lasts 5 minutes, then ends; the consumer subscribes again from its continuation. */
export const SUBSCRIPTION_LIFETIME_MS = 300_000
/** An idle subscription still sends an (empty) event this often, with its continuation number. */
export const HEARTBEAT_MS = 5_000
/** One event carries at most this much: AWS pushes records as they arrive, in modest events. */
const MAX_EVENT_RECORDS = 10_000
const MAX_EVENT_BYTES = 1024 * 1024

export interface SubscribeRequest {
  consumerArn: string
  shardId: string
  type: IteratorType
  sequenceNumber?: string | undefined
  /** AT_TIMESTAMP, ms since epoch. */
  timestamp?: number | undefined
}

/** What one SubscribeToShardEvent carries, in the engine's terms. */
export interface SubscriptionEvent {
  records: readonly ReadRecord[]
  /** Where to subscribe again (AFTER_SEQUENCE_NUMBER); undefined once the shard has ended. */
  continuationSequenceNumber: string | undefined
  millisBehindLatest: number
  /** The shard's children, in the event that reports its end. */
  childShards: ShardRuntime[] | undefined
}

/**
 * SubscribeToShard's checks, in AWS's order (the consumer, its status, the shard and starting
 * position, then another subscription within 5 s), and the subscription they allow.
 */
export async function subscribe(engine: StreamEngine, req: SubscribeRequest): Promise<ShardSubscription> {
  const consumer = engine.consumers.get({ arn: req.consumerArn })
  if (consumer.status !== 'ACTIVE') {
    const seconds = Math.floor(consumer.createdAt / 1000)
    throw consumerErrors.notActive(consumer.name, seconds, consumer.streamName, engine.account)
  }
  const start = await startingOrdinal(
    engine,
    {
      streamName: consumer.streamName,
      shardId: req.shardId,
      type: req.type,
      startingSequenceNumber: req.sequenceNumber,
      timestamp: req.timestamp,
    },
    'SubscribeToShard',
  )
  const subscription = new ShardSubscription(engine, consumer, start.stream, start.shard, start.ordinal)
  subscription.release = engine.consumers.subscribe(consumer, start.shard.id, () => subscription.stop())
  return subscription
}

/**
 * One consumer's subscription to one shard: pushes records as they become durable (the shard's
 * tail wakes it, nothing polls), in order, within the consumer's 2 MiB/s on the shard when the
 * stream enforces limits; an event at least every {@link HEARTBEAT_MS}; the shard's children
 * when a closed shard has been read to its end; over after {@link SUBSCRIPTION_LIFETIME_MS} on the
 * engine's clock.
 */
export class ShardSubscription {
  release: () => void = () => {}
  readonly #engine: StreamEngine
  readonly #consumer: StreamConsumer
  readonly #stream: StreamRuntime
  readonly #shard: ShardRuntime
  readonly #tail: ShardTail
  #stopped = false
  #interrupt: (() => void) | undefined
  #tailWait: Promise<void> | undefined
  /** Arrival time of the record before the position (names the continuation number). */
  #lastTimestamp: number

  constructor(
    engine: StreamEngine,
    consumer: StreamConsumer,
    stream: StreamRuntime,
    shard: ShardRuntime,
    ordinal: number,
  ) {
    this.#engine = engine
    this.#consumer = consumer
    this.#stream = stream
    this.#shard = shard
    this.#tail = new ShardTail(shard, ordinal)
    this.#lastTimestamp = engine.clock.now()
  }

  /** Ends the subscription: its events stop at the next one (the client left, the server closes). */
  stop(): void {
    if (this.#stopped) return
    this.#stopped = true
    this.#tail.wake()
    this.#interrupt?.()
  }

  /**
   * The subscription's events, pulled one at a time (a slow reader holds the reading back). An
   * event's records are valid until the next one is asked for.
   */
  async *events(): AsyncGenerator<SubscriptionEvent> {
    const { clock } = this.#engine
    const expiry = clock.setTimeout(() => this.stop(), SUBSCRIPTION_LIFETIME_MS)
    const limited = this.#engine.shardLimitsOn(this.#stream)
    const budget = limited ? this.#engine.consumers.budget(this.#consumer, this.#shard.id) : undefined
    let lastEventAt = clock.now()
    try {
      while (!this.#stopped && this.#live()) {
        const tail = this.#tail
        if (tail.readable) {
          const wait = budget?.waitMs(clock.now()) ?? 0
          if (wait > 0) {
            await this.#sleep(wait)
            continue
          }
          const batch = await tail.next(MAX_EVENT_RECORDS, MAX_EVENT_BYTES)
          if (!batch) return
          try {
            const event = this.#event(batch.records, batch.next)
            let bytes = 0
            for (const r of event.records) bytes += decodedLength(r.data) + Buffer.byteLength(r.partitionKey)
            budget?.charge(bytes)
            lastEventAt = clock.now()
            yield event
          } finally {
            batch.release()
          }
          continue
        }
        if (tail.ended) {
          yield {
            records: [],
            continuationSequenceNumber: undefined,
            millisBehindLatest: 0,
            childShards: this.#stream.childrenOf(this.#shard.state.index),
          }
          return
        }
        const idle = clock.now() - lastEventAt
        if (idle >= HEARTBEAT_MS) {
          lastEventAt = clock.now()
          yield this.#event([], tail.position)
          continue
        }
        // One wait on the tail at a time: heartbeats come and go while it is pending.
        this.#tailWait ??= tail.wait().then(() => {
          this.#tailWait = undefined
        })
        await Promise.race([this.#tailWait, this.#sleep(HEARTBEAT_MS - idle)])
        this.#interrupt?.()
      }
    } finally {
      clock.clearTimeout(expiry)
      this.#interrupt?.()
      this.release()
    }
  }

  /** The shard can still be read: its stream was not deleted and its log not closed (shutdown). */
  #live(): boolean {
    const log = this.#shard.log
    return (
      this.#engine.findWritableStream(this.#stream.state.name) === this.#stream &&
      log !== undefined &&
      !log.closed
    )
  }

  /** An event with `raw` records read from the log (those past retention left out), ending at `next`. */
  #event(raw: readonly ShardRecord[], next: number): SubscriptionEvent {
    const shard = this.#shard
    const cutoff = this.#engine.retentionCutoff(this.#stream)
    const records: ReadRecord[] = []
    for (const r of raw) {
      this.#lastTimestamp = r.timestamp
      if (r.timestamp < cutoff) continue
      const rec = r as ReadRecord
      rec.sequenceNumber = shard.sequenceNumber(r.ordinal, r.timestamp)
      rec.encrypted = (r.flags & FLAG_ENCRYPTED) !== 0
      records.push(rec)
    }
    const log = shard.requireLog()
    const last = records[records.length - 1]
    const now = this.#engine.clock.now()
    return {
      records,
      // AFTER_SEQUENCE_NUMBER of the number of the record before `next` resumes at `next`.
      continuationSequenceNumber:
        next === 0 ? shard.startingSequenceNumber : shard.sequenceNumber(next - 1, this.#lastTimestamp),
      millisBehindLatest: next >= log.durableOrdinal || !last ? 0 : Math.max(0, now - last.timestamp),
      childShards: undefined,
    }
  }

  /** Waits `ms` on the engine's clock, or until {@link stop} (one wait at a time). */
  #sleep(ms: number): Promise<void> {
    const { clock } = this.#engine
    return new Promise((resolve) => {
      const timer = clock.setTimeout(() => this.#interrupt?.(), ms)
      this.#interrupt = () => {
        this.#interrupt = undefined
        clock.clearTimeout(timer)
        resolve()
      }
    })
  }
}

import type { StateStore } from '../storage/state/state-store.ts'
import { FanOutThroughput } from '../stream/shard-throughput.ts'
import type { Clock } from '../util/clock.ts'
import { consumerErrors, errors } from './messages.ts'
import type { StreamRuntime } from './stream-state.ts'

/**
 * Enhanced fan-out consumers (RegisterStreamConsumer and the rest), kept in the state store so
 * they survive a restart. A consumer belongs to one incarnation of its stream (its row references
 * the stream's id, so deleting the stream deletes its consumers).
 *
 * States follow the engine's clock without timers: a consumer is CREATING for `registerMs` after
 * it was registered, then ACTIVE; a deregistered one is DELETING for `deregisterMs`, then gone.
 * AWS's limits: 20 consumers per stream, at most 5 of them CREATING at once.
 * https://docs.aws.amazon.com/kinesis/latest/APIReference/API_RegisterStreamConsumer.html
 */
export const MAX_CONSUMERS_PER_STREAM = 20
export const MAX_CONSUMERS_CREATING = 5
/** A consumer may not subscribe to the same shard again within 5 s of a successful subscription. */
export const RESUBSCRIBE_MS = 5_000

const MIGRATIONS = [
  `CREATE TABLE stream_consumers (
     stream_id TEXT NOT NULL REFERENCES streams(id) ON DELETE CASCADE,
     name TEXT NOT NULL,
     created_at INTEGER NOT NULL,
     active_at INTEGER NOT NULL,
     gone_at INTEGER,
     PRIMARY KEY (stream_id, name)
   );`,
]

export type ConsumerStatus = 'CREATING' | 'ACTIVE' | 'DELETING'

export interface StreamConsumer {
  name: string
  streamName: string
  /** The stream incarnation it was registered with (StreamState.id). */
  streamId: string
  /** Registration time, ms (its ARN carries it in seconds). */
  createdAt: number
  status: ConsumerStatus
  arn: string
}

interface Row {
  stream_id: string
  name: string
  created_at: number
  active_at: number
  gone_at: number | null
}

/** How a request names a consumer: its ARN, or its stream and name. */
export type ConsumerDesignation = { arn: string } | { streamName: string; name: string }

export interface ConsumerTimings {
  /** How long a new consumer is CREATING (AWS: seconds; default 500 ms, as streams). */
  registerMs?: number | undefined
  /** How long a deregistered consumer is DELETING before it is gone. */
  deregisterMs?: number | undefined
}

/** What the registry needs of its engine (narrow: the engine owns the registry). */
export interface ConsumerHost {
  readonly account: string
  readonly region: string
  readonly clock: Clock
  arn(streamName: string): string
  stream(name: string): StreamRuntime
  streams(): StreamRuntime[]
}

export class ConsumerRegistry {
  readonly #engine: ConsumerHost
  readonly #store: StateStore
  readonly #registerMs: number
  readonly #deregisterMs: number
  /** The 2 MiB/s each consumer has per shard, by `consumer ARN + shard id` (kept while the process runs). */
  readonly #budgets = new Map<string, FanOutThroughput>()
  /** When each `consumer ARN + shard id` last subscribed successfully, and how to end that subscription. */
  readonly #subscriptions = new Map<string, { at: number; end: () => void }>()

  constructor(engine: ConsumerHost, store: StateStore, timings: ConsumerTimings = {}) {
    this.#engine = engine
    this.#store = store
    this.#registerMs = timings.registerMs ?? 500
    this.#deregisterMs = timings.deregisterMs ?? 500
    store.ensureSchema('stream-consumers', MIGRATIONS)
  }

  arn(streamName: string, name: string, createdAt: number): string {
    return `${this.#engine.arn(streamName)}/consumer/${name}:${Math.floor(createdAt / 1000)}`
  }

  register(streamName: string, name: string): StreamConsumer {
    const stream = this.#engine.stream(streamName)
    if (stream.state.status !== 'ACTIVE' && stream.state.status !== 'UPDATING')
      throw errors.streamNotActive(streamName, this.#engine.account, stream.state.status)
    const consumers = this.list(streamName)
    const account = this.#engine.account
    if (consumers.some((c) => c.name === name)) throw consumerErrors.exists(name, streamName, account)
    if (consumers.length >= MAX_CONSUMERS_PER_STREAM)
      throw consumerErrors.tooMany(streamName, account, MAX_CONSUMERS_PER_STREAM)
    if (consumers.filter((c) => c.status === 'CREATING').length >= MAX_CONSUMERS_CREATING)
      throw consumerErrors.tooManyCreating(streamName, account, MAX_CONSUMERS_CREATING)
    const now = this.#engine.clock.now()
    this.#store.db
      .prepare(
        'INSERT INTO stream_consumers (stream_id, name, created_at, active_at, gone_at) VALUES (?, ?, ?, ?, NULL)',
      )
      .run(stream.state.id, name, now, now + this.#registerMs)
    const row = {
      stream_id: stream.state.id,
      name,
      created_at: now,
      active_at: now + this.#registerMs,
      gone_at: null,
    }
    return this.#toConsumer(stream, row)
  }

  /** The consumers registered with the stream (not yet gone), by name. */
  list(streamName: string): StreamConsumer[] {
    const stream = this.#engine.stream(streamName)
    const rows = this.#store.db
      .prepare('SELECT * FROM stream_consumers WHERE stream_id = ? ORDER BY name')
      .all(stream.state.id) as Row[]
    return this.#live(stream, rows)
  }

  /** How many consumers the stream has (DescribeStreamSummary's ConsumerCount). */
  count(streamName: string): number {
    return this.list(streamName).length
  }

  /** The consumer a request names; ResourceNotFoundException when there is none. */
  get(which: ConsumerDesignation): StreamConsumer {
    const found = this.find(which)
    if (found) return found
    if ('arn' in which) throw consumerErrors.arnNotFound(which.arn)
    throw consumerErrors.notFound(which.name, which.streamName, this.#engine.account)
  }

  find(which: ConsumerDesignation): StreamConsumer | undefined {
    const target = 'arn' in which ? this.#parseArn(which.arn) : { ...which, createdSeconds: undefined }
    if (!target) return undefined
    if (!this.#engine.streams().some((s) => s.state.name === target.streamName)) return undefined
    const consumer = this.list(target.streamName).find((c) => c.name === target.name)
    if (!consumer) return undefined
    if (
      target.createdSeconds !== undefined &&
      Math.floor(consumer.createdAt / 1000) !== target.createdSeconds
    )
      return undefined
    return consumer
  }

  /** Starts deregistering: DELETING now, gone after the delay. Already DELETING: unchanged. */
  deregister(which: ConsumerDesignation): StreamConsumer {
    const consumer = this.get(which)
    if (consumer.status === 'DELETING') return consumer
    const goneAt = this.#engine.clock.now() + this.#deregisterMs
    this.#store.db
      .prepare('UPDATE stream_consumers SET gone_at = ? WHERE stream_id = ? AND name = ?')
      .run(goneAt, consumer.streamId, consumer.name)
    const prefix = `${consumer.arn} `
    for (const key of this.#budgets.keys()) if (key.startsWith(prefix)) this.#budgets.delete(key)
    for (const [key, subscription] of this.#subscriptions) {
      if (!key.startsWith(prefix)) continue
      subscription.end()
      this.#subscriptions.delete(key)
    }
    return { ...consumer, status: 'DELETING' }
  }

  /** The consumer's read budget on one shard (2 MiB/s), created on first use. */
  budget(consumer: StreamConsumer, shardId: string): FanOutThroughput {
    const key = `${consumer.arn} ${shardId}`
    let budget = this.#budgets.get(key)
    if (!budget) {
      budget = new FanOutThroughput()
      this.#budgets.set(key, budget)
    }
    return budget
  }

  /**
   * Takes the consumer's subscription to a shard. Refused (ResourceInUseException) within 5 s of
   * the previous successful one, as AWS documents; past that, the new one replaces the previous
   * (which `end`s). Returns the release for when the subscription is over.
   */
  subscribe(consumer: StreamConsumer, shardId: string, end: () => void): () => void {
    const key = `${consumer.arn} ${shardId}`
    const now = this.#engine.clock.now()
    const previous = this.#subscriptions.get(key)
    if (previous && now - previous.at < RESUBSCRIBE_MS) {
      throw consumerErrors.subscribedAlready(
        this.#engine.account,
        consumer.streamName,
        shardId,
        consumer.name,
      )
    }
    previous?.end()
    const entry = { at: now, end }
    this.#subscriptions.set(key, entry)
    // The entry outlives its subscription (its time still refuses a resubscription within 5 s);
    // once over, it no longer ends anything.
    return () => {
      entry.end = () => {}
    }
  }

  /** Rows still registered; rows whose DELETING time is over are removed on the way. */
  #live(stream: StreamRuntime, rows: Row[]): StreamConsumer[] {
    const now = this.#engine.clock.now()
    const gone = rows.filter((r) => r.gone_at !== null && r.gone_at <= now)
    if (gone.length > 0) {
      const del = this.#store.db.prepare('DELETE FROM stream_consumers WHERE stream_id = ? AND name = ?')
      this.#store.transaction(() => {
        for (const r of gone) del.run(r.stream_id, r.name)
      })
    }
    return rows.filter((r) => !gone.includes(r)).map((r) => this.#toConsumer(stream, r))
  }

  #toConsumer(stream: StreamRuntime, row: Row): StreamConsumer {
    const now = this.#engine.clock.now()
    const status: ConsumerStatus =
      row.gone_at !== null ? 'DELETING' : now < row.active_at ? 'CREATING' : 'ACTIVE'
    return {
      name: row.name,
      streamName: stream.state.name,
      streamId: row.stream_id,
      createdAt: row.created_at,
      status,
      arn: this.arn(stream.state.name, row.name, row.created_at),
    }
  }

  /** `arn:aws:kinesis:REGION:ACCOUNT:stream/NAME/consumer/CONSUMER:SECONDS`, if it is one of ours. */
  #parseArn(arn: string): { streamName: string; name: string; createdSeconds: number } | undefined {
    const m = /^arn:aws[^:]*:kinesis:([^:]*):(\d{12}):stream\/([^/]+)\/consumer\/([^:]+):(\d+)$/.exec(arn)
    if (!m || m[1] !== this.#engine.region || m[2] !== this.#engine.account) return undefined
    return { streamName: m[3]!, name: m[4]!, createdSeconds: Number(m[5]) }
  }
}

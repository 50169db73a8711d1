import { Agent as HttpAgent } from 'node:http'
import { Agent as HttpsAgent } from 'node:https'
import {
  KinesisClient,
  ListShardsCommand,
  type ListShardsCommandInput,
  PutRecordsCommand,
  type PutRecordsCommandOutput,
  type Shard,
} from '@aws-sdk/client-kinesis'
import { NodeHttpHandler } from '@smithy/node-http-handler'
import { hashKeyFromDecimal, MAX_HASH_KEY, partitionKeyHash } from '../stream/hash-key.ts'
import { type Clock, systemClock, type TimerHandle } from '../util/clock.ts'
import { Aggregator, type InFlight, type KinesisRecord } from './aggregator.ts'
import { compress } from './compression.ts'
import {
  MAX_PARTITION_KEY_LENGTH,
  MAX_RECORD_BYTES,
  type ProducerConfig,
  type ResolvedConfig,
  resolveConfig,
} from './config.ts'
import { ShardLimiter } from './limiter.ts'
import { MetricsRecorder, type ProducerMetrics } from './metrics.ts'
import { classifyCallError, isRetryableRecordError, toEntry } from './put-records.ts'
import { ShardMap } from './shard-map.ts'
import type { Attempt, PutTicket, ResultCallback, UserRecord, UserRecordResult } from './types.ts'

/** A user record `put` refuses (what PutRecords would refuse for it). */
export class InvalidUserRecordError extends Error {
  override readonly name = 'InvalidUserRecordError'
}

/** `put` after `close()`. */
export class ProducerClosedError extends Error {
  override readonly name = 'ProducerClosedError'
}

const THROTTLED = 'ProvisionedThroughputExceededException'
const DECIMAL = /^\d{1,39}$/
const MAP_RELOAD_MS = 1000
const LIMITER_DRAIN_MS = 25
/** Hash keys of recent partition keys: MD5 per record is the hot path's largest cost. */
const HASH_CACHE_SIZE = 4096
/**
 * Error codes and messages kept in results are interned: each throttled entry of a PutRecords
 * response brings its own copy of the same text, and a record waiting to retry would keep it.
 */
const INTERNED_STRINGS = 256
const NO_DATA = new Uint8Array(0)

/**
 * A Kinesis producer in the manner of the Kinesis Producer Library (KPL): user records are routed
 * to their shard by the stream's shard map, aggregated per shard in the KPL's format, rate-limited
 * per shard, collected into PutRecords calls and retried per record until they are put or their
 * time to live runs out. `put` applies back-pressure: it waits while too many records are
 * outstanding, so memory stays bounded whatever the stream accepts.
 *
 * Works against AWS and against Tributary (`endpoint: 'http://127.0.0.1:4567'`).
 *
 * @example
 * const producer = new KinesisProducer({ streamName: 'events', endpoint: 'http://127.0.0.1:4567' })
 * const { result } = await producer.put({ partitionKey: 'device-1', data: JSON.stringify(reading) })
 * // or, without a promise per record: await producer.put(record, (r) => r.successful || log(r))
 * await producer.flush()
 * console.log(await result) // { successful: true, shardId, sequenceNumber, subSequenceNumber, attempts }
 * await producer.close()
 */
export class KinesisProducer {
  readonly #config: ResolvedConfig
  readonly #client: KinesisClient
  readonly #ownsClient: boolean
  readonly #clock: Clock
  readonly #metrics = new MetricsRecorder()
  readonly #hashCache = new Map<string, string>()
  readonly #interned = new Map<string, string>()
  /** Start of the producer's own time line: its times are ms since then (see {@link InFlight}). */
  readonly #epoch: number
  #outstanding = 0
  #outstandingBytes = 0
  /** `flush` generations: records outstanding per generation, and the flushes waiting on them. */
  #generation = 0
  readonly #openByGeneration = new Map<number, number>()
  readonly #flushes: Array<{ generation: number; done: () => void }> = []
  /** Room promised to admitted `put`s that have not resumed yet. */
  #reserved = 0
  #reservedBytes = 0
  readonly #waiters: Array<{ bytes: number; admit: () => void }> = []
  #map: ShardMap | undefined
  #mapLoading = false
  #mapFailures = 0
  #mapLoadedAt = Number.NEGATIVE_INFINITY
  #unrouted: InFlight[] = []
  readonly #aggregators = new Map<string, Aggregator>()
  readonly #limiters = new Map<string, ShardLimiter<KinesisRecord>>()
  #limiterWake = new Map<string, number>()
  #collected: KinesisRecord[] = []
  #collectedBytes = 0
  #collectedDeadline = Number.POSITIVE_INFINITY
  readonly #ready: KinesisRecord[][] = []
  #requests = 0
  #pausedUntil = 0
  #callFailures = 0
  #flushing = 0
  #closed = false
  #wakeAt = Number.POSITIVE_INFINITY
  #wakeTimer: TimerHandle | undefined
  #pumpQueued = false
  #mapTimer: TimerHandle | undefined
  readonly #mapReady: Promise<void>
  #markReady!: () => void
  #failReady!: (error: unknown) => void

  constructor(config: ProducerConfig) {
    this.#clock = config.clock ?? systemClock
    this.#epoch = this.#clock.now()
    this.#config = resolveConfig(config, this.#clock)
    this.#ownsClient = config.client === undefined
    this.#client = config.client ?? makeClient(this.#config)
    this.#mapReady = new Promise<void>((resolve, reject) => {
      this.#markReady = resolve
      this.#failReady = reject
    })
    this.#mapReady.catch(() => undefined)
    this.#loadShardMap()
  }

  /**
   * Resolves once the shard map is loaded (records put before are held until then); rejects if
   * the stream cannot be listed for a reason no retry fixes (it does not exist, no permission).
   * Optional: `put` works at once. A load generator waits for it so its clock starts warm.
   */
  ready(): Promise<void> {
    return this.#mapReady
  }

  /** Records buffered, in flight or waiting to retry (the KPL's `getOutstandingRecordsCount()`). */
  get outstandingRecords(): number {
    return this.#outstanding
  }

  get outstandingBytes(): number {
    return this.#outstandingBytes
  }

  /** The KPL's metrics, cumulative since the producer started. */
  metrics(): ProducerMetrics {
    return this.#metrics.snapshot(this.#outstanding)
  }

  /**
   * Accepts a user record: resolves once it is buffered (after waiting, while `maxOutstandingRecords`
   * or `maxOutstandingBytes` are reached). `ticket.result` settles with the record's fate, and
   * `onResult`, if given, is called with it (a callback shared by many records costs no promise
   * per record; one that throws does so on a later microtask, leaving the producer consistent).
   * Throws {@link InvalidUserRecordError} for a record Kinesis would refuse.
   */
  async put(record: UserRecord, onResult?: ResultCallback): Promise<PutTicket> {
    if (this.#closed) throw new ProducerClosedError('the producer is closed')
    const { partitionKey, explicitHashKey } = record
    if (
      typeof partitionKey !== 'string' ||
      partitionKey.length < 1 ||
      partitionKey.length > MAX_PARTITION_KEY_LENGTH
    )
      throw new InvalidUserRecordError(`partitionKey must have 1 to ${MAX_PARTITION_KEY_LENGTH} characters`)
    let hashKey: string
    if (explicitHashKey !== undefined) {
      if (!DECIMAL.test(explicitHashKey) || BigInt(explicitHashKey) > MAX_HASH_KEY)
        throw new InvalidUserRecordError(`explicitHashKey must be a decimal integer from 0 to 2^128-1`)
      hashKey = hashKeyFromDecimal(explicitHashKey)
    } else hashKey = this.#hashOf(partitionKey)
    let data = typeof record.data === 'string' ? Buffer.from(record.data, 'utf8') : record.data
    if (this.#config.compression === 'gzip') data = compress(data)
    const keyBytes = Buffer.byteLength(partitionKey, 'utf8')
    const bytes = data.length + keyBytes
    if (bytes > MAX_RECORD_BYTES)
      throw new InvalidUserRecordError(
        `data and partition key take ${bytes} bytes; a record holds at most 1 MiB`,
      )
    if (this.#waiters.length > 0 || !this.#fits(bytes)) {
      await new Promise<void>((admit) => this.#waiters.push({ bytes, admit }))
      this.#reserved--
      this.#reservedBytes -= bytes
      if (this.#closed) throw new ProducerClosedError('the producer is closed')
    }
    const now = this.#now()
    const generation = this.#generation
    const inFlight: InFlight = {
      partitionKey,
      explicitHashKey,
      hashKey,
      data,
      keyBytes,
      bytes,
      receivedAt: now,
      deadline: now + this.#config.recordMaxBufferedTime,
      lastEnd: now,
      attempts: undefined,
      generation,
      settle: onResult,
      outcome: undefined,
    }
    this.#outstanding++
    this.#outstandingBytes += bytes
    this.#openByGeneration.set(generation, (this.#openByGeneration.get(generation) ?? 0) + 1)
    this.#metrics.userRecordsReceived++
    this.#route(inFlight)
    return new Ticket(inFlight)
  }

  /** Sends everything buffered now, and resolves once every record put before the call has its result. */
  async flush(): Promise<void> {
    if (this.#outstanding === 0) return
    // Records put from now on belong to the next generation: this flush waits for this one and
    // every earlier one, however many records they hold, with no per-record promise.
    const generation = this.#generation++
    this.#flushing++
    try {
      const done = new Promise<void>((resolve) => this.#flushes.push({ generation, done: resolve }))
      this.#pump()
      this.#releaseFlushes()
      await done
    } finally {
      this.#flushing--
    }
  }

  /** Resolves the flushes whose generations (and all earlier ones) have no record left. */
  #releaseFlushes(): void {
    if (this.#flushes.length === 0) return
    let oldest = Number.POSITIVE_INFINITY
    for (const generation of this.#openByGeneration.keys()) oldest = Math.min(oldest, generation)
    for (let i = this.#flushes.length - 1; i >= 0; i--) {
      const flush = this.#flushes[i]!
      if (flush.generation < oldest) {
        this.#flushes.splice(i, 1)
        flush.done()
      }
    }
  }

  /**
   * Whole ms since the producer started. Math.floor makes the value a small integer (a Smi) where
   * a difference of two epoch times is a heap number, and a field that once holds one keeps
   * boxing every value stored in it (see {@link InFlight}).
   */
  #now(): number {
    return Math.floor(this.#clock.now() - this.#epoch)
  }

  #expiresAt(r: InFlight): number {
    return r.receivedAt + this.#config.recordTtl
  }

  /** The one copy of an error code or message (bounded: a flood of distinct texts is not kept). */
  #intern(text: string): string {
    const known = this.#interned.get(text)
    if (known !== undefined) return known
    if (this.#interned.size >= INTERNED_STRINGS) this.#interned.clear()
    this.#interned.set(text, text)
    return text
  }

  /** Flushes, then stops: later `put`s throw; a client the producer made is destroyed. */
  async close(): Promise<void> {
    if (this.#closed) return
    await this.flush()
    this.#closed = true
    for (const waiter of this.#waiters.splice(0)) {
      this.#reserved++
      this.#reservedBytes += waiter.bytes
      waiter.admit()
    }
    if (this.#wakeTimer) this.#clock.clearTimeout(this.#wakeTimer)
    if (this.#mapTimer) this.#clock.clearTimeout(this.#mapTimer)
    if (this.#ownsClient) this.#client.destroy()
  }

  #hashOf(partitionKey: string): string {
    let hash = this.#hashCache.get(partitionKey)
    if (hash === undefined) {
      hash = partitionKeyHash(partitionKey)
      if (this.#hashCache.size >= HASH_CACHE_SIZE) this.#hashCache.clear()
      this.#hashCache.set(partitionKey, hash)
    }
    return hash
  }

  #fits(bytes: number): boolean {
    const records = this.#outstanding + this.#reserved
    if (records === 0) return true
    return (
      records < this.#config.maxOutstandingRecords &&
      this.#outstandingBytes + this.#reservedBytes + bytes <= this.#config.maxOutstandingBytes
    )
  }

  /** Admits waiting `put`s in order, reserving their room until they resume. */
  #admit(): void {
    while (this.#waiters.length > 0 && this.#fits(this.#waiters[0]!.bytes)) {
      const waiter = this.#waiters.shift()!
      this.#reserved++
      this.#reservedBytes += waiter.bytes
      waiter.admit()
    }
  }

  // ---- routing, aggregation, rate limiting, collection ------------------------------------

  #route(record: InFlight): void {
    const shard = this.#map?.shardFor(record.hashKey)
    if (!shard) {
      this.#unrouted.push(record)
      if (this.#map) this.#refreshShardMap()
      return
    }
    if (!this.#config.aggregationEnabled) {
      this.#limit({
        shardId: shard.shardId,
        records: [record],
        size: record.bytes,
        deadline: record.deadline,
      })
      return
    }
    let aggregator = this.#aggregators.get(shard.shardId)
    if (!aggregator) {
      aggregator = new Aggregator(
        shard.shardId,
        this.#config.aggregationMaxCount,
        this.#config.aggregationMaxSize,
      )
      this.#aggregators.set(shard.shardId, aggregator)
    }
    for (const sealed of aggregator.add(record)) this.#limit(sealed)
    this.#wake(this.#flushing > 0 ? this.#now() : aggregator.deadline)
  }

  #limit(record: KinesisRecord): void {
    let limiter = this.#limiters.get(record.shardId)
    if (!limiter) {
      limiter = new ShardLimiter(this.#config.rateLimit, this.#now())
      this.#limiters.set(record.shardId, limiter)
    }
    if (record.records.some((r) => r.attempts !== undefined)) limiter.pushRetry(record)
    else limiter.push(record)
    // A limiter already waiting for tokens drains when its wake-up comes, not per record.
    const now = this.#now()
    if ((this.#limiterWake.get(record.shardId) ?? 0) <= now) this.#drainLimiter(record.shardId, limiter, now)
  }

  #drainLimiter(shardId: string, limiter: ShardLimiter<KinesisRecord>, now: number): void {
    const { ready, waitMs } = limiter.drain(now)
    for (const record of ready) this.#collect(record)
    if (waitMs === undefined) this.#limiterWake.delete(shardId)
    else {
      // Drain every 25 ms at most (the KPL's limiter does too): what the tokens allow by then
      // leaves together, in one PutRecords, rather than one record per millisecond.
      const at = now + Math.max(waitMs, LIMITER_DRAIN_MS)
      this.#limiterWake.set(shardId, at)
      this.#wake(at)
    }
  }

  #collect(record: KinesisRecord): void {
    const { collectionMaxCount, collectionMaxSize } = this.#config
    if (this.#collected.length > 0 && this.#collectedBytes + record.size > collectionMaxSize) this.#seal()
    this.#collected.push(record)
    this.#collectedBytes += record.size
    this.#collectedDeadline = Math.min(this.#collectedDeadline, record.deadline)
    if (this.#collected.length >= collectionMaxCount) this.#seal()
    this.#wake(this.#flushing > 0 ? this.#now() : this.#collectedDeadline)
  }

  #seal(): void {
    if (this.#collected.length === 0) return
    this.#ready.push(this.#collected)
    this.#collected = []
    this.#collectedBytes = 0
    this.#collectedDeadline = Number.POSITIVE_INFINITY
    this.#dispatch()
  }

  #dispatch(): void {
    const now = this.#now()
    if (now < this.#pausedUntil) {
      if (this.#ready.length > 0) this.#wake(this.#pausedUntil)
      return
    }
    while (this.#ready.length > 0 && this.#requests < this.#config.maxConnections) {
      void this.#send(this.#ready.shift()!)
    }
  }

  /** One timer for every deadline: the earliest aggregate, limiter, collection or pause. */
  #wake(at: number): void {
    if (this.#closed || at >= this.#wakeAt) return
    if (at <= this.#now()) {
      // Due now: on a microtask, not a timer (a manual clock in tests need not be advanced).
      if (!this.#pumpQueued) {
        this.#pumpQueued = true
        queueMicrotask(() => {
          this.#pumpQueued = false
          this.#pump()
        })
      }
      return
    }
    if (this.#wakeTimer) this.#clock.clearTimeout(this.#wakeTimer)
    this.#wakeAt = at
    this.#wakeTimer = this.#clock.setTimeout(() => this.#pump(), Math.max(0, at - this.#now()))
  }

  #pump(): void {
    if (this.#wakeTimer) this.#clock.clearTimeout(this.#wakeTimer)
    this.#wakeTimer = undefined
    this.#wakeAt = Number.POSITIVE_INFINITY
    const now = this.#now()
    const all = this.#flushing > 0
    let next = Number.POSITIVE_INFINITY
    for (const aggregator of this.#aggregators.values()) {
      if (aggregator.length === 0) continue
      if (all || aggregator.deadline <= now) this.#limit(aggregator.seal()!)
      else next = Math.min(next, aggregator.deadline)
    }
    for (const [shardId, limiter] of this.#limiters) {
      if (limiter.length > 0 && (this.#limiterWake.get(shardId) ?? 0) <= now)
        this.#drainLimiter(shardId, limiter, now)
    }
    for (const at of this.#limiterWake.values()) next = Math.min(next, at)
    if (this.#collected.length > 0) {
      if (all || this.#collectedDeadline <= now) this.#seal()
      else next = Math.min(next, this.#collectedDeadline)
    }
    this.#dispatch()
    if (next < Number.POSITIVE_INFINITY) this.#wake(next)
  }

  // ---- sending and results -----------------------------------------------------------------

  async #send(batch: KinesisRecord[]): Promise<void> {
    const start = this.#now()
    const live: KinesisRecord[] = []
    for (const record of batch) {
      if (record.records.some((r) => start >= this.#expiresAt(r)))
        record.records = record.records.filter((r) => start < this.#expiresAt(r) || !this.#expire(r, start))
      if (record.records.length > 0) live.push(record)
    }
    if (live.length === 0) return
    let users = 0
    for (const record of live)
      for (const r of record.records) {
        users++
        if (r.attempts === undefined) this.#metrics.bufferingTime.add(start - r.receivedAt)
      }
    this.#metrics.kinesisRecordsPerRequest.add(live.length)
    this.#metrics.userRecordsPerRequest.add(users)
    this.#requests++
    const abort = new AbortController()
    const timeout = this.#clock.setTimeout(() => abort.abort(), this.#config.requestTimeout)
    timeout.unref?.()
    let output: PutRecordsCommandOutput | undefined
    let failure: unknown
    try {
      output = await this.#client.send(
        new PutRecordsCommand({ ...this.#streamRef(), Records: live.map(toEntry) }),
        { abortSignal: abort.signal },
      )
    } catch (error) {
      failure = error
    }
    this.#clock.clearTimeout(timeout)
    this.#requests--
    const end = this.#now()
    this.#metrics.requestTime.add(end - start)
    if (output) {
      this.#callFailures = 0
      this.#results(live, output, start, end)
    } else this.#callFailed(live, failure, start, end)
    this.#dispatch()
  }

  #results(live: KinesisRecord[], output: PutRecordsCommandOutput, start: number, end: number): void {
    const entries = output.Records ?? []
    live.forEach((record, i) => {
      const entry = entries[i]
      if (entry?.SequenceNumber && entry.ShardId) {
        const aggregated = record.records.length > 1
        if (entry.ShardId !== record.shardId) {
          // The shard map is out of date (a reshard). A single record went where its own key
          // routes it; an aggregate went where its first record routes, so its records are put
          // again under the new map, as the KPL does ("Wrong Shard").
          this.#refreshShardMap()
          if (aggregated) {
            this.#metrics.error('Wrong Shard')
            for (const r of record.records)
              this.#retry(r, 'Wrong Shard', `put in ${entry.ShardId}, not ${record.shardId}`, start, end)
            return
          }
        }
        this.#metrics.kinesisRecordsPut++
        this.#metrics.kinesisRecordsDataPut += record.size
        this.#metrics.userRecordsPerKinesisRecord.add(record.records.length)
        const shardId = this.#intern(entry.ShardId)
        record.records.forEach((r, sub) => {
          const attempts = addAttempt(r, { delay: start - r.lastEnd, duration: end - start, success: true })
          this.#metrics.userRecordsPut++
          this.#metrics.userRecordsDataPut += r.data.length
          const result: UserRecordResult = {
            successful: true,
            shardId,
            sequenceNumber: entry.SequenceNumber!,
            attempts,
          }
          if (aggregated) result.subSequenceNumber = sub
          this.#finish(r, result)
        })
        return
      }
      const code = this.#intern(entry?.ErrorCode ?? 'InternalFailure')
      const message = this.#intern(entry?.ErrorMessage ?? 'PutRecords returned no result for this record')
      this.#metrics.error(code)
      const retryable = isRetryableRecordError(code) && !(code === THROTTLED && this.#config.failIfThrottled)
      for (const r of record.records) {
        if (retryable) this.#retry(r, code, message, start, end)
        else this.#fail(r, code, message, start, end)
      }
    })
  }

  #callFailed(live: KinesisRecord[], error: unknown, start: number, end: number): void {
    const classified = classifyCallError(error)
    const { final } = classified
    const code = this.#intern(classified.code)
    const message = this.#intern(classified.message)
    if (!final) {
      // Pause the sender (exponential backoff with full jitter): an endpoint that is down or
      // throttling whole calls is not hammered by every buffered batch at once.
      this.#callFailures++
      this.#pausedUntil = end + this.#backoff(this.#callFailures)
    }
    for (const record of live) {
      this.#metrics.error(code)
      for (const r of record.records) {
        if (final) this.#fail(r, code, message, start, end)
        else this.#retry(r, code, message, start, end)
      }
    }
  }

  #backoff(retries: number): number {
    const { retryBaseDelay, retryMaxDelay, random } = this.#config
    return Math.floor(random() * Math.min(retryMaxDelay, retryBaseDelay * 2 ** Math.min(retries - 1, 30)))
  }

  /** Puts a failed record back into the buffer (re-routed: the map may have changed), with backoff. */
  #retry(r: InFlight, code: string, message: string, start: number, end: number): void {
    const attempts = addAttempt(r, {
      delay: start - r.lastEnd,
      duration: end - start,
      success: false,
      errorCode: code,
      errorMessage: message,
    })
    r.lastEnd = end
    const expiresAt = this.#expiresAt(r)
    if (end >= expiresAt) {
      this.#expire(r, end)
      return
    }
    r.deadline = Math.min(end + this.#backoff(attempts.length), expiresAt)
    this.#route(r)
  }

  #fail(r: InFlight, code: string, message: string, start: number, end: number): void {
    const attempts = addAttempt(r, {
      delay: start - r.lastEnd,
      duration: end - start,
      success: false,
      errorCode: code,
      errorMessage: message,
    })
    r.lastEnd = end
    this.#finish(r, { successful: false, errorCode: code, errorMessage: message, attempts })
  }

  /** Fails a record that outlived `recordTtl`. Returns true (for filters). */
  #expire(r: InFlight, now: number): true {
    this.#metrics.userRecordExpired++
    this.#metrics.error('Expired')
    const message = this.#intern(`record not put within recordTtl (${this.#config.recordTtl} ms)`)
    const attempts = addAttempt(r, {
      delay: now - r.lastEnd,
      duration: 0,
      success: false,
      errorCode: 'Expired',
      errorMessage: message,
    })
    this.#finish(r, { successful: false, errorCode: 'Expired', errorMessage: message, attempts })
    return true
  }

  #finish(r: InFlight, result: UserRecordResult): void {
    if (r.outcome !== undefined) return
    r.outcome = result
    // A ticket the caller keeps keeps this record: it no longer needs the data.
    r.data = NO_DATA
    this.#outstanding--
    this.#outstandingBytes -= r.bytes
    const open = this.#openByGeneration.get(r.generation)! - 1
    if (open > 0) this.#openByGeneration.set(r.generation, open)
    else {
      this.#openByGeneration.delete(r.generation)
      this.#releaseFlushes()
    }
    this.#metrics.retriesPerRecord.add(Math.max(0, result.attempts.length - 1))
    const settle = r.settle
    if (settle !== undefined) {
      try {
        settle(result)
      } catch (error) {
        // The caller's callback failed: its error surfaces (unhandled) without leaving the producer half-way.
        queueMicrotask(() => {
          throw error
        })
      }
    }
    this.#admit()
  }

  // ---- the shard map -------------------------------------------------------------------------

  #streamRef(): { StreamName?: string; StreamARN?: string } {
    return this.#config.streamARN
      ? { StreamARN: this.#config.streamARN }
      : { StreamName: this.#config.streamName }
  }

  #refreshShardMap(): void {
    if (this.#mapLoading || this.#closed) return
    // At most one reload a second: a map that still misses a key (mid-reshard) is not polled hot.
    const wait = this.#mapLoadedAt + MAP_RELOAD_MS - this.#now()
    if (wait <= 0) this.#loadShardMap()
    else {
      this.#mapLoading = true
      this.#mapTimer = this.#clock.setTimeout(() => this.#loadShardMap(), wait)
    }
  }

  #loadShardMap(): void {
    this.#mapLoading = true
    this.#mapLoadedAt = this.#now()
    void this.#listShards().then(
      (shards) => {
        this.#mapLoading = false
        this.#mapFailures = 0
        this.#installMap(new ShardMap(shards))
        this.#markReady()
      },
      (error: unknown) => {
        this.#mapLoading = false
        this.#mapFailures++
        const { code, message, final } = classifyCallError(error)
        this.#metrics.error(code)
        if (final) this.#failReady(error)
        const now = this.#now()
        const waiting = this.#unrouted
        this.#unrouted = []
        for (const r of waiting) {
          // A stream that does not exist (or may not be written) fails its records at once.
          if (final) this.#fail(r, code, message, now, now)
          else if (now >= this.#expiresAt(r)) this.#expire(r, now)
          else this.#unrouted.push(r)
        }
        if (this.#closed) return
        const delay = Math.max(this.#config.retryBaseDelay, this.#backoff(this.#mapFailures))
        this.#mapTimer = this.#clock.setTimeout(() => this.#loadShardMap(), delay)
      },
    )
  }

  async #listShards(): Promise<Shard[]> {
    const shards: Shard[] = []
    let input: ListShardsCommandInput = this.#streamRef()
    for (;;) {
      const out = await this.#client.send(new ListShardsCommand(input))
      shards.push(...(out.Shards ?? []))
      if (!out.NextToken) return shards
      input = { NextToken: out.NextToken }
    }
  }

  #installMap(map: ShardMap): void {
    this.#map = map
    // Records buffered for shards that are gone (closed by a reshard) are routed again.
    const moved: InFlight[] = this.#unrouted
    this.#unrouted = []
    for (const [shardId, aggregator] of this.#aggregators) {
      if (map.get(shardId)) continue
      this.#aggregators.delete(shardId)
      moved.push(...(aggregator.seal()?.records ?? []))
    }
    const now = this.#now()
    for (const r of moved) {
      if (now >= this.#expiresAt(r)) this.#expire(r, now)
      else this.#route(r)
    }
  }
}

/** A record's ticket: its promise is made only if `result` is read. */
class Ticket implements PutTicket {
  readonly #record: InFlight
  #result: Promise<UserRecordResult> | undefined

  constructor(record: InFlight) {
    this.#record = record
  }

  get result(): Promise<UserRecordResult> {
    if (this.#result === undefined) {
      const r = this.#record
      if (r.outcome !== undefined) this.#result = Promise.resolve(r.outcome)
      else
        this.#result = new Promise((resolve) => {
          const callback = r.settle
          r.settle =
            callback === undefined
              ? resolve
              : (result) => {
                  resolve(result)
                  callback(result)
                }
        })
    }
    return this.#result
  }
}

/** Adds an attempt to a record's list (made at the first: most records never need more than one). */
function addAttempt(r: InFlight, attempt: Attempt): Attempt[] {
  if (r.attempts === undefined) r.attempts = [attempt]
  else r.attempts.push(attempt)
  return r.attempts
}

function makeClient(config: ResolvedConfig): KinesisClient {
  const agent = { keepAlive: true, maxSockets: config.maxConnections }
  return new KinesisClient({
    region: config.region,
    ...(config.endpoint ? { endpoint: config.endpoint } : {}),
    ...(config.credentials ? { credentials: config.credentials } : {}),
    // The producer retries per record, with its own backoff; the SDK's retries would hide throttling.
    maxAttempts: 1,
    requestHandler: new NodeHttpHandler({
      httpAgent: new HttpAgent(agent),
      httpsAgent: new HttpsAgent(agent),
      connectionTimeout: config.requestTimeout,
    }),
  })
}

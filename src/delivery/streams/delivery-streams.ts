import { rm } from 'node:fs/promises'
import { join } from 'node:path'
import type { Invoker } from '../../contracts/functions.ts'
import type { ObjectWriter } from '../../contracts/objects.ts'
import type { StreamEngine } from '../../engine/engine.ts'
import { Firehose } from '../../monitor/catalog/firehose.ts'
import type { MetricSink } from '../../monitor/metrics.ts'
import type { CatalogTableConfig } from '../../query/config.ts'
import { ShardLog, type SyncPolicy } from '../../storage/log/shard-log.ts'
import { deaggregate } from '../../stream/kpl/aggregation.ts'
import type { Clock } from '../../util/clock.ts'
import type { Logger } from '../../util/logger.ts'
import type { DeliveryConfig } from '../config.ts'
import { DeliveryConfigError } from '../errors.ts'
import { compileDeliveryPrefixes } from '../partition/prefix.ts'
import type { DeliveryDescription, DeliveryService, DeliveryStatus, Encoder } from '../types.ts'
import { DeliveryCheckpoints } from './checkpoints.ts'
import { DeliveryStream } from './delivery-stream.ts'
import { PartitionStore } from './partition-store.ts'
import { buildFlushPlan } from './plan.ts'
import { FlushSlots } from './shard-delivery.ts'

export interface DeliveryStreamsOptions {
  engine: StreamEngine
  clock: Clock
  writer: ObjectWriter & { deleteObject(bucket: string, key: string): Promise<unknown> }
  encoder: Encoder
  invoker: Invoker
  metrics: MetricSink
  logger: Logger
  /** The catalog tables Parquet conversion reads its columns from. */
  catalog: () => Readonly<Record<string, CatalogTableConfig>>
  /** Whether a bucket exists (a delivery cannot write to one that does not). */
  bucketExists(bucket: string): boolean
  /** CREATING → ACTIVE and DELETING → gone take this long (Firehose takes seconds to minutes). */
  transitionMs?: number
  sync?: SyncPolicy
}

interface Entry {
  stream: DeliveryStream | undefined
  status: DeliveryStatus
  config: DeliveryConfig
  createdAt: number
  updatedAt: number
  version: number
  /** Declared in the pipeline definition (not created over the API). */
  declared: boolean
}

/** Direct-put records are kept this long if they cannot be delivered (Firehose keeps 24 h). */
const DIRECT_RETENTION_MS = 24 * 3600 * 1000
const FRESHNESS_MS = 60_000

/**
 * Every delivery stream of the pipeline, and those created over the Firehose API (persisted in
 * the state store so they survive restarts). Implements what the Firehose API needs.
 */
export class DeliveryStreams implements DeliveryService {
  readonly #o: DeliveryStreamsOptions
  readonly #checkpoints: DeliveryCheckpoints
  readonly #partitions: PartitionStore
  readonly #entries = new Map<string, Entry>()
  readonly #timers = new Set<ReturnType<Clock['setTimeout']>>()
  /**
   * Two buffers in flight at once: one being encoded in a worker while the next is read and
   * planned. Memory is then bounded by about twice the largest buffering hint, and far less on
   * the raw path for NDJSON (read and encoded in 2 MiB chunks: only the compressed file is whole).
   */
  readonly #slots = new FlushSlots(2)
  #closed = false
  #freshnessScheduled = false

  constructor(options: DeliveryStreamsOptions) {
    this.#o = options
    this.#checkpoints = new DeliveryCheckpoints(options.engine.state)
    this.#partitions = new PartitionStore(options.engine.state)
  }

  /** Starts the declared delivery streams and those saved from the API. */
  async start(declared: Readonly<Record<string, DeliveryConfig>>): Promise<void> {
    const now = this.#o.clock.now()
    const savedStreams = this.#checkpoints.savedStreams()
    // Encoder workers take a few hundred ms of CPU to load: before the streams start reading,
    // not in the middle of their first buffers.
    if (savedStreams.length > 0 || Object.keys(declared).length > 0) await this.#o.encoder.warm?.()
    for (const saved of savedStreams) {
      if (Object.hasOwn(declared, saved.name)) continue
      // One unusable stream created over the API (its bucket was removed from the pipeline, a jq
      // query that does not compile) must not keep the pipeline from starting.
      await this.#open(
        saved.name,
        saved.config as DeliveryConfig,
        false,
        saved.createdAt,
        saved.version,
      ).catch((error) =>
        this.#o.logger.error(`delivery stream ${saved.name} cannot start: ${(error as Error).message}`),
      )
    }
    this.#scheduleFreshness()
    for (const [name, config] of Object.entries(declared)) await this.#open(name, config, true, now, 1)
  }

  has(name: string): boolean {
    return this.#entries.has(name)
  }

  names(): string[] {
    return [...this.#entries.keys()].sort()
  }

  describe(name: string): DeliveryDescription | undefined {
    const e = this.#entries.get(name)
    return (
      e && {
        name,
        status: e.status,
        config: e.config,
        createdAt: e.createdAt,
        lastUpdatedAt: e.updatedAt,
        version: e.version,
      }
    )
  }

  /** The running delivery stream (tests, metrics, the dashboard). */
  stream(name: string): DeliveryStream | undefined {
    return this.#entries.get(name)?.stream
  }

  create(name: string, config: DeliveryConfig): void {
    if (this.#entries.has(name)) throw new DeliveryConfigError(`delivery stream ${name} already exists`)
    this.#check(config)
    const now = this.#o.clock.now()
    this.#checkpoints.saveStream(name, config, now)
    const entry: Entry = {
      stream: undefined,
      status: 'CREATING',
      config,
      createdAt: now,
      updatedAt: now,
      version: 1,
      declared: false,
    }
    this.#entries.set(name, entry)
    this.#scheduleFreshness()
    this.#after(() => {
      if (this.#entries.get(name) !== entry) return
      // The entry stays (CREATING) until #open replaces it with the ACTIVE stream.
      void this.#open(name, config, false, now, 1).catch((error) => {
        // It never became ACTIVE: forget it, as Firehose drops a stream whose creation failed.
        if (this.#entries.get(name) === entry) this.#entries.delete(name)
        this.#checkpoints.forget(name)
        this.#o.logger.error(`delivery stream ${name} could not be created: ${(error as Error).message}`)
      })
    })
  }

  /** What can be checked at once (the jq queries compile when the stream opens). */
  #check(config: DeliveryConfig): void {
    if (!this.#o.bucketExists(config.bucket))
      throw new DeliveryConfigError(
        `Bucket arn:aws:s3:::${config.bucket} does not exist: declare it under buckets in the pipeline.`,
      )
    if (config.format && !this.#o.catalog()[config.format.parquet.table])
      throw new DeliveryConfigError(`Table ${config.format.parquet.table} does not exist in the catalog.`)
    try {
      compileDeliveryPrefixes(config)
    } catch (error) {
      throw new DeliveryConfigError((error as Error).message)
    }
  }

  delete(name: string): void {
    const entry = this.#entries.get(name)
    if (!entry) return
    entry.status = 'DELETING'
    this.#after(() => {
      void (async () => {
        const stream = entry.stream
        if (stream) {
          await stream.flushAll()
          await stream.stop()
          await stream.directLog?.close()
          if (stream.directLog) await rm(stream.directLog.dir, { recursive: true, force: true })
        }
        this.#checkpoints.forget(name)
        this.#partitions.forget(name)
        if (this.#entries.get(name) === entry) this.#entries.delete(name)
      })().catch((error) => this.#o.logger.error(`deleting delivery ${name}: ${(error as Error).message}`))
    })
  }

  async put(name: string, records: Buffer[]): Promise<{ recordId: string }[]> {
    const stream = this.#entries.get(name)?.stream
    const log = stream?.directLog
    if (!stream || !log) throw new Error(`delivery stream ${name} does not take direct puts`)
    const ticket = log.append(
      records.map((r) => ({ partitionKey: '', data: r.toString('base64') })),
      this.#o.clock.now(),
    )
    await ticket.durable
    stream.metrics.record(Firehose.IncomingRecords, records.length)
    stream.metrics.record(
      Firehose.IncomingBytes,
      records.reduce((n, r) => n + r.length, 0),
    )
    stream.metrics.record(Firehose.IncomingPutRequests, 1)
    return records.map((_, i) => ({ recordId: recordId(name, ticket.firstOrdinal + i) }))
  }

  async #open(name: string, config: DeliveryConfig, declared: boolean, createdAt: number, version: number) {
    const { engine, clock } = this.#o
    const plan = await buildFlushPlan(name, config, {
      catalog: this.#o.catalog(),
      region: engine.region,
      account: engine.account,
      streamArn: config.stream ? engine.arn(config.stream) : undefined,
      partitions: this.#partitions,
    })
    const directLog = config.stream
      ? undefined
      : await ShardLog.open({
          dir: join(engine.dataDir, 'deliveries', encodeURIComponent(name)),
          sync: this.#o.sync ?? { mode: 'always' },
        })
    if (directLog) void directLog.trimBefore(clock.now() - DIRECT_RETENTION_MS).catch(() => undefined)
    const stream = new DeliveryStream(
      name,
      config,
      plan,
      {
        engine,
        clock,
        checkpoints: this.#checkpoints,
        writer: this.#o.writer,
        encoder: this.#o.encoder,
        invoker: this.#o.invoker,
        metrics: this.#o.metrics,
        logger: this.#o.logger,
        deaggregate: (data) => deaggregate(data),
        slots: this.#slots,
      },
      directLog,
    )
    this.#entries.set(name, {
      stream,
      status: 'ACTIVE',
      config,
      createdAt,
      updatedAt: createdAt,
      version,
      declared,
    })
    stream.start()
  }

  /** DeliveryToS3.DataFreshness once a minute, also while nothing is being committed. */
  #scheduleFreshness(): void {
    if (this.#freshnessScheduled) return
    this.#freshnessScheduled = true
    this.#after(() => {
      this.#freshnessScheduled = false
      for (const e of this.#entries.values())
        e.stream?.metrics.record(Firehose.DeliveryToS3_DataFreshness, e.stream.freshnessMs())
      this.#scheduleFreshness()
    }, FRESHNESS_MS)
  }

  #after(fn: () => void, ms = this.#o.transitionMs ?? 500): void {
    const timer = this.#o.clock.setTimeout(() => {
      this.#timers.delete(timer)
      if (!this.#closed) fn()
    }, ms)
    this.#timers.add(timer)
  }

  /** Stops every delivery stream between buffers; nothing is lost (positions are committed). */
  async close(): Promise<void> {
    this.#closed = true
    for (const t of this.#timers) this.#o.clock.clearTimeout(t)
    this.#timers.clear()
    const streams = [...this.#entries.values()].flatMap((e) => (e.stream ? [e.stream] : []))
    this.#entries.clear()
    await Promise.all(streams.map((s) => s.stop()))
    await Promise.all(streams.map((s) => s.directLog?.close()))
  }
}

/** Firehose's RecordId: opaque; here a stable id from the record's place in the direct-put log. */
function recordId(name: string, ordinal: number): string {
  return Buffer.from(`${name}:${ordinal}`).toString('base64url')
}

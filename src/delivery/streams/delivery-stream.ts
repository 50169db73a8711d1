import { createHash } from 'node:crypto'
import type { Invoker } from '../../contracts/functions.ts'
import type { ObjectWriter } from '../../contracts/objects.ts'
import type { StreamEngine } from '../../engine/engine.ts'
import { ShardTail } from '../../engine/shard-tail.ts'
import { StreamFollower } from '../../engine/stream-follower.ts'
import type { ShardRuntime, StreamRuntime } from '../../engine/stream-state.ts'
import { BucketError } from '../../lake/buckets/errors.ts'
import { Firehose } from '../../monitor/catalog/firehose.ts'
import { MetricScope } from '../../monitor/catalog/scope.ts'
import type { MetricSink } from '../../monitor/metrics.ts'
import type { ShardLog } from '../../storage/log/shard-log.ts'
import type { Clock } from '../../util/clock.ts'
import type { Logger } from '../../util/logger.ts'
import type { DeliveryConfig } from '../config.ts'
import { DeliveryFaultError } from '../errors.ts'
import type { Encoder } from '../types.ts'
import type { Buffered } from './buffer.ts'
import type { DeliveryCheckpoints, DeliveryPosition } from './checkpoints.ts'
import {
  ACTIVE_PARTITIONS_EXCEEDED,
  errorObjects,
  type FlushDeps,
  type FlushOutcome,
  type FlushPlan,
  type PlannedObject,
  planFlush,
  planRawFlush,
} from './flush.ts'
import type { DeliveryRecord, FailedRecord } from './records.ts'
import { type FlushSlots, ShardDelivery, type ShardFeed, type SourceItem } from './shard-delivery.ts'

export interface DeliveryStreamDeps {
  engine: StreamEngine
  clock: Clock
  checkpoints: DeliveryCheckpoints
  writer: ObjectWriter & { deleteObject(bucket: string, key: string): Promise<unknown> }
  encoder: Encoder
  invoker: Invoker
  metrics: MetricSink
  logger: Logger
  /** Shared by every delivery stream: how many buffers may be in memory being delivered. */
  slots: FlushSlots
  /** Splits a KPL aggregate into user records (identity for anything else). */
  deaggregate(data: Buffer): { partitionKey: string; data: Buffer }[]
}

/**
 * One delivery stream: a ShardDelivery per source shard (started in lineage order for a Kinesis
 * source, like a Lambda mapping), all planning objects with the same FlushPlan.
 */
export class DeliveryStream {
  readonly name: string
  readonly config: DeliveryConfig
  /** This delivery stream's AWS/Firehose metrics (DeliveryStreamName dimension). */
  readonly metrics: MetricScope<'DeliveryStreamName'>
  readonly #plan: FlushPlan
  readonly #deps: DeliveryStreamDeps
  readonly #flushDeps: FlushDeps
  /** A Kinesis source: one ShardDelivery per shard, parents first. */
  readonly #follower: StreamFollower<ShardDelivery> | undefined
  /** A direct-put source: its one ShardDelivery, while started. */
  #direct: ShardDelivery | undefined
  /** The direct-put log, when the source is direct put. */
  readonly #directLog: ShardLog | undefined
  #stopped = true

  constructor(
    name: string,
    config: DeliveryConfig,
    plan: FlushPlan,
    deps: DeliveryStreamDeps,
    directLog?: ShardLog,
  ) {
    this.name = name
    this.config = config
    this.metrics = new MetricScope(deps.metrics, { DeliveryStreamName: name }, deps.clock)
    this.#plan = plan
    this.#deps = deps
    this.#directLog = directLog
    this.#follower = directLog
      ? undefined
      : new StreamFollower({
          engine: deps.engine,
          stream: config.stream!,
          pass: (stream) => this.#pinLatest(stream),
          runner: (stream, shard) => {
            const tail = new ShardTail(shard)
            return tail.unreadable ? undefined : this.#shard(this.#feed(stream, shard, tail))
          },
        })
    this.#flushDeps = {
      writer: deps.writer,
      encoder: deps.encoder,
      invoker: deps.invoker,
      now: () => deps.clock.now(),
    }
  }

  get directLog(): ShardLog | undefined {
    return this.#directLog
  }

  start(): void {
    if (!this.#stopped) return
    this.#stopped = false
    if (this.#directLog) {
      this.#direct = this.#shard({
        tag: 'direct',
        tail: ShardTail.ofLog(this.#directLog),
        sourceCreated: 0,
        sequenceNumber: (ordinal) => String(ordinal).padStart(20, '0'),
      })
      this.#direct.start()
      return
    }
    this.#follower?.start()
  }

  /** Stops between buffers; what was not committed is delivered again after a restart. */
  async stop(): Promise<void> {
    this.#stopped = true
    const direct = this.#direct
    this.#direct = undefined
    await Promise.all([this.#follower?.stop(), direct?.stop()])
  }

  /** Every shard being delivered. */
  #shards(): ShardDelivery[] {
    const all = this.#follower ? [...this.#follower.values()] : []
    if (this.#direct) all.push(this.#direct)
    return all
  }

  /** Delivers every open buffer now (DeleteDeliveryStream, clean shutdown of direct put). */
  async flushAll(): Promise<void> {
    await Promise.all(this.#shards().map((s) => s.flushNow()))
  }

  /** Age of the oldest record read but not yet in the lake (DeliveryToS3.DataFreshness), ms. */
  freshnessMs(): number {
    let oldest = Number.POSITIVE_INFINITY
    for (const s of this.#shards()) oldest = Math.min(oldest, s.oldestPending ?? oldest)
    return Number.isFinite(oldest) ? Math.max(0, this.#deps.clock.now() - oldest) : 0
  }

  #feed(stream: StreamRuntime, shard: ShardRuntime, tail: ShardTail): ShardFeed {
    return {
      tag: shard.id,
      tail,
      sourceCreated: stream.state.createdAt,
      sequenceNumber: (ordinal, arrivalMs) => shard.sequenceNumber(ordinal, arrivalMs),
    }
  }

  /**
   * A LATEST delivery's first look at this incarnation of its stream: every shard there (closed
   * parents included, so their open children too) is pinned at its end, in one transaction. Any
   * shard with no position later is one created since (a reshard's child, started once its
   * parents are delivered): read from its start, as the KCL reads children, so records put into
   * it while its parents drained are delivered rather than skipped. LATEST thus means "from when
   * the delivery first read the stream", across restarts too.
   */
  #pinLatest(stream: StreamRuntime): undefined {
    if (this.config.startingPosition !== 'LATEST') return
    const { checkpoints } = this.#deps
    const sourceCreated = stream.state.createdAt
    if (checkpoints.anyPosition(this.name, sourceCreated)) return
    const positions = new Map<string, DeliveryPosition>()
    for (const shard of stream.orderedShards()) {
      const tail = new ShardTail(shard)
      // A shard whose log could not be opened is read from its start once it can be.
      if (!tail.unreadable) positions.set(shard.id, { sourceCreated, nextOrdinal: tail.end })
    }
    checkpoints.setPositions(this.name, positions)
  }

  /** The delivery of one source shard, not started yet. */
  #shard(feed: ShardFeed): ShardDelivery {
    const { clock, checkpoints, writer, logger } = this.#deps
    const bucket = this.config.bucket
    const deps = this.#flushDeps
    // Nothing needs the decoded records on this thread: the encoder reads the log's bytes.
    const raw = !this.#plan.transform && !this.#plan.dynamicPartitioning && !this.config.deaggregation
    return new ShardDelivery({
      delivery: this.name,
      feed,
      hints: {
        sizeBytes: this.config.bufferingHints.sizeInMBs * 1024 * 1024,
        intervalMs: this.config.bufferingHints.intervalInSeconds * 1000,
      },
      clock,
      checkpoints,
      slots: this.#deps.slots,
      expand: (ordinal, sequenceNumber, partitionKey, arrivalMs, data) =>
        this.#expand(ordinal, sequenceNumber, partitionKey, arrivalMs, data),
      plan: (records, first, last) =>
        planFlush(this.#plan, deps, records, {
          shardTag: feed.tag,
          firstSequence: first.sequenceNumber,
          lastSequence: last.sequenceNumber,
        }),
      planRaw: raw
        ? (buffer, first, last) =>
            planRawFlush(this.#plan, deps, buffer, {
              shardTag: feed.tag,
              firstSequence: first.sequenceNumber,
              lastSequence: last.sequenceNumber,
            })
        : undefined,
      write: async (o) => {
        await writer.putObject(bucket, o.key, o.body, {
          contentType: o.contentType,
          contentEncoding: o.contentEncoding,
          md5: o.md5,
        })
      },
      refused: (o, error, first, last) => this.#refused(o, error, feed, first, last),
      fault: () => this.#fault(),
      // Firehose's DeliveryToS3.Success is successful puts over all puts: a failed attempt is a 0.
      attemptFailed: () => this.metrics.record(Firehose.DeliveryToS3_Success, 0),
      remove: async (key) => {
        await writer.deleteObject(bucket, key)
      },
      committed: (outcome, items) => this.#committed(outcome, items),
      onError: (error) => logger.error(`delivery ${this.name}: ${feed.tag}: ${error.message}`),
      onFinished: () => void this.#follower?.refresh(),
    })
  }

  /** A delivery attempt an injected fault fails, with the S3 error Firehose would report. */
  #fault(): DeliveryFaultError | undefined {
    const faults = this.#deps.engine.faults
    const hit = faults.size > 0 ? faults.strike('delivery', this.name) : undefined
    if (!hit) return undefined
    return hit.effect === 'slow-down'
      ? new DeliveryFaultError('S3.SlowDown', `Please reduce your request rate. (fault ${hit.id})`)
      : new DeliveryFaultError(
          'S3.InternalError',
          `We encountered an internal error. Please try again. (fault ${hit.id})`,
        )
  }

  async #refused(
    o: PlannedObject,
    error: Error,
    feed: ShardFeed,
    first: SourceItem,
    last: SourceItem,
  ): Promise<PlannedObject | undefined> {
    if (o.kind !== 'data' || !o.delivered || !isRefusedKey(error)) return undefined
    const base = `${this.name}-${feed.tag}-${first.sequenceNumber}-${last.sequenceNumber}`
    const tag = createHash('sha256').update(o.key).digest('hex').slice(0, 8)
    const failed: FailedRecord[] = (await o.delivered()).map((record) => ({
      record,
      outputType: 'partitioning-failed',
      errorCode: 'S3.KeyRefused',
      errorMessage: `object key '${o.key}' refused: ${error.message}`,
    }))
    const [object] = await errorObjects(this.#plan, this.#flushDeps, failed, `${base}-refused-${tag}`)
    return object
  }

  #expand(
    ordinal: number,
    sequenceNumber: string,
    partitionKey: string,
    arrivalMs: number,
    data: Buffer,
  ): DeliveryRecord[] {
    const users = this.config.deaggregation ? this.#deps.deaggregate(data) : [{ partitionKey, data }]
    return users.map((u, sub) => ({
      ordinal,
      sequenceNumber,
      subsequenceNumber: sub,
      partitionKey: u.partitionKey,
      arrivalMs,
      data: u.data,
      recordId: `${sequenceNumber}${String(sub).padStart(8, '0')}`,
    }))
  }

  #committed(outcome: FlushOutcome, items: readonly Buffered[]): void {
    const now = this.#deps.clock.now()
    const oldest = items[0]!.arrivalMs
    const m = this.metrics
    const dataObjects = outcome.objects.filter((o) => o.kind === 'data')
    m.record(Firehose.DeliveryToS3_Records, outcome.delivered)
    m.record(Firehose.DeliveryToS3_Bytes, outcome.deliveredBytes)
    m.record(Firehose.DeliveryToS3_ObjectCount, dataObjects.length)
    m.record(Firehose.DeliveryToS3_Success, 1)
    m.record(Firehose.DeliveryToS3_DataFreshness, Math.max(0, now - oldest))
    if (this.config.dynamicPartitioning?.enabled) m.record(Firehose.PartitionCount, outcome.partitions)
    if (outcome.failed.length > 0) m.record(Firehose.DeliveryToS3_ErrorOutputRecords, outcome.failed.length)
    if (outcome.failed.some((f) => f.errorCode === ACTIVE_PARTITIONS_EXCEEDED.code))
      m.record(Firehose.PartitionCountExceeded, 1)
    if (this.config.processing) {
      m.record(
        Firehose.ExecuteProcessing_Success,
        outcome.failed.some((f) => f.outputType === 'processing-failed') ? 0 : 1,
      )
      m.record(Firehose.SucceedProcessing_Records, outcome.delivered + outcome.dropped)
    }
    if (!this.#directLog) {
      m.record(Firehose.DataReadFromKinesisStream_Records, items.length)
      m.record(
        Firehose.DataReadFromKinesisStream_Bytes,
        items.reduce((n, i) => n + i.size, 0),
      )
    } else {
      // Direct-put records are in the lake: whole segments before them can go.
      void this.#directLog.trimBefore(items[items.length - 1]!.arrivalMs).catch(() => undefined)
    }
  }
}

/** Errors that mean "this key can never be written here", not "try again". */
function isRefusedKey(error: Error): boolean {
  return (
    error instanceof BucketError &&
    (error.name === 'InvalidArgument' ||
      error.name === 'ObjectPathConflict' ||
      error.name === 'KeyTooLongError')
  )
}

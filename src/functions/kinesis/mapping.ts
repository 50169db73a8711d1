import { createHash, randomUUID } from 'node:crypto'
import type { DestinationSender, InvokeOutcome, Invoker } from '../../contracts/functions.ts'
import type { StreamConsumer } from '../../engine/consumers.ts'
import type { StreamEngine } from '../../engine/engine.ts'
import { ShardTail, type StartingPosition } from '../../engine/shard-tail.ts'
import { StreamFollower } from '../../engine/stream-follower.ts'
import type { ShardRuntime, StreamRuntime } from '../../engine/stream-state.ts'
import { Lambda } from '../../monitor/catalog/lambda.ts'
import { MetricScope } from '../../monitor/catalog/scope.ts'
import type { MetricSink } from '../../monitor/metrics.ts'
import type { Logger } from '../../util/logger.ts'
import { RecordFilter } from '../filter.ts'
import type { DiscardCondition } from './batch-runner.ts'
import type { CheckpointStore } from './checkpoints.ts'
import type { KinesisMappingConfig } from './config.ts'
import type { MappedRecord } from './event.ts'
import { ShardConsumer } from './shard-consumer.ts'

export interface MappingDeps {
  engine: StreamEngine
  invoker: Invoker
  checkpoints: CheckpointStore
  destinations: DestinationSender
  metrics: MetricSink
  logger: Logger
}

/** How often a mapping whose consumer is still CREATING looks again. */
const CONSUMER_CHECK_MS = 100

/** A stable id for a mapping (Lambda's EventSourceMappingUUID), from what it connects. */
export function mappingUuid(functionName: string, source: string): string {
  const h = createHash('sha1').update(`${functionName}\0${source}`).digest('hex')
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`
}

export interface MappingStatus {
  uuid: string
  functionName: string
  streamName: string
  /** The enhanced fan-out consumer it reads through, if any. */
  consumerName: string | undefined
  state: 'Enabled' | 'Disabled' | 'Waiting'
  /** Age of the last record handed to the function (Lambda's IteratorAge), ms. */
  iteratorAgeMs: number
  shards: { shardId: string; position: number; finished: boolean }[]
}

/**
 * A Kinesis event source mapping: one consumer per shard, started in lineage order (a child only
 * once its parents are consumed to their end), positioned by checkpoint or, the first time, by
 * StartingPosition.
 */
export class KinesisMapping {
  readonly uuid: string
  readonly #config: KinesisMappingConfig
  readonly #deps: MappingDeps
  /** One consumer per shard, parents first; `initial` per pass: no checkpoint yet for the stream. */
  readonly #follower: StreamFollower<ShardConsumer, boolean>
  readonly #filter: RecordFilter
  /** Lambda publishes the mapping's counts by EventSourceMappingUUID, IteratorAge by FunctionName. */
  readonly #metrics: MetricScope<'EventSourceMappingUUID'>
  readonly #functionMetrics: MetricScope<'FunctionName'>
  #stopped = true
  #iteratorAge = 0
  /** The first pass's pinning of every shard (LATEST, AT_TIMESTAMP), by stream incarnation. */
  #pinning: { created: number; done: Promise<void> } | undefined

  constructor(config: KinesisMappingConfig, deps: MappingDeps) {
    this.#config = config
    this.#deps = deps
    this.uuid = mappingUuid(config.function, `stream:${config.stream}`)
    this.#metrics = new MetricScope(deps.metrics, { EventSourceMappingUUID: this.uuid }, deps.engine.clock)
    this.#functionMetrics = new MetricScope(
      deps.metrics,
      { FunctionName: config.function },
      deps.engine.clock,
    )
    this.#filter = new RecordFilter(config.filterCriteria?.filters.map((f) => f.pattern) ?? [])
    this.#follower = new StreamFollower({
      engine: deps.engine,
      stream: config.stream,
      pass: (stream) => !deps.checkpoints.any(this.uuid, config.stream, stream.state.createdAt),
      runner: (stream, shard, initial) => this.#consumer(stream, shard, initial),
    })
  }

  get config(): KinesisMappingConfig {
    return this.#config
  }

  start(): void {
    if (!this.#config.enabled || !this.#stopped) return
    this.#stopped = false
    this.#follower.start()
  }

  /** Stops every shard consumer between invocations (checkpoints stay where they are). */
  async stop(): Promise<void> {
    this.#stopped = true
    await this.#follower.stop()
    // Stopped means the last checkpoints are on disk (they were written, but group-committed).
    await this.#deps.checkpoints.durable().catch((error: Error) => {
      this.#deps.logger.warn(
        `checkpoints of ${this.#config.function} <- ${this.#config.stream}: ${error.message}`,
      )
    })
  }

  status(): MappingStatus {
    return {
      uuid: this.uuid,
      functionName: this.#config.function,
      streamName: this.#config.stream,
      consumerName: this.#config.consumer,
      state: !this.#config.enabled ? 'Disabled' : this.#follower.size > 0 ? 'Enabled' : 'Waiting',
      iteratorAgeMs: this.#iteratorAge,
      shards: [...this.#follower.entries()].map(([index, c]) => ({
        shardId: `shardId-${String(index).padStart(12, '0')}`,
        position: c.position,
        finished: c.finished,
      })),
    }
  }

  #startingPosition(initial: boolean): StartingPosition {
    // Shards discovered after the mapping started (children of a reshard) are read from their start.
    if (!initial || this.#config.startingPosition === 'TRIM_HORIZON') return 'TRIM_HORIZON'
    if (this.#config.startingPosition === 'LATEST') return 'LATEST'
    const ts = this.#config.startingPositionTimestamp!
    return { atTimestamp: typeof ts === 'number' ? ts * 1000 : Date.parse(ts) }
  }

  /**
   * The enhanced fan-out consumer the mapping reads through: registered if it is not yet (as a
   * deployment creates it beside the mapping). Undefined while it is not ACTIVE (the follower
   * looks again shortly, as Lambda waits for it) or cannot be registered (logged).
   */
  #fanOutConsumer(stream: StreamRuntime, name: string): StreamConsumer | undefined {
    const { engine, logger } = this.#deps
    const streamName = stream.state.name
    let consumer: StreamConsumer | undefined
    try {
      consumer = engine.consumers.find({ streamName, name }) ?? engine.consumers.register(streamName, name)
    } catch (error) {
      logger.error(
        `mapping ${this.#config.function} <- ${streamName} (consumer ${name}): ${(error as Error).message}`,
      )
      return undefined
    }
    if (consumer.status === 'ACTIVE') return consumer
    const timer = engine.clock.setTimeout(() => void this.#follower.refresh(), CONSUMER_CHECK_MS)
    timer.unref?.()
    return undefined
  }

  /**
   * LATEST and AT_TIMESTAMP name a point of the whole stream as it is when the mapping is created:
   * every shard without a checkpoint is pinned there at once, the children of a closed parent
   * included. (Pinned only as each shard's turn came, a closed parent would be at its end at once
   * and its children, found in a later pass, would start from their beginning: records written
   * before the mapping existed.) Errors are logged; the shard's own turn retries its pin.
   */
  async #pinAll(stream: StreamRuntime): Promise<void> {
    const { checkpoints, logger } = this.#deps
    const name = this.#config.stream
    const created = stream.state.createdAt
    const position = this.#startingPosition(true)
    try {
      for (const shard of stream.orderedShards()) {
        if (checkpoints.get(this.uuid, name, created, shard.state.index)) continue
        const nextOrdinal = await new ShardTail(shard).startingOrdinal(position)
        checkpoints.set(this.uuid, name, created, shard.state.index, { nextOrdinal, window: undefined })
      }
      await checkpoints.durable()
    } catch (error) {
      logger.error(`mapping ${this.#config.function} <- ${name}: ${(error as Error).message}`)
    }
  }

  /** The shard's consumer, from its checkpoint or (pinned first) its starting position. */
  async #consumer(
    stream: StreamRuntime,
    shard: ShardRuntime,
    initial: boolean,
  ): Promise<ShardConsumer | undefined> {
    const { checkpoints, engine } = this.#deps
    const name = this.#config.stream
    const fanOut =
      this.#config.consumer === undefined ? undefined : this.#fanOutConsumer(stream, this.#config.consumer)
    if (this.#config.consumer !== undefined && !fanOut) return undefined
    // Through a consumer, reads have its 2 MiB/s on the shard (when the stream enforces limits).
    const budget =
      fanOut && engine.shardLimitsOn(stream) ? engine.consumers.budget(fanOut, shard.id) : undefined
    const created = stream.state.createdAt
    const tail = new ShardTail(shard)
    if (initial && this.#config.startingPosition !== 'TRIM_HORIZON') {
      if (this.#pinning?.created !== created) this.#pinning = { created, done: this.#pinAll(stream) }
      await this.#pinning.done
    }
    let checkpoint = checkpoints.get(this.uuid, name, created, shard.state.index)
    if (!checkpoint) {
      try {
        checkpoint = {
          nextOrdinal: await tail.startingOrdinal(this.#startingPosition(initial)),
          window: undefined,
        }
      } catch (error) {
        this.#deps.logger.error(
          `mapping ${this.#config.function} <- ${name}: ${shard.id}: ${(error as Error).message}`,
        )
        return undefined
      }
      // Pinned at once (and on disk before any record is read from it), so LATEST means "from
      // when the mapping was created", restart or not: a pin lost to a power loss would skip.
      try {
        checkpoints.set(this.uuid, name, created, shard.state.index, checkpoint)
        await checkpoints.durable()
      } catch (error) {
        this.#deps.logger.error(
          `mapping ${this.#config.function} <- ${name}: ${shard.id}: ${(error as Error).message}`,
        )
        return undefined
      }
    }
    tail.seek(checkpoint.nextOrdinal)
    const consumer = new ShardConsumer(
      {
        shard,
        tail,
        source: {
          shardId: shard.id,
          streamArn: engine.arn(name),
          region: engine.region,
          account: engine.account,
        },
        clock: engine.clock,
        budget,
        batchSize: this.#config.batchSize,
        batchingWindowMs: this.#config.maximumBatchingWindowInSeconds * 1000,
        parallelizationFactor: this.#config.parallelizationFactor,
        tumblingWindowMs: this.#config.tumblingWindowInSeconds * 1000,
        policy: {
          maximumRetryAttempts: this.#config.maximumRetryAttempts,
          maximumRecordAgeInSeconds: this.#config.maximumRecordAgeInSeconds,
          bisectBatchOnFunctionError: this.#config.bisectBatchOnFunctionError,
          reportBatchItemFailures: this.#config.functionResponseTypes.includes('ReportBatchItemFailures'),
        },
        filter: this.#filter,
        invoke: (event) => this.#deps.invoker.invoke(this.#config.function, event),
        discard: (records, condition, count, last) => this.#discard(shard, records, condition, count, last),
        commit: (cp) => {
          try {
            checkpoints.set(this.uuid, name, created, shard.state.index, cp)
          } catch (error) {
            // The state store is closing (shutdown): the checkpoint stays at the last committed
            // position and the batch is delivered again after the restart.
            this.#deps.logger.warn(
              `checkpoint of ${this.#config.function} <- ${name}: ${(error as Error).message}`,
            )
            return
          }
          // Children start once the parent's end is on disk: a power loss must not make the
          // parent's last records come again after the children's.
          if (consumer.finished)
            void checkpoints.durable().then(
              () => this.#follower.refresh(),
              (error: Error) => this.#deps.logger.error(`checkpoint of ${shard.id}: ${error.message}`),
            )
        },
        observe: (records, outcome) => this.#observe(records, outcome),
        onError: (error) =>
          this.#deps.logger.error(
            `mapping ${this.#config.function} <- ${name}: ${shard.id}: ${error.message}`,
          ),
        polled: (count, filtered) => {
          this.#metrics.record(Lambda.PolledEventCount, count)
          if (filtered > 0) this.#metrics.record(Lambda.FilteredOutEventCount, filtered)
        },
      },
      checkpoint,
    )
    return consumer
  }

  #observe(records: MappedRecord[], outcome: InvokeOutcome): void {
    const last = records[records.length - 1]
    if (last) this.#iteratorAge = Math.max(0, this.#deps.engine.clock.now() - last.timestamp)
    this.#functionMetrics.record(Lambda.IteratorAge, this.#iteratorAge)
    if (outcome.kind === 'throttled') return
    this.#metrics.record(Lambda.InvokedEventCount, records.length)
    if (outcome.kind !== 'ok') this.#metrics.record(Lambda.FailedInvokeEventCount, records.length)
  }

  /** Records given up on: Lambda's metadata-only failure record to the on-failure destination. */
  async #discard(
    shard: ShardRuntime,
    records: MappedRecord[],
    condition: DiscardCondition,
    invokeCount: number,
    last: InvokeOutcome | undefined,
  ): Promise<void> {
    const destination = this.#config.destinationConfig?.onFailure
    if (!destination || records.length === 0) {
      this.#metrics.record(Lambda.DroppedEventCount, records.length)
      return
    }
    const { engine } = this.#deps
    const first = records[0]!
    const end = records[records.length - 1]!
    const functionError = last && last.kind !== 'ok' && last.kind !== 'throttled'
    const document = {
      requestContext: {
        requestId: last && 'requestId' in last ? last.requestId : randomUUID(),
        functionArn: `arn:aws:lambda:${engine.region}:${engine.account}:function:${this.#config.function}`,
        condition,
        approximateInvokeCount: invokeCount,
      },
      responseContext: {
        statusCode: 200,
        executedVersion: '$LATEST',
        ...(functionError && { functionError: 'Unhandled' }),
      },
      version: '1.0',
      timestamp: new Date(engine.clock.now()).toISOString(),
      KinesisBatchInfo: {
        shardId: shard.id,
        startSequenceNumber: first.sequenceNumber,
        endSequenceNumber: end.sequenceNumber,
        approximateArrivalOfFirstRecord: new Date(first.timestamp).toISOString(),
        approximateArrivalOfLastRecord: new Date(end.timestamp).toISOString(),
        batchSize: records.length,
        streamArn: engine.arn(this.#config.stream),
      },
    }
    // Retry the destination a few times: dropping the failure record loses the only trace.
    for (let attempt = 0; ; attempt++) {
      try {
        await this.#deps.destinations.send(destination, JSON.stringify(document))
        this.#metrics.record(Lambda.OnFailureDestinationDeliveredEventCount, records.length)
        return
      } catch (error) {
        this.#deps.logger.error(
          `on-failure destination of ${this.#config.function}: ${(error as Error).message}`,
        )
        if (this.#stopped || attempt >= 5) {
          this.#metrics.record(Lambda.DroppedEventCount, records.length)
          return
        }
      }
    }
  }
}

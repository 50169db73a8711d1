import { rm } from 'node:fs/promises'
import type { KinesisClient } from '@aws-sdk/client-kinesis'
import type { FunctionLog } from '../contracts/functions.ts'
import { putRecords } from '../engine/records.ts'
import type { MetricDatum } from '../monitor/metrics.ts'
import type { PipelineRuntime } from '../pipeline/runtime.ts'
import type { ManualClock } from '../util/clock.ts'
import type { Activity } from './activity.ts'
import { Inspectors } from './inspectors.ts'
import { LakeInspector } from './lake.ts'

/** Event-loop turns without an event or work in progress after which the pipeline counts as quiet. */
const QUIET_TURNS = 100
/** Real time {@link TestPipeline.settle} waits at most by default before saying what is still busy. */
const SETTLE_TIMEOUT_MS = 30_000

export interface PutOptions<T> {
  /**
   * The partition key: one for every record, or one per record. Default `'test'`: every record
   * on one shard, in the order put.
   */
  partitionKey?: string | ((record: T, index: number) => string)
}

/** Where a record went: AWS's PutRecords result entry, camelCased. */
export interface PutRecordResult {
  shardId: string
  sequenceNumber: string
}

export interface TestPipelineParts {
  runtime: PipelineRuntime
  clock: ManualClock
  dataDir: string
  ownDataDir: boolean
  logs: FunctionLog[]
  activity: Activity
  kinesis: KinesisClient | undefined
}

const turn = () => new Promise<void>((resolve) => setImmediate(resolve))

/**
 * A running pipeline under test (made by {@link startPipeline}): put records, move its manual
 * clock, wait for it, and read what it did. Inspection (tables, queues, outbox, alarms, metrics)
 * is inherited from {@link Inspectors}, the lake is {@link TestPipeline.lake}.
 *
 * @example
 * const p = await startPipeline(CONFIG, { teardown: onTestFinished })
 * await p.put('events', [{ type: 'click' }, { type: 'view' }])
 * await p.settle() // the mapping's handler has run
 * await p.advance(61_000) // past the delivery stream's 60 s buffer interval: in the lake
 * expect(await p.lake.rowsUnder('lake', 'events/')).toHaveLength(2)
 */
export class TestPipeline extends Inspectors {
  readonly runtime: PipelineRuntime
  readonly clock: ManualClock
  /** The data directory (state, stream logs, `lake/<bucket>/`, the outbox). */
  readonly dataDir: string
  /** Every line handlers have logged, in order. */
  readonly logs: FunctionLog[]
  /** The pipeline's buckets. */
  readonly lake: LakeInspector
  /** With `serve`: a Kinesis client (AWS SDK v3) for {@link TestPipeline.endpoint}. */
  readonly kinesis: KinesisClient | undefined
  readonly #activity: Activity
  readonly #ownDataDir: boolean
  #closed: Promise<void> | undefined

  constructor(parts: TestPipelineParts) {
    super(parts.runtime, parts.dataDir)
    this.runtime = parts.runtime
    this.clock = parts.clock
    this.dataDir = parts.dataDir
    this.logs = parts.logs
    this.kinesis = parts.kinesis
    this.lake = new LakeInspector(() => parts.runtime.buckets)
    this.#activity = parts.activity
    this.#ownDataDir = parts.ownDataDir
  }

  /**
   * With `serve`: the AWS endpoint URL (`http://127.0.0.1:<port>`) for any AWS client.
   *
   * @example
   * const firehose = new FirehoseClient({ endpoint: p.endpoint, region: 'us-east-1', credentials })
   */
  get endpoint(): string | undefined {
    return this.runtime.server?.url
  }

  /**
   * Puts records on a stream, as PutRecords does (durable when it resolves), without AWS's
   * request limits or the shards' throughput limits. A string is sent as its UTF-8 bytes, bytes as they are, anything else as JSON.
   * Throws if a record could not be stored.
   *
   * @example
   * const [click] = await p.put('events', [{ type: 'click' }, 'not json'], { partitionKey: 'user-1' })
   * const byUser = await p.put('events', events, { partitionKey: (e) => e.userId })
   */
  async put<T>(
    stream: string,
    records: readonly T[],
    options: PutOptions<T> = {},
  ): Promise<PutRecordResult[]> {
    const key = options.partitionKey ?? 'test'
    const entries = records.map((record, i) => ({
      partitionKey: typeof key === 'function' ? key(record, i) : key,
      data: toBytes(record).toString('base64'),
    }))
    const { outcomes } = await putRecords(this.runtime.engine, stream, entries, { shardLimits: false })
    return outcomes.map((o, i) => {
      if (!o.ok) throw new Error(`put to ${stream}: record ${i}: ${o.errorCode}: ${o.errorMessage}`)
      return { shardId: o.shardId, sequenceNumber: o.sequenceNumber }
    })
  }

  /**
   * Waits, without moving the clock, until the pipeline has nothing left to do at the current
   * time: no invocation running, mappings through every record they can take now, no file I/O
   * pending, delivery buffers whose interval has passed in the lake, async events (S3
   * notifications, schedules) dispatched, timers already due fired. What waits on the clock (a
   * batching window, a retry's backoff, a buffer's interval) is left waiting: {@link advance}.
   * Deliveries over the network (SMTP, webhooks) are not waited for: {@link until}. Throws,
   * naming what is still busy, after `timeoutMs` of real time.
   *
   * @example
   * await p.put('events', [{ type: 'click' }])
   * await p.settle()
   * expect(p.metric('Invocations', { FunctionName: 'process-events' }).sum).toBe(1)
   */
  async settle(options: { timeoutMs?: number } = {}): Promise<void> {
    const deadline = Date.now() + (options.timeoutMs ?? SETTLE_TIMEOUT_MS)
    let quiet = 0
    for (;;) {
      await this.runtime.engine.whenSettled()
      const events = this.#activity.events
      await turn()
      const busy = await this.#activity.busy()
      if (this.#activity.events !== events || busy.length > 0) {
        quiet = 0
        if (Date.now() > deadline)
          throw new Error(
            `settle: the pipeline is still busy after ${options.timeoutMs ?? SETTLE_TIMEOUT_MS} ms: ${busy.join('; ') || 'events keep coming'}`,
          )
        continue
      }
      if (++quiet < QUIET_TURNS) continue
      const next = this.clock.nextTimerAt()
      if (next === undefined || next > this.clock.now()) return
      // A timer due now (an event dispatched "at once" on the clock) is part of the present.
      this.clock.advance(0)
      quiet = 0
    }
  }

  /**
   * Moves the clock forward by `ms`, stopping at every timer on the way (a retry, a batching
   * window, a buffer interval, a schedule) to let the pipeline settle there, as if the time had
   * really passed; settled at the end.
   *
   * @example
   * await p.advance(61_000) // a 60 s delivery buffer is due once more than 60 s have passed
   * expect(await p.lake.keys('lake')).toHaveLength(1)
   */
  async advance(ms: number): Promise<void> {
    const target = this.clock.now() + ms
    await this.settle()
    for (;;) {
      const next = this.clock.nextTimerAt()
      if (next === undefined || next > target) break
      this.clock.set(next)
      await this.settle()
    }
    this.clock.set(target)
    await this.settle()
  }

  /**
   * Waits until `done()`, moving the clock when the pipeline is quiet: while it is busy
   * (publishing metrics, running a handler) it is left alone; when it goes quiet the clock jumps
   * to the next pending timer (a retry, a window, a schedule) if that is at most `stepMs` × 60
   * away, else by `stepMs`. For outcomes {@link settle} cannot see (an e-mail at an SMTP server)
   * or that need time to pass.
   *
   * @example
   * await p.until(() => p.queue('dlq').depth().visible === 1)
   * await p.until(() => smtp.mails.length >= 2, 100) // small steps: iterator ages stay small
   */
  async until(done: () => boolean | Promise<boolean>, stepMs = 1000): Promise<void> {
    while (!(await done())) {
      let happened = false
      const event = this.#activity.nextEvent().then(() => {
        happened = true
      })
      for (let t = 0; t < 200 && !happened; t++) await turn()
      void event
      if (happened) continue
      // A handler is still running (a cold worker loading its module, say): its work is on
      // real time, so the clock waits for it rather than racing ahead to the next timer (a
      // schedule firing again, a retry) while it starts.
      if (this.runtime.pool.invocationsInFlight > 0) continue
      const next = this.clock.nextTimerAt()
      const clock = this.clock
      clock.set(next !== undefined && next - clock.now() <= stepMs * 60 ? next : clock.now() + stepMs)
      await this.runtime.engine.whenSettled()
    }
  }

  /**
   * Waits (moving the clock) until every stream of the pipeline is ACTIVE; {@link startPipeline}
   * already did, so this matters only after creating or resharding a stream.
   *
   * @example
   * await p.active()
   */
  async active(): Promise<void> {
    const names = Object.keys(this.runtime.pipeline.streams)
    const engine = this.runtime.engine
    await this.until(() =>
      names.every((n) => engine.streams().some((s) => s.state.name === n && s.state.status === 'ACTIVE')),
    )
  }

  /**
   * Stops the pipeline (in-flight invocations finish; state stays in {@link dataDir}, so a new
   * {@link startPipeline} with that `dataDir` restarts it). Calling it again does nothing.
   *
   * @example
   * await p.close()
   * const again = await startPipeline(CONFIG, { dataDir: p.dataDir, clock: p.clock })
   */
  close(): Promise<void> {
    this.#closed ??= (async () => {
      this.kinesis?.destroy()
      this.#activity.close()
      await this.runtime.close()
    })()
    return this.#closed
  }

  /**
   * Closes the pipeline and deletes the data directory if {@link startPipeline} made it (one
   * passed in is left alone). What `teardown` registers.
   *
   * @example
   * after(() => p.dispose())
   */
  async dispose(): Promise<void> {
    await this.close()
    if (this.#ownDataDir) await rm(this.dataDir, { recursive: true, force: true })
  }
}

function toBytes(record: unknown): Buffer {
  if (typeof record === 'string') return Buffer.from(record, 'utf8')
  if (record instanceof Uint8Array) return Buffer.from(record.buffer, record.byteOffset, record.byteLength)
  return Buffer.from(JSON.stringify(record), 'utf8')
}

export type { MetricDatum }

import type { InvokeOutcome } from '../../contracts/functions.ts'
import { decodedLength, FLAG_ENCRYPTED, type ShardTail, type TailBatch } from '../../engine/shard-tail.ts'
import type { ShardRuntime } from '../../engine/stream-state.ts'
import type { FanOutThroughput } from '../../stream/shard-throughput.ts'
import type { Clock } from '../../util/clock.ts'
import type { EncodedEvent } from '../encoded-event.ts'
import type { RecordFilter } from '../filter.ts'
import { type BatchRunnerDeps, type RetryPolicy, runBatch } from './batch-runner.ts'
import type { Checkpoint } from './checkpoints.ts'
import {
  filterView,
  KinesisEventEncoder,
  MAX_PAYLOAD_BYTES,
  type MappedRecord,
  payloadSize,
  type ShardEventSource,
} from './event.ts'
import { Signal, sleepOrSignal } from './signal.ts'

export interface ShardConsumerOptions {
  /** Names the records (sequence numbers). */
  shard: ShardRuntime
  /** Reads the shard, from the checkpoint's position. */
  tail: ShardTail
  source: ShardEventSource
  clock: Clock
  batchSize: number
  batchingWindowMs: number
  parallelizationFactor: number
  tumblingWindowMs: number
  policy: RetryPolicy
  filter: RecordFilter
  invoke(event: EncodedEvent): Promise<InvokeOutcome>
  discard: BatchRunnerDeps['discard']
  commit(checkpoint: Checkpoint): void
  /** Called per invocation with the outcome and the batch (metrics). */
  observe(records: MappedRecord[], outcome: InvokeOutcome): void
  /** Records read from the shard, and those dropped by filters (metrics). */
  polled(count: number, filteredOut: number): void
  /**
   * An enhanced fan-out consumer's budget on this shard (2 MiB/s), when the mapping reads through
   * one and the stream enforces limits: reads wait while it is in debt.
   */
  budget?: FanOutThroughput | undefined
  /** A read failed (e.g. the shard's log failed); the consumer retries after a pause. */
  onError(error: Error): void
}

/** Records of one lane, in order, and the batch being processed. */
class Lane {
  readonly queue: MappedRecord[] = []
  inFlight: MappedRecord[] = []
  /** When the oldest queued record became available (batching window). */
  firstQueuedAt = 0

  lowestUnfinished(): number {
    return this.inFlight[0]?.ordinal ?? this.queue[0]?.ordinal ?? Number.POSITIVE_INFINITY
  }
}

const READ_AHEAD_BATCHES = 2
/** Floor of a read's byte budget, and the record size assumed before any was read. */
const MIN_READ_BYTES = 64 * 1024
const INITIAL_RECORD_BYTES = 1024

/**
 * Consumes one shard for one mapping: tails the shard's log (woken by appends, no polling),
 * filters, spreads records over `parallelizationFactor` lanes by partition key (so order per key
 * holds), forms batches (size, batching window, 6 MB payload, tumbling window), runs them with
 * Lambda's retry semantics and commits the checkpoint below every unfinished record.
 */
export class ShardConsumer {
  readonly #o: ShardConsumerOptions
  readonly #lanes: Lane[]
  readonly #wake = new Signal()
  readonly #encoder: KinesisEventEncoder
  readonly #tail: ShardTail
  /** Running average of a record's decoded data size, for read budgets. */
  #recordBytes = INITIAL_RECORD_BYTES
  #window: { start: number; state: unknown } | undefined
  #stopped = false
  #running: Promise<void> | undefined
  #finished = false
  /** What was committed last (the window is compared by identity, its state too). */
  #committed: { nextOrdinal: number; window: unknown; state: unknown; finished: boolean }

  constructor(options: ShardConsumerOptions, from: Checkpoint) {
    this.#o = options
    this.#lanes = Array.from({ length: options.parallelizationFactor }, () => new Lane())
    this.#encoder = new KinesisEventEncoder(options.source)
    this.#tail = options.tail
    this.#window = from.window
    this.#committed = {
      nextOrdinal: from.nextOrdinal,
      window: from.window,
      state: from.window?.state,
      finished: false,
    }
  }

  /** True once a closed shard has been consumed to its end (children may start). */
  get finished(): boolean {
    return this.#finished
  }

  get position(): number {
    return Math.min(this.#tail.position, ...this.#lanes.map((l) => l.lowestUnfinished()))
  }

  start(): void {
    this.#running = Promise.all([this.#read(), ...this.#lanes.map((lane) => this.#consume(lane))]).then(
      () => undefined,
    )
  }

  /** Stops between invocations; the checkpoint stays at the last finished record. */
  async stop(): Promise<void> {
    this.#stopped = true
    this.#wake.notify()
    this.#tail.wake()
    await this.#running
  }

  #laneFor(r: MappedRecord): Lane {
    if (this.#lanes.length === 1) return this.#lanes[0]!
    let h = 0
    for (let i = 0; i < r.partitionKey.length; i++) h = (h * 31 + r.partitionKey.charCodeAt(i)) >>> 0
    return this.#lanes[h % this.#lanes.length]!
  }

  #queued(): number {
    return this.#lanes.reduce((n, l) => n + l.queue.length, 0)
  }

  async #read(): Promise<void> {
    const { shard, batchSize } = this.#o
    const tail = this.#tail
    while (!this.#stopped) {
      if (this.#queued() >= batchSize * READ_AHEAD_BATCHES * this.#lanes.length) {
        await this.#wake.wait()
        continue
      }
      if (!tail.readable) {
        if (tail.ended) {
          await this.#drained()
          return
        }
        await tail.wait()
        continue
      }
      const budgetWait = this.#o.budget?.waitMs(this.#o.clock.now()) ?? 0
      if (budgetWait > 0) {
        await sleepOrSignal(this.#o.clock, budgetWait, this.#wake)
        continue
      }
      let read: TailBatch | undefined
      try {
        read = await tail.next(batchSize, this.#readBudget())
      } catch (error) {
        if (this.#stopped) return
        this.#o.onError(error as Error)
        await sleepOrSignal(this.#o.clock, 5000, this.#wake)
        continue
      }
      if (!read) return // the log was closed (shutdown)
      const now = this.#o.clock.now()
      const kept: MappedRecord[] = []
      let keptBytes = 0
      for (const r of read.records) {
        const record: MappedRecord = {
          ordinal: r.ordinal,
          sequenceNumber: shard.sequenceNumber(r.ordinal, r.timestamp),
          partitionKey: r.partitionKey,
          data: r.data,
          timestamp: r.timestamp,
          encrypted: (r.flags & FLAG_ENCRYPTED) !== 0,
        }
        if (!this.#o.filter.keep(this.#o.filter.active ? filterView(record) : record)) continue
        kept.push(record)
        keptBytes += r.data.length
      }
      // The data moves out of the read buffers (views, reused by the next read) into one buffer
      // per read: off the JS heap, one allocation instead of a string per record.
      const slab = Buffer.allocUnsafe(keptBytes)
      let at = 0
      for (const record of kept) {
        const start = at
        at += record.data.copy(slab, at)
        record.data = slab.subarray(start, at)
        const lane = this.#laneFor(record)
        if (lane.queue.length === 0) lane.firstQueuedAt = now
        lane.queue.push(record)
      }
      if (this.#o.budget) {
        // What the consumer's 2 MiB/s counts: data plus partition keys, as SubscribeToShard's.
        let bytes = 0
        for (const r of read.records) bytes += decodedLength(r.data) + Buffer.byteLength(r.partitionKey)
        this.#o.budget.charge(bytes)
      }
      const dropped = read.records.length - kept.length
      if (kept.length > 0) {
        // Base64 is 4/3 of the data; the log counts decoded bytes.
        this.#recordBytes = (this.#recordBytes + (keptBytes * 0.75) / kept.length) / 2
      }
      // The queued records hold copies now: the read buffers can be reused, the tail move on.
      read.release()
      this.#o.polled(read.records.length, dropped)
      if (dropped > 0) this.#commit()
      this.#wake.notify()
    }
  }

  /**
   * Bytes to ask a read for: a batch of records of the usual size, with headroom. The log sizes
   * its read buffer by this budget, so asking for the 6 MB payload cap every time read (and
   * allocated) ~8 MB to return 1,000 records of 1 KiB. A budget too small for the records at
   * hand only means a read returns fewer of them (always at least one); the next read goes on.
   */
  #readBudget(): number {
    const want = this.#o.batchSize * this.#recordBytes * 1.25
    return Math.min(MAX_PAYLOAD_BYTES, Math.max(MIN_READ_BYTES, Math.ceil(want)))
  }

  /** Waits for the lanes to empty after a closed shard's last record, then reports it finished. */
  async #drained(): Promise<void> {
    while (!this.#stopped && this.#lanes.some((l) => l.queue.length > 0 || l.inFlight.length > 0)) {
      await this.#wake.wait()
    }
    // A tumbling window still open at the end of a closed shard gets its final invocation.
    if (!this.#stopped && this.#window && this.#o.tumblingWindowMs > 0) {
      await this.#runWindowBatch(this.#lanes[0]!, [], true)
    }
    if (!this.#stopped) {
      this.#finished = true
      this.#commit()
      this.#wake.notify()
    }
  }

  async #consume(lane: Lane): Promise<void> {
    while (!this.#stopped) {
      const next = await this.#take(lane)
      if (!next) continue
      lane.inFlight = next.records
      if (this.#o.tumblingWindowMs > 0) await this.#runWindowBatch(lane, next.records, next.final)
      else
        await runBatch(
          next.records,
          this.#runnerDeps(lane, (records) => this.#o.invoke(this.#encoder.encode(records))),
        )
      lane.inFlight = []
      this.#commit()
      this.#wake.notify()
    }
  }

  /**
   * The next batch for a lane, once one is due: a full batch, the 6 MB payload cap, or the
   * batching window elapsed since the oldest queued record. With tumbling windows a batch never
   * spans two windows, and the last batch of a window is marked final.
   */
  async #take(lane: Lane): Promise<{ records: MappedRecord[]; final: boolean } | undefined> {
    const { batchSize, batchingWindowMs, tumblingWindowMs, clock } = this.#o
    const q = lane.queue
    if (tumblingWindowMs > 0) {
      const closed = this.#windowClosed(lane)
      if (closed) return closed
    }
    let n = 0
    let bytes = 0
    const windowOf = (r: MappedRecord) => Math.floor(r.timestamp / tumblingWindowMs) * tumblingWindowMs
    while (n < q.length && n < batchSize) {
      const size = payloadSize(q[n]!)
      if (n > 0 && bytes + size > MAX_PAYLOAD_BYTES) break
      if (tumblingWindowMs > 0 && n > 0 && windowOf(q[n]!) !== windowOf(q[0]!)) break
      bytes += size
      n++
    }
    const full = n === batchSize || (n > 0 && n < q.length)
    const due = n > 0 && (full || clock.now() >= lane.firstQueuedAt + batchingWindowMs)
    if (!due) {
      const deadlines = [
        q.length > 0 ? lane.firstQueuedAt + batchingWindowMs : Number.POSITIVE_INFINITY,
        tumblingWindowMs > 0 && this.#window
          ? this.#window.start + tumblingWindowMs
          : Number.POSITIVE_INFINITY,
      ]
      const until = Math.min(...deadlines)
      if (until === Number.POSITIVE_INFINITY) await this.#wake.wait()
      else await sleepOrSignal(clock, until - clock.now(), this.#wake)
      return undefined
    }
    const records = q.splice(0, n)
    lane.firstQueuedAt = clock.now()
    const final = tumblingWindowMs > 0 && q.length > 0 && windowOf(q[0]!) !== windowOf(records[0]!)
    return { records, final }
  }

  /** A window that ended (by time, or because later records arrived) gets a final invocation. */
  #windowClosed(lane: Lane): { records: MappedRecord[]; final: boolean } | undefined {
    const w = this.#window
    if (!w) return undefined
    const end = w.start + this.#o.tumblingWindowMs
    const head = lane.queue[0]
    if ((head && head.timestamp >= end) || (!head && this.#o.clock.now() >= end))
      return { records: [], final: true }
    return undefined
  }

  async #runWindowBatch(lane: Lane, records: MappedRecord[], final: boolean): Promise<void> {
    const size = this.#o.tumblingWindowMs
    const start =
      records.length > 0
        ? Math.floor(records[0]!.timestamp / size) * size
        : (this.#window?.start ?? this.#o.clock.now())
    if (!this.#window || this.#window.start !== start) this.#window = { start, state: {} }
    const window = this.#window
    const invoke = async (batch: MappedRecord[]) => {
      const outcome = await this.#o.invoke(
        this.#encoder.encode(batch, {
          window: { start: new Date(start).toISOString(), end: new Date(start + size).toISOString() },
          state: window.state,
          shardId: this.#o.source.shardId,
          eventSourceARN: this.#o.source.streamArn,
          isFinalInvokeForWindow: final,
          isWindowTerminatedEarly: false,
        }),
      )
      if (outcome.kind === 'ok') {
        const state = (outcome.result as { state?: unknown } | null | undefined)?.state
        if (state !== undefined && state !== null && typeof state === 'object') window.state = state
      }
      return outcome
    }
    if (records.length === 0) {
      // The final, record-less invocation: retried like any other, never sent anywhere on failure.
      let outcome = await invoke([])
      for (let attempt = 1; !this.#stopped && outcome.kind !== 'ok'; attempt++) {
        await sleepOrSignal(this.#o.clock, Math.min(10_000, 100 * 2 ** attempt), this.#wake)
        outcome = await invoke([])
      }
    } else {
      await runBatch(records, this.#runnerDeps(lane, invoke))
    }
    if (final && !this.#stopped) this.#window = undefined
  }

  #runnerDeps(lane: Lane, invoke: (records: MappedRecord[]) => Promise<InvokeOutcome>): BatchRunnerDeps {
    return {
      clock: this.#o.clock,
      policy: this.#o.policy,
      invoke: async (records) => {
        const outcome = await invoke(records)
        this.#o.observe(records, outcome)
        return outcome
      },
      discard: (records, condition, count, last) => this.#o.discard(records, condition, count, last),
      done: (ordinal) => {
        const i = lane.inFlight.findIndex((r) => r.ordinal >= ordinal)
        lane.inFlight = i < 0 ? [] : lane.inFlight.slice(i)
        this.#commit()
      },
      stopped: () => this.#stopped,
      sleep: (ms) => sleepOrSignal(this.#o.clock, ms, this.#wake),
    }
  }

  /** Commits the position, unless it is what was committed last (a batch ends with 2 calls). */
  #commit(): void {
    const next = { nextOrdinal: this.position, window: this.#window, state: this.#window?.state }
    const last = this.#committed
    if (
      next.nextOrdinal === last.nextOrdinal &&
      next.window === last.window &&
      next.state === last.state &&
      this.#finished === last.finished
    )
      return
    this.#committed = { ...next, finished: this.#finished }
    this.#o.commit({ nextOrdinal: next.nextOrdinal, window: next.window })
  }
}

import { join } from 'node:path'
import type { StreamEngine } from '../engine/engine.ts'
import { ShardTail } from '../engine/shard-tail.ts'
import { type ShardRunner, StreamFollower } from '../engine/stream-follower.ts'
import type { ShardRuntime, StreamRuntime } from '../engine/stream-state.ts'
import { KinesisAnalytics, MetricScope } from '../monitor/catalog/index.ts'
import type { MetricSink } from '../monitor/metrics.ts'
import { deaggregate } from '../stream/kpl/aggregation.ts'
import type { Clock, TimerHandle } from '../util/clock.ts'
import { crashPoint } from '../util/crash-point.ts'
import type { Logger } from '../util/logger.ts'
import type { AnalyticsOperator, Batch, Emission, InputRecord } from './operator.ts'
import { deliver, type LateTarget, type SinkDeps } from './sinks.ts'
import type { Program } from './sql/program.ts'
import {
  type AnalyticsStatus,
  describeSink,
  describeWindow,
  type QueryResults,
  type QueryStatus,
  queryTexts,
  queryTime,
  ResultRing,
} from './status.ts'

export interface JobOptions {
  /** The analytics resource's name (metrics' `Application`, the state file's name). */
  name: string
  sql: string
  program: Program
  /** Where the operator's state lives: `<dir>/<name>.duckdb`; undefined: in memory (the `sql` prompt). */
  stateDir?: string
  engine: StreamEngine
  clock: Clock
  sinks: SinkDeps
  late?: LateTarget
  metrics?: MetricSink
  logger: Logger
  /** A shard without records this long stops holding the watermark back. */
  idleTimeoutMs: number
  /** Records per micro-batch (over all shards). */
  maxRecords: number
  /** Every output as it is delivered (the `sql` prompt shows them). */
  onEmission?(emission: Emission): void
}

const TICK_MS = 1000

/**
 * Runs one analytics resource: follows its source streams' shards (resharding included), cuts
 * micro-batches of what they have, runs them through the operator (one DuckDB transaction each,
 * positions included) and then delivers the committed outputs to the sinks.
 */
export class AnalyticsJob {
  readonly #o: JobOptions
  readonly #followers = new Map<string, StreamFollower<ShardReader>>()
  readonly #metrics: MetricScope<'Application'>
  #operator: AnalyticsOperator | undefined
  #stopped = true
  #running: Promise<void> | undefined
  #kick: (() => void) | undefined
  #shardNumbers = new Map<string, number>()
  /** Between waking and sleeping again: reading, processing or delivering. */
  #busy = true
  #outboxEmpty = false
  #startedAt = 0
  #turn = 0
  /** The last error that stopped the job, if one did. */
  error: Error | undefined
  /** Counters for the summary and the prompt. */
  readonly totals = { recordsIn: 0, recordsOut: 0, late: 0, invalid: 0, batches: 0 }
  /** The same per query, and the newest rows each output (the dashboard's Analytics tab). */
  readonly #perQuery: { recordsIn: number; rowsOut: number; late: number }[]
  readonly #results: ResultRing
  #lastBatchAt: number | undefined
  /** Each query's statement as written (for the status; the SQL is split once). */
  #texts: string[] | undefined

  constructor(options: JobOptions) {
    this.#o = options
    this.#perQuery = options.program.queries.map(() => ({ recordsIn: 0, rowsOut: 0, late: 0 }))
    this.#results = new ResultRing(options.program.queries.length)
    this.#metrics = new MetricScope(options.metrics, { Application: options.name }, options.clock)
  }

  get operator(): AnalyticsOperator | undefined {
    return this.#operator
  }

  async start(): Promise<void> {
    if (!this.#stopped) return
    const { AnalyticsOperator } = await import('./operator.ts')
    const path = this.#o.stateDir ? join(this.#o.stateDir, `${this.#o.name}.duckdb`) : ':memory:'
    this.#operator = await AnalyticsOperator.open(path, this.#o.program, this.#o.sql)
    this.#stopped = false
    this.#startedAt = this.#o.clock.now()
    const streams = new Set(
      this.#o.program.queries
        .map((q) => q.source)
        .map((t) => (t.connector.kind === 'stream' ? t.connector.stream : '')),
    )
    for (const stream of streams) {
      const follower = new StreamFollower<ShardReader>({
        engine: this.#o.engine,
        stream,
        runner: (s, shard) => this.#reader(s, shard),
      })
      this.#followers.set(stream, follower)
      follower.start()
    }
    this.#running = this.#loop().catch((error: Error) => {
      this.error = error
      this.#o.logger.error(`analytics ${this.#o.name}: ${error.message}`)
    })
  }

  async stop(): Promise<void> {
    this.#stopped = true
    this.#kick?.()
    await Promise.all([...this.#followers.values()].map((f) => f.stop()))
    await this.#running
    this.#followers.clear()
    this.#operator?.close()
    this.#operator = undefined
  }

  /** Wakes the loop (a new shard, a stop). */
  wake(): void {
    this.#kick?.()
  }

  async #reader(stream: StreamRuntime, shard: ShardRuntime): Promise<ShardReader | undefined> {
    const tail = new ShardTail(shard)
    if (tail.unreadable) return undefined
    const key = `${stream.state.name}/${shard.id}`
    const created = stream.state.createdAt
    const op = this.#operator!
    const known = op.position(key)
    let start: number
    if (known && known.created === created) start = known.next
    else {
      // No position yet: the stream's start for TRIM_HORIZON; for LATEST its end, except for a
      // shard born of a reshard after the job first read the stream (read whole, as the KCL does).
      const latest = this.#o.program.queries.some(
        (q) =>
          q.source.connector.kind === 'stream' &&
          q.source.connector.stream === stream.state.name &&
          q.source.connector.initialPosition === 'LATEST',
      )
      const seen = [...this.#shardNumbers.keys()].some((k) => k.startsWith(`${stream.state.name}/`))
      start = latest && !seen ? tail.end : tail.oldest
      await op.commitPositions(new Map([[key, { created, next: start }]]))
    }
    tail.seek(Math.max(start, tail.oldest))
    let number = this.#shardNumbers.get(key)
    if (number === undefined) {
      number = this.#shardNumbers.size
      this.#shardNumbers.set(key, number)
    }
    return new ShardReader(key, number, stream.state.name, created, tail, this.#o.clock.now(), () =>
      this.wake(),
    )
  }

  #readers(): ShardReader[] {
    return [...this.#followers.values()].flatMap((f) => [...f.values()])
  }

  async #loop(): Promise<void> {
    await this.#flush()
    let lastTick = this.#o.clock.now()
    while (!this.#stopped) {
      const batch = await this.#collect()
      // A closed shard read to its end (its last records committed by an earlier batch): its
      // children may start.
      for (const r of batch.finished) r.markFinished()
      if (batch.finished.length > 0) for (const f of this.#followers.values()) void f.refresh()
      const now = this.#o.clock.now()
      const ticked = now - lastTick >= TICK_MS
      if (batch.records.size === 0 && !ticked) {
        await this.#sleep()
        continue
      }
      lastTick = now
      if (batch.records.size === 0 && !this.#timeMatters(batch)) continue
      const outcome = await this.#operator!.process(batch, this.#dims())
      crashPoint('analytics.committed')
      this.totals.batches++
      this.totals.recordsIn += outcome.recordsIn
      this.totals.invalid += outcome.invalid
      const late = [...outcome.late.values()].reduce((a, b) => a + b, 0)
      this.totals.late += late
      this.#lastBatchAt = now
      for (const [i, q] of this.#o.program.queries.entries()) {
        this.#perQuery[i]!.recordsIn += batch.records.get(q.source.name)?.length ?? 0
        this.#perQuery[i]!.late += outcome.late.get(i) ?? 0
      }
      this.#metrics.record(KinesisAnalytics.RecordsIn, outcome.recordsIn)
      if (late > 0) this.#metrics.record(KinesisAnalytics.LateRecordsDropped, late)
      if (outcome.invalid > 0) this.#metrics.record(KinesisAnalytics.InvalidRecords, outcome.invalid)
      for (const wm of outcome.watermarks.values())
        this.#metrics.record(KinesisAnalytics.WatermarkLag, Math.max(0, now - wm))
      await this.#flush()
    }
  }

  /** Whether an empty batch could change anything: processing time, or a watermark idle shards hold. */
  #timeMatters(batch: Batch): boolean {
    const op = this.#operator!
    for (const name of op.sources) {
      const t = this.#o.program.tables.get(name)!
      if (t.proctime) return true
      if (t.watermark && (batch.activeShards.get(name)?.length ?? 0) > 0) return true
    }
    return false
  }

  async #collect(): Promise<Batch & { finished: ShardReader[] }> {
    const now = this.#o.clock.now()
    const records = new Map<string, InputRecord[]>()
    const positions = new Map<string, { created: number; next: number }>()
    const shardKeys = new Map<number, string>()
    const finished: ShardReader[] = []
    const sources = [...new Map(this.#o.program.queries.map((q) => [q.source.name, q.source])).values()]
    let total = 0
    // Shards take turns at being read first, so a busy shard cannot starve the others (and hold
    // the watermark, the minimum over shards, back).
    const all = this.#readers()
    const first = all.length > 0 ? this.#turn++ % all.length : 0
    for (const reader of [...all.slice(first), ...all.slice(0, first)]) {
      shardKeys.set(reader.number, reader.key)
      if (total >= this.#o.maxRecords) continue
      const tail = reader.tail
      if (!tail.readable) {
        if (tail.ended && !reader.finished) finished.push(reader)
        continue
      }
      const read = await tail.next(this.#o.maxRecords - total, 4 * 1024 * 1024)
      if (!read) continue
      const lines: InputRecord[] = []
      for (const r of read.records) {
        const data = Buffer.from(r.data.toString('latin1'), 'base64')
        const users = deaggregate(data, r.partitionKey)
        for (const [sub, u] of users.entries())
          lines.push({
            shard: reader.number,
            ordinal: r.ordinal,
            sub,
            arrivalMs: r.timestamp,
            line: u.data.toString('utf8'),
          })
      }
      read.release()
      total += read.records.length
      if (read.records.length > 0) reader.lastActive = now
      positions.set(reader.key, { created: reader.created, next: read.next })
      for (const t of sources) {
        if (t.connector.kind !== 'stream' || t.connector.stream !== reader.stream) continue
        const list = records.get(t.name) ?? []
        for (const l of lines) list.push(l)
        records.set(t.name, list)
      }
    }
    // Every shard of the stream holds the watermark back until it goes idle, a shard not read yet
    // included (its reader may still be starting): otherwise its records would all come late.
    const readers = new Map(this.#readers().map((r) => [r.key, r]))
    const activeShards = new Map<string, string[]>()
    for (const t of sources) {
      if (t.connector.kind !== 'stream') continue
      const stream = t.connector.stream
      const shards = this.#o.engine.findWritableStream(stream)?.orderedShards() ?? []
      const active: string[] = []
      for (const shard of shards) {
        const key = `${stream}/${shard.id}`
        const r = readers.get(key)
        const busy = r
          ? !r.finished && (now - r.lastActive < this.#o.idleTimeoutMs || r.tail.readable)
          : now - this.#startedAt < this.#o.idleTimeoutMs
        if (busy) active.push(key)
      }
      activeShards.set(t.name, active)
    }
    return { records, now, positions, shardKeys, activeShards, finished }
  }

  #dims(): Map<string, string[]> | undefined {
    const names = [...new Set(this.#o.program.queries.flatMap((q) => (q.join ? [q.join.table] : [])))]
    if (names.length === 0) return undefined
    const out = new Map<string, string[]>()
    for (const t of names) {
      if (t.connector.kind !== 'table') continue
      const table = this.#o.sinks.tables?.get(t.connector.table)
      const lines: string[] = []
      let page = table?.scan({})
      while (page) {
        for (const item of page.items) lines.push(JSON.stringify(item))
        page = page.lastKey ? table!.scan({ startAfter: page.lastKey }) : undefined
      }
      out.set(t.name, lines)
    }
    return out
  }

  async #flush(): Promise<void> {
    const op = this.#operator!
    const pending = await op.pending()
    this.#outboxEmpty = pending.length === 0
    if (pending.length === 0) return
    for (const e of pending) {
      const query = this.#o.program.queries[e.query]!
      await deliver(e, query.sink, this.#o.name, this.#o.late, this.#o.sinks)
      if (e.kind === 'rows') {
        this.totals.recordsOut += e.rows.length
        this.#perQuery[e.query]!.rowsOut += e.rows.length
        this.#results.push(e.query, e.rows)
        this.#metrics.record(KinesisAnalytics.RecordsOut, e.rows.length)
      }
      this.#o.onEmission?.(e)
      crashPoint('analytics.delivered')
    }
    await op.acknowledge(pending[pending.length - 1]!.seq)
    this.#outboxEmpty = true
  }

  /**
   * Every record its shards hold now is read and committed, and every output delivered (tests
   * wait for this; so does the prompt before it says a query is up to date).
   */
  caughtUp(): boolean {
    const readers = this.#readers()
    return (
      !this.#busy &&
      this.#outboxEmpty &&
      readers.length > 0 &&
      readers.every((r) => r.finished || (!r.tail.unreadable && r.tail.position >= r.tail.end))
    )
  }

  /** Where the job is: its state, and each query's watermark, lag, counts and open state. */
  async status(): Promise<AnalyticsStatus> {
    const { program, clock, name } = this.#o
    const op = this.#operator
    let state: Array<{ rows: number; windows?: number }> = []
    // The job may stop (and close its state) while the read waits its turn: then it has none.
    if (op) state = await op.openState().catch(() => [])
    const now = clock.now()
    this.#texts ??= queryTexts(this.#o.sql)
    const texts = this.#texts
    const queries = program.queries.map((spec, i): QueryStatus => {
      const time = queryTime(program, spec)
      const source = program.tables.get(spec.source.name)!
      const watermark =
        time === 'processing' ? op?.lastBatchTime : time === 'event' ? op?.watermark(source.name) : undefined
      const stream = source.connector.kind === 'stream' ? source.connector.stream : undefined
      const shards = this.#readers()
        .filter((r) => r.stream === stream)
        .map((r) => {
          const maxEt = op?.maxEventTime(source.name, r.key)
          const wm = maxEt !== undefined && source.watermark ? maxEt - source.watermark.boundMs : undefined
          // As #collect decides which shards hold the watermark back.
          const idle = r.finished || !(now - r.lastActive < this.#o.idleTimeoutMs || r.tail.readable)
          return { shard: r.key, ...(wm !== undefined && { watermark: wm }), idle }
        })
        .sort((a, b) => (a.shard < b.shard ? -1 : a.shard > b.shard ? 1 : 0))
      const sink = describeSink(spec)
      const window = describeWindow(spec)
      const open = state[i]
      return {
        index: i,
        sql: texts.length === program.queries.length ? texts[i]! : '',
        ...(sink && { sink }),
        source: source.name,
        ...(window && { window }),
        mode: spec.mode,
        time,
        ...(watermark !== undefined && { watermark, watermarkLagMs: now - watermark }),
        shards,
        ...this.#perQuery[i]!,
        ...(open?.windows !== undefined && { openWindows: open.windows }),
        stateRows: open?.rows ?? 0,
        columns: this.#columns(i),
        resultsSeq: this.#results.total(i),
      }
    })
    return {
      name,
      state: this.error ? 'failed' : this.#stopped ? 'stopped' : 'running',
      ...(this.error && { error: this.error.message.split('\n')[0]! }),
      now,
      ...(this.#lastBatchAt !== undefined && { lastBatchAt: this.#lastBatchAt }),
      batches: this.totals.batches,
      recordsIn: this.totals.recordsIn,
      rowsOut: this.totals.recordsOut,
      late: this.totals.late,
      invalid: this.totals.invalid,
      queries,
    }
  }

  /** The newest rows each query output (at most `limit` each), oldest first. */
  results(limit?: number): QueryResults[] {
    return this.#o.program.queries.map((_, i) => ({
      index: i,
      columns: this.#columns(i),
      total: this.#results.total(i),
      rows: this.#results.read(i, limit),
    }))
  }

  #columns(query: number): string[] {
    return this.#operator?.plans[query]?.columns ?? this.#o.program.queries[query]!.select.map((s) => s.name)
  }

  async #sleep(): Promise<void> {
    if (this.#stopped) return
    const clock = this.#o.clock
    let timer: TimerHandle | undefined
    this.#busy = false
    await new Promise<void>((resolve) => {
      this.#kick = resolve
      timer = clock.setTimeout(resolve, TICK_MS)
      timer.unref?.()
      for (const r of this.#readers()) if (!r.finished) r.waitOnce().then(resolve, resolve)
    })
    if (timer) clock.clearTimeout(timer)
    this.#kick = undefined
    this.#busy = true
  }
}

/** One shard a job reads: its tail, its key for positions, and when it last had records. */
class ShardReader implements ShardRunner {
  #finished = false
  #waiting: Promise<void> | undefined

  constructor(
    readonly key: string,
    readonly number: number,
    readonly stream: string,
    readonly created: number,
    readonly tail: ShardTail,
    public lastActive: number,
    private readonly onStart: () => void,
  ) {}

  get finished(): boolean {
    return this.#finished
  }

  markFinished(): void {
    this.#finished = true
  }

  /** One wait at a time per shard, however many times the loop sleeps. */
  waitOnce(): Promise<void> {
    this.#waiting ??= this.tail.wait().finally(() => {
      this.#waiting = undefined
    })
    return this.#waiting
  }

  start(): void {
    this.onStart()
  }

  async stop(): Promise<void> {
    this.tail.wake()
  }
}

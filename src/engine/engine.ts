import { randomBytes } from 'node:crypto'
import { readdir, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { FaultInjector } from '../faults/injector.ts'
import { MetricScopes } from '../monitor/catalog/scope.ts'
import type { MetricSink } from '../monitor/metrics.ts'
import { lockDataDir } from '../storage/data-dir.ts'
import { CorruptLogError, LogFailedError } from '../storage/log/errors.ts'
import { ShardLog, type SyncPolicy } from '../storage/log/shard-log.ts'
import { StateStore } from '../storage/state/state-store.ts'
import { type HashKeyHex, uniformRanges } from '../stream/hash-key.ts'
import { IteratorCodec } from '../stream/iterator-token.ts'
import { ON_DEMAND_WINDOW_MS } from '../stream/on-demand.ts'
import { planUniformScaling } from '../stream/reshard-plan.ts'
import type { PendingChange, ShardState, StreamMode, StreamState } from '../stream/types.ts'
import { type Clock, systemClock, type TimerHandle } from '../util/clock.ts'
import { type Logger, silentLogger } from '../util/logger.ts'
import { ConsumerRegistry } from './consumers.ts'
import { errors } from './messages.ts'
import { OnDemandScaler } from './on-demand-scaler.ts'
import { StreamRepository } from './stream-repository.ts'
import { ShardRuntime, StreamRuntime } from './stream-state.ts'

export interface EngineOptions {
  dataDir: string
  sync?: SyncPolicy
  clock?: Clock
  /** 12-digit account id used in ARNs and messages. */
  account?: string
  region?: string
  /** How long CREATING, DELETING and UPDATING last. Kinesis is never instant; neither are we. */
  createStreamMs?: number
  deleteStreamMs?: number
  updateStreamMs?: number
  /** Open shards allowed across all streams (AWS's default account quota is 500 or 200). */
  shardLimit?: number
  /**
   * Enforce AWS's per-shard throughput limits (writes 1,000 records/s and 1 MiB/s, reads 5
   * GetRecords calls/s and 2 MiB/s: see stream/shard-throughput.ts). On by default, as on AWS;
   * `--shard-limits off` turns them off for every stream, a stream's `shardLimits: false` for it.
   */
  shardLimits?: boolean
  onDemandStreamLimit?: number
  /** How long a registered enhanced fan-out consumer is CREATING, and a deregistered one DELETING. */
  registerConsumerMs?: number
  deregisterConsumerMs?: number
  segmentBytes?: number
  /** How often expired segments are trimmed. */
  retentionCheckMs?: number
  /**
   * The window over which an ON_DEMAND stream's write traffic must be sustained to count as a
   * peak it scales for (stream/on-demand.ts; default a minute); 0 turns on-demand scaling off.
   */
  onDemandWindowMs?: number
  logger?: Logger
  /** Where the engine publishes AWS/Kinesis metrics (IncomingRecords, GetRecords.*, ...). */
  metrics?: MetricSink
  /**
   * Called when a shard log fails in a way that needs the process to stop (an fsync or write that
   * cannot be undone): after a failed fsync the kernel may have dropped the data, so the safe
   * move is to exit and recover from the log (PostgreSQL's "fsyncgate"). The CLI exits non-zero.
   */
  onFatal?: (error: Error) => void
}

export const DEFAULT_ON_DEMAND_SHARDS = 4

/**
 * The stream engine: streams and shards (control plane) over the segment logs and the state store.
 * Every state change is one SQLite transaction made together with the in-memory switch, in one
 * tick, so routing and durable state never disagree.
 */
export class StreamEngine {
  readonly account: string
  readonly region: string
  readonly clock: Clock
  readonly iterators: IteratorCodec
  readonly shardLimit: number
  /** Whether shards enforce AWS's throughput limits (a stream can also opt out: {@link setShardLimits}). */
  readonly shardLimits: boolean
  readonly onDemandStreamLimit: number
  readonly logger: Logger
  readonly metrics: MetricSink
  /** Where each stream's AWS/Kinesis metrics go (StreamName dimension), one scope per stream. */
  readonly streamMetrics: MetricScopes<'StreamName'>
  /** Faults injected into puts and reads (`tributary fault add`, the pipeline's `faults`). */
  readonly faults: FaultInjector
  /** Enhanced fan-out consumers (RegisterStreamConsumer, SubscribeToShard's budgets). */
  readonly consumers: ConsumerRegistry
  readonly #options: EngineOptions
  readonly #store: StateStore
  readonly #repo: StreamRepository
  readonly #streams = new Map<string, StreamRuntime>()
  readonly #timers = new Map<string, TimerHandle>()
  readonly #completing = new Set<Promise<void>>()
  readonly #changeListeners = new Set<(streamName: string) => void>()
  readonly #unlock: () => void
  #retentionTimer: TimerHandle | undefined
  readonly #onDemand: OnDemandScaler
  #closed = false

  private constructor(options: EngineOptions, store: StateStore, unlock: () => void) {
    this.#options = options
    this.account = options.account ?? '000000000000'
    this.region = options.region ?? 'us-east-1'
    this.clock = options.clock ?? systemClock
    this.shardLimit = options.shardLimit ?? 500
    this.shardLimits = options.shardLimits ?? true
    this.onDemandStreamLimit = options.onDemandStreamLimit ?? 50
    this.logger = options.logger ?? silentLogger
    this.metrics = options.metrics ?? { record: () => {} }
    this.streamMetrics = new MetricScopes(this.metrics, 'StreamName', this.clock)
    this.faults = new FaultInjector(this.clock)
    this.#onDemand = new OnDemandScaler(this, options.onDemandWindowMs ?? ON_DEMAND_WINDOW_MS)
    this.#store = store
    this.#repo = new StreamRepository(store)
    this.#unlock = unlock
    this.iterators = new IteratorCodec(store.secret('iterator-secret'))
    this.consumers = new ConsumerRegistry(this, store, {
      registerMs: options.registerConsumerMs,
      deregisterMs: options.deregisterConsumerMs,
    })
  }

  /** Opens the data directory, recovers every shard log and resumes interrupted changes. */
  static async open(options: EngineOptions): Promise<StreamEngine> {
    const unlock = lockDataDir(options.dataDir)
    try {
      const store = StateStore.open(join(options.dataDir, 'state.db'))
      const engine = new StreamEngine(options, store, unlock)
      await engine.#load()
      return engine
    } catch (error) {
      unlock()
      throw error
    }
  }

  get dataDir(): string {
    return this.#options.dataDir
  }

  /** The state store, for components that keep their own tables (checkpoints, queues, ...). */
  get state(): StateStore {
    return this.#store
  }

  /** Secrets for tokens other components issue (pagination tokens and the like). */
  secret(name: string): Buffer {
    return this.#store.secret(name)
  }

  async #load(): Promise<void> {
    const known = new Set<string>()
    for (const state of this.#repo.listStreams()) {
      known.add(state.id)
      const stream = new StreamRuntime(state, this.#streamDir(state.id))
      this.#streams.set(state.name, stream)
      const shards = await Promise.all(
        this.#repo.listShards(state.name).map((s) => this.#openShard(stream, s)),
      )
      for (const shard of shards) stream.addShard(shard)
      stream.rebuildRouting()
      if (state.pending) this.#schedule(state.name)
    }
    // Directories of streams whose deletion committed but whose files outlived a crash.
    const entries = await readdir(join(this.dataDir, 'streams')).catch(() => [] as string[])
    for (const id of entries)
      if (!known.has(id)) await rm(this.#streamDir(id), { recursive: true, force: true })
    this.#scheduleRetention()
    this.#onDemand.start()
  }

  #streamDir(id: string): string {
    return join(this.dataDir, 'streams', id)
  }

  /** Opens (recovering) a shard's log. The caller adds the shard to its stream when it commits. */
  async #openShard(stream: StreamRuntime, state: ShardState): Promise<ShardRuntime> {
    const shard = new ShardRuntime(state, stream.shardDir(state.index))
    try {
      shard.log = await ShardLog.open({
        dir: shard.dir,
        sync: this.#options.sync ?? { mode: 'always' },
        segmentBytes: this.#options.segmentBytes,
        onTruncate: (t) =>
          this.logger.warn(
            `recovery cut a torn tail of ${t.bytes} bytes from ${t.path} at byte ${t.offset} (${t.reason})`,
          ),
        onFailure: (error) => {
          this.logger.error(`shard ${shard.id} of stream ${stream.state.name} stopped: ${error.message}`)
          if (error instanceof LogFailedError) this.#options.onFatal?.(error)
        },
      })
      if (!shard.open) await shard.log.seal()
    } catch (error) {
      // One corrupt shard must not take the others down: it answers InternalFailure until repaired.
      shard.failure = error as Error
      const what = error instanceof CorruptLogError ? 'is corrupt' : 'could not be opened'
      this.logger.error(
        `shard ${shard.id} of stream ${stream.state.name} ${what}: ${(error as Error).message}`,
      )
    }
    return shard
  }

  arn(name: string): string {
    return `arn:aws:kinesis:${this.region}:${this.account}:stream/${name}`
  }

  /**
   * Resolves the stream a request names by StreamName and/or StreamARN (AWS accepts either or
   * both). Returns the name; existence is checked by {@link stream}.
   */
  resolveName(name: string | null | undefined, arn: string | null | undefined): string {
    // An explicit JSON null means "absent" (the PutRecord(s) fast path passes nulls through).
    if (arn == null) return name ?? ''
    const m = /^arn:aws[^:]*:kinesis:([^:]*):(\d{12}):stream\/(.+)$/.exec(arn)
    if (!m) throw errors.invalidArgument(`StreamARN ${arn} is not a valid Kinesis stream ARN.`)
    const [, region, account, fromArn] = m as unknown as [string, string, string, string]
    if (name != null && name !== fromArn) {
      throw errors.invalidArgument(`StreamARN ${arn} and StreamName ${name} do not refer to the same stream.`)
    }
    if (region !== this.region || account !== this.account) throw errors.streamNotFound(fromArn, account)
    return fromArn
  }

  /** The stream, whatever its status. */
  stream(name: string): StreamRuntime {
    const stream = this.#streams.get(name)
    if (!stream) throw errors.streamNotFound(name, this.account)
    return stream
  }

  /** The stream, which must be ACTIVE (for resharding and other updates). */
  activeStream(name: string): StreamRuntime {
    const stream = this.stream(name)
    if (stream.state.status !== 'ACTIVE')
      throw errors.streamNotActive(name, this.account, stream.state.status)
    return stream
  }

  /** The stream, which must take reads and writes (ACTIVE or UPDATING). */
  writableStream(name: string): StreamRuntime {
    const stream = this.findWritableStream(name)
    if (!stream) throw errors.streamNotFound(name, this.account)
    return stream
  }

  /** The stream if it takes reads and writes (ACTIVE or UPDATING), else undefined. */
  findWritableStream(name: string): StreamRuntime | undefined {
    const stream = this.#streams.get(name)
    return stream && (stream.state.status === 'ACTIVE' || stream.state.status === 'UPDATING')
      ? stream
      : undefined
  }

  streams(): StreamRuntime[] {
    return [...this.#streams.values()].sort((a, b) =>
      a.state.name < b.state.name ? -1 : a.state.name > b.state.name ? 1 : 0,
    )
  }

  /** Whether `stream`'s shards enforce AWS's throughput limits now. */
  shardLimitsOn(stream: StreamRuntime): boolean {
    return this.shardLimits && stream.shardLimits
  }

  /**
   * Lifts (false) or restores (true) the throughput limits of one stream, as its pipeline
   * definition's `shardLimits` says. Kept in memory: the definition applies it at every start.
   */
  setShardLimits(name: string, on: boolean): void {
    this.stream(name).shardLimits = on
  }

  openShardCount(): number {
    let n = 0
    for (const s of this.#streams.values())
      n += s.state.status === 'CREATING' ? pendingShards(s.state) : s.openShardCount()
    return n
  }

  onDemandStreamCount(): number {
    return [...this.#streams.values()].filter((s) => s.state.mode === 'ON_DEMAND').length
  }

  #checkShardLimit(additional: number): void {
    const current = this.openShardCount()
    if (current + additional > this.shardLimit) {
      throw errors.shardLimit(this.account, this.region, current, this.shardLimit, additional)
    }
  }

  createStream(
    name: string,
    options: {
      shardCount?: number
      mode?: StreamMode
      tags?: Record<string, string>
      maxRecordSizeKiB?: number
    },
  ): void {
    if (this.#streams.has(name)) throw errors.streamExists(name, this.account)
    const mode = options.mode ?? 'PROVISIONED'
    if (mode === 'PROVISIONED' && options.shardCount === undefined) {
      throw errors.invalidArgument('ShardCount is required for a PROVISIONED stream.')
    }
    if (mode === 'ON_DEMAND' && this.onDemandStreamCount() >= this.onDemandStreamLimit) {
      throw errors.limitExceeded(
        `This request would exceed the limit of ${this.onDemandStreamLimit} on-demand streams for the account ${this.account} in ${this.region}.`,
      )
    }
    const shardCount = options.shardCount ?? DEFAULT_ON_DEMAND_SHARDS
    // The API validates this; the engine is also a library, so it refuses nonsense itself.
    if (!Number.isSafeInteger(shardCount) || shardCount < 1) {
      throw errors.invalidArgument(`ShardCount must be a positive whole number, got ${shardCount}.`)
    }
    this.#checkShardLimit(shardCount)
    const now = this.clock.now()
    const state: StreamState = {
      name,
      id: `${now.toString(36)}-${randomBytes(6).toString('hex')}`,
      status: 'CREATING',
      mode,
      retentionHours: 24,
      trimmedBefore: 0,
      createdAt: now,
      encryptionType: 'NONE',
      keyId: undefined,
      shardLevelMetrics: [],
      maxRecordSizeKiB: options.maxRecordSizeKiB ?? 1024,
      nextShardIndex: 0,
      pending: { kind: 'create', shardCount },
      pendingUntil: now + (this.#options.createStreamMs ?? 500),
    }
    this.#repo.transaction(() => {
      this.#repo.insertStream(state)
      if (options.tags) this.#repo.putTags(name, Object.entries(options.tags))
    })
    this.#streams.set(name, new StreamRuntime(state, this.#streamDir(state.id)))
    this.#schedule(name)
  }

  deleteStream(name: string): void {
    const stream = this.stream(name)
    if (stream.state.status === 'DELETING') return
    this.#begin(stream, 'DELETING', { kind: 'delete' }, this.#options.deleteStreamMs ?? 500)
  }

  /** Puts the stream into `status` until `change` completes after `delay` ms. */
  #begin(stream: StreamRuntime, status: StreamState['status'], change: PendingChange, delay: number): void {
    stream.state = { ...stream.state, status, pending: change, pendingUntil: this.clock.now() + delay }
    this.#repo.updateStream(stream.state)
    this.#schedule(stream.state.name)
  }

  /** Starts an UPDATING change on an ACTIVE stream. */
  beginUpdate(name: string, change: PendingChange): void {
    this.#begin(this.activeStream(name), 'UPDATING', change, this.#options.updateStreamMs ?? 500)
  }

  /**
   * Splits hot shards of an ON_DEMAND stream (the on-demand scaler's decision): ordinary splits,
   * carried out together. The stream stays ACTIVE, as an on-demand stream does on AWS while
   * Kinesis scales it. Does nothing while another change is pending.
   */
  splitHotShards(name: string, splits: { shard: number; newStartingHashKey: HashKeyHex }[]): void {
    const stream = this.stream(name)
    if (stream.state.status !== 'ACTIVE' || stream.state.pending || splits.length === 0) return
    this.#checkShardLimit(splits.length)
    this.#begin(stream, 'ACTIVE', { kind: 'splits', splits }, 0)
  }

  /** Applies an immediate (non-UPDATING) change to the stream's persisted settings. */
  updateSettings(
    name: string,
    patch: Partial<Pick<StreamState, 'retentionHours' | 'shardLevelMetrics' | 'maxRecordSizeKiB'>>,
  ): StreamState {
    const stream = this.stream(name)
    // What the old retention already hid stays hidden: raising retention revives nothing (AWS's rule).
    const trimmedBefore = Math.max(stream.state.trimmedBefore, this.retentionCutoff(stream))
    stream.state = { ...stream.state, ...patch, trimmedBefore }
    this.#repo.updateStream(stream.state)
    return stream.state
  }

  /** Records that arrived before this instant are past retention and invisible to readers. */
  retentionCutoff(stream: StreamRuntime): number {
    return Math.max(this.clock.now() - stream.state.retentionHours * 3_600_000, stream.state.trimmedBefore)
  }

  tags(name: string): Map<string, string> {
    this.stream(name)
    return this.#repo.getTags(name)
  }

  putTags(name: string, tags: Record<string, string>): void {
    this.stream(name)
    this.#repo.putTags(name, Object.entries(tags))
  }

  removeTags(name: string, keys: string[]): void {
    this.stream(name)
    this.#repo.removeTags(name, keys)
  }

  /** Validates a split or merge before it starts (same checks Kinesis makes up front). */
  checkShardLimit(additional: number): void {
    this.#checkShardLimit(additional)
  }

  #schedule(name: string): void {
    const stream = this.#streams.get(name)
    if (!stream?.state.pending || this.#closed) return
    this.#timers.get(name) && this.clock.clearTimeout(this.#timers.get(name)!)
    const delay = Math.max(0, (stream.state.pendingUntil ?? 0) - this.clock.now())
    const timer = this.clock.setTimeout(() => {
      this.#timers.delete(name)
      const work = this.#complete(name)
        .then(() => {
          for (const listener of this.#changeListeners) listener(name)
        })
        .catch((error) => {
          this.logger.error(
            `could not complete ${stream.state.pending?.kind} of stream ${name}: ${(error as Error).message}`,
          )
          if (!this.#closed) this.#retry(name)
        })
        .finally(() => this.#completing.delete(work))
      this.#completing.add(work)
    }, delay)
    timer.unref?.()
    this.#timers.set(name, timer)
  }

  #retry(name: string): void {
    const stream = this.#streams.get(name)
    if (!stream) return
    stream.state = { ...stream.state, pendingUntil: this.clock.now() + 1000 }
    this.#schedule(name)
  }

  /**
   * Tells `listener` the name of each stream whose pending change (create, reshard, mode,
   * encryption, delete) has just completed. Returns an unsubscribe function.
   */
  onStreamChange(listener: (streamName: string) => void): () => void {
    this.#changeListeners.add(listener)
    return () => this.#changeListeners.delete(listener)
  }

  /**
   * Resolves once every state change whose delay has elapsed has been carried out (with a manual
   * clock: advance it, then await this).
   */
  async whenSettled(): Promise<void> {
    while (this.#completing.size > 0) await Promise.all(this.#completing)
  }

  async #complete(name: string): Promise<void> {
    const stream = this.#streams.get(name)
    const change = stream?.state.pending
    if (!stream || !change || this.#closed) return
    switch (change.kind) {
      case 'create': {
        const ranges = uniformRanges(change.shardCount)
        const now = this.clock.now()
        const shards = ranges.map((r, index) =>
          this.#newShard(stream, index, r.start, r.end, now, undefined, undefined),
        )
        const runtimes = await Promise.all(shards.map((s) => this.#openShard(stream, s)))
        if (!this.#stillPending(stream, change)) return this.#abandon(stream, runtimes)
        this.#commit(stream, { nextShardIndex: ranges.length }, () => {
          for (const s of shards) this.#repo.insertShard(s)
        })
        for (const r of runtimes) stream.addShard(r)
        stream.rebuildRouting()
        return
      }
      case 'delete': {
        this.#streams.delete(name)
        this.#repo.deleteStream(name)
        await Promise.all([...stream.shards.values()].map((s) => s.log?.close().catch(() => undefined)))
        await rm(stream.dir, { recursive: true, force: true })
        return
      }
      case 'split':
      case 'merge':
      case 'scale':
      case 'splits':
        return this.#reshard(stream, change)
      case 'mode':
        this.#commit(stream, { mode: change.mode })
        return
      case 'encryption':
        this.#commit(stream, { encryptionType: change.type, keyId: change.keyId })
        return
    }
  }

  /**
   * Whether `change` is still what the stream is waiting for. A DeleteStream may arrive while a
   * create or reshard is being carried out (it opens shard logs asynchronously); the delete wins.
   */
  #stillPending(stream: StreamRuntime, change: PendingChange): boolean {
    return this.#streams.get(stream.state.name) === stream && stream.state.pending === change
  }

  /** Drops the shards a superseded change opened, and the stream's files if it is already gone. */
  async #abandon(stream: StreamRuntime, opened: ShardRuntime[]): Promise<void> {
    await Promise.all(opened.map((r) => r.log?.close().catch(() => undefined)))
    const gone = this.#streams.get(stream.state.name) !== stream
    await Promise.all(
      (gone ? [stream.dir] : opened.map((r) => r.dir)).map((dir) =>
        rm(dir, { recursive: true, force: true }),
      ),
    )
  }

  #newShard(
    stream: StreamRuntime,
    index: number,
    start: HashKeyHex,
    end: HashKeyHex,
    createdAt: number,
    parent: number | undefined,
    adjacentParent: number | undefined,
  ): ShardState {
    return {
      streamName: stream.state.name,
      index,
      parent,
      adjacentParent,
      start,
      end,
      createdAt,
      closedAt: undefined,
    }
  }

  /** Ends the pending change: the stream is ACTIVE again with `patch` applied, in one transaction. */
  #commit(stream: StreamRuntime, patch: Partial<StreamState>, also?: () => void): void {
    const next: StreamState = {
      ...stream.state,
      ...patch,
      status: 'ACTIVE',
      pending: undefined,
      pendingUntil: undefined,
    }
    this.#repo.transaction(() => {
      also?.()
      this.#repo.updateStream(next)
    })
    stream.state = next
  }

  /**
   * Carries out a split, a merge or a uniform scaling. Children are opened first; then, in one
   * tick, parents close and children take over routing, and the state commits; then parents'
   * queued appends drain and their logs are sealed (they stay readable to their end).
   */
  async #reshard(
    stream: StreamRuntime,
    change: PendingChange & { kind: 'split' | 'merge' | 'scale' | 'splits' },
  ): Promise<void> {
    const now = this.clock.now()
    let next = stream.state.nextShardIndex
    const created: ShardState[] = []
    const closed: number[] = []
    const shard = (index: number) => {
      const found = stream.shards.get(index) ?? created.find((s) => s.index === index)
      if (!found) throw new Error(`shard ${index} vanished during reshard`)
      return 'state' in found ? found.state : found
    }
    const split = (index: number, at: HashKeyHex, children: [number, number]) => {
      const parent = shard(index)
      const left = this.#newShard(stream, children[0], parent.start, predecessor(at), now, index, undefined)
      const right = this.#newShard(stream, children[1], at, parent.end, now, index, undefined)
      created.push(left, right)
      closed.push(index)
    }
    const merge = (index: number, adjacent: number, child: number) => {
      const a = shard(index)
      const b = shard(adjacent)
      const [lo, hi] = a.start < b.start ? [a, b] : [b, a]
      created.push(this.#newShard(stream, child, lo.start, hi.end, now, index, adjacent))
      closed.push(index, adjacent)
    }
    if (change.kind === 'split') split(change.shard, change.newStartingHashKey, [next++, next++])
    else if (change.kind === 'merge') merge(change.shard, change.adjacent, next++)
    else if (change.kind === 'splits')
      for (const s of change.splits) split(s.shard, s.newStartingHashKey, [next++, next++])
    else {
      const open = stream.routing.map((s) => ({
        index: s.state.index,
        start: s.state.start,
        end: s.state.end,
      }))
      for (const step of planUniformScaling(open, change.target, next)) {
        if (step.kind === 'split') split(step.shard, step.at, step.children)
        else merge(step.shard, step.adjacent, step.child)
      }
      next += created.length
    }
    // Intermediate shards of a uniform scaling are both created and closed here: they stay empty.
    const intermediate = new Set(closed.filter((i) => created.some((c) => c.index === i)))
    const children = created.map((s) => (intermediate.has(s.index) ? { ...s, closedAt: now } : s))
    const runtimes = await Promise.all(children.map((s) => this.#openShard(stream, s)))
    if (!this.#stillPending(stream, change)) return this.#abandon(stream, runtimes)
    // From here to rebuildRouting() nothing awaits: state and routing switch together.
    this.#commit(stream, { nextShardIndex: next }, () => {
      for (const s of children) this.#repo.insertShard(s)
      for (const index of closed)
        if (!intermediate.has(index)) this.#repo.closeShard(stream.state.name, index, now)
    })
    for (const index of closed) {
      const parent = stream.shards.get(index)
      if (parent) parent.state = { ...parent.state, closedAt: now }
    }
    for (const r of runtimes) stream.addShard(r)
    stream.rebuildRouting()
    await Promise.all(
      closed
        .filter((i) => !intermediate.has(i))
        .map((i) =>
          stream.shards
            .get(i)!
            .log?.seal()
            .catch((e) => this.logger.error(`sealing shard ${i}: ${e.message}`)),
        ),
    )
  }

  #scheduleRetention(): void {
    if (this.#closed) return
    const timer = this.clock.setTimeout(() => {
      void this.enforceRetention()
        .catch((error) => this.logger.error(`retention: ${(error as Error).message}`))
        .finally(() => this.#scheduleRetention())
    }, this.#options.retentionCheckMs ?? 60_000)
    timer.unref?.()
    this.#retentionTimer = timer
  }

  /**
   * Deletes segments whose records are all past the stream's retention, and closed shards whose
   * data has fully expired. Reads also hide expired records that share a segment with live ones.
   */
  async enforceRetention(): Promise<void> {
    for (const stream of this.#streams.values()) {
      const cutoff = this.retentionCutoff(stream)
      for (const shard of [...stream.shards.values()]) {
        if (!shard.log || shard.failure) continue
        await shard.log.trimBefore(cutoff)
        const expired = !shard.open && shard.state.closedAt! < cutoff && !(shard.log.lastTimestamp >= cutoff)
        if (expired && stream.shards.get(shard.state.index) === shard) {
          stream.shards.delete(shard.state.index)
          this.#repo.deleteShard(stream.state.name, shard.state.index)
          await shard.log.close()
          await rm(shard.dir, { recursive: true, force: true })
        }
      }
    }
  }

  /** Finishes in-flight appends, closes every log and the state store. */
  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    for (const t of this.#timers.values()) this.clock.clearTimeout(t)
    this.faults.dispose()
    this.#onDemand.stop()
    await this.whenSettled()
    if (this.#retentionTimer) this.clock.clearTimeout(this.#retentionTimer)
    await Promise.all(
      [...this.#streams.values()].flatMap((s) =>
        [...s.shards.values()].map((sh) => sh.log?.close().catch(() => undefined)),
      ),
    )
    this.#store.close()
    this.#unlock()
  }
}

function predecessor(key: HashKeyHex): HashKeyHex {
  return (BigInt(`0x${key}`) - 1n).toString(16).padStart(32, '0')
}

function pendingShards(state: StreamState): number {
  return state.pending?.kind === 'create' ? state.pending.shardCount : 0
}

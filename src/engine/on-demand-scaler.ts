import {
  onDemandTarget,
  PeakHistory,
  planHotSplits,
  type ShardLoad,
  shardUnits,
} from '../stream/on-demand.ts'
import type { TimerHandle } from '../util/clock.ts'
import type { StreamEngine } from './engine.ts'
import type { StreamRuntime } from './stream-state.ts'

/**
 * Scales ON_DEMAND streams as Kinesis does (the model: stream/on-demand.ts): once per window on
 * the engine's clock it reads the write traffic offered to each open shard, keeps each stream's
 * 30-day peak, and splits the hottest shards while the stream has fewer than twice its peak.
 * The splits are the engine's ordinary splits: parents close, children open, records keep their
 * per-key order, and every reader (GetRecords, mappings, delivery streams) follows the lineage.
 */
export class OnDemandScaler {
  readonly #engine: StreamEngine
  readonly #windowMs: number
  /** Peaks by stream id (a stream deleted and created again under its name starts afresh). */
  readonly #peaks = new Map<string, PeakHistory>()
  #timer: TimerHandle | undefined
  #stopped = false

  constructor(engine: StreamEngine, windowMs: number) {
    this.#engine = engine
    this.#windowMs = windowMs
  }

  start(): void {
    if (this.#windowMs <= 0 || this.#stopped) return
    this.#timer = this.#engine.clock.setTimeout(() => {
      try {
        this.tick()
      } catch (error) {
        this.#engine.logger.error(`on-demand scaling: ${(error as Error).message}`)
      }
      this.start()
    }, this.#windowMs)
    this.#timer.unref?.()
  }

  stop(): void {
    this.#stopped = true
    if (this.#timer) this.#engine.clock.clearTimeout(this.#timer)
  }

  /** Closes a window: measures every on-demand stream and splits where capacity is owed. */
  tick(): void {
    const engine = this.#engine
    const now = engine.clock.now()
    const live = new Set<string>()
    for (const stream of engine.streams()) {
      live.add(stream.state.id)
      const loads = this.#drain(stream)
      if (stream.state.mode !== 'ON_DEMAND' || stream.state.status !== 'ACTIVE') continue
      const peaks = this.#peaks.get(stream.state.id) ?? new PeakHistory()
      this.#peaks.set(stream.state.id, peaks)
      const total = loads.reduce((u, l) => u + shardUnits(l.bytes, l.records, this.#windowMs), 0)
      const target = onDemandTarget(peaks.observe(total, now))
      if (stream.state.pending) continue
      const room = engine.shardLimit - engine.openShardCount()
      const splits = planHotSplits(loads, target, room)
      if (splits.length === 0) continue
      engine.splitHotShards(
        stream.state.name,
        splits.map((s) => ({ shard: s.shard, newStartingHashKey: s.at })),
      )
    }
    for (const id of this.#peaks.keys()) if (!live.has(id)) this.#peaks.delete(id)
  }

  /** The window's traffic per open shard, and the counters reset for the next one. */
  #drain(stream: StreamRuntime): ShardLoad[] {
    return stream.routing.map((shard) => {
      const load = {
        index: shard.state.index,
        start: shard.state.start,
        end: shard.state.end,
        bytes: shard.offered.bytes,
        records: shard.offered.records,
      }
      shard.offered.bytes = 0
      shard.offered.records = 0
      return load
    })
  }
}

import { join } from 'node:path'
import type { ShardLog } from '../storage/log/shard-log.ts'
import type { HashKeyHex } from '../stream/hash-key.ts'
import { END_SEQUENCE_INDEX, encodeSequenceNumber, SequenceEncoder } from '../stream/sequence-number.ts'
import { shardIdName } from '../stream/shard-id.ts'
import { ShardThroughput } from '../stream/shard-throughput.ts'
import type { ShardState, StreamState } from '../stream/types.ts'

/** A shard in memory: its persisted state, its open log (or why it could not be opened). */
export class ShardRuntime {
  readonly id: string
  readonly createdSeconds: number
  log: ShardLog | undefined
  failure: Error | undefined
  /** AWS's per-shard write and read limits (consulted only when the stream enforces them). */
  readonly throughput = new ShardThroughput()
  /** Write traffic offered since the on-demand scaler last looked (ON_DEMAND streams only). */
  readonly offered = { bytes: 0, records: 0 }
  #encoder: { second: number; encoder: SequenceEncoder } | undefined

  constructor(
    public state: ShardState,
    readonly dir: string,
  ) {
    this.id = shardIdName(state.index)
    this.createdSeconds = Math.floor(state.createdAt / 1000)
  }

  get open(): boolean {
    return this.state.closedAt === undefined
  }

  get startingSequenceNumber(): string {
    return encodeSequenceNumber({
      shardCreatedSeconds: this.createdSeconds,
      shardIndex: this.state.index,
      sequenceIndex: 0n,
      arrivalSeconds: this.createdSeconds,
    })
  }

  get endingSequenceNumber(): string | undefined {
    if (this.state.closedAt === undefined) return undefined
    return encodeSequenceNumber({
      shardCreatedSeconds: this.createdSeconds,
      shardIndex: this.state.index,
      sequenceIndex: END_SEQUENCE_INDEX,
      arrivalSeconds: Math.floor(this.state.closedAt / 1000),
    })
  }

  /** The sequence number of the record with `ordinal` that arrived at `timestamp`. */
  sequenceNumber(ordinal: number, timestamp: number): string {
    const second = Math.floor(timestamp / 1000)
    if (this.#encoder?.second !== second) {
      this.#encoder = { second, encoder: new SequenceEncoder(this.createdSeconds, this.state.index, second) }
    }
    return this.#encoder.encoder.encode(ordinal)
  }

  /** The log, or the reason this shard cannot serve (surfaces as InternalFailure). */
  requireLog(): ShardLog {
    if (this.failure) throw this.failure
    const failure = this.log?.failure
    if (failure) throw failure
    if (!this.log) throw new Error(`shard ${this.id} has no log`)
    return this.log
  }
}

/** A stream in memory: state, every shard (open and closed), and the routing table. */
export class StreamRuntime {
  readonly shards = new Map<number, ShardRuntime>()
  /** Open shards sorted by starting hash key, for routing puts. */
  routing: ShardRuntime[] = []
  /** False when the pipeline definition lifts this stream's throughput limits (`shardLimits: false`). */
  shardLimits = true

  constructor(
    public state: StreamState,
    readonly dir: string,
  ) {}

  shardDir(index: number): string {
    return join(this.dir, String(index).padStart(12, '0'))
  }

  addShard(shard: ShardRuntime): void {
    this.shards.set(shard.state.index, shard)
  }

  rebuildRouting(): void {
    this.routing = [...this.shards.values()]
      .filter((s) => s.open)
      .sort((a, b) => (a.state.start < b.state.start ? -1 : 1))
  }

  /** The open shard whose hash key range holds `key`. */
  route(key: HashKeyHex): ShardRuntime | undefined {
    const r = this.routing
    let lo = 0
    let hi = r.length - 1
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1
      const shard = r[mid]!
      if (key < shard.state.start) hi = mid - 1
      else if (key > shard.state.end) lo = mid + 1
      else return shard
    }
    return undefined
  }

  /** Shards in index order (the order DescribeStream and ListShards use). */
  orderedShards(): ShardRuntime[] {
    return [...this.shards.values()].sort((a, b) => a.state.index - b.state.index)
  }

  /**
   * Whether every parent of `shard` (split or merge) that still exists is `finished`: consumers of
   * a resharded stream start a child only once its parents are consumed to their end.
   */
  parentsFinished(shard: ShardRuntime, finished: (parent: ShardRuntime) => boolean): boolean {
    for (const index of [shard.state.parent, shard.state.adjacentParent]) {
      const parent = index === undefined ? undefined : this.shards.get(index)
      if (parent && !finished(parent)) return false
    }
    return true
  }

  childrenOf(index: number): ShardRuntime[] {
    return this.orderedShards().filter((s) => s.state.parent === index || s.state.adjacentParent === index)
  }

  openShardCount(): number {
    return this.routing.length
  }
}

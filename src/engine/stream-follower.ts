import type { StreamEngine } from './engine.ts'
import type { ShardRuntime, StreamRuntime } from './stream-state.ts'

/** What a follower runs per shard: built unstarted, started once it is the shard's only runner. */
export interface ShardRunner {
  /** True once a closed shard has been consumed to its end (its children may start). */
  readonly finished: boolean
  start(): void
  stop(): Promise<void>
}

export interface StreamFollowerOptions<R extends ShardRunner, P> {
  engine: Pick<StreamEngine, 'findWritableStream' | 'onStreamChange'>
  /** The stream followed, by name: a stream deleted and created again under it is followed too. */
  stream: string
  /**
   * Called once per pass over the shards, before any shard of the pass starts; its value goes to
   * each {@link runner} call of the pass (e.g. whether the consumer has any checkpoint yet, which
   * starting a shard changes).
   */
  pass?(stream: StreamRuntime): P
  /**
   * The runner for a shard whose parents are finished: "start shard X" (from the position the
   * consumer keeps for it, or its starting position). Undefined: not now; asked again on the next
   * pass (a stream change, or {@link StreamFollower.refresh}).
   */
  runner(stream: StreamRuntime, shard: ShardRuntime, pass: P): R | undefined | Promise<R | undefined>
}

/**
 * Follows a stream's shards the way a Kinesis consumer must: a child only once every parent of
 * it (split or merge) that still exists is finished, so records of a key stay in order across
 * resharding; every runner stopped and the shards started over when the stream is a new
 * incarnation (deleted and created again). It decides which shards run and when; the runners
 * (a {@link ShardTail} each, and the consumer's checkpoints) do the reading.
 *
 * A runner that finishes ("shard X ended") calls {@link refresh} so its children start; a
 * consumer whose ends must be durable first (a mapping's checkpoint) calls it once they are.
 *
 * @example
 * const follower = new StreamFollower({
 *   engine,
 *   stream: 'events',
 *   runner: (stream, shard) => new MyShardRunner(shard, () => void follower.refresh()),
 * })
 * follower.start()
 */
export class StreamFollower<R extends ShardRunner, P = undefined> {
  readonly #o: StreamFollowerOptions<R, P>
  /** By shard index, in the order they started. */
  readonly #runners = new Map<number, R>()
  #created: number | undefined
  #switching: Promise<void> | undefined
  #unsubscribe: (() => void) | undefined
  #stopped = true

  constructor(options: StreamFollowerOptions<R, P>) {
    this.#o = options
  }

  /** Follows the stream from now: starts what can start, and looks again at every change of it. */
  start(): void {
    if (!this.#stopped) return
    this.#stopped = false
    this.#unsubscribe = this.#o.engine.onStreamChange((name) => {
      if (name === this.#o.stream) void this.refresh()
    })
    void this.refresh()
  }

  /** Stops every runner (a later {@link start} starts them again from their positions). */
  async stop(): Promise<void> {
    this.#stopped = true
    this.#unsubscribe?.()
    await Promise.all([...this.#runners.values()].map((r) => r.stop()))
    this.#runners.clear()
  }

  /** How many shards have a runner (finished ones included). */
  get size(): number {
    return this.#runners.size
  }

  /** Shard index → runner, in the order they started. */
  entries(): IterableIterator<[number, R]> {
    return this.#runners.entries()
  }

  values(): IterableIterator<R> {
    return this.#runners.values()
  }

  /** Starts a runner for every shard whose parents are finished and that has none yet. */
  async refresh(): Promise<void> {
    if (this.#stopped) return
    const stream = this.#o.engine.findWritableStream(this.#o.stream)
    if (!stream) return
    const created = stream.state.createdAt
    // A new incarnation of the stream (deleted and re-created): start over, once every runner of
    // the old one has stopped. Passes that overlap share the switch rather than each clearing
    // the runners another has started meanwhile.
    while (this.#created !== created) {
      this.#switching ??= this.#switchTo(created)
      await this.#switching
    }
    const pass = this.#o.pass?.(stream) as P
    for (const shard of stream.orderedShards()) {
      const index = shard.state.index
      if (this.#stopped || this.#created !== created) return
      if (this.#runners.has(index)) continue
      if (!stream.parentsFinished(shard, (p) => this.#runners.get(p.state.index)?.finished === true)) continue
      const made = this.#o.runner(stream, shard, pass)
      const runner = made instanceof Promise ? await made : made
      // Another pass may have started this shard, or a stop or a new incarnation come, meanwhile.
      if (!runner || this.#stopped || this.#runners.has(index) || this.#created !== created) continue
      this.#runners.set(index, runner)
      runner.start()
    }
  }

  async #switchTo(created: number): Promise<void> {
    try {
      await Promise.all([...this.#runners.values()].map((r) => r.stop()))
      this.#runners.clear()
      this.#created = created
    } finally {
      this.#switching = undefined
    }
  }
}

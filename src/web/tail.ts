import type { StreamEngine } from '../engine/engine.ts'
import { ShardTail, type TailBatch } from '../engine/shard-tail.ts'
import { type ShardRunner, StreamFollower } from '../engine/stream-follower.ts'
import type { ShardRuntime } from '../engine/stream-state.ts'
import type { TailRecord } from './source.ts'

/** Records and bytes read per step of a tail: a burst reaches the page in bounded slices. */
const READ_RECORDS = 200
const READ_BYTES = 1024 * 1024

/**
 * Follows every shard of `stream` from its current end (like a LATEST iterator), waking on
 * appends instead of polling, until the returned function is called. Shards a reshard opens
 * later are followed from their first record (once their parents are read to their end), so a
 * tail left open across a reshard misses nothing; a recreated stream's shards are followed too.
 */
export function tailStream(
  engine: StreamEngine,
  stream: string,
  listener: (records: TailRecord[]) => void,
): () => void {
  // The shards there are now are read from their end, taken at once: only what is appended from
  // here on shows. Shards that come later are read from their start.
  const current = new Map<string, ShardTail>()
  const now = engine.findWritableStream(stream)
  for (const shard of now?.shards.values() ?? []) {
    const tail = new ShardTail(shard)
    if (!tail.unreadable) tail.seek(tail.end)
    current.set(`${now!.state.createdAt}/${shard.id}`, tail)
  }
  const follower: StreamFollower<ShardFollow> = new StreamFollower({
    engine,
    stream,
    runner: (s, shard) => {
      let tail = current.get(`${s.state.createdAt}/${shard.id}`)
      if (!tail) {
        tail = new ShardTail(shard)
        if (!tail.unreadable) tail.seek(tail.oldest)
      }
      return new ShardFollow(shard, tail, listener, () => void follower.refresh())
    },
  })
  follower.start()
  return () => void follower.stop()
}

/** One shard of a dashboard tail: hands each batch read to the listener, as the page shows it. */
class ShardFollow implements ShardRunner {
  readonly #shard: ShardRuntime
  readonly #tail: ShardTail
  readonly #listener: (records: TailRecord[]) => void
  readonly #ended: () => void
  #stopped = false
  #finished = false

  constructor(
    shard: ShardRuntime,
    tail: ShardTail,
    listener: (records: TailRecord[]) => void,
    ended: () => void,
  ) {
    this.#shard = shard
    this.#tail = tail
    this.#listener = listener
    this.#ended = ended
  }

  get finished(): boolean {
    return this.#finished
  }

  start(): void {
    void this.#run()
  }

  async stop(): Promise<void> {
    this.#stopped = true
    this.#tail.wake()
  }

  async #run(): Promise<void> {
    const shard = this.#shard
    const tail = this.#tail
    // A shard that cannot be read (or whose log fails) has nothing more to show: its children do.
    if (tail.unreadable) return this.#finish()
    while (!this.#stopped) {
      if (!tail.readable) {
        if (tail.ended) return this.#finish()
        await tail.wait()
        continue
      }
      let read: TailBatch | undefined
      try {
        read = await tail.next(READ_RECORDS, READ_BYTES)
      } catch {
        return this.#finish()
      }
      if (!read) return // the log was closed (shutdown)
      const records = read.records.map((r) => ({
        shardId: shard.id,
        sequenceNumber: shard.sequenceNumber(r.ordinal, r.timestamp),
        partitionKey: r.partitionKey,
        // Frames hold the data as base64 text already.
        data: r.data.toString('latin1'),
        arrival: r.timestamp,
      }))
      read.release()
      if (records.length > 0 && !this.#stopped) this.#listener(records)
    }
  }

  #finish(): void {
    if (this.#stopped) return
    this.#finished = true
    this.#ended()
  }
}

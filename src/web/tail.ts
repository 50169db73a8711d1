import type { StreamEngine } from '../engine/engine.ts'
import type { ShardRuntime } from '../engine/runtime.ts'
import { releaseReadBuffers } from '../storage/log/reader.ts'
import type { TailRecord } from './source.ts'

/** Records and bytes read per step of a tail: a burst reaches the page in bounded slices. */
const READ_RECORDS = 200
const READ_BYTES = 1024 * 1024

/**
 * Follows every open shard of `stream` from its current end (like a LATEST iterator), waking on
 * appends instead of polling, until the returned function is called. Shards a reshard opens
 * later are followed from their first record, so a tail left open across a reshard misses
 * nothing; a recreated stream's shards are followed too.
 */
export function tailStream(
  engine: StreamEngine,
  stream: string,
  listener: (records: TailRecord[]) => void,
): () => void {
  let stopped = false
  const followed = new Set<string>()
  const pick = (fromEnd: boolean) => {
    let runtime: ReturnType<StreamEngine['stream']>
    try {
      runtime = engine.stream(stream)
    } catch {
      return // deleted meanwhile: a stream created again under the name is picked up then
    }
    for (const shard of runtime.shards.values()) {
      const id = `${runtime.state.createdAt}/${shard.id}`
      if (!shard.open || !shard.log || followed.has(id)) continue
      followed.add(id)
      const from = fromEnd ? shard.log.nextOrdinal : shard.log.firstOrdinal
      void follow(shard, from, () => stopped, listener)
    }
  }
  pick(true)
  const unsubscribe = engine.onStreamChange((name) => {
    if (name === stream && !stopped) pick(false)
  })
  return () => {
    stopped = true
    unsubscribe()
  }
}

async function follow(
  shard: ShardRuntime,
  from: number,
  stopped: () => boolean,
  listener: (r: TailRecord[]) => void,
) {
  const log = shard.log!
  let ordinal = from
  while (!stopped()) {
    await log.waitFor(ordinal)
    if (stopped()) return
    let read: Awaited<ReturnType<typeof log.read>>
    try {
      read = await log.read(ordinal, READ_RECORDS, READ_BYTES)
    } catch {
      // The log was closed or failed (shutdown, reshard): this tail is over.
      return
    }
    // waitFor resolves without new records only once the log is sealed, closed or failed.
    if (read.records.length === 0 && read.next === ordinal) return
    const records = read.records.map((r) => ({
      shardId: shard.id,
      sequenceNumber: shard.sequenceNumber(r.ordinal, r.timestamp),
      partitionKey: r.partitionKey,
      // Frames hold the data as base64 text already.
      data: r.data.toString('latin1'),
      arrival: r.timestamp,
    }))
    ordinal = read.next
    releaseReadBuffers(read.buffers)
    if (records.length > 0 && !stopped()) listener(records)
  }
}

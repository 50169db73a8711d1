import type { StreamEngine } from '../engine/engine.ts'
import type { ShardRuntime } from '../engine/runtime.ts'
import { releaseReadBuffers } from '../storage/log/reader.ts'
import type { TailRecord } from './source.ts'

/** Records and bytes read per step of a tail: a burst reaches the page in bounded slices. */
const READ_RECORDS = 200
const READ_BYTES = 1024 * 1024

/**
 * Follows every open shard of `stream` from its current end (like a LATEST iterator), waking on
 * appends instead of polling, until the returned function is called. Shards created later by a
 * reshard are not followed: reopening the tail picks them up.
 */
export function tailStream(
  engine: StreamEngine,
  stream: string,
  listener: (records: TailRecord[]) => void,
): () => void {
  let stopped = false
  const shards = [...engine.stream(stream).shards.values()].filter((s) => s.open && s.log)
  for (const shard of shards) void follow(shard, () => stopped, listener)
  return () => {
    stopped = true
  }
}

async function follow(shard: ShardRuntime, stopped: () => boolean, listener: (r: TailRecord[]) => void) {
  const log = shard.log!
  let ordinal = log.nextOrdinal
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

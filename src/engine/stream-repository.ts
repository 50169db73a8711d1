import type { StateStore } from '../storage/state/state-store.ts'
import type { ShardState, StreamState } from '../stream/types.ts'

interface StreamRow {
  name: string
  id: string
  status: string
  mode: string
  retention_hours: number
  trimmed_before: number
  created_at: number
  encryption_type: string
  key_id: string | null
  shard_level_metrics: string
  max_record_size_kib: number
  next_shard_index: number
  pending: string | null
  pending_until: number | null
}

interface ShardRow {
  stream_name: string
  shard_index: number
  parent: number | null
  adjacent_parent: number | null
  start_hash: string
  end_hash: string
  created_at: number
  closed_at: number | null
}

function toStream(row: StreamRow): StreamState {
  return {
    name: row.name,
    id: row.id,
    status: row.status as StreamState['status'],
    mode: row.mode as StreamState['mode'],
    retentionHours: row.retention_hours,
    trimmedBefore: row.trimmed_before,
    createdAt: row.created_at,
    encryptionType: row.encryption_type as StreamState['encryptionType'],
    keyId: row.key_id ?? undefined,
    shardLevelMetrics: JSON.parse(row.shard_level_metrics),
    maxRecordSizeKiB: row.max_record_size_kib,
    nextShardIndex: row.next_shard_index,
    pending: row.pending ? JSON.parse(row.pending) : undefined,
    pendingUntil: row.pending_until ?? undefined,
  }
}

function toShard(row: ShardRow): ShardState {
  return {
    streamName: row.stream_name,
    index: row.shard_index,
    parent: row.parent ?? undefined,
    adjacentParent: row.adjacent_parent ?? undefined,
    start: row.start_hash,
    end: row.end_hash,
    createdAt: row.created_at,
    closedAt: row.closed_at ?? undefined,
  }
}

/** Typed access to the stream, shard and tag tables. Every write is one SQLite statement. */
export class StreamRepository {
  readonly #store: StateStore

  constructor(store: StateStore) {
    this.#store = store
  }

  transaction<T>(fn: () => T): T {
    return this.#store.transaction(fn)
  }

  listStreams(): StreamState[] {
    return (this.#store.db.prepare('SELECT * FROM streams ORDER BY name').all() as StreamRow[]).map(toStream)
  }

  listShards(streamName: string): ShardState[] {
    const rows = this.#store.db
      .prepare('SELECT * FROM shards WHERE stream_name = ? ORDER BY shard_index')
      .all(streamName) as ShardRow[]
    return rows.map(toShard)
  }

  insertStream(s: StreamState): void {
    this.#store.db
      .prepare(
        `INSERT INTO streams (name, id, status, mode, retention_hours, trimmed_before, created_at, encryption_type,
           key_id, shard_level_metrics, max_record_size_kib, next_shard_index, pending, pending_until)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        s.name,
        s.id,
        s.status,
        s.mode,
        s.retentionHours,
        s.trimmedBefore,
        s.createdAt,
        s.encryptionType,
        s.keyId ?? null,
        JSON.stringify(s.shardLevelMetrics),
        s.maxRecordSizeKiB,
        s.nextShardIndex,
        s.pending ? JSON.stringify(s.pending) : null,
        s.pendingUntil ?? null,
      )
  }

  updateStream(s: StreamState): void {
    this.#store.db
      .prepare(
        `UPDATE streams SET status = ?, mode = ?, retention_hours = ?, trimmed_before = ?, encryption_type = ?, key_id = ?,
           shard_level_metrics = ?, max_record_size_kib = ?, next_shard_index = ?, pending = ?, pending_until = ?
         WHERE name = ?`,
      )
      .run(
        s.status,
        s.mode,
        s.retentionHours,
        s.trimmedBefore,
        s.encryptionType,
        s.keyId ?? null,
        JSON.stringify(s.shardLevelMetrics),
        s.maxRecordSizeKiB,
        s.nextShardIndex,
        s.pending ? JSON.stringify(s.pending) : null,
        s.pendingUntil ?? null,
        s.name,
      )
  }

  deleteStream(name: string): void {
    this.#store.db.prepare('DELETE FROM streams WHERE name = ?').run(name)
  }

  insertShard(s: ShardState): void {
    this.#store.db
      .prepare(
        `INSERT INTO shards (stream_name, shard_index, parent, adjacent_parent, start_hash, end_hash, created_at, closed_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        s.streamName,
        s.index,
        s.parent ?? null,
        s.adjacentParent ?? null,
        s.start,
        s.end,
        s.createdAt,
        s.closedAt ?? null,
      )
  }

  closeShard(streamName: string, index: number, closedAt: number): void {
    this.#store.db
      .prepare('UPDATE shards SET closed_at = ? WHERE stream_name = ? AND shard_index = ?')
      .run(closedAt, streamName, index)
  }

  deleteShard(streamName: string, index: number): void {
    this.#store.db
      .prepare('DELETE FROM shards WHERE stream_name = ? AND shard_index = ?')
      .run(streamName, index)
  }

  getTags(streamName: string): Map<string, string> {
    const rows = this.#store.db
      .prepare('SELECT key, value FROM tags WHERE stream_name = ? ORDER BY key')
      .all(streamName) as { key: string; value: string }[]
    return new Map(rows.map((r) => [r.key, r.value]))
  }

  putTags(streamName: string, tags: Iterable<[string, string]>): void {
    const stmt = this.#store.db.prepare(
      'INSERT INTO tags (stream_name, key, value) VALUES (?, ?, ?) ON CONFLICT(stream_name, key) DO UPDATE SET value = excluded.value',
    )
    for (const [k, v] of tags) stmt.run(streamName, k, v)
  }

  removeTags(streamName: string, keys: Iterable<string>): void {
    const stmt = this.#store.db.prepare('DELETE FROM tags WHERE stream_name = ? AND key = ?')
    for (const k of keys) stmt.run(streamName, k)
  }
}

import type { Statement } from 'better-sqlite3'
import type { StateStore } from '../../storage/state/state-store.ts'

/** A shard's position for one mapping: the next record to process, and tumbling-window state. */
export interface Checkpoint {
  nextOrdinal: number
  /** Tumbling window in progress: its start (ms) and the handler's state. */
  window: { start: number; state: unknown } | undefined
}

/**
 * Mapping checkpoints in the state store. A checkpoint only moves past records whose processing
 * finished (successfully, or discarded by the retry policy), so a crash at any point redelivers
 * the batch in flight: at least once, never skipped.
 *
 * Durability is group-committed. `set` writes the row at once (visible to every reader, and in
 * the OS: it survives the process being killed) but without the per-commit fsync the state store
 * otherwise does (`StateStore.commitRelaxed`: one fsync for every checkpoint written in the last
 * few ms, on the thread pool). Until then a power loss can only roll a checkpoint back to an earlier one,
 * which redelivers records (at least once) and never skips any. Where an older position would
 * be wrong rather than merely repeated (a LATEST starting position being pinned), the caller
 * awaits {@link durable} before relying on it.
 */
export class CheckpointStore {
  readonly #store: StateStore
  readonly #upsert: Statement
  readonly #select: Statement

  constructor(store: StateStore) {
    this.#store = store
    store.ensureSchema('kinesis-mappings', [
      `CREATE TABLE esm_checkpoints (
         mapping TEXT NOT NULL,
         stream TEXT NOT NULL,
         stream_created INTEGER NOT NULL,
         shard INTEGER NOT NULL,
         next_ordinal INTEGER NOT NULL,
         window TEXT,
         PRIMARY KEY (mapping, stream, shard)
       )`,
    ])
    const db = store.db
    // Prepared once: compiling the statement cost as much as running it, every batch.
    this.#upsert = db.prepare(
      `INSERT INTO esm_checkpoints (mapping, stream, stream_created, shard, next_ordinal, window) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT(mapping, stream, shard) DO UPDATE SET stream_created = excluded.stream_created,
         next_ordinal = excluded.next_ordinal, window = excluded.window`,
    )
    this.#select = db.prepare('SELECT * FROM esm_checkpoints WHERE mapping = ? AND stream = ? AND shard = ?')
  }

  /** The checkpoint, if this mapping ever processed the shard of this incarnation of the stream. */
  get(mapping: string, stream: string, streamCreated: number, shard: number): Checkpoint | undefined {
    const row = this.#select.get(mapping, stream, shard) as
      | { stream_created: number; next_ordinal: number; window: string | null }
      | undefined
    if (!row || row.stream_created !== streamCreated) return undefined
    return { nextOrdinal: row.next_ordinal, window: row.window ? JSON.parse(row.window) : undefined }
  }

  /** Writes a checkpoint: visible at once, durable against power loss once {@link durable} says. */
  set(mapping: string, stream: string, streamCreated: number, shard: number, checkpoint: Checkpoint): void {
    const args = [
      mapping,
      stream,
      streamCreated,
      shard,
      checkpoint.nextOrdinal,
      checkpoint.window === undefined ? null : JSON.stringify(checkpoint.window),
    ]
    this.#store.commitRelaxed(() => this.#upsert.run(...args))
  }

  /** Resolves once every checkpoint written so far survives a power loss. */
  durable(): Promise<void> {
    return this.#store.durable()
  }

  /** Whether this mapping has ever checkpointed this incarnation of the stream. */
  any(mapping: string, stream: string, streamCreated: number): boolean {
    return (
      this.#store.db
        .prepare(
          'SELECT 1 FROM esm_checkpoints WHERE mapping = ? AND stream = ? AND stream_created = ? LIMIT 1',
        )
        .get(mapping, stream, streamCreated) !== undefined
    )
  }

  /** Forgets a mapping's checkpoints (mapping removed from the pipeline). */
  delete(mapping: string): void {
    this.#store.db.prepare('DELETE FROM esm_checkpoints WHERE mapping = ?').run(mapping)
  }
}

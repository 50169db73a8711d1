import type { StateStore } from '../../storage/state/state-store.ts'
import { PartitionLedger, type PartitionWindow } from './active-partitions.ts'

/**
 * The active-partition decisions of every delivery stream, in the state store: a decision is
 * durable before the buffer's first object is written, so a restart after a crash reuses it.
 */
export class PartitionStore {
  readonly #store: StateStore

  constructor(store: StateStore) {
    this.#store = store
    store.ensureSchema('delivery-partitions', [
      `CREATE TABLE delivery_partitions (
         delivery TEXT NOT NULL,
         buffer TEXT NOT NULL,
         prefix TEXT NOT NULL,
         opened_ms INTEGER NOT NULL,
         closes_ms INTEGER NOT NULL,
         admitted INTEGER NOT NULL,
         PRIMARY KEY (delivery, buffer, prefix)
       );
       CREATE INDEX delivery_partitions_closes ON delivery_partitions (delivery, closes_ms)`,
    ])
  }

  /** The ledger of one delivery stream, with the decisions recorded for it so far. */
  ledger(delivery: string, options: { limit: number; windowMs: number }): PartitionLedger {
    const db = this.#store.db
    const rows = db
      .prepare(
        `SELECT buffer, prefix, opened_ms, closes_ms, admitted FROM delivery_partitions
         WHERE delivery = ? ORDER BY opened_ms`,
      )
      .all(delivery) as {
      buffer: string
      prefix: string
      opened_ms: number
      closes_ms: number
      admitted: number
    }[]
    const insert = db.prepare(
      `INSERT OR REPLACE INTO delivery_partitions (delivery, buffer, prefix, opened_ms, closes_ms, admitted)
       VALUES (?, ?, ?, ?, ?, ?)`,
    )
    const save = db.transaction((windows: readonly PartitionWindow[]) => {
      for (const w of windows)
        insert.run(delivery, w.buffer, w.prefix, w.openedMs, w.closesMs, w.admitted ? 1 : 0)
    })
    const prune = db.prepare('DELETE FROM delivery_partitions WHERE delivery = ? AND closes_ms < ?')
    return new PartitionLedger({
      ...options,
      recorded: rows.map((r) => ({
        buffer: r.buffer,
        prefix: r.prefix,
        openedMs: r.opened_ms,
        closesMs: r.closes_ms,
        admitted: r.admitted === 1,
      })),
      persist: (windows) => save(windows),
      prune: (beforeMs) => prune.run(delivery, beforeMs),
    })
  }

  /** Forgets a delivery stream's decisions (it was deleted). */
  forget(delivery: string): void {
    this.#store.db.prepare('DELETE FROM delivery_partitions WHERE delivery = ?').run(delivery)
  }
}

import type { StateStore } from '../../storage/state/state-store.ts'

/** Where a delivery stream is in one shard of its source: the next record to deliver. */
export interface DeliveryPosition {
  /** The source incarnation (a stream's creation time; 0 for direct put). */
  sourceCreated: number
  nextOrdinal: number
}

/**
 * A flush in progress: the buffer's range and every object key it is about to write. Written
 * before the first object and removed in the same transaction that advances the position, so a
 * restart knows which objects an unfinished flush may have left behind.
 */
export interface FlushIntent {
  firstOrdinal: number
  lastOrdinal: number
  keys: string[]
}

/**
 * Delivery positions and flush intents in the state store. The position only moves after every
 * object of a buffer is durable in the lake, so a crash at any point re-delivers that buffer — to
 * the same object names, which is what keeps the lake exactly-once.
 */
export class DeliveryCheckpoints {
  readonly #store: StateStore

  constructor(store: StateStore) {
    this.#store = store
    store.ensureSchema('deliveries', [
      `CREATE TABLE delivery_positions (
         delivery TEXT NOT NULL,
         shard TEXT NOT NULL,
         source_created INTEGER NOT NULL,
         next_ordinal INTEGER NOT NULL,
         PRIMARY KEY (delivery, shard)
       )`,
      `CREATE TABLE delivery_intents (
         delivery TEXT NOT NULL,
         shard TEXT NOT NULL,
         first_ordinal INTEGER NOT NULL,
         last_ordinal INTEGER NOT NULL,
         keys TEXT NOT NULL,
         PRIMARY KEY (delivery, shard)
       )`,
      `CREATE TABLE delivery_streams (
         name TEXT PRIMARY KEY,
         config TEXT NOT NULL,
         created_at INTEGER NOT NULL,
         updated_at INTEGER NOT NULL,
         version INTEGER NOT NULL
       )`,
    ])
  }

  position(delivery: string, shard: string): DeliveryPosition | undefined {
    const row = this.#store.db
      .prepare('SELECT source_created, next_ordinal FROM delivery_positions WHERE delivery = ? AND shard = ?')
      .get(delivery, shard) as { source_created: number; next_ordinal: number } | undefined
    return row && { sourceCreated: row.source_created, nextOrdinal: row.next_ordinal }
  }

  /** Whether the delivery has a position in any shard of this source incarnation. */
  anyPosition(delivery: string, sourceCreated: number): boolean {
    return (
      this.#store.db
        .prepare('SELECT 1 FROM delivery_positions WHERE delivery = ? AND source_created = ? LIMIT 1')
        .get(delivery, sourceCreated) !== undefined
    )
  }

  /** Sets the position of each shard (by tag), in one transaction. */
  setPositions(delivery: string, positions: ReadonlyMap<string, DeliveryPosition>): void {
    if (positions.size === 0) return
    this.#store.transaction(() => {
      for (const [shard, position] of positions) this.setPosition(delivery, shard, position)
    })
  }

  setPosition(delivery: string, shard: string, position: DeliveryPosition): void {
    this.#store.db
      .prepare(
        `INSERT INTO delivery_positions (delivery, shard, source_created, next_ordinal) VALUES (?, ?, ?, ?)
         ON CONFLICT(delivery, shard) DO UPDATE SET source_created = excluded.source_created,
           next_ordinal = excluded.next_ordinal`,
      )
      .run(delivery, shard, position.sourceCreated, position.nextOrdinal)
  }

  intent(delivery: string, shard: string): FlushIntent | undefined {
    const row = this.#store.db
      .prepare(
        'SELECT first_ordinal, last_ordinal, keys FROM delivery_intents WHERE delivery = ? AND shard = ?',
      )
      .get(delivery, shard) as { first_ordinal: number; last_ordinal: number; keys: string } | undefined
    return (
      row && { firstOrdinal: row.first_ordinal, lastOrdinal: row.last_ordinal, keys: JSON.parse(row.keys) }
    )
  }

  setIntent(delivery: string, shard: string, intent: FlushIntent): void {
    this.#store.db
      .prepare(
        `INSERT INTO delivery_intents (delivery, shard, first_ordinal, last_ordinal, keys) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT(delivery, shard) DO UPDATE SET first_ordinal = excluded.first_ordinal,
           last_ordinal = excluded.last_ordinal, keys = excluded.keys`,
      )
      .run(delivery, shard, intent.firstOrdinal, intent.lastOrdinal, JSON.stringify(intent.keys))
  }

  /** The buffer is in the lake: advance the position and drop the intent, atomically. */
  commit(delivery: string, shard: string, position: DeliveryPosition): void {
    const db = this.#store.db
    db.transaction(() => {
      this.setPosition(delivery, shard, position)
      db.prepare('DELETE FROM delivery_intents WHERE delivery = ? AND shard = ?').run(delivery, shard)
    })()
  }

  /** Forgets everything about a delivery stream (it was deleted). */
  forget(delivery: string): void {
    const db = this.#store.db
    db.transaction(() => {
      db.prepare('DELETE FROM delivery_positions WHERE delivery = ?').run(delivery)
      db.prepare('DELETE FROM delivery_intents WHERE delivery = ?').run(delivery)
      db.prepare('DELETE FROM delivery_streams WHERE name = ?').run(delivery)
    })()
  }

  /** Delivery streams created over the Firehose API (pipeline ones come from the definition). */
  savedStreams(): { name: string; config: unknown; createdAt: number; updatedAt: number; version: number }[] {
    const rows = this.#store.db.prepare('SELECT * FROM delivery_streams ORDER BY name').all() as {
      name: string
      config: string
      created_at: number
      updated_at: number
      version: number
    }[]
    return rows.map((r) => ({
      name: r.name,
      config: JSON.parse(r.config),
      createdAt: r.created_at,
      updatedAt: r.updated_at,
      version: r.version,
    }))
  }

  saveStream(name: string, config: unknown, createdAt: number): void {
    this.#store.db
      .prepare(
        `INSERT INTO delivery_streams (name, config, created_at, updated_at, version) VALUES (?, ?, ?, ?, 1)
         ON CONFLICT(name) DO UPDATE SET config = excluded.config, updated_at = excluded.updated_at,
           version = version + 1`,
      )
      .run(name, JSON.stringify(config), createdAt, createdAt)
  }
}

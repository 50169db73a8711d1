import { randomBytes } from 'node:crypto'
import { mkdirSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import Database from 'better-sqlite3'
import { WalSync } from './wal-sync.ts'

/**
 * Schema migrations, applied in order; `PRAGMA user_version` records how many ran. Later issues
 * (checkpoints, tables, queues, metrics) append to this list, never edit an entry.
 */
const MIGRATIONS: string[] = [
  `CREATE TABLE meta (key TEXT PRIMARY KEY, value BLOB NOT NULL);
   CREATE TABLE streams (
     name TEXT PRIMARY KEY,
     id TEXT NOT NULL UNIQUE,
     status TEXT NOT NULL,
     mode TEXT NOT NULL,
     retention_hours INTEGER NOT NULL,
     trimmed_before INTEGER NOT NULL,
     created_at INTEGER NOT NULL,
     encryption_type TEXT NOT NULL,
     key_id TEXT,
     shard_level_metrics TEXT NOT NULL,
     max_record_size_kib INTEGER NOT NULL,
     next_shard_index INTEGER NOT NULL,
     pending TEXT,
     pending_until INTEGER
   );
   CREATE TABLE shards (
     stream_name TEXT NOT NULL REFERENCES streams(name) ON DELETE CASCADE,
     shard_index INTEGER NOT NULL,
     parent INTEGER,
     adjacent_parent INTEGER,
     start_hash TEXT NOT NULL,
     end_hash TEXT NOT NULL,
     created_at INTEGER NOT NULL,
     closed_at INTEGER,
     PRIMARY KEY (stream_name, shard_index)
   );
   CREATE TABLE tags (
     stream_name TEXT NOT NULL REFERENCES streams(name) ON DELETE CASCADE,
     key TEXT NOT NULL,
     value TEXT NOT NULL,
     PRIMARY KEY (stream_name, key)
   );`,
]

/** How a relaxed commit is made, decided at the first one (undefined: not decided yet). */
type Relaxed =
  | { kind: 'wal'; sync: WalSync; lower: Database.Statement; restore: Database.Statement }
  /** Not a WAL database on disk (in memory): every commit is as durable as it will get. */
  | { kind: 'plain' }

/**
 * The embedded transactional store for everything that is not record data: stream and shard
 * metadata, tags, and (in later stages) checkpoints, tables and queues. SQLite in WAL mode with
 * `synchronous = FULL`: a committed transaction survives power loss. Writes that may be rolled
 * back by a power loss (not a crash) use {@link commitRelaxed} instead, group-committed.
 */
export class StateStore {
  readonly db: Database.Database
  #relaxed: Relaxed | undefined

  private constructor(db: Database.Database) {
    this.db = db
  }

  static open(path: string): StateStore {
    mkdirSync(dirname(path), { recursive: true })
    const db = new Database(path)
    db.pragma('journal_mode = WAL')
    db.pragma('synchronous = FULL')
    db.pragma('foreign_keys = ON')
    db.pragma('busy_timeout = 5000')
    const store = new StateStore(db)
    store.#migrate()
    return store
  }

  #migrate(): void {
    const version = this.db.pragma('user_version', { simple: true }) as number
    if (version > MIGRATIONS.length) {
      throw new Error(
        `state store schema version ${version} is newer than this tributary understands (${MIGRATIONS.length})`,
      )
    }
    for (let v = version; v < MIGRATIONS.length; v++) {
      this.db.transaction(() => {
        this.db.exec(MIGRATIONS[v]!)
        this.db.pragma(`user_version = ${v + 1}`)
      })()
    }
  }

  /**
   * Brings one component's tables up to date. Each component (checkpoints, queues, tables, ...)
   * owns an append-only list of migrations; the count applied is kept in `meta` under
   * `schema:<component>`, so components evolve independently.
   */
  ensureSchema(component: string, migrations: readonly string[]): void {
    const key = `schema:${component}`
    const applied = this.getMeta(key)?.readUInt32LE(0) ?? 0
    if (applied > migrations.length) {
      throw new Error(
        `state store schema '${component}' v${applied} is newer than this tributary understands`,
      )
    }
    for (let v = applied; v < migrations.length; v++) {
      this.db.transaction(() => {
        this.db.exec(migrations[v]!)
        const version = Buffer.alloc(4)
        version.writeUInt32LE(v + 1, 0)
        this.setMeta(key, version)
      })()
    }
  }

  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)()
  }

  /**
   * Runs `write` (one statement or one transaction) committing without its own fsync: the commit
   * is visible at once and in the OS (it survives the process being killed), and {@link durable}
   * says when it survives a power loss too; {@link WalSync} fsyncs the WAL once for every relaxed
   * commit of the last few ms, on the thread pool. For writes where a power loss may roll back to
   * an earlier value but must never lose an acknowledged one (a mapping's checkpoint: an older
   * one only redelivers). Inside an open transaction it runs as part of that transaction.
   *
   * @example
   * store.commitRelaxed(() => upsert.run(mapping, shard, nextOrdinal))
   * await store.durable() // before relying on it across a power loss
   */
  commitRelaxed<T>(write: () => T): T {
    if (this.db.inTransaction) return write()
    // Decided outside any transaction: SQLite applies `PRAGMA synchronous` when preparing it too.
    this.#relaxed ??= this.#relaxedMode()
    const relaxed = this.#relaxed
    if (relaxed.kind === 'plain') return write()
    // The connection is shared and single-threaded: lowering `synchronous` around this commit
    // (and restoring it at once) affects no other write.
    relaxed.lower.run()
    let result: T
    try {
      result = write()
    } finally {
      relaxed.restore.run()
    }
    relaxed.sync.wrote()
    return result
  }

  /** Resolves once every {@link commitRelaxed} commit made so far survives a power loss. */
  durable(): Promise<void> {
    const relaxed = this.#relaxed
    return relaxed?.kind === 'wal' ? relaxed.sync.durable() : Promise.resolve()
  }

  #relaxedMode(): Relaxed {
    const db = this.db
    const journal = String(db.pragma('journal_mode', { simple: true })).toLowerCase()
    if (journal !== 'wal' || db.memory) return { kind: 'plain' }
    const level = db.pragma('synchronous', { simple: true }) as number
    return {
      kind: 'wal',
      sync: new WalSync(resolve(db.name)),
      lower: db.prepare('PRAGMA synchronous = NORMAL'),
      restore: db.prepare(`PRAGMA synchronous = ${level}`),
    }
  }

  getMeta(key: string): Buffer | undefined {
    const row = this.db.prepare('SELECT value FROM meta WHERE key = ?').get(key) as
      | { value: Buffer }
      | undefined
    return row?.value
  }

  setMeta(key: string, value: Buffer): void {
    this.db
      .prepare(
        'INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value',
      )
      .run(key, value)
  }

  /** A random secret created once per data directory (e.g. to authenticate shard iterators). */
  secret(key: string, bytes = 32): Buffer {
    const existing = this.getMeta(key)
    if (existing) return existing
    const value = randomBytes(bytes)
    this.setMeta(key, value)
    return value
  }

  close(): void {
    // The WAL's descriptor goes with the database (closing it cannot fail in a way that matters).
    if (this.#relaxed?.kind === 'wal') this.#relaxed.sync.close().catch(() => undefined)
    this.db.close()
  }
}

import type Database from 'better-sqlite3'
import type { StateStore } from '../../storage/state/state-store.ts'

/**
 * The queue component's tables. Append-only: a later change adds an entry, never edits one.
 *
 * A message's state is derived, never stored: visible when `visible_at <= now`; in flight when
 * hidden and it has a receipt handle; delayed when hidden and never received. `receipt_handle`
 * keeps only the latest handle, which is what makes an older one stale.
 */
export const QUEUE_MIGRATIONS: readonly string[] = [
  `CREATE TABLE queues (
     name TEXT PRIMARY KEY,
     config TEXT NOT NULL,
     created_at INTEGER NOT NULL
   );
   CREATE TABLE queue_messages (
     seq INTEGER PRIMARY KEY AUTOINCREMENT,
     queue TEXT NOT NULL,
     message_id TEXT NOT NULL,
     body TEXT NOT NULL,
     md5_of_body TEXT NOT NULL,
     attributes TEXT,
     md5_of_attributes TEXT,
     sender_id TEXT NOT NULL,
     sent_at INTEGER NOT NULL,
     visible_at INTEGER NOT NULL,
     receive_count INTEGER NOT NULL DEFAULT 0,
     first_received_at INTEGER,
     received_at INTEGER,
     receipt_handle TEXT,
     source_queue TEXT
   );
   CREATE INDEX queue_messages_ready ON queue_messages (queue, visible_at, seq);
   CREATE INDEX queue_messages_age ON queue_messages (queue, sent_at);
   CREATE UNIQUE INDEX queue_messages_receipt ON queue_messages (receipt_handle);`,
  // FIFO queues: a message's group and deduplication ID; the deduplication IDs seen in the last
  // five minutes, kept past the message's deletion (`scope` is '' or the group, per
  // DeduplicationScope). A FIFO message's SequenceNumber is derived from `seq`.
  `ALTER TABLE queue_messages ADD COLUMN group_id TEXT;
   ALTER TABLE queue_messages ADD COLUMN dedup_id TEXT;
   CREATE INDEX queue_messages_group ON queue_messages (queue, group_id, seq);
   CREATE TABLE queue_dedup (
     queue TEXT NOT NULL,
     scope TEXT NOT NULL,
     dedup_id TEXT NOT NULL,
     message_id TEXT NOT NULL,
     seq INTEGER NOT NULL,
     sent_at INTEGER NOT NULL,
     PRIMARY KEY (queue, scope, dedup_id)
   );
   CREATE INDEX queue_dedup_age ON queue_dedup (queue, sent_at);`,
]

export interface MessageRow {
  seq: number
  queue: string
  message_id: string
  body: string
  md5_of_body: string
  attributes: string | null
  md5_of_attributes: string | null
  sender_id: string
  sent_at: number
  visible_at: number
  receive_count: number
  first_received_at: number | null
  received_at: number | null
  receipt_handle: string | null
  source_queue: string | null
  group_id: string | null
  dedup_id: string | null
}

/** A deduplication ID seen on a FIFO queue within the window, and the message it sent. */
export interface DedupRow {
  message_id: string
  seq: number
  sent_at: number
}

export type NewMessage = Pick<
  MessageRow,
  | 'queue'
  | 'message_id'
  | 'body'
  | 'md5_of_body'
  | 'attributes'
  | 'md5_of_attributes'
  | 'sender_id'
  | 'sent_at'
  | 'visible_at'
  | 'group_id'
  | 'dedup_id'
>

export interface DepthRow {
  visible: number
  in_flight: number
  delayed: number
  oldest: number | null
}

/** Prepared statements over the queue tables; every method is one statement. */
export class QueueStore {
  readonly #db: Database.Database
  readonly #s: Record<string, Database.Statement>

  constructor(readonly store: StateStore) {
    store.ensureSchema('queues', QUEUE_MIGRATIONS)
    this.#db = store.db
    const p = (sql: string) => this.#db.prepare(sql)
    this.#s = {
      upsertQueue: p(`INSERT INTO queues (name, config, created_at) VALUES (?, ?, ?)
                      ON CONFLICT(name) DO UPDATE SET config = excluded.config`),
      queues: p('SELECT name, config, created_at FROM queues ORDER BY name'),
      deleteQueue: p('DELETE FROM queues WHERE name = ?'),
      insert:
        p(`INSERT INTO queue_messages (queue, message_id, body, md5_of_body, attributes, md5_of_attributes,
                   sender_id, sent_at, visible_at, group_id, dedup_id)
                 VALUES (@queue, @message_id, @body, @md5_of_body, @attributes, @md5_of_attributes,
                   @sender_id, @sent_at, @visible_at, @group_id, @dedup_id)`),
      expire: p('DELETE FROM queue_messages WHERE queue = ? AND sent_at <= ?'),
      ready: p(`SELECT * FROM queue_messages WHERE queue = ? AND visible_at <= ?
                ORDER BY visible_at, seq LIMIT ?`),
      // FIFO: in send order, skipping every group with a message in flight (the group lock: its
      // `before` is -1) and, within a group, whatever comes after a delayed message (`before`).
      readyInOrder: p(`WITH held AS (
                  SELECT group_id, min(CASE WHEN receipt_handle IS NULL THEN seq ELSE -1 END) AS before
                  FROM queue_messages WHERE queue = @queue AND visible_at > @now GROUP BY group_id)
                SELECT m.* FROM queue_messages m LEFT JOIN held h ON h.group_id = m.group_id
                WHERE m.queue = @queue AND m.visible_at <= @now
                  AND (h.group_id IS NULL OR m.seq < h.before)
                ORDER BY m.seq LIMIT @limit`),
      groupFrom: p(`SELECT * FROM queue_messages WHERE queue = @queue AND group_id = @group AND seq >= @from
                    ORDER BY seq LIMIT @limit`),
      dedup: p(
        'SELECT message_id, seq, sent_at FROM queue_dedup WHERE queue = ? AND scope = ? AND dedup_id = ?',
      ),
      putDedup: p(`INSERT OR REPLACE INTO queue_dedup (queue, scope, dedup_id, message_id, seq, sent_at)
                   VALUES (?, ?, ?, ?, ?, ?)`),
      expireDedup: p('DELETE FROM queue_dedup WHERE queue = ? AND sent_at <= ?'),
      dropDedup: p('DELETE FROM queue_dedup WHERE queue = ?'),
      received: p(`UPDATE queue_messages SET receive_count = receive_count + 1, receipt_handle = ?,
                     received_at = ?, first_received_at = coalesce(first_received_at, ?), visible_at = ?
                   WHERE seq = ?`),
      move: p(`UPDATE queue_messages SET queue = ?, visible_at = ?, receipt_handle = NULL,
                 source_queue = ? WHERE seq = ?`),
      redriven: p(`UPDATE queue_messages SET queue = ?, message_id = ?, sent_at = ?, visible_at = ?,
                     receive_count = 0, first_received_at = NULL, received_at = NULL, receipt_handle = NULL,
                     source_queue = NULL WHERE seq = ?`),
      byHandle: p('SELECT * FROM queue_messages WHERE receipt_handle = ?'),
      deleteByHandle: p('DELETE FROM queue_messages WHERE receipt_handle = ? AND queue = ?'),
      setVisibleAt: p('UPDATE queue_messages SET visible_at = ? WHERE seq = ?'),
      depth: p(`SELECT coalesce(sum(visible_at <= @now), 0) AS visible,
                  coalesce(sum(visible_at > @now AND receipt_handle IS NOT NULL), 0) AS in_flight,
                  coalesce(sum(visible_at > @now AND receipt_handle IS NULL), 0) AS delayed,
                  min(sent_at) AS oldest
                FROM queue_messages WHERE queue = @queue`),
      nextVisible: p('SELECT min(visible_at) AS at FROM queue_messages WHERE queue = ? AND visible_at > ?'),
      purge: p('DELETE FROM queue_messages WHERE queue = ?'),
      peek: p('SELECT * FROM queue_messages WHERE queue = ? AND seq > ? ORDER BY seq LIMIT ?'),
    }
  }

  upsertQueue(name: string, config: string, now: number): void {
    this.#s.upsertQueue!.run(name, config, now)
  }

  queues(): Array<{ name: string; config: string; created_at: number }> {
    return this.#s.queues!.all() as Array<{ name: string; config: string; created_at: number }>
  }

  deleteQueue(name: string): void {
    this.#s.purge!.run(name)
    this.#s.dropDedup!.run(name)
    this.#s.deleteQueue!.run(name)
  }

  /** Inserts a message; returns its `seq` (a FIFO message's SequenceNumber comes from it). */
  insert(message: NewMessage): number {
    return this.#relaxed(() => Number(this.#s.insert!.run(message).lastInsertRowid))
  }

  /** The message a FIFO deduplication ID sent, if it was seen after `since`. */
  dedup(queue: string, scope: string, dedupId: string, since: number): DedupRow | undefined {
    const row = this.#s.dedup!.get(queue, scope, dedupId) as DedupRow | undefined
    return row && row.sent_at > since ? row : undefined
  }

  /** Remembers a FIFO deduplication ID, forgetting the ones sent at or before `cutoff`. */
  putDedup(queue: string, scope: string, dedupId: string, row: DedupRow, cutoff: number): void {
    this.#relaxed(() => {
      this.#s.expireDedup!.run(queue, cutoff)
      this.#s.putDedup!.run(queue, scope, dedupId, row.message_id, row.seq, row.sent_at)
    })
  }

  /**
   * FIFO's ReceiveMessage candidates, group lock applied: as SQS does, as many messages of one
   * group as possible (in send order), then the next group's, groups taken by their first
   * available message. The first `limit` candidates in send order name the groups (each adds at
   * least its own candidates among them, so `limit` is always reached when they are there).
   */
  readyInOrder(queue: string, now: number, limit: number): MessageRow[] {
    const firsts = this.#s.readyInOrder!.all({ queue, now, limit }) as MessageRow[]
    const out: MessageRow[] = []
    const groups = new Set<string | null>()
    for (const first of firsts) {
      if (out.length >= limit) break
      if (groups.has(first.group_id)) continue
      groups.add(first.group_id)
      const rows = this.#s.groupFrom!.all({
        queue,
        group: first.group_id,
        from: first.seq,
        limit: limit - out.length,
      }) as MessageRow[]
      // The group is not locked (it has a candidate): it stops at its first hidden (delayed) message.
      for (const row of rows) {
        if (row.visible_at > now) break
        out.push(row)
      }
    }
    return out
  }

  /** Deletes messages sent at or before `cutoff` (retention); returns how many. */
  expire(queue: string, cutoff: number): number {
    return this.#relaxed(() => this.#s.expire!.run(queue, cutoff).changes)
  }

  ready(queue: string, now: number, limit: number): MessageRow[] {
    return this.#s.ready!.all(queue, now, limit) as MessageRow[]
  }

  markReceived(seq: number, handle: string, now: number, visibleAt: number): void {
    this.#relaxed(() => this.#s.received!.run(handle, now, now, visibleAt, seq))
  }

  /** Moves a message to `queue` (dead-letter move), visible at `now`; remembers where it came from. */
  move(seq: number, queue: string, now: number, sourceQueue: string): void {
    this.#relaxed(() => this.#s.move!.run(queue, now, sourceQueue, seq))
  }

  /** Moves a message back out of a dead-letter queue as a new message. */
  redrive(seq: number, queue: string, messageId: string, now: number): void {
    this.#relaxed(() => this.#s.redriven!.run(queue, messageId, now, now, seq))
  }

  byHandle(handle: string): MessageRow | undefined {
    return this.#s.byHandle!.get(handle) as MessageRow | undefined
  }

  deleteByHandle(queue: string, handle: string): boolean {
    return this.#relaxed(() => this.#s.deleteByHandle!.run(handle, queue).changes > 0)
  }

  setVisibleAt(seq: number, visibleAt: number): void {
    this.#relaxed(() => this.#s.setVisibleAt!.run(visibleAt, seq))
  }

  depth(queue: string, now: number): DepthRow {
    return this.#s.depth!.get({ queue, now }) as DepthRow
  }

  /** When the next hidden message becomes visible, if any. */
  nextVisibleAt(queue: string, now: number): number | undefined {
    const row = this.#s.nextVisible!.get(queue, now) as { at: number | null }
    return row.at ?? undefined
  }

  purge(queue: string): number {
    return this.#relaxed(() => this.#s.purge!.run(queue).changes)
  }

  peek(queue: string, afterSeq: number, limit: number): MessageRow[] {
    return this.#s.peek!.all(queue, afterSeq, limit) as MessageRow[]
  }

  /** Message writes in one transaction, group committed (see {@link #relaxed}). */
  transaction<T>(fn: () => T): T {
    return this.#relaxed(() => this.store.transaction(fn))
  }

  /**
   * A message write, group committed: visible at once and safe from a crash of the process;
   * whoever acknowledges it (the SQS and SNS APIs, the binding host, a mapping's checkpoint)
   * awaits `StateStore.durable()` first, so an acknowledged write survives a power loss too.
   * Queue declarations stay fully synchronous commits.
   */
  #relaxed<T>(write: () => T): T {
    return this.store.commitRelaxed(write)
  }
}

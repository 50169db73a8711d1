import type { Statement } from 'better-sqlite3'
import { ResourceTags } from '../../storage/state/resource-tags.ts'
import type { StateStore } from '../../storage/state/state-store.ts'
import type { Clock, TimerHandle } from '../../util/clock.ts'
import { type GroupRow, LOG_GROUP_TABLES, LogGroupRows } from './log-groups.ts'

/**
 * How long log events are kept by default: 7 days (CloudWatch Logs keeps them forever unless a
 * group has a retention; a local pipeline bounds its disk instead). `retentionDays` changes it.
 */
export const DEFAULT_LOG_RETENTION_DAYS = 7

const DAY_MS = 86_400_000

/** Events buffered before they are written at once (also written every {@link FLUSH_MS}). */
const FLUSH_EVENTS = 500
const FLUSH_MS = 200
/** Rows per INSERT statement when a batch is written (one call into SQLite per 50 lines). */
const INSERT_ROWS = 50
const COLUMNS = '(log_group, log_stream, timestamp, ingestion_time, message)'

/**
 * The `logs` schema (`StateStore.ensureSchema`): append-only, an entry is never edited once
 * released.
 */
export const LOG_MIGRATIONS: readonly string[] = [
  `CREATE TABLE log_events (
         seq INTEGER PRIMARY KEY AUTOINCREMENT,
         log_group TEXT NOT NULL, log_stream TEXT NOT NULL,
         timestamp INTEGER NOT NULL, ingestion_time INTEGER NOT NULL, message TEXT NOT NULL)`,
  'CREATE INDEX log_events_by_group ON log_events (log_group, timestamp)',
  // One stream per execution environment: GetLogEvents reads one of many.
  'CREATE INDEX log_events_by_stream ON log_events (log_group, log_stream, seq)',
  // A group's events in sequence order (FilterLogEvents' pages, the dashboard's newest lines
  // and its follows), read from a position without sorting the whole group.
  'CREATE INDEX log_events_by_group_seq ON log_events (log_group, seq)',
  // Groups and streams created through the API exist with no events (log-groups.ts).
  LOG_GROUP_TABLES,
]

export interface LogEvent {
  timestamp: number
  message: string
  ingestionTime: number
  logStreamName: string
  /** A stable id (CloudWatch's eventId): the row's sequence number. */
  eventId: string
}

/** A stream; one created by CreateLogStream that has no events yet has no event times. */
export interface LogStreamInfo {
  logStreamName: string
  creationTime: number
  firstEventTimestamp?: number
  lastEventTimestamp?: number
  lastIngestionTime?: number
  storedBytes: number
  /** The sequence of its newest event (0 when none). */
  lastSequence: number
}

export interface LogGroupInfo {
  logGroupName: string
  creationTime: number
  storedBytes: number
  /** Undefined: its events never expire (a group created through the API, without a policy). */
  retentionInDays?: number
  kmsKeyId?: string
  logGroupClass: string
}

/** What CreateLogGroup sets besides the name. */
export interface NewLogGroup {
  kmsKeyId?: string | undefined
  logGroupClass?: string | undefined
  tags?: Readonly<Record<string, string>> | undefined
  /** The key its tags are kept under (the group's ARN). */
  resource: string
}

export interface EventQuery {
  startTime?: number | undefined
  endTime?: number | undefined
  /** Only these streams (FilterLogEvents' logStreamNames / GetLogEvents' one stream). */
  streams?: readonly string[] | undefined
  /** Events after this sequence (a token's position). */
  after?: number | undefined
  /** Events before this sequence, newest first (GetLogEvents without startFromHead). */
  before?: number | undefined
  limit: number
  newestFirst?: boolean
  /** CloudWatch Logs' filter pattern (terms, quoted phrases, `-term`, `?term`); empty: every event. */
  matches?: ((message: string) => boolean) | undefined
}

/**
 * CloudWatch Logs for the pipeline's functions: every line a handler logs, and Lambda's START,
 * END and REPORT lines, kept in the state store under `/aws/lambda/<function>`, one stream per
 * execution environment (`YYYY/MM/DD/[$LATEST]<32 hex>`, as Lambda names them), written in
 * batches with relaxed commits (logs are not acknowledged data: a power loss may cost the last
 * fraction of a second), deleted after the retention period.
 *
 * @example
 * const logs = new LogStore({ store, clock })
 * logs.append('/aws/lambda/enrich', '2026/12/06/[$LATEST]0123456789abcdef0123456789abcdef', Date.now(), 'hello')
 * logs.flush()
 */
export class LogStore {
  readonly retentionDays: number
  /** Tags of log groups, by ARN (TagResource, TagLogGroup, CreateLogGroup's tags). */
  readonly tags: ResourceTags
  readonly #store: StateStore
  readonly #clock: Clock
  readonly #pending: { group: string; stream: string; timestamp: number; message: string }[] = []
  readonly #sql: Record<
    'insert' | 'insertMany' | 'expire' | 'expireGroup' | 'hasEvents' | 'hasStreamEvents',
    Statement
  >
  readonly #rows: LogGroupRows
  readonly #flushed = new Set<() => void>()
  #timer: TimerHandle | undefined
  #expiredAt = 0

  constructor(options: { store: StateStore; clock: Clock; retentionDays?: number }) {
    this.#store = options.store
    this.#clock = options.clock
    this.retentionDays = options.retentionDays ?? DEFAULT_LOG_RETENTION_DAYS
    options.store.ensureSchema('logs', LOG_MIGRATIONS)
    this.tags = new ResourceTags(options.store)
    this.#rows = new LogGroupRows(options.store)
    const p = (sql: string) => options.store.db.prepare(sql)
    this.#sql = {
      insert: p(`INSERT INTO log_events ${COLUMNS} VALUES (?, ?, ?, ?, ?)`),
      insertMany: p(
        `INSERT INTO log_events ${COLUMNS} VALUES ${Array(INSERT_ROWS).fill('(?, ?, ?, ?, ?)').join(', ')}`,
      ),
      expire: p(`DELETE FROM log_events WHERE timestamp < ? AND log_group NOT IN
                 (SELECT name FROM log_groups WHERE created = 1 OR retention_days IS NOT NULL)`),
      expireGroup: p('DELETE FROM log_events WHERE log_group = ? AND timestamp < ?'),
      hasEvents: p('SELECT 1 FROM log_events WHERE log_group = ? LIMIT 1'),
      hasStreamEvents: p('SELECT 1 FROM log_events WHERE log_group = ? AND log_stream = ? LIMIT 1'),
    }
  }

  /** Keeps one event; written with the next batch (at most {@link FLUSH_MS} later). */
  append(group: string, stream: string, timestamp: number, message: string): void {
    this.#pending.push({ group, stream, timestamp, message })
    if (this.#pending.length >= FLUSH_EVENTS) this.flush()
    else if (!this.#timer) {
      this.#timer = this.#clock.setTimeout(() => this.flush(), FLUSH_MS)
      this.#timer.unref?.()
    }
  }

  /** Writes what is buffered now (reads flush first, so they see every event appended). */
  flush(): void {
    if (this.#timer) this.#clock.clearTimeout(this.#timer)
    this.#timer = undefined
    if (this.#pending.length === 0) return
    const events = this.#pending.splice(0)
    const now = this.#clock.now()
    this.#store.commitRelaxed(() =>
      this.#store.transaction(() => {
        // Rows go in in order (VALUES rows are inserted in order): sequences follow append order.
        let i = 0
        const args: unknown[] = new Array(INSERT_ROWS * 5)
        for (; i + INSERT_ROWS <= events.length; i += INSERT_ROWS) {
          for (let j = 0; j < INSERT_ROWS; j++) {
            const e = events[i + j]!
            args[j * 5] = e.group
            args[j * 5 + 1] = e.stream
            args[j * 5 + 2] = e.timestamp
            args[j * 5 + 3] = now
            args[j * 5 + 4] = e.message
          }
          this.#sql.insertMany.run(args)
        }
        for (const e of events.slice(i)) this.#sql.insert.run(e.group, e.stream, e.timestamp, now, e.message)
      }),
    )
    this.#expire(now)
    for (const listener of this.#flushed) listener()
  }

  /**
   * Retention, at most once a minute: a group's own policy (PutRetentionPolicy), else the store's
   * default for the groups it made itself (functions' logs); a group created through the API
   * without a policy keeps its events, as CloudWatch Logs does.
   */
  #expire(now: number): void {
    if (now - this.#expiredAt <= 60_000) return
    this.#expiredAt = now
    this.#store.commitRelaxed(() =>
      this.#store.transaction(() => {
        this.#sql.expire.run(now - this.retentionDays * DAY_MS)
        for (const g of this.#rows.retained())
          this.#sql.expireGroup.run(g.name, now - g.retention_days * DAY_MS)
      }),
    )
  }

  /**
   * Calls `listener` after each batch is written (what follows a log live reads after it). Returns
   * the function that stops it.
   */
  onFlush(listener: () => void): () => void {
    this.#flushed.add(listener)
    return () => this.#flushed.delete(listener)
  }

  close(): void {
    this.flush()
  }

  /** The sequence of the newest event kept (0 when none): what follows a log reads after it. */
  position(): number {
    this.flush()
    const row = this.#store.db.prepare('SELECT MAX(seq) AS seq FROM log_events').get() as {
      seq: number | null
    }
    return row.seq ?? 0
  }

  /** Whether the group exists: created through the API, or holding events (one indexed lookup each). */
  hasGroup(group: string): boolean {
    this.flush()
    return this.#rows.group(group) !== undefined || this.#sql.hasEvents.get(group) !== undefined
  }

  /** Whether the stream exists: created through the API, or holding events. */
  hasStream(group: string, stream: string): boolean {
    this.flush()
    return this.#rows.hasStream(group, stream) || this.#sql.hasStreamEvents.get(group, stream) !== undefined
  }

  /** The names of the groups kept that start with `prefix` (the index only, not the events). */
  groupNames(prefix = ''): string[] {
    this.flush()
    const rows = this.#store.db
      .prepare(
        `SELECT DISTINCT log_group FROM log_events WHERE log_group >= ?
         UNION SELECT name FROM log_groups WHERE name >= ? ORDER BY 1`,
      )
      .pluck()
      .all(prefix, prefix) as string[]
    return rows.filter((g) => g.startsWith(prefix))
  }

  groups(prefix = ''): LogGroupInfo[] {
    this.flush()
    const derived = this.#store.db
      .prepare(
        `SELECT log_group, MIN(ingestion_time) AS created, SUM(LENGTH(message)) AS bytes FROM log_events
         WHERE log_group >= ? GROUP BY log_group`,
      )
      .all(prefix) as { log_group: string; created: number; bytes: number }[]
    const rows = this.#rows.groupsFrom(prefix)
    const byName = new Map<string, LogGroupInfo>()
    for (const r of derived)
      byName.set(r.log_group, this.#groupInfo(r.log_group, undefined, r.created, r.bytes))
    for (const row of rows)
      byName.set(
        row.name,
        this.#groupInfo(row.name, row, row.creation_time, byName.get(row.name)?.storedBytes ?? 0),
      )
    return [...byName.values()]
      .filter((g) => g.logGroupName.startsWith(prefix))
      .sort((a, b) => (a.logGroupName < b.logGroupName ? -1 : a.logGroupName > b.logGroupName ? 1 : 0))
  }

  #groupInfo(name: string, row: GroupRow | undefined, created: number, bytes: number): LogGroupInfo {
    const retention = this.#retentionOf(row)
    return {
      logGroupName: name,
      creationTime: created,
      storedBytes: bytes,
      ...(retention !== undefined && { retentionInDays: retention }),
      ...(row?.kms_key_id != null && { kmsKeyId: row.kms_key_id }),
      logGroupClass: row?.log_group_class ?? 'STANDARD',
    }
  }

  /** A group's retention in days: its policy, else none for a created group, else the store's default. */
  #retentionOf(row: GroupRow | undefined): number | undefined {
    if (row?.retention_days != null) return row.retention_days
    return row?.created ? undefined : this.retentionDays
  }

  /** The group's retention in days (undefined: kept forever); PutLogEvents rejects older events. */
  retentionOf(group: string): number | undefined {
    return this.#retentionOf(this.#rows.group(group))
  }

  streams(group: string): LogStreamInfo[] {
    this.flush()
    const derived = this.#store.db
      .prepare(
        `SELECT log_stream, MIN(ingestion_time) AS created, MIN(timestamp) AS first, MAX(timestamp) AS last,
                MAX(ingestion_time) AS ingested, SUM(LENGTH(message)) AS bytes, MAX(seq) AS seq
         FROM log_events WHERE log_group = ? GROUP BY log_stream`,
      )
      .all(group) as {
      log_stream: string
      created: number
      first: number
      last: number
      ingested: number
      bytes: number
      seq: number
    }[]
    const created = this.#rows.streams(group)
    const byName = new Map<string, LogStreamInfo>()
    for (const s of created)
      byName.set(s.name, {
        logStreamName: s.name,
        creationTime: s.creation_time,
        storedBytes: 0,
        lastSequence: 0,
      })
    for (const r of derived)
      byName.set(r.log_stream, {
        logStreamName: r.log_stream,
        creationTime: byName.get(r.log_stream)?.creationTime ?? r.created,
        firstEventTimestamp: r.first,
        lastEventTimestamp: r.last,
        lastIngestionTime: r.ingested,
        storedBytes: r.bytes,
        lastSequence: r.seq,
      })
    return [...byName.values()].sort((a, b) =>
      a.logStreamName < b.logStreamName ? -1 : a.logStreamName > b.logStreamName ? 1 : 0,
    )
  }

  /**
   * Creates a group (CreateLogGroup) with its tags, in one transaction. False when it exists
   * already (created, or holding a function's events).
   */
  createGroup(group: string, options: NewLogGroup): boolean {
    if (this.hasGroup(group)) return false
    this.#write(() => {
      this.#rows.createGroup(group, this.#clock.now(), options.kmsKeyId, options.logGroupClass ?? 'STANDARD')
      if (options.tags) this.tags.put(options.resource, options.tags)
    })
    return true
  }

  /**
   * Deletes a group, its streams, its events and its tags (kept under `resource`), in one
   * transaction. False when there is no such group. A function's next line recreates its group.
   */
  deleteGroup(group: string, resource: string): boolean {
    if (!this.hasGroup(group)) return false
    this.#write(() => {
      this.#store.db.prepare('DELETE FROM log_events WHERE log_group = ?').run(group)
      this.#rows.deleteGroup(group)
      this.tags.removeAll(resource)
    })
    return true
  }

  /** Creates a stream in an existing group (CreateLogStream). False when it exists already. */
  createStream(group: string, stream: string): boolean {
    if (this.hasStream(group, stream)) return false
    this.#write(() => this.#rows.createStream(group, stream, this.#clock.now()))
    return true
  }

  /** Deletes a stream and its events. False when there is no such stream. */
  deleteStream(group: string, stream: string): boolean {
    if (!this.hasStream(group, stream)) return false
    this.#write(() => {
      this.#store.db
        .prepare('DELETE FROM log_events WHERE log_group = ? AND log_stream = ?')
        .run(group, stream)
      this.#rows.deleteStream(group, stream)
    })
    return true
  }

  /**
   * Sets (days) or removes (undefined) a group's retention policy. Without one, a created group
   * keeps its events and a function's group goes back to the store's default.
   */
  setRetention(group: string, days: number | undefined): void {
    this.flush()
    this.#write(() => {
      const first = this.#store.db
        .prepare('SELECT MIN(ingestion_time) FROM log_events WHERE log_group = ?')
        .pluck()
        .get(group) as number | null
      this.#rows.setRetention(group, days, first ?? this.#clock.now())
    })
    // Applied from the next pass of expiry on (CloudWatch Logs too deletes expired events later).
    this.#expiredAt = 0
  }

  /**
   * Writes events to an existing stream at once (PutLogEvents): after what is buffered, in one
   * relaxed commit the caller makes durable (`StateStore.durable()`) before acknowledging.
   * Returns the sequence of the last event written.
   */
  put(group: string, stream: string, events: readonly { timestamp: number; message: string }[]): number {
    this.flush()
    const now = this.#clock.now()
    let last = 0
    this.#write(() => {
      for (const e of events)
        last = Number(this.#sql.insert.run(group, stream, e.timestamp, now, e.message).lastInsertRowid)
    })
    this.#expire(now)
    for (const listener of this.#flushed) listener()
    return last
  }

  /** The sequence of the stream's newest event (0 when it has none). */
  lastSequence(group: string, stream: string): number {
    this.flush()
    const seq = this.#store.db
      .prepare('SELECT MAX(seq) FROM log_events WHERE log_group = ? AND log_stream = ?')
      .pluck()
      .get(group, stream) as number | null
    return seq ?? 0
  }

  /** One transaction, committed relaxed: the dispatcher awaits `durable()` before it answers. */
  #write(fn: () => void): void {
    this.#store.commitRelaxed(() => this.#store.transaction(fn))
  }

  /** Events of a group in time order (or newest first), with the sequence of the last one read. */
  events(group: string, q: EventQuery): { events: LogEvent[]; last: number | undefined; more: boolean } {
    this.flush()
    const where = ['log_group = ?']
    const args: unknown[] = [group]
    const when = (condition: string, value: number | undefined) => {
      if (value === undefined) return
      where.push(condition)
      args.push(value)
    }
    when('timestamp >= ?', q.startTime)
    when('timestamp <= ?', q.endTime)
    when('seq > ?', q.after)
    when('seq < ?', q.before)
    if (q.streams && q.streams.length > 0) {
      where.push(`log_stream IN (${q.streams.map(() => '?').join(', ')})`)
      args.push(...q.streams)
    }
    const order = q.newestFirst ? 'DESC' : 'ASC'
    const rows = this.#store.db
      .prepare(
        `SELECT seq, log_stream, timestamp, ingestion_time, message FROM log_events
         WHERE ${where.join(' AND ')} ORDER BY seq ${order}`,
      )
      .iterate(...args) as IterableIterator<{
      seq: number
      log_stream: string
      timestamp: number
      ingestion_time: number
      message: string
    }>
    const events: LogEvent[] = []
    let last: number | undefined
    let more = false
    for (const row of rows) {
      if (events.length >= q.limit) {
        more = true
        break
      }
      last = row.seq
      if (q.matches && !q.matches(row.message)) continue
      events.push({
        timestamp: row.timestamp,
        message: row.message,
        ingestionTime: row.ingestion_time,
        logStreamName: row.log_stream,
        eventId: String(row.seq).padStart(20, '0'),
      })
    }
    return { events, last, more }
  }
}

/** `/aws/lambda/<function>`, as Lambda names a function's log group. */
export function functionLogGroup(functionName: string): string {
  return `/aws/lambda/${functionName}`
}

/**
 * The stream of a line logged outside any execution environment: `YYYY/MM/DD/[$LATEST]tributary`
 * (before environments had their own streams, every line went to this one per day).
 */
export function functionLogStream(timestamp: number): string {
  const day = new Date(timestamp).toISOString().slice(0, 10).replaceAll('-', '/')
  return `${day}/[$LATEST]tributary`
}

/**
 * CloudWatch Logs' filter pattern for unstructured events: terms that must all appear, `"quoted
 * phrases"`, `-term` that must not, `?term` of which one must (JSON and space-delimited patterns
 * are not served). https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/FilterAndPatternSyntax.html
 */
export function filterPattern(pattern: string | undefined): ((message: string) => boolean) | undefined {
  const text = pattern?.trim() ?? ''
  if (text === '') return undefined
  const terms = [...text.matchAll(/([-?]?)(?:"([^"]*)"|(\S+))/g)].map((m) => ({
    mode: m[1] as '' | '-' | '?',
    term: m[2] ?? m[3] ?? '',
  }))
  const all = terms.filter((t) => t.mode === '')
  const none = terms.filter((t) => t.mode === '-')
  const any = terms.filter((t) => t.mode === '?')
  return (message) =>
    all.every((t) => message.includes(t.term)) &&
    none.every((t) => !message.includes(t.term)) &&
    (any.length === 0 || any.some((t) => message.includes(t.term)))
}

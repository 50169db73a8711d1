import { isWord, splitStatements, textOf, tokenize } from './sql/lexer.ts'
import type { Program } from './sql/program.ts'
import type { QuerySpec } from './sql/query.ts'

/** Result rows kept per query for the dashboard (the newest; older ones fall off). */
export const RESULT_ROWS = 200

/** One shard of a query's source: its own watermark (max event time − bound) and whether it counts. */
export interface ShardStatus {
  /** `stream/shardId`. */
  shard: string
  /** Undefined until the shard has had a record with an event time. */
  watermark?: number
  /** An idle shard (no records for `idleTimeoutMs`) no longer holds the watermark back. */
  idle: boolean
}

/** One continuous query of an analytics resource, as it runs now. */
export interface QueryStatus {
  index: number
  /** The `INSERT INTO` statement as written. */
  sql: string
  /** The sink table and what it writes to (`table zone-stats`, `stream out`). */
  sink?: { table: string; connector: string }
  source: string
  /** `TUMBLE 1 min`, `HOP 1 min / 10 s`, …; undefined for a query without a window. */
  window?: string
  /** `window`: rows when windows close; `update`: an updated row per changed group; `append`: row by row. */
  mode: QuerySpec['mode']
  /** The query's time: event time (the watermark) or processing time (the engine clock). */
  time: 'event' | 'processing' | 'none'
  /** The query's current watermark (ms since the epoch); undefined before the first one. */
  watermark?: number
  /** Engine clock now − watermark. */
  watermarkLagMs?: number
  shards: ShardStatus[]
  /** Records its source table had (valid or not). */
  recordsIn: number
  rowsOut: number
  late: number
  /** Windows with state (undefined where windows are not kept apart: updates, sessions, appends). */
  openWindows?: number
  /** Rows of state: partial aggregates or buffered rows. */
  stateRows: number
  /** Output column names, in order. */
  columns: string[]
  /** Rows output since the job started in this process (the results ring's newest number). */
  resultsSeq: number
}

/** An analytics resource's progress: what the dashboard's Analytics tab shows. */
export interface AnalyticsStatus {
  name: string
  state: 'running' | 'failed' | 'stopped'
  /** Why it failed (one line). */
  error?: string
  /** The engine clock when the status was read. */
  now: number
  /** The engine clock at the last committed micro-batch. */
  lastBatchAt?: number
  batches: number
  recordsIn: number
  rowsOut: number
  late: number
  invalid: number
  queries: QueryStatus[]
}

/** The newest result rows of one query. */
export interface QueryResults {
  index: number
  columns: string[]
  /** Rows output so far; `rows` are the newest of them, oldest first. */
  total: number
  rows: Record<string, unknown>[]
}

/**
 * The newest {@link RESULT_ROWS} rows of every query, in memory. Rows are kept as the JSON text
 * the sinks were given and parsed only when read, so a busy query pays one array slot per row.
 */
export class ResultRing {
  readonly #rows: string[][]
  readonly #totals: number[]

  constructor(
    queries: number,
    readonly capacity = RESULT_ROWS,
  ) {
    this.#rows = Array.from({ length: queries }, () => [])
    this.#totals = Array.from({ length: queries }, () => 0)
  }

  push(query: number, rows: readonly string[]): void {
    const ring = this.#rows[query]
    if (!ring) return
    this.#totals[query]! += rows.length
    for (const row of rows.length > this.capacity ? rows.slice(-this.capacity) : rows) ring.push(row)
    // Trimmed in bulk: an array shift per row would make a busy query quadratic.
    if (ring.length > 2 * this.capacity) ring.splice(0, ring.length - this.capacity)
  }

  total(query: number): number {
    return this.#totals[query] ?? 0
  }

  read(query: number, limit = this.capacity): Record<string, unknown>[] {
    const ring = this.#rows[query] ?? []
    return ring.slice(-Math.min(limit, this.capacity)).map((r) => JSON.parse(r) as Record<string, unknown>)
  }
}

const UNITS: [number, string][] = [
  [86_400_000, 'd'],
  [3_600_000, 'h'],
  [60_000, 'min'],
  [1000, 's'],
  [1, 'ms'],
]

/** `3600000` → `1 h`; `90000` → `90 s`. */
export function interval(ms: number): string {
  const [size, unit] = UNITS.find(([size]) => ms % size === 0 && ms >= size) ?? [1, 'ms']
  return `${ms / size} ${unit}`
}

/** A query's window in a few words: `TUMBLE 1 h`, `HOP 1 h every 10 min`, `SESSION gap 30 min`. */
export function describeWindow(spec: QuerySpec): string | undefined {
  const w = spec.window
  if (!w) return undefined
  const time = w.time === 'processing' ? ' (processing time)' : ''
  switch (w.kind) {
    case 'tumble':
      return `TUMBLE ${interval(w.sizeMs)}${time}`
    case 'hop':
      return `HOP ${interval(w.sizeMs)} every ${interval(w.slideMs)}${time}`
    case 'cumulate':
      return `CUMULATE ${interval(w.sizeMs)} by ${interval(w.stepMs)}${time}`
    case 'session':
      return `SESSION gap ${interval(w.gapMs)}${time}`
  }
}

/** What a sink table writes to, in the pipeline's words. */
export function describeSink(spec: QuerySpec): QueryStatus['sink'] {
  const t = spec.sink
  if (!t) return undefined
  // Whatever a connector writes to is named by one of these (a new connector's too, if it follows suit).
  const c = t.connector as { kind: string } & Record<string, unknown>
  const target = ['stream', 'table', 'bucket', 'topic', 'index']
    .map((k) => c[k])
    .find((v) => typeof v === 'string')
  const connector = target === undefined ? c.kind : `${c.kind} ${target}`
  return { table: t.name, connector }
}

/** A query's time: a window's, else its source's watermark or processing time. */
export function queryTime(program: Program, spec: QuerySpec): QueryStatus['time'] {
  if (spec.window) return spec.window.time
  const source = program.tables.get(spec.source.name)
  return source?.watermark ? 'event' : source?.proctime ? 'processing' : 'none'
}

/** The text of each query (`INSERT INTO …`) in `sql`, in the program's order. */
export function queryTexts(sql: string): string[] {
  return splitStatements(tokenize(sql))
    .filter((statement) => !isWord(statement[0], 'CREATE'))
    .map((statement) => textOf(sql, statement))
}

import type { AnalyticsStatus, QueryResults } from '../analytics/status.ts'
import type { QueryOptions, TableKey } from '../bindings/index.ts'
import type { BindingUse } from '../functions/binding-usage.ts'
import type { AlarmHistoryItem, AlarmStatus } from '../monitor/alarms/alarm-store.ts'
import type { Datapoint, MetricQuery } from '../monitor/metric-store.ts'
import type { Pipeline } from '../pipeline/schema.ts'

/**
 * Everything the dashboard reads or changes, and nothing more. The runtime adapter
 * (`dashboardSourceFromRuntime`) implements it over a running pipeline; tests implement it with
 * plain objects. Shapes are the ones the real services already return, so the adapter stays thin.
 */
export interface DashboardSource {
  /** The current (validated) pipeline definition: the graph is built from it on every request. */
  pipeline(): Pipeline
  metrics: DashboardMetrics
  /** Absent until alarms are configured: the Alarms panel then says so. */
  alarms?: DashboardAlarms | undefined
  queues: DashboardQueues
  /** Stream names that exist now (the tail picker); the pipeline's streams when omitted. */
  streams?(): string[]
  /**
   * Live records of a stream from now on, in batches, until the returned function is called.
   * Must not buffer without bound: a slow listener is the dashboard's problem, not the source's.
   */
  tail(stream: string, listener: (records: TailRecord[]) => void): () => void
  lake: DashboardLake
  /** SQL over the lake (DuckDB with the catalog as views). Rejects with a readable message. */
  query(sql: string, options: { maxRows: number }): Promise<DashboardQueryResult>
  /** The pipeline's tables (the Tables panel); the panel says there are none when omitted. */
  tables?: DashboardTables | undefined
  /** What each function's bindings have read and written so far (observed graph edges). */
  bindingUse?(): BindingUse[]
  /** The functions' logs (CloudWatch Logs); the Logs panel says there are none when omitted. */
  logs?: DashboardLogs | undefined
  /** The injected faults active now (docs/faults.md), each as one line; the card hides when none. */
  faults?(): DashboardFault[]
  /** The search indexes (the Explore panel); the panel says there are none when omitted. */
  search?: DashboardSearch | undefined
  /** The analytics resources (the Analytics panel); the panel says there are none when omitted. */
  analytics?: DashboardAnalytics | undefined
}

/**
 * The analytics resources' progress (each query's watermark, lag, counts and open state) and the
 * newest rows each query output. `results` of an unknown resource is undefined.
 */
export interface DashboardAnalytics {
  list(): Promise<AnalyticsStatus[]>
  results(name: string, limit?: number): QueryResults[] | undefined
}

/** A search index as the Explore panel lists it. */
export interface SearchIndexView {
  name: string
  docCount: number
  /** The date field the histogram is drawn over (declared, else the first date field). */
  timeField?: string
  /** Mapped leaves (`zone`, `zone.keyword`) with their OpenSearch types. */
  fields: { path: string; type: string }[]
}

/**
 * The search indexes: a list, and OpenSearch's `_search` on one (the body and the reply in
 * OpenSearch's shapes). Unknown indexes and bad queries throw errors with `status` and `reason`.
 */
export interface DashboardSearch {
  indexes(): SearchIndexView[]
  search(index: string, body: Record<string, unknown>): unknown
}

/** An active fault as the Overview's Faults card shows it. */
export interface DashboardFault {
  id: string
  /** What `tributary fault list` prints for it. */
  text: string
  /** When it expires (ms since the epoch, engine clock), if it does. */
  expiresAt?: number
}

/** One line of a function's log group, as CloudWatch Logs keeps it. */
export interface LogLine {
  /** Its position in the store: lines after it have higher ones. */
  id: number
  timestamp: number
  /** The execution environment's stream (`YYYY/MM/DD/[$LATEST]<32 hex>`). */
  stream: string
  message: string
}

/**
 * The functions' log groups (`/aws/lambda/<function>`). `filter` is a CloudWatch Logs filter
 * pattern, as FilterLogEvents takes it.
 */
export interface DashboardLogs {
  /** Functions with a log group or declared, by name. */
  functions(): string[]
  /** Whether `fn` is declared or has a log group (one lookup, not the list). */
  has(fn: string): boolean
  /** The newest `limit` lines (in time order), and the position to follow from. */
  recent(fn: string, options: { limit: number; filter?: string }): { lines: LogLine[]; position: number }
  /**
   * Lines after `after` (at most `limit`); `position` is where the next read starts, past lines
   * the filter skipped; `more` when there are more to read now.
   */
  after(
    fn: string,
    after: number,
    options: { limit: number; filter?: string },
  ): { lines: LogLine[]; position: number; more: boolean }
  /** Calls `listener` whenever new lines may have been written, until the returned function is called. */
  watch(listener: () => void): () => void
}

/** A page of items and, when there may be more, the key to continue after (LastEvaluatedKey). */
export interface TablePage {
  items: Array<Record<string, unknown>>
  lastKey?: TableKey
}

/**
 * The table service's reads, by table name. Unknown tables throw `ResourceNotFoundException`,
 * bad keys and conditions `ValidationException`, with DynamoDB's messages.
 */
export interface DashboardTables {
  list(): Array<{ name: string; partitionKey: string; sortKey?: string; itemCount: number }>
  scan(table: string, options: { limit: number; startAfter?: TableKey }): TablePage
  query(table: string, options: QueryOptions): TablePage
  get(table: string, key: TableKey): Record<string, unknown> | undefined
}

/** The metric store's query (GetMetricStatistics-like) and its list of series. */
export interface DashboardMetrics {
  query(q: MetricQuery): Datapoint[]
  series(): Array<{ namespace: string; name: string; dimensions: Readonly<Record<string, string>> }>
}

export interface DashboardAlarms {
  list(): DashboardAlarm[]
  history(name: string, limit?: number): AlarmHistoryItem[]
}

/** An alarm as the store keeps it; `config` is shown as-is in the detail view. */
export type DashboardAlarm = Pick<AlarmStatus, 'name' | 'state' | 'reason' | 'updatedAt'> &
  Partial<Pick<AlarmStatus, 'config' | 'reasonData'>>

export interface QueueDepthView {
  visible: number
  inFlight: number
  delayed: number
  oldestAgeMs: number
}

export interface PeekedMessageView {
  messageId: string
  body: string
  state: string
  sentAt: number
  receiveCount: number
  sourceQueue: string | undefined
  messageAttributes?: unknown
}

/** The queue service's `list`, `peek` and `redrive` (StartMessageMoveTask semantics). */
export interface DashboardQueues {
  list(): Array<{ name: string; depth: QueueDepthView }>
  peek(
    queue: string,
    options: { limit?: number; after?: string },
  ): { messages: PeekedMessageView[]; next?: string }
  /** Moves visible messages of a dead-letter queue to `destination`, or back to their source queues. */
  redrive(deadLetterQueue: string, options: { destination?: string }): { moved: number; skipped: number }
}

export interface TailRecord {
  shardId: string
  sequenceNumber: string
  partitionKey: string
  /** Record data, base64. */
  data: string
  /** Approximate arrival time, ms since epoch. */
  arrival: number
}

export interface DashboardLake {
  buckets(): string[]
  listObjects(
    bucket: string,
    options: { prefix?: string; delimiter?: string; maxKeys?: number; continuationToken?: string },
  ): Promise<{
    objects: Array<{ key: string; size: number; lastModified: number }>
    commonPrefixes: string[]
    isTruncated: boolean
    nextContinuationToken?: string
  }>
  getObject(
    bucket: string,
    key: string,
  ): Promise<{
    body: Buffer
    size: number
    contentType: string
    contentEncoding?: string
    lastModified: number
  }>
}

export interface DashboardQueryResult {
  columns: Array<{ name: string; type: string }>
  rows: unknown[][]
  rowCount: number
  truncated: boolean
}

/** The bindings' public types: what handler code passes and gets back, and the transport carrying the calls. */

/** Moves a call to wherever the resources live. */
export interface BindingTransport {
  call(service: string, resource: string, method: string, args: unknown[]): Promise<unknown>
}

/** Record data: bytes as given, strings as UTF-8, anything else as JSON. */
export type RecordData = Uint8Array | string | number | boolean | object

export interface StreamPutOptions {
  partitionKey: string
  explicitHashKey?: string
}

export interface StreamPutResult {
  shardId: string
  sequenceNumber: string
}

export interface StreamBinding {
  put(data: RecordData, options: StreamPutOptions): Promise<StreamPutResult>
  /** Like Kinesis PutRecords: up to 500 records; per-record results in order. */
  putMany(records: Array<{ data: RecordData } & StreamPutOptions>): Promise<{
    failedRecordCount: number
    records: Array<Partial<StreamPutResult> & { errorCode?: string; errorMessage?: string }>
  }>
}

/** A table key: the partition key attribute, and the sort key attribute if the table has one. */
export type TableKey = Record<string, string | number>

/**
 * A condition on the item currently stored (DynamoDB's condition expressions, as data). All
 * given parts must hold. A failed condition rejects with `ConditionalCheckFailedException`.
 */
export interface Condition {
  /** The item exists (`true`) or does not (`false`). */
  exists?: boolean
  /** These attributes exist. */
  attributeExists?: string[]
  /** These attributes do not exist. */
  attributeNotExists?: string[]
  /** These attributes have exactly these values. */
  equals?: Record<string, unknown>
}

/** Changes for `update` (DynamoDB's SET / ADD / REMOVE). */
export interface Changes {
  set?: Record<string, unknown>
  /** Numeric increments (creating the attribute at the increment if absent). */
  add?: Record<string, number>
  remove?: string[]
}

/** A condition on the sort key for `query`. */
export type SortKeyCondition =
  | { equals: string | number }
  | { lessThan: string | number }
  | { lessThanOrEqual: string | number }
  | { greaterThan: string | number }
  | { greaterThanOrEqual: string | number }
  | { between: [string | number, string | number] }
  | { beginsWith: string }

export interface QueryOptions {
  /** Value of the partition key. */
  partitionKey: string | number
  sortKey?: SortKeyCondition
  limit?: number
  /** Ascending by sort key (default), or descending. */
  scanForward?: boolean
  /** Continue after this key (the `lastKey` of the previous page). */
  startAfter?: TableKey
}

export interface TableBinding<T extends Record<string, unknown> = Record<string, unknown>> {
  get(key: TableKey): Promise<T | undefined>
  put(item: T, options?: { condition?: Condition }): Promise<void>
  /** Applies `changes` (creating the item if absent) and returns the item as it is afterwards. */
  update(key: TableKey, changes: Changes, options?: { condition?: Condition }): Promise<T>
  delete(key: TableKey, options?: { condition?: Condition }): Promise<void>
  query(options: QueryOptions): Promise<{ items: T[]; lastKey?: TableKey }>
}

export interface QueueSendOptions {
  /** 0–900 s before the message becomes visible (SQS DelaySeconds; not on a FIFO queue). */
  delaySeconds?: number
  attributes?: Record<string, string>
  /** SQS MessageGroupId: required on a FIFO queue, whose groups keep their order. */
  messageGroupId?: string
  /** SQS MessageDeduplicationId (FIFO): needed unless the queue has content-based deduplication. */
  messageDeduplicationId?: string
}

export interface QueueBinding {
  /** Strings are sent as-is, anything else as JSON. */
  send(body: string | object, options?: QueueSendOptions): Promise<{ messageId: string }>
}

export interface TopicPublishOptions {
  subject?: string
  attributes?: Record<string, string>
}

export interface TopicBinding {
  /** Strings are published as-is, anything else as JSON. */
  publish(message: string | object, options?: TopicPublishOptions): Promise<{ messageId: string }>
}

export interface BucketPutOptions {
  /** Defaults by body: `application/json` for objects, `text/plain; charset=utf-8` for strings, `binary/octet-stream` for bytes. */
  contentType?: string
  contentEncoding?: string
  /** User metadata (S3's `x-amz-meta-*`): names are lower-cased; 2 KB in all. */
  metadata?: Record<string, string>
}

/** HeadObject's answer. */
export interface BucketObjectHead {
  key: string
  size: number
  /** Quoted MD5 hex, as S3's `ETag` header. */
  etag: string
  contentType: string
  contentEncoding?: string
  metadata: Record<string, string>
  lastModified: Date
}

export interface BucketListOptions {
  prefix?: string
  delimiter?: string
  /** At most 1000 (the default). */
  maxKeys?: number
  continuationToken?: string
  startAfter?: string
}

export interface BucketListResult {
  objects: Array<{ key: string; size: number; etag: string; lastModified: Date }>
  commonPrefixes: string[]
  isTruncated: boolean
  nextContinuationToken?: string
  keyCount: number
}

/**
 * An S3 bucket with S3's semantics: `get` and `head` of a missing key reject with an error named
 * `NoSuchKey`; `delete` of a missing key succeeds; `list` pages like ListObjectsV2.
 */
export interface BucketBinding {
  /** Bytes as given, strings as UTF-8, anything else as JSON. Replaces an existing object. */
  put(
    key: string,
    body: string | Uint8Array | object,
    options?: BucketPutOptions,
  ): Promise<{ etag: string; size: number }>
  get(key: string): Promise<BucketObjectHead & { body: Uint8Array }>
  head(key: string): Promise<BucketObjectHead>
  delete(key: string): Promise<void>
  list(options?: BucketListOptions): Promise<BucketListResult>
}

/** CloudWatch-style units a custom metric may carry. */
export type MetricUnit = 'Count' | 'Milliseconds' | 'Bytes' | 'Percent' | 'None'

export interface MetricsBinding {
  /**
   * Publishes one datapoint (CloudWatch's PutMetricData): alarms and the dashboard see it. The
   * same can be done with the embedded metric format in a log line.
   */
  put(
    name: string,
    value: number,
    options?: { unit?: MetricUnit; dimensions?: Record<string, string>; timestamp?: number },
  ): Promise<void>
}

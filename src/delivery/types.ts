import type { DeliveryConfig } from '../pipeline/schema.ts'

/**
 * Contracts of the delivery stage (Firehose semantics: buffer → transform → partition → encode →
 * write exactly-once files into a bucket). Each part is built and tested alone; the delivery
 * runtime composes them.
 */

/** Firehose's compression formats. */
export type Compression = 'UNCOMPRESSED' | 'GZIP' | 'ZIP' | 'Snappy' | 'HADOOP_SNAPPY'

/** A catalog column (Glue-style types). */
export interface ColumnSchema {
  name: string
  /** string, int, bigint, double, float, boolean, timestamp, date, decimal(p,s), binary */
  type: string
}

/** One file's worth of records, ready to encode. */
export interface EncodeRequest {
  format: 'ndjson' | 'parquet'
  /** Record bytes after transformation (UTF-8 JSON for parquet). */
  records: Buffer[]
  /** NDJSON: add `\n` after each record (Firehose's AppendDelimiterToRecord). */
  appendNewline: boolean
  compression: Compression
  /** Parquet: the catalog table's columns (required for parquet). */
  columns?: ColumnSchema[]
  /** ZIP: the name of the single entry. */
  entryName?: string
  /** A fixed time for timestamps inside the file (ZIP entry mtime), so replays are byte-identical. */
  fileTimeMs: number
}

export interface EncodeResult {
  body: Buffer
  /** File extension including compression, e.g. `.json.gz`, `.parquet`. */
  extension: string
  contentType: string
  contentEncoding?: string
  /** Records that could not be converted (Parquet): they go to the error prefix instead. */
  failures: { index: number; reason: string }[]
}

/** Encodes batches off the event loop (worker threads). Output depends only on the request. */
export interface Encoder {
  encode(request: EncodeRequest): Promise<EncodeResult>
  close(): Promise<void>
}

/** How a delivery stream writes objects: the bucket store's contract as the writer needs it. */
export interface ObjectWriter {
  /**
   * Writes `key` atomically and durably (temp file → fsync → rename → fsync directory) and only
   * then resolves. Writing the same key again replaces it atomically. Readers never see a partial
   * object.
   */
  putObject(
    bucket: string,
    key: string,
    body: Buffer,
    options?: { contentType?: string; contentEncoding?: string; metadata?: Record<string, string> },
  ): Promise<{ etag: string; size: number }>
}

export type DeliveryStatus = 'CREATING' | 'ACTIVE' | 'DELETING'

export interface DeliveryDescription {
  name: string
  status: DeliveryStatus
  config: DeliveryConfig
  createdAt: number
  lastUpdatedAt: number
  /** Firehose's VersionId, bumped on every update. */
  version: number
}

/** The operations the Firehose API needs from the delivery runtime. */
export interface DeliveryService {
  has(name: string): boolean
  names(): string[]
  describe(name: string): DeliveryDescription | undefined
  /** CreateDeliveryStream: the stream starts CREATING and becomes ACTIVE shortly after. */
  create(name: string, config: DeliveryConfig): void
  /** DeleteDeliveryStream: buffered records are delivered first, then the stream is gone. */
  delete(name: string): void
  /** Direct-put streams only: stores the records durably (acked = fsynced) and returns their ids. */
  put(name: string, records: Buffer[]): Promise<{ recordId: string }[]>
}

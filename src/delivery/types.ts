import type { DeliveryConfig } from './config.ts'

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

/**
 * Records back to back in one buffer, as the encoder worker receives them: one transfer instead
 * of a copy per record, and no per-record objects on the event loop.
 */
export interface PackedRecords {
  /** Every record's bytes back to back (may be longer than the last end). */
  data: Uint8Array
  /** End offset of each record in `data`. */
  ends: Uint32Array
  /**
   * The bytes are base64 text, as the log stores record data: the encoder decodes each record
   * (Node's decoder, exactly as `Buffer.from(text, 'base64')`) before using it.
   */
  base64: boolean
  /**
   * `data` and `ends` own their ArrayBuffers (from offset 0, shared with nothing): an encoder
   * pool transfers them to the worker instead of copying, which detaches them here. Never set it
   * for a Buffer that may come from Node's allocation pool.
   */
  transferable?: boolean
}

/** One file's worth of records, ready to encode. */
export interface EncodeRequest {
  format: 'ndjson' | 'parquet'
  /** Record bytes after transformation (UTF-8 JSON for parquet). */
  records: readonly Buffer[] | PackedRecords
  /** NDJSON: add `\n` after each record (Firehose's AppendDelimiterToRecord). */
  appendNewline: boolean
  compression: Compression
  /** Parquet: the catalog table's columns (required for parquet). */
  columns?: ColumnSchema[]
  /** ZIP: the name of the single entry. */
  entryName?: string
  /** A fixed time for timestamps inside the file (ZIP entry mtime), so replays are byte-identical. */
  fileTimeMs: number
  /**
   * NDJSON without ZIP only: bodies of earlier requests that this one continues. The result's
   * body is their concatenation followed by this request's output — a file encoded in chunks
   * (concatenated gzip members, Snappy framed streams and Hadoop-Snappy blocks each read as one
   * stream). Chunks keep a large buffer from being held decoded, packed and compressed at once.
   * An encoder pool transfers them to its worker (they are detached here).
   */
  before?: readonly Uint8Array[]
  /** Also compute the body's MD5 (off the event loop, for the object's ETag). */
  md5?: boolean
  /**
   * Parquet only, `columns`: convert the records and return their column values (the result's
   * `columnData`, with an empty body) instead of a file: the first steps of a file in chunks.
   */
  stage?: 'columns'
  /**
   * Parquet only: column values of earlier chunks of this file (their results' `columnData`),
   * whose rows come before this request's records.
   */
  columnData?: readonly (readonly unknown[][])[]
}

export interface EncodeResult {
  body: Buffer
  /** File extension including compression, e.g. `.json.gz`, `.parquet`. */
  extension: string
  contentType: string
  contentEncoding?: string
  /** Records that could not be converted (Parquet): they go to the error prefix instead. */
  failures: { index: number; reason: string }[]
  /** Lower-case hex MD5 of `body`, when the request asked for it. */
  md5?: string
  /** A `stage: 'columns'` request's column values, one array per catalog column. */
  columnData?: unknown[][]
}

/** Encodes batches off the event loop (worker threads). Output depends only on the request. */
export interface Encoder {
  encode(request: EncodeRequest): Promise<EncodeResult>
  /**
   * Starts the encoder's threads now and resolves once they are ready, instead of on the first
   * request (loading a worker's code costs a few hundred ms of CPU).
   */
  warm?(): Promise<void>
  close(): Promise<void>
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

/** The operations the Firehose API needs from the delivery streams (`DeliveryStreams`). */
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

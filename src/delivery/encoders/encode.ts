/**
 * The pure encoding step of a delivery: one request in, one file body out. The output depends
 * only on the request — no clock, no randomness, no environment — because exactly-once lake files
 * rely on a replay producing the very same bytes.
 */
import type { EncodeRequest, EncodeResult } from '../types.ts'
import { COMPRESSIONS } from './compression.ts'
import { EncodeRequestError } from './errors.ts'
import { concatRecords } from './ndjson.ts'
import { encodeParquet } from './parquet.ts'

/**
 * Every format is opaque bytes to the bucket, and no Content-Encoding is set: a `.gz` object is a
 * gzip file (what Athena, DuckDB and `aws s3 cp` expect), not a JSON body for clients to inflate.
 */
export const CONTENT_TYPE = 'application/octet-stream'

/**
 * Encodes one file. Throws EncodeRequestError for an invalid request; record-level problems
 * (Parquet conversion) come back in `failures`.
 *
 * @example
 * const file = encodeSync({ format: 'ndjson', records, appendNewline: true, compression: 'GZIP', fileTimeMs: 0 })
 * await writer.putObject(bucket, key + file.extension, file.body, { contentType: file.contentType })
 */
export function encodeSync(request: EncodeRequest): EncodeResult {
  const compression = COMPRESSIONS[request.compression]
  if (!compression) throw new EncodeRequestError(`unknown compression ${String(request.compression)}`)
  if (request.format === 'parquet') {
    // Firehose rejects a compression format on a converting stream: Parquet compresses its
    // column chunks itself (SNAPPY).
    if (request.compression !== 'UNCOMPRESSED') {
      throw new EncodeRequestError(
        `compression ${request.compression} cannot apply to Parquet (it is compressed inside, with SNAPPY)`,
      )
    }
    if (!request.columns) throw new EncodeRequestError('Parquet needs the catalog table columns')
    const { body, failures } = encodeParquet(request.records, request.columns)
    return { body, extension: '.parquet', contentType: CONTENT_TYPE, failures }
  }
  if (request.format !== 'ndjson') throw new EncodeRequestError(`unknown format ${String(request.format)}`)
  const body = compression.compress(concatRecords(request.records, request.appendNewline), request)
  return { body, extension: `.json${compression.extension}`, contentType: CONTENT_TYPE, failures: [] }
}

/**
 * The pure encoding step of a delivery: one request in, one file body out. The output depends
 * only on the request — no clock, no randomness, no environment — because exactly-once lake files
 * rely on a replay producing the very same bytes.
 */
import { createHash } from 'node:crypto'
import type { EncodeRequest, EncodeResult } from '../types.ts'
import { COMPRESSIONS } from './compression.ts'
import { EncodeRequestError } from './errors.ts'
import { concatRecords } from './ndjson.ts'
import { encodeParquet, parquetColumns } from './parquet.ts'

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
    if (request.before?.length)
      throw new EncodeRequestError(
        'a Parquet file is encoded in chunks with stage and columnData, not before',
      )
    if (request.stage === 'columns') {
      const { data, failures } = parquetColumns(request.records, request.columns)
      return { body: Buffer.alloc(0), extension: '', contentType: CONTENT_TYPE, failures, columnData: data }
    }
    const { body, failures } = encodeParquet(request.records, request.columns, request.columnData)
    return finish({ body, extension: '.parquet', contentType: CONTENT_TYPE, failures }, request)
  }
  if (request.format !== 'ndjson') throw new EncodeRequestError(`unknown format ${String(request.format)}`)
  if (request.stage !== undefined || request.columnData !== undefined)
    throw new EncodeRequestError('stage and columnData are for Parquet files')
  if (request.before?.length && request.compression === 'ZIP') {
    throw new EncodeRequestError('a ZIP file cannot be encoded in chunks')
  }
  // Compressors are done with their input when they return: it may sit in scratch memory.
  const scratch = request.compression !== 'UNCOMPRESSED'
  const body = compression.compress(concatRecords(request.records, request.appendNewline, scratch), request)
  return finish(
    { body, extension: `.json${compression.extension}`, contentType: CONTENT_TYPE, failures: [] },
    request,
  )
}

/** Puts the earlier chunks (`before`) in front of the body, and adds its MD5 when asked. */
function finish(result: EncodeResult, request: EncodeRequest): EncodeResult {
  if (request.before?.length) result.body = Buffer.concat([...request.before, result.body])
  if (request.md5) result.md5 = createHash('md5').update(result.body).digest('hex')
  return result
}

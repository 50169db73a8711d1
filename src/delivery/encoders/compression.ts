/**
 * Firehose's S3 compression formats as data: how each one compresses a file body and the file
 * extension Firehose appends for it (https://docs.aws.amazon.com/firehose/latest/dev/s3-object-name.html).
 */
import { constants, gzipSync } from 'node:zlib'
import type { Compression, EncodeRequest } from '../types.ts'
import { hadoopSnappy, snappyFrame } from './snappy.ts'
import { zipSingle } from './zip.ts'

/**
 * zlib level for GZIP. Level 1 is the one that meets the NDJSON delivery target (≥ 100k records/s
 * of 1 KiB JSON on 2 cores): on typical sensor JSON, level 1 runs ≈ 180 MB/s at ratio 4.2 and
 * level 6 ≈ 39 MB/s at ratio 6 (research/perf-baselines.md), i.e. level 6 alone would cap a core
 * at ≈ 38k records/s. Firehose's own level is unpublished; any gzip reader reads either.
 */
export const GZIP_LEVEL = 1
/** zlib level for the ZIP entry (same tradeoff as GZIP). */
export const ZIP_LEVEL = 1

/** The entry name when the request names none. */
export const DEFAULT_ZIP_ENTRY = 'data'

/** Byte 9 of a gzip header is the OS that wrote it; zlib fills in the build platform's code. */
const GZIP_OS_OFFSET = 9
/** 255 = "unknown" (RFC 1952), so files are identical whatever platform replays the log. */
const GZIP_OS_UNKNOWN = 255

interface CompressionSpec {
  extension: string
  compress(body: Buffer, request: EncodeRequest): Buffer
}

export const COMPRESSIONS: Record<Compression, CompressionSpec> = {
  UNCOMPRESSED: { extension: '', compress: (body) => body },
  GZIP: { extension: '.gz', compress: gzip },
  ZIP: { extension: '.zip', compress: zip },
  Snappy: { extension: '.snappy', compress: (body) => snappyFrame(body) },
  HADOOP_SNAPPY: { extension: '.hsnappy', compress: (body) => hadoopSnappy(body) },
}

function gzip(body: Buffer): Buffer {
  // Node's zlib writes mtime 0 and no file name, so only the OS byte varies between machines.
  const out = gzipSync(body, { level: GZIP_LEVEL, strategy: constants.Z_DEFAULT_STRATEGY })
  out[GZIP_OS_OFFSET] = GZIP_OS_UNKNOWN
  return out
}

function zip(body: Buffer, request: EncodeRequest): Buffer {
  return zipSingle(request.entryName ?? DEFAULT_ZIP_ENTRY, body, request.fileTimeMs, ZIP_LEVEL)
}

/** Firehose's plain S3 output: record bytes concatenated, optionally each followed by `\n`. */
import type { PackedRecords } from '../types.ts'

const NEWLINE = 0x0a

/** Whether `records` came packed (one buffer and an offsets table) rather than one Buffer each. */
export function isPacked(records: readonly Buffer[] | PackedRecords): records is PackedRecords {
  return !Array.isArray(records)
}

/**
 * Concatenates `records` into one buffer. Firehose adds no delimiter unless the
 * AppendDelimiterToRecord processor is on (`appendNewline`). Packed base64 records are decoded on
 * the way (see {@link decodePacked}).
 */
export function concatRecords(
  records: readonly Buffer[] | PackedRecords,
  appendNewline: boolean,
  scratch = false,
): Buffer {
  if (isPacked(records)) return decodePacked(records, appendNewline, scratch).body
  let size = appendNewline ? records.length : 0
  for (const record of records) size += record.length
  const out = Buffer.allocUnsafe(size)
  let at = 0
  for (const record of records) {
    at += record.copy(out, at)
    if (appendNewline) out[at++] = NEWLINE
  }
  return out
}

/** Largest body kept in the reusable scratch buffer (a chunk of a chunked file fits). */
const SCRATCH_MAX = 8 * 1024 * 1024
let scratchBuffer: Buffer | undefined

/** `size` bytes to decode into: the reusable scratch buffer when allowed and large enough. */
function output(size: number, scratch: boolean): Buffer {
  if (!scratch || size > SCRATCH_MAX) return Buffer.allocUnsafe(size)
  if (!scratchBuffer || scratchBuffer.length < size) scratchBuffer = Buffer.allocUnsafeSlow(SCRATCH_MAX)
  return scratchBuffer
}

/**
 * The records of a packed request back to back (each followed by `\n` with `appendNewline`), and
 * where each one ends in that body. Base64 records are decoded by Node's decoder, the one
 * `Buffer.from(text, 'base64')` uses, straight into the body: no Buffer per record. With
 * `scratch`, the body is a view of a buffer the next call overwrites (for callers that are done
 * with it before then: a compressor, the Parquet writer), so a worker does not allocate and drop
 * megabytes per chunk.
 */
export function decodePacked(
  packed: PackedRecords,
  appendNewline: boolean,
  scratch = false,
): { body: Buffer; ends: Uint32Array } {
  const { ends } = packed
  const count = ends.length
  const used = count === 0 ? 0 : ends[count - 1]!
  const src = Buffer.from(packed.data.buffer, packed.data.byteOffset, used)
  // Shared memory is the caller's to reuse: never hand it out as the body.
  if (!packed.base64 && !appendNewline && !(packed.data.buffer instanceof SharedArrayBuffer)) {
    return { body: src, ends }
  }
  // A base64 text of n characters decodes to at most ⌊3n/4⌋ bytes (what Node allocates for it).
  let size = appendNewline ? count : 0
  let start = 0
  for (let i = 0; i < count; i++) {
    const length = ends[i]! - start
    size += packed.base64 ? (length * 3) >>> 2 : length
    start = ends[i]!
  }
  const out = output(size, scratch)
  const outEnds = new Uint32Array(count)
  let at = 0
  start = 0
  for (let i = 0; i < count; i++) {
    const end = ends[i]!
    if (end > start) {
      at += packed.base64
        ? out.write(src.toString('latin1', start, end), at, 'base64')
        : src.copy(out, at, start, end)
    }
    outEnds[i] = at
    if (appendNewline) out[at++] = NEWLINE
    start = end
  }
  return { body: out.subarray(0, at), ends: outEnds }
}

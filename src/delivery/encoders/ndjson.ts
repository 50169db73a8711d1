/** Firehose's plain S3 output: record bytes concatenated, optionally each followed by `\n`. */

const NEWLINE = 0x0a

/**
 * Concatenates `records` into one buffer. Firehose adds no delimiter unless the
 * AppendDelimiterToRecord processor is on (`appendNewline`).
 */
export function concatRecords(records: readonly Buffer[], appendNewline: boolean): Buffer {
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

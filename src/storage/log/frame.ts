import { crc32 } from 'node:zlib'

/**
 * On-disk frame: one batch of records appended together (one PutRecords call's records for one
 * shard), checksummed as a unit.
 *
 * ```
 * header (12 bytes): magic u32 | payload length u32 | crc32(length bytes + payload) u32
 * payload:           flags u8 | 3 reserved | synced-through u32 | base ordinal u64 | arrival ms f64
 *                    | count u32, then per record: key length u16 | key (UTF-8) | data length u32 | data
 * ```
 *
 * The CRC covers the length field too, so a flipped length bit is caught rather than followed.
 * `synced-through` is the byte offset in the segment up to which data was known durable when
 * the frame was written: recovery uses it to tell a torn write (only unsynced bytes damaged)
 * from corruption of acknowledged data (a later frame vouches that the damaged bytes were synced).
 * The magic starts with 0xF5, a byte that never occurs in UTF-8 or base64 text, which keeps
 * accidental matches inside record bodies rare when recovery scans for later frames.
 */
export const FRAME_MAGIC = 0x02a71cf5
export const FRAME_HEADER_BYTES = 12
const PAYLOAD_FIXED_BYTES = 28
/** Largest payload we ever write: 500 records of 10 MiB fit, garbage lengths do not. */
export const MAX_PAYLOAD_BYTES = 64 * 1024 * 1024

/** Record flag: the stream was KMS-encrypted when the record arrived. */
export const FLAG_ENCRYPTED = 1

export interface FrameRecordInput {
  partitionKey: string
  /**
   * Record data as base64 text (a string, or its ASCII bytes): stored as-is so reads can copy it
   * to the wire unchanged.
   */
  data: string | Buffer
}

export interface DecodedRecord {
  ordinal: number
  timestamp: number
  flags: number
  partitionKey: string
  /** Base64 text of the record data (ASCII bytes). */
  data: Buffer
}

export function encodeFrame(
  records: readonly FrameRecordInput[],
  baseOrdinal: number,
  timestamp: number,
  flags: number,
  alloc: (size: number) => Buffer = Buffer.allocUnsafe,
): Buffer {
  let size = FRAME_HEADER_BYTES + PAYLOAD_FIXED_BYTES
  for (const r of records) size += 2 + Buffer.byteLength(r.partitionKey, 'utf8') + 4 + r.data.length
  const buf = alloc(size)
  buf.writeUInt32LE(FRAME_MAGIC, 0)
  buf.writeUInt32LE(size - FRAME_HEADER_BYTES, 4)
  let o = FRAME_HEADER_BYTES
  buf.writeUInt32LE(flags & 0xff, o)
  buf.writeUInt32LE(0, o + 4)
  buf.writeUInt32LE(baseOrdinal % 0x1_0000_0000, o + 8)
  buf.writeUInt32LE(Math.floor(baseOrdinal / 0x1_0000_0000), o + 12)
  buf.writeDoubleLE(timestamp, o + 16)
  buf.writeUInt32LE(records.length, o + 24)
  o += PAYLOAD_FIXED_BYTES
  for (const r of records) {
    const keyLength = buf.write(r.partitionKey, o + 2, 'utf8')
    buf.writeUInt16LE(keyLength, o)
    o += 2 + keyLength
    buf.writeUInt32LE(r.data.length, o)
    o += 4
    if (typeof r.data === 'string') o += buf.write(r.data, o, 'latin1')
    else {
      // TypedArray#set is a plain memcpy; Buffer#copy wraps the source in a new view per call.
      buf.set(r.data, o)
      o += r.data.length
    }
  }
  return buf
}

/**
 * Completes a frame just before it is written: records how far the segment is durable and
 * computes the checksum (which therefore covers that field too).
 */
export function sealFrame(frame: Buffer, syncedThrough: number): void {
  frame.writeUInt32LE(syncedThrough, FRAME_HEADER_BYTES + 4)
  frame.writeUInt32LE(crc32(frame.subarray(FRAME_HEADER_BYTES), crc32(frame.subarray(4, 8))), 8)
}

export interface FrameHeader {
  /** Segment bytes known durable when the frame was written. */
  syncedThrough: number
  baseOrdinal: number
  count: number
  timestamp: number
  flags: number
  /** Total frame length including the header. */
  length: number
}

export type FrameCheck =
  | { kind: 'ok'; header: FrameHeader }
  /** Not enough bytes in `buf` to hold the whole frame (a torn tail, or read more). */
  | { kind: 'incomplete'; needed: number }
  | { kind: 'invalid'; reason: string }

/**
 * Validates the frame starting at `offset` in `buf` (magic, length, CRC). `verify: false` skips
 * the checksum, for frames already verified in this process.
 */
export function checkFrame(buf: Buffer, offset: number, verify = true): FrameCheck {
  if (buf.length - offset < FRAME_HEADER_BYTES) {
    return { kind: 'incomplete', needed: FRAME_HEADER_BYTES }
  }
  if (buf.readUInt32LE(offset) !== FRAME_MAGIC) return { kind: 'invalid', reason: 'bad magic' }
  const payloadLength = buf.readUInt32LE(offset + 4)
  if (payloadLength < PAYLOAD_FIXED_BYTES || payloadLength > MAX_PAYLOAD_BYTES) {
    return { kind: 'invalid', reason: `bad payload length ${payloadLength}` }
  }
  const length = FRAME_HEADER_BYTES + payloadLength
  if (buf.length - offset < length) return { kind: 'incomplete', needed: length }
  if (verify) {
    const expected = buf.readUInt32LE(offset + 8)
    const actual = crc32(
      buf.subarray(offset + FRAME_HEADER_BYTES, offset + length),
      crc32(buf.subarray(offset + 4, offset + 8)),
    )
    if (expected !== actual) return { kind: 'invalid', reason: 'checksum mismatch' }
  }
  const p = offset + FRAME_HEADER_BYTES
  return {
    kind: 'ok',
    header: {
      flags: buf.readUInt8(p),
      syncedThrough: buf.readUInt32LE(p + 4),
      ...readPosition(buf, offset),
      count: buf.readUInt32LE(p + 24),
      length,
    },
  }
}

/**
 * First ordinal and arrival time from a frame header, without checking the frame (enough to
 * position a search; whatever is returned is checked when read).
 */
export function readPosition(buf: Buffer, offset: number): { baseOrdinal: number; timestamp: number } {
  const p = offset + FRAME_HEADER_BYTES
  return {
    baseOrdinal: buf.readUInt32LE(p + 8) + buf.readUInt32LE(p + 12) * 0x1_0000_0000,
    timestamp: buf.readDoubleLE(p + 16),
  }
}

/** Bytes of a frame's start that {@link readPosition} needs. */
export const POSITION_BYTES = FRAME_HEADER_BYTES + PAYLOAD_FIXED_BYTES

/**
 * Calls `visit` for each record of a frame already validated by {@link checkFrame}, stopping early
 * when `visit` returns false. `data` is a view into `buf`, not a copy.
 */
export function forEachRecord(
  buf: Buffer,
  offset: number,
  header: FrameHeader,
  visit: (record: DecodedRecord) => boolean | undefined,
): void {
  const end = offset + header.length
  let o = offset + FRAME_HEADER_BYTES + PAYLOAD_FIXED_BYTES
  for (let i = 0; i < header.count; i++) {
    if (o + 6 > end) throw new RangeError(`frame at ${offset} holds fewer records than it claims`)
    const keyLength = buf.readUInt16LE(o)
    const partitionKey = buf.toString('utf8', o + 2, o + 2 + keyLength)
    o += 2 + keyLength
    const dataLength = buf.readUInt32LE(o)
    o += 4
    if (o + dataLength > end) throw new RangeError(`record ${i} of frame at ${offset} overruns it`)
    const data = buf.subarray(o, o + dataLength)
    o += dataLength
    const more = visit({
      ordinal: header.baseOrdinal + i,
      timestamp: header.timestamp,
      flags: header.flags,
      partitionKey,
      data,
    })
    if (more === false) return
  }
}

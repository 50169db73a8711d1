import { CorruptLogError } from './errors.ts'
import { checkFrame, FRAME_HEADER_BYTES, FRAME_MAGIC, type FrameHeader, MAX_PAYLOAD_BYTES } from './frame.ts'
import { type LogIo, readFully } from './io.ts'
import { SparseIndex } from './sparse-index.ts'

/** What the log knows about one segment file without holding its records in memory. */
export interface Segment {
  base: number
  path: string
  /** Bytes of valid frames (the write position for the active segment). */
  size: number
  /** Ordinal after the last record; equals `base` when empty. */
  end: number
  firstTimestamp: number
  lastTimestamp: number
  index: SparseIndex
  /** `size` when the segment ends with a marker vouching that all of it was synced; else -1. */
  markedThrough: number
  /**
   * Bytes from the start whose checksums this process has verified (or written itself): reads
   * skip re-verifying them. Each frame is checked the first time it comes off the disk.
   */
  verifiedThrough: number
}

export const SEGMENT_SUFFIX = '.log'
export const INDEX_SUFFIX = '.idx'

export function segmentFileName(base: number): string {
  return String(base).padStart(20, '0') + SEGMENT_SUFFIX
}

export function parseSegmentFileName(name: string): number | undefined {
  const m = /^(\d{20})\.log$/.exec(name)
  return m ? Number(m[1]) : undefined
}

export function emptySegment(base: number, path: string, indexInterval: number): Segment {
  return {
    base,
    path,
    size: 0,
    end: base,
    firstTimestamp: Number.NaN,
    lastTimestamp: Number.NaN,
    index: new SparseIndex(indexInterval),
    markedThrough: -1,
    verifiedThrough: 0,
  }
}

/** Adds a frame just written (or scanned) at `offset` to the segment's bookkeeping. */
export function noteFrame(segment: Segment, offset: number, header: FrameHeader): void {
  noteVerified(segment, offset, header.length)
  if (header.count === 0) {
    // A marker (written on close/seal): no records, only a promise about the bytes before it.
    segment.size = offset + header.length
    segment.markedThrough = header.syncedThrough === offset ? segment.size : -1
    return
  }
  segment.markedThrough = -1
  segment.index.add(header.baseOrdinal, offset, header.timestamp)
  if (segment.size === 0 || Number.isNaN(segment.firstTimestamp)) segment.firstTimestamp = header.timestamp
  segment.lastTimestamp = header.timestamp
  segment.size = offset + header.length
  segment.end = header.baseOrdinal + header.count
}

/** Records that the frame at `offset` passed its checksum (extends the verified prefix). */
export function noteVerified(segment: Segment, offset: number, length: number): void {
  if (offset === segment.verifiedThrough) segment.verifiedThrough = offset + length
}

export interface ScanResult {
  segment: Segment
  /** Set when the scan stopped before the end of the file: the byte offset and why. */
  tornAt?: { offset: number; reason: string }
}

const CHUNK = 4 * 1024 * 1024

/**
 * Reads a segment from the start, checking every frame's checksum and that ordinals run on without
 * gaps, and rebuilds its sparse index. Stops at the first frame that is invalid or incomplete.
 */
export async function scanSegment(
  io: LogIo,
  fd: number,
  base: number,
  path: string,
  fileSize: number,
  indexInterval: number,
): Promise<ScanResult> {
  const segment = emptySegment(base, path, indexInterval)
  let buf = Buffer.allocUnsafe(Math.min(CHUNK, Math.max(fileSize, FRAME_HEADER_BYTES)))
  let bufStart = 0
  let bufLength = 0
  let offset = 0
  while (offset < fileSize) {
    let check = checkFrame(buf.subarray(0, bufLength), offset - bufStart)
    while (check.kind === 'incomplete' && offset + check.needed <= fileSize) {
      const want = Math.min(Math.max(CHUNK, check.needed), fileSize - offset)
      if (want > buf.length) buf = Buffer.allocUnsafe(want)
      bufStart = offset
      bufLength = await readFully(io, fd, buf, want, offset)
      check = checkFrame(buf.subarray(0, bufLength), 0)
      // The file ended early (it shrank under us): report what we have as torn.
      if (bufLength < want) break
    }
    if (check.kind === 'incomplete') {
      return {
        segment,
        tornAt: { offset, reason: `incomplete frame (${fileSize - offset} of ${check.needed} bytes)` },
      }
    }
    if (check.kind === 'invalid') return { segment, tornAt: { offset, reason: check.reason } }
    if (check.header.baseOrdinal !== segment.end) {
      return {
        segment,
        tornAt: {
          offset,
          reason: `frame starts at ordinal ${check.header.baseOrdinal}, expected ${segment.end}`,
        },
      }
    }
    noteFrame(segment, offset, check.header)
    offset += check.header.length
  }
  return { segment }
}

/**
 * After an invalid frame at `from`, looks for a later valid frame that records the bytes at
 * `from` as already synced when it was written. A torn write only damages bytes that were never
 * synced, so such a frame means durable (acknowledged) data was corrupted. Valid frames that do
 * not vouch for `from` are other unsynced writes of the same crash, which disks may persist out
 * of order.
 */
export async function findDurableFrameAfter(
  io: LogIo,
  fd: number,
  from: number,
  fileSize: number,
): Promise<number | undefined> {
  const magic = Buffer.allocUnsafe(4)
  magic.writeUInt32LE(FRAME_MAGIC, 0)
  const chunk = Buffer.allocUnsafe(Math.min(CHUNK, fileSize))
  for (let pos = from + 1; pos < fileSize; ) {
    const n = await readFully(io, fd, chunk, Math.min(chunk.length, fileSize - pos), pos)
    if (n < 4) return undefined
    let at = chunk.subarray(0, n).indexOf(magic)
    while (at >= 0) {
      const candidate = pos + at
      const header = Buffer.allocUnsafe(FRAME_HEADER_BYTES)
      if ((await readFully(io, fd, header, FRAME_HEADER_BYTES, candidate)) === FRAME_HEADER_BYTES) {
        const length = FRAME_HEADER_BYTES + header.readUInt32LE(4)
        if (candidate + length <= fileSize && length <= FRAME_HEADER_BYTES + MAX_PAYLOAD_BYTES) {
          const frame = Buffer.allocUnsafe(length)
          await readFully(io, fd, frame, length, candidate)
          const check = checkFrame(frame, 0)
          if (check.kind === 'ok' && check.header.syncedThrough > from) return candidate
        }
      }
      at = chunk.subarray(0, n).indexOf(magic, at + 1)
    }
    pos += n - 3
  }
  return undefined
}

/** Index file layout: crc32 u32 | end ordinal f64 | size f64 | first ts f64 | last ts f64 | index. */
export function encodeIndexFile(segment: Segment, crc: (b: Buffer) => number): Buffer {
  const body = Buffer.concat([Buffer.alloc(32), segment.index.serialize()])
  body.writeDoubleLE(segment.end, 0)
  body.writeDoubleLE(segment.size, 8)
  body.writeDoubleLE(segment.firstTimestamp, 16)
  body.writeDoubleLE(segment.lastTimestamp, 24)
  const out = Buffer.allocUnsafe(4 + body.length)
  out.writeUInt32LE(crc(body), 0)
  body.copy(out, 4)
  return out
}

export function decodeIndexFile(
  buf: Buffer,
  base: number,
  path: string,
  fileSize: number,
  indexInterval: number,
  crc: (b: Buffer) => number,
): Segment | undefined {
  if (buf.length < 36) return undefined
  const body = buf.subarray(4)
  if (crc(body) !== buf.readUInt32LE(0)) return undefined
  const size = body.readDoubleLE(8)
  // An index that disagrees with the file it describes is stale: rebuild rather than trust it.
  if (size !== fileSize) return undefined
  const index = SparseIndex.deserialize(body.subarray(32), indexInterval)
  if (!index) return undefined
  return {
    base,
    path,
    size,
    end: body.readDoubleLE(0),
    firstTimestamp: body.readDoubleLE(16),
    lastTimestamp: body.readDoubleLE(24),
    index,
    markedThrough: -1,
    verifiedThrough: 0,
  }
}

export function corrupt(path: string, offset: number, reason: string): CorruptLogError {
  return new CorruptLogError(path, offset, reason)
}

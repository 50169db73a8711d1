import { CorruptLogError } from './errors.ts'
import { checkFrame, type DecodedRecord, forEachRecord } from './frame.ts'
import { type LogIo, readFully } from './io.ts'
import { noteVerified, type Segment } from './segment.ts'

export interface ReadBudget {
  records: number
  /** Decoded data bytes still allowed. */
  bytes: number
}

const MIN_READ = 256 * 1024
const MAX_READ = 16 * 1024 * 1024

/** Decoded size of base64 text, as stored bytes or as a string (record data as clients sent it). */
export function decodedLength(base64: Uint8Array | string): number {
  const n = base64.length
  if (n === 0) return 0
  const code = (i: number) => (typeof base64 === 'string' ? base64.charCodeAt(i) : base64[i])
  const pad = code(n - 1) === 0x3d ? (code(n - 2) === 0x3d ? 2 : 1) : 0
  return (n / 4) * 3 - pad
}

/**
 * Reads records [from, end) of one segment within `budget`, verifying each frame's checksum. Any
 * checksum failure here is in acknowledged data, so it surfaces as {@link CorruptLogError}.
 */
export async function readRecords(
  io: LogIo,
  fd: number,
  segment: Segment,
  from: number,
  end: number,
  budget: ReadBudget,
  out: DecodedRecord[],
  buffers: Buffer[],
): Promise<{ next: number; budget: ReadBudget }> {
  let records = budget.records
  let bytes = budget.bytes
  let next = from
  let position = segment.index.offsetForOrdinal(from)
  const estimate = Math.min(MAX_READ, Math.max(MIN_READ, Math.ceil(bytes * 1.4) + 65536))
  const take = (size: number) => {
    const b = acquireReadBuffer(size)
    buffers.push(b)
    return b
  }
  let buf = take(Math.min(estimate, Math.max(segment.size - position, 1)))
  const open = () => next < end && records > 0 && bytes > 0
  const visit = (record: DecodedRecord) => {
    if (record.ordinal < next) return true
    if (record.ordinal >= end) return false
    const size = decodedLength(record.data) + record.partitionKey.length
    if (out.length > 0 && size > bytes) {
      bytes = 0
      return false
    }
    out.push(record)
    next = record.ordinal + 1
    records--
    bytes -= size
    return records > 0 && bytes > 0
  }
  while (position < segment.size && open()) {
    const n = await readFully(io, fd, buf, Math.min(buf.length, segment.size - position), position)
    let offset = 0
    while (offset < n && open()) {
      const at = position + offset
      const check = checkFrame(buf.subarray(0, n), offset, at >= segment.verifiedThrough)
      if (check.kind === 'incomplete') break
      if (check.kind === 'invalid') throw new CorruptLogError(segment.path, at, check.reason)
      const header = check.header
      noteVerified(segment, at, header.length)
      forEachRecord(buf, offset, header, visit)
      if (next < header.baseOrdinal + header.count) break
      offset += header.length
    }
    if (offset === 0) {
      if (!open()) break
      // The next frame does not fit the buffer: grow it and read again from the same place.
      const check = checkFrame(buf.subarray(0, n), 0)
      if (check.kind !== 'incomplete' || n < Math.min(buf.length, segment.size - position)) {
        throw new CorruptLogError(segment.path, position, 'segment shorter than its index says')
      }
      buf = take(check.needed)
      continue
    }
    position += offset
    // A fresh buffer for the next chunk: the records handed out are views into this one.
    if (position < segment.size && open()) buf = take(buf.length)
  }
  return { next, budget: { records, bytes } }
}

/**
 * Read buffers are reused across reads: a 10,000-record GetRecords reads ~14 MB, and a fresh
 * allocation per call is page faults for the kernel and external-memory pressure for the GC.
 * Records are views into these buffers, so the caller hands them back (with
 * {@link releaseReadBuffers}) only once the records are no longer needed; buffers never handed
 * back are simply garbage-collected.
 */
const freeBuffers: Buffer[] = []
const MAX_FREE = 2

function acquireReadBuffer(size: number): Buffer {
  for (let i = 0; i < freeBuffers.length; i++) {
    const b = freeBuffers[i]!
    if (b.length >= size) {
      freeBuffers.splice(i, 1)
      return b.subarray(0, size)
    }
  }
  return Buffer.allocUnsafeSlow(Math.max(size, MIN_READ)).subarray(0, size)
}

export function releaseReadBuffers(buffers: Buffer[]): void {
  for (const view of buffers) {
    if (freeBuffers.length >= MAX_FREE) return
    freeBuffers.push(Buffer.from(view.buffer as ArrayBuffer))
  }
}

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

/** Decoded size of base64 text stored as bytes. */
export function decodedLength(base64: Buffer): number {
  const n = base64.length
  if (n === 0) return 0
  const pad = base64[n - 1] === 0x3d ? (base64[n - 2] === 0x3d ? 2 : 1) : 0
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
): Promise<{ records: DecodedRecord[]; next: number; budget: ReadBudget }> {
  const records: DecodedRecord[] = []
  let remaining = { ...budget }
  let next = from
  let position = segment.index.offsetForOrdinal(from)
  const estimate = Math.min(MAX_READ, Math.max(MIN_READ, Math.ceil(budget.bytes * 1.4) + 65536))
  let buf = Buffer.allocUnsafe(Math.min(estimate, Math.max(segment.size - position, 1)))
  const open = () => next < end && remaining.records > 0 && remaining.bytes > 0
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
      forEachRecord(buf, offset, header, (record) => {
        if (record.ordinal < next) return true
        if (record.ordinal >= end) return false
        const size = decodedLength(record.data) + record.partitionKey.length
        if (records.length > 0 && size > remaining.bytes) {
          remaining = { records: remaining.records, bytes: 0 }
          return false
        }
        records.push(record)
        next = record.ordinal + 1
        remaining = { records: remaining.records - 1, bytes: remaining.bytes - size }
        return remaining.records > 0 && remaining.bytes > 0
      })
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
      buf = Buffer.allocUnsafe(check.needed)
      continue
    }
    position += offset
    // A fresh buffer for the next chunk: the records handed out are views into this one.
    if (position < segment.size && open()) buf = Buffer.allocUnsafe(buf.length)
  }
  return { records, next, budget: remaining }
}

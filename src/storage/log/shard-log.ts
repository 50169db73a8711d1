import { mkdir, readdir, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { crc32 } from 'node:zlib'
import { CorruptLogError, LogFailedError, LogSealedError } from './errors.ts'
import {
  type DecodedRecord,
  encodeFrame,
  FRAME_HEADER_BYTES,
  type FrameHeader,
  type FrameRecordInput,
  POSITION_BYTES,
  readPosition,
  sealFrame,
} from './frame.ts'
import { sharedFramePool } from './frame-pool.ts'
import { type LogIo, nodeLogIo, nodeLogIoNow, readFully, writeFully } from './io.ts'
import { readRecords } from './reader.ts'
import {
  decodeIndexFile,
  emptySegment,
  encodeIndexFile,
  findDurableFrameAfter,
  INDEX_SUFFIX,
  noteFrame,
  parseSegmentFileName,
  type Segment,
  scanSegment,
  segmentFileName,
} from './segment.ts'

/**
 * When an append counts as done:
 * - `always`: written and fdatasync'ed (group commit: one sync covers every append that arrived
 *   while the previous one ran). Nothing acknowledged is lost, even on power failure.
 * - `interval`: written at once, synced every `intervalMs`. A process crash loses nothing; a power
 *   failure loses up to `intervalMs` plus one sync of acknowledged records.
 * - `os`: written, never synced by us. A power failure loses whatever the kernel had not written.
 */
export type SyncPolicy = { mode: 'always' } | { mode: 'interval'; intervalMs: number } | { mode: 'os' }

export interface ShardLogOptions {
  dir: string
  sync: SyncPolicy
  /** A segment is rolled once it holds this many bytes. */
  segmentBytes?: number
  /** Bytes between sparse index entries. */
  indexInterval?: number
  io?: LogIo
  /** Told about a torn tail cut off during recovery. */
  onTruncate?: (info: { path: string; offset: number; bytes: number; reason: string }) => void
  /** Told once when the log stops for good (failed fsync, unrecoverable write, corruption). */
  onFailure?: (error: Error) => void
}

export interface AppendTicket {
  firstOrdinal: number
  /** The arrival time actually recorded (never earlier than the previous append's). */
  timestamp: number
  /** Resolves once the records are durable per the sync policy and visible to readers. */
  durable: Promise<void>
}

export interface ReadResult {
  records: DecodedRecord[]
  /** The ordinal to read from next. */
  next: number
  /**
   * The buffers the records are views into: pass them to `releaseReadBuffers` once the records
   * are done with (optional; unreleased buffers are garbage-collected).
   */
  buffers: Buffer[]
}

interface PendingAppend {
  frame: Buffer
  header: FrameHeader
  resolve: () => void
  reject: (error: Error) => void
}

const DEFAULT_SEGMENT_BYTES = 64 * 1024 * 1024
/**
 * Writes up to this size go to the kernel from the event loop (a page-cache copy of tens of
 * microseconds), and so do reads of the last bytes this process wrote (still in the page cache):
 * through libuv's thread pool they cost two thread wake-ups each and queue behind other shards'
 * fsyncs (four pool threads, one fsync per shard), which on two busy cores was milliseconds of a
 * record's put → consumer latency. Bigger writes, and reads of older data (possibly from disk),
 * stay on the pool. The fsync always runs there: acknowledged still means fdatasync'ed.
 */
const WRITE_NOW_MAX = 256 * 1024
const READ_NOW_WINDOW = 4 * 1024 * 1024
const DEFAULT_INDEX_INTERVAL = 64 * 1024

/**
 * The append-only log of one shard: a directory of segment files named by their first ordinal.
 * Records are numbered by ordinal (0, 1, 2, ...) and read back from disk; only sparse indexes stay
 * in memory, so memory does not grow with the log.
 */
export class ShardLog {
  readonly dir: string
  readonly #io: LogIo
  /** For small writes and reads of fresh bytes (WRITE_NOW_MAX); an injected io is used as it is. */
  readonly #ioNow: LogIo
  readonly #sync: SyncPolicy
  readonly #segmentBytes: number
  readonly #indexInterval: number
  #segments: Segment[]
  #fd: number
  #next: number
  #durable: number
  #lastTimestamp: number
  #pending: PendingAppend[] = []
  #scheduled = false
  #flushing: Promise<void> | undefined
  #dirty = false
  /** Bytes of the active segment known to be on stable storage (stamped into each frame). */
  #syncedThrough: number
  /** Where this process started writing the active segment: bytes after it are in the page cache. */
  #writtenFrom: number
  #syncTimer: NodeJS.Timeout | undefined
  #failed: Error | undefined
  #sealed = false
  #closed = false
  #readFds = new Map<Segment, number>()
  #waiters: { ordinal: number; resolve: () => void }[] = []
  #readsInFlight = 0
  #fdsToClose: number[] = []

  readonly #onFailure: ((error: Error) => void) | undefined

  private constructor(
    options: Required<Omit<ShardLogOptions, 'onTruncate' | 'onFailure'>> & Pick<ShardLogOptions, 'onFailure'>,
    segments: Segment[],
    fd: number,
  ) {
    this.#onFailure = options.onFailure
    this.dir = options.dir
    this.#io = options.io
    this.#ioNow = options.io === nodeLogIo ? nodeLogIoNow : options.io
    this.#sync = options.sync
    this.#segmentBytes = options.segmentBytes
    this.#indexInterval = options.indexInterval
    this.#segments = segments
    this.#fd = fd
    const last = segments[segments.length - 1]!
    // Recovery synced the last segment, so all of it is durable now.
    this.#syncedThrough = last.size
    this.#writtenFrom = last.size
    this.#next = last.end
    this.#durable = last.end
    this.#lastTimestamp = lastKnownTimestamp(segments)
    if (options.sync.mode === 'interval') {
      this.#syncTimer = setInterval(() => void this.#periodicSync(), options.sync.intervalMs)
      this.#syncTimer.unref()
    }
  }

  /** Opens (creating if needed) the log in `dir`, recovering from any crash first. */
  static async open(options: ShardLogOptions): Promise<ShardLog> {
    const full = {
      dir: options.dir,
      sync: options.sync,
      segmentBytes: options.segmentBytes ?? DEFAULT_SEGMENT_BYTES,
      indexInterval: options.indexInterval ?? DEFAULT_INDEX_INTERVAL,
      io: options.io ?? nodeLogIo,
    }
    const created = await mkdir(full.dir, { recursive: true })
    // New directories only exist after a crash once their parents' entries are synced too.
    for (let dir = full.dir; created !== undefined; dir = dirname(dir)) {
      await full.io.fsyncDirectory(dirname(dir))
      if (dir === created) break
    }
    const { segments, fd } = await recover(full, options.onTruncate)
    return new ShardLog({ ...full, onFailure: options.onFailure }, segments, fd)
  }

  /** Ordinal the next appended record will get. */
  get nextOrdinal(): number {
    return this.#next
  }

  /** Records below this ordinal are durable and readable. */
  get durableOrdinal(): number {
    return this.#durable
  }

  /** Oldest ordinal still on disk. */
  get firstOrdinal(): number {
    return this.#segments[0]!.base
  }

  get lastTimestamp(): number {
    return this.#lastTimestamp
  }

  get failure(): Error | undefined {
    return this.#failed
  }

  get sealed(): boolean {
    return this.#sealed
  }

  /** Closed (shutdown, or its stream deleted): nothing more is read from it. */
  get closed(): boolean {
    return this.#closed
  }

  /** Bytes on disk across all segments. */
  get sizeBytes(): number {
    return this.#segments.reduce((n, s) => n + s.size, 0)
  }

  /**
   * Assigns ordinals to `records` at once (so ordering is arrival order) and queues them for the
   * next group commit.
   */
  append(records: readonly FrameRecordInput[], timestamp: number, flags = 0): AppendTicket {
    if (this.#failed) throw this.#failed
    if (this.#sealed || this.#closed) throw new LogSealedError(`log ${this.dir} is sealed`)
    const at = Math.max(timestamp, this.#lastTimestamp)
    this.#lastTimestamp = at
    const firstOrdinal = this.#next
    this.#next += records.length
    const frame = encodeFrame(records, firstOrdinal, at, flags, (size) => sharedFramePool.alloc(size))
    const header: FrameHeader = {
      syncedThrough: 0,
      baseOrdinal: firstOrdinal,
      count: records.length,
      timestamp: at,
      flags,
      length: frame.length,
    }
    const durable = new Promise<void>((resolve, reject) => {
      this.#pending.push({ frame, header, resolve, reject })
    })
    if (!this.#scheduled && !this.#flushing) {
      this.#scheduled = true
      setImmediate(() => {
        this.#scheduled = false
        this.#startFlush()
      })
    }
    return { firstOrdinal, timestamp: at, durable }
  }

  #startFlush(): void {
    if (this.#flushing || this.#pending.length === 0) return
    this.#flushing = this.#flushLoop().finally(() => {
      this.#flushing = undefined
      // Appends that arrived after the loop's last look at the queue.
      if (this.#pending.length > 0 && !this.#failed) this.#startFlush()
    })
  }

  async #flushLoop(): Promise<void> {
    while (this.#pending.length > 0 && !this.#failed) {
      let active = this.#segments[this.#segments.length - 1]!
      let position = active.size
      const batch = this.#takeBatch(active.size >= this.#segmentBytes ? 0 : position)
      try {
        if (active.size >= this.#segmentBytes) {
          active = await this.#roll(batch[0]!.header.baseOrdinal)
          position = 0
        }
        let bytes = 0
        for (const p of batch) {
          sealFrame(p.frame, this.#syncedThrough)
          bytes += p.header.length
        }
        const io = bytes <= WRITE_NOW_MAX ? this.#ioNow : this.#io
        await writeFully(io, this.#fd, coalesce(batch), position)
      } catch (error) {
        await this.#abandon(batch, position, error)
        continue
      }
      // The kernel has the bytes: the frame memory can be reused.
      for (const p of batch) sharedFramePool.release(p.frame)
      if (this.#sync.mode === 'always') {
        try {
          await this.#io.fdatasync(this.#fd)
        } catch (error) {
          this.#fail(new LogFailedError(`fsync of ${active.path} failed`, error), batch)
          return
        }
      } else {
        this.#dirty = true
      }
      let offset = position
      for (const p of batch) {
        noteFrame(active, offset, p.header)
        offset += p.header.length
      }
      if (this.#sync.mode === 'always') this.#syncedThrough = offset
      this.#durable = active.end
      for (const p of batch) p.resolve()
      this.#wake()
    }
  }

  /** Takes queued frames up to the point where the segment (now `size` bytes) is full. */
  #takeBatch(size: number): PendingAppend[] {
    let end = 0
    let bytes = size
    while (end < this.#pending.length && (end === 0 || bytes < this.#segmentBytes)) {
      bytes += this.#pending[end]!.header.length
      end++
    }
    if (end === this.#pending.length) {
      const all = this.#pending
      this.#pending = []
      return all
    }
    return this.#pending.splice(0, end)
  }

  /**
   * A write failed (e.g. the disk is full). Nothing in `batch` or queued after it was acknowledged,
   * so cut the file back to its last good byte, fail those appends and reuse their ordinals.
   */
  async #abandon(batch: PendingAppend[], position: number, error: unknown): Promise<void> {
    const queued = this.#pending
    this.#pending = []
    for (const p of [...batch, ...queued]) sharedFramePool.release(p.frame)
    const failure = new LogFailedError(`write to ${this.dir} failed: ${(error as Error).message}`, error)
    try {
      await this.#io.ftruncate(this.#fd, position)
      this.#next = this.#durable
      this.#lastTimestamp = lastKnownTimestamp(this.#segments)
      for (const p of [...batch, ...queued]) p.reject(failure)
    } catch (truncateError) {
      this.#fail(new LogFailedError(`cannot undo a failed write to ${this.dir}`, truncateError), [
        ...batch,
        ...queued,
      ])
    }
  }

  /** Stops the log for good. `written` are appends whose frames were already handed back. */
  #fail(error: Error, written: PendingAppend[] = []): void {
    if (!this.#failed) {
      this.#failed = error
      this.#onFailure?.(error)
      this.wakeAll()
    }
    const queued = this.#pending
    this.#pending = []
    for (const p of queued) sharedFramePool.release(p.frame)
    for (const p of [...written, ...queued]) p.reject(this.#failed)
  }

  async #periodicSync(): Promise<void> {
    if (!this.#dirty || this.#failed || this.#closed) return
    this.#dirty = false
    const active = this.#segments[this.#segments.length - 1]!
    const through = active.size
    try {
      await this.#io.fdatasync(this.#fd)
      if (active === this.#segments[this.#segments.length - 1]) {
        this.#syncedThrough = Math.max(this.#syncedThrough, through)
      }
    } catch (error) {
      this.#fail(new LogFailedError(`fsync of ${this.dir} failed`, error))
    }
  }

  /** Starts a new segment at ordinal `base`; the old one is synced and its index saved first. */
  async #roll(base: number): Promise<Segment> {
    const old = this.#segments[this.#segments.length - 1]!
    // A sealed segment must never have a torn tail, whatever the sync policy.
    if (this.#sync.mode !== 'always') await this.#io.fdatasync(this.#fd)
    await this.#writeIndex(old)
    const path = join(this.dir, segmentFileName(base))
    const fd = await this.#io.open(path, 'wx+')
    await this.#io.fsyncDirectory(this.dir)
    this.#readFds.set(old, this.#fd)
    this.#fd = fd
    const segment = emptySegment(base, path, this.#indexInterval)
    this.#segments.push(segment)
    this.#syncedThrough = 0
    this.#writtenFrom = 0
    return segment
  }

  async #writeIndex(segment: Segment): Promise<void> {
    // The index is derived data: no fsync. A torn or stale index fails its CRC or size check and
    // is rebuilt from the segment.
    const path = segment.path.replace(/\.log$/, INDEX_SUFFIX)
    await writeFile(
      `${path}.tmp`,
      encodeIndexFile(segment, (b) => crc32(b)),
    )
    await rename(`${path}.tmp`, path)
  }

  /**
   * Resolves as soon as the record with `ordinal` is durable (readable), or the log is sealed,
   * closed or failed: consumers tail the log without polling.
   */
  waitFor(ordinal: number): Promise<void> {
    if (ordinal < this.#durable || this.#sealed || this.#closed || this.#failed) return Promise.resolve()
    return new Promise((resolve) => this.#waiters.push({ ordinal, resolve }))
  }

  /** Releases every waiter (e.g. a consumer shutting down). */
  wakeAll(): void {
    const all = this.#waiters
    this.#waiters = []
    for (const w of all) w.resolve()
  }

  #wake(): void {
    if (this.#waiters.length === 0) return
    const still: { ordinal: number; resolve: () => void }[] = []
    for (const w of this.#waiters) {
      if (w.ordinal < this.#durable) w.resolve()
      else still.push(w)
    }
    this.#waiters = still
  }

  /** Resolves once every append made so far has been flushed (or failed). */
  async drain(): Promise<void> {
    while (this.#pending.length > 0 || this.#flushing || this.#scheduled) {
      if (!this.#flushing) this.#startFlush()
      await (this.#flushing ?? new Promise((resolve) => setImmediate(resolve)))
    }
  }

  /**
   * Reads up to `maxRecords` records starting at ordinal `from` (clamped to the oldest on disk),
   * stopping once `maxBytes` of data (decoded size) is reached; the first record is always
   * returned whatever its size.
   */
  async read(from: number, maxRecords: number, maxBytes: number): Promise<ReadResult> {
    if (this.#failed) throw this.#failed
    if (this.#closed) throw new LogSealedError(`log ${this.dir} is closed`)
    let ordinal = Math.max(from, this.firstOrdinal)
    const end = this.#durable
    const records: DecodedRecord[] = []
    const buffers: Buffer[] = []
    if (ordinal >= end) return { records, next: ordinal, buffers }
    this.#readsInFlight++
    try {
      let budget = { records: maxRecords, bytes: maxBytes }
      for (let i = this.#segmentIndexFor(ordinal); i < this.#segments.length; i++) {
        const segment = this.#segments[i]!
        if (ordinal >= segment.end) continue
        const fd = await this.#readFd(segment)
        const end2 = Math.min(end, segment.end)
        const result = await readRecords(
          this.#readsNow(segment, ordinal) ? this.#ioNow : this.#io,
          fd,
          segment,
          ordinal,
          end2,
          budget,
          records,
          buffers,
        )
        ordinal = result.next
        budget = result.budget
        if (budget.records <= 0 || budget.bytes <= 0 || ordinal >= end) break
      }
      return { records, next: ordinal, buffers }
    } catch (error) {
      if (error instanceof CorruptLogError) this.#fail(error)
      throw error
    } finally {
      if (--this.#readsInFlight === 0) await this.#closeRetiredFds()
    }
  }

  /** The first ordinal whose arrival time is ≥ `timestamp` (the durable end if none is). */
  async ordinalAtTimestamp(timestamp: number): Promise<number> {
    if (this.#failed) throw this.#failed
    this.#readsInFlight++
    try {
      for (const segment of this.#segments) {
        if (segment.end === segment.base || !(segment.lastTimestamp >= timestamp)) continue
        if (segment.firstTimestamp >= timestamp) return segment.base
        const fd = await this.#readFd(segment)
        return await firstOrdinalAtOrAfter(this.#io, fd, segment, timestamp)
      }
      return this.#durable
    } finally {
      if (--this.#readsInFlight === 0) await this.#closeRetiredFds()
    }
  }

  /** A read of the active segment's last bytes, which this process wrote (see WRITE_NOW_MAX). */
  #readsNow(segment: Segment, ordinal: number): boolean {
    if (segment !== this.#segments[this.#segments.length - 1]) return false
    const offset = segment.index.offsetForOrdinal(ordinal)
    return offset >= this.#writtenFrom && segment.size - offset <= READ_NOW_WINDOW
  }

  #segmentIndexFor(ordinal: number): number {
    let lo = 0
    let hi = this.#segments.length - 1
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1
      if (this.#segments[mid]!.base <= ordinal) lo = mid
      else hi = mid - 1
    }
    return lo
  }

  async #readFd(segment: Segment): Promise<number> {
    if (segment === this.#segments[this.#segments.length - 1]) return this.#fd
    let fd = this.#readFds.get(segment)
    if (fd === undefined) {
      fd = await this.#io.open(segment.path, 'r')
      this.#readFds.set(segment, fd)
    }
    return fd
  }

  async #closeRetiredFds(): Promise<void> {
    const fds = this.#fdsToClose
    this.#fdsToClose = []
    await Promise.all(fds.map((fd) => this.#io.close(fd).catch(() => undefined)))
  }

  /**
   * Deletes whole segments whose newest record arrived before `cutoff`. The active segment stays,
   * so the next ordinal is never forgotten. Returns the number of segments deleted.
   */
  async trimBefore(cutoff: number): Promise<number> {
    let removed = 0
    while (this.#segments.length > 1 && this.#segments[0]!.lastTimestamp < cutoff) {
      const segment = this.#segments.shift()!
      const fd = this.#readFds.get(segment)
      this.#readFds.delete(segment)
      // A reader may still hold this fd: close it only once no read is in flight, so the number
      // cannot be reused for another file under that reader.
      if (fd !== undefined) this.#fdsToClose.push(fd)
      await unlink(segment.path).catch(ignoreMissing)
      await unlink(segment.path.replace(/\.log$/, INDEX_SUFFIX)).catch(ignoreMissing)
      removed++
    }
    // The unlinks must reach the disk in full: a directory that kept a later segment but lost
    // the unlink of an earlier one would look like a gap in the log after a power failure.
    if (removed > 0) await this.#io.fsyncDirectory(this.dir)
    if (this.#readsInFlight === 0) await this.#closeRetiredFds()
    return removed
  }

  /** Flushes what is queued, syncs, and refuses further appends (the shard was closed). */
  async seal(): Promise<number> {
    this.#sealed = true
    await this.drain()
    this.wakeAll()
    if (this.#failed) throw this.#failed
    await this.#mark()
    await this.#writeIndex(this.#segments[this.#segments.length - 1]!)
    return this.#next
  }

  /**
   * Syncs, then appends an empty frame vouching that every byte before it is durable. Without it
   * the last group commit has no later frame to vouch for it, and recovery would have to treat
   * damage there as a torn write; with it, damage anywhere in a cleanly closed log is reported
   * as corruption.
   */
  async #mark(): Promise<void> {
    const active = this.#segments[this.#segments.length - 1]!
    if (active.markedThrough === active.size) return
    await this.#io.fdatasync(this.#fd)
    const marker = encodeFrame([], this.#next, this.#lastTimestamp, 0)
    sealFrame(marker, active.size)
    await writeFully(this.#io, this.#fd, [marker], active.size)
    await this.#io.fdatasync(this.#fd)
    noteFrame(active, active.size, {
      syncedThrough: active.size,
      baseOrdinal: this.#next,
      count: 0,
      timestamp: this.#lastTimestamp,
      flags: 0,
      length: marker.length,
    })
    this.#syncedThrough = active.size
  }

  /** Finishes in-flight appends, syncs and closes every file. */
  async close(): Promise<void> {
    if (this.#closed) return
    await this.drain()
    this.#closed = true
    this.wakeAll()
    if (this.#syncTimer) clearInterval(this.#syncTimer)
    if (!this.#failed) await this.#mark().catch(() => undefined)
    this.#fdsToClose.push(this.#fd, ...this.#readFds.values())
    this.#readFds.clear()
    await this.#closeRetiredFds()
  }
}

/** One view per run of frames that sit back to back in the same pool chunk (fewer iovecs). */
function coalesce(batch: PendingAppend[]): Buffer[] {
  const out: Buffer[] = []
  let run: Buffer | undefined
  for (const { frame } of batch) {
    if (run && run.buffer === frame.buffer && run.byteOffset + run.length === frame.byteOffset) {
      run = Buffer.from(run.buffer, run.byteOffset, run.length + frame.length)
      out[out.length - 1] = run
    } else {
      run = frame
      out.push(frame)
    }
  }
  return out
}

function ignoreMissing(error: NodeJS.ErrnoException): void {
  if (error.code !== 'ENOENT') throw error
}

function lastKnownTimestamp(segments: Segment[]): number {
  for (let i = segments.length - 1; i >= 0; i--) {
    const ts = segments[i]!.lastTimestamp
    if (!Number.isNaN(ts)) return ts
  }
  return 0
}

async function firstOrdinalAtOrAfter(
  io: LogIo,
  fd: number,
  segment: Segment,
  timestamp: number,
): Promise<number> {
  let offset = segment.index.offsetBeforeTimestamp(timestamp)
  const header = Buffer.allocUnsafe(POSITION_BYTES)
  while (offset < segment.size) {
    if ((await readFully(io, fd, header, POSITION_BYTES, offset)) < POSITION_BYTES) break
    const { baseOrdinal, timestamp: ts } = readPosition(header, 0)
    if (ts >= timestamp) return baseOrdinal
    offset += FRAME_HEADER_BYTES + header.readUInt32LE(4)
  }
  return segment.end
}

interface RecoverOptions {
  dir: string
  segmentBytes: number
  indexInterval: number
  io: LogIo
}

async function recover(
  options: RecoverOptions,
  onTruncate: ShardLogOptions['onTruncate'],
): Promise<{ segments: Segment[]; fd: number }> {
  const { dir, io, indexInterval } = options
  const names = await readdir(dir)
  for (const name of names) if (name.endsWith('.tmp')) await unlink(join(dir, name)).catch(ignoreMissing)
  const bases = names
    .map(parseSegmentFileName)
    .filter((b): b is number => b !== undefined)
    .sort((a, b) => a - b)
  if (bases.length === 0) {
    const path = join(dir, segmentFileName(0))
    const fd = await io.open(path, 'wx+')
    await io.fsyncDirectory(dir)
    return { segments: [emptySegment(0, path, indexInterval)], fd }
  }
  const segments: Segment[] = []
  for (const base of bases.slice(0, -1)) {
    const segment = await loadSealedSegment(io, dir, base, indexInterval)
    const previous = segments[segments.length - 1]
    if (previous && previous.end !== segment.base) {
      throw new CorruptLogError(
        segment.path,
        0,
        `segment starts at ordinal ${segment.base}, expected ${previous.end}`,
      )
    }
    segments.push(segment)
  }
  const base = bases[bases.length - 1]!
  const path = join(dir, segmentFileName(base))
  const fd = await io.open(path, 'r+')
  try {
    const { size } = await stat(path)
    const { segment, tornAt } = await scanSegment(io, fd, base, path, size, indexInterval)
    if (tornAt) {
      const later = await findDurableFrameAfter(io, fd, tornAt.offset, size)
      if (later !== undefined) {
        throw new CorruptLogError(
          path,
          tornAt.offset,
          `${tornAt.reason}, but the frame at byte ${later} shows these bytes had been synced`,
        )
      }
      // Only bytes never synced (so never acknowledged under sync "always") are damaged: cut them.
      await io.ftruncate(fd, tornAt.offset)
      onTruncate?.({ path, offset: tornAt.offset, bytes: size - tornAt.offset, reason: tornAt.reason })
    }
    // Whatever survived is made durable now, so new frames may vouch for all of it.
    await io.fdatasync(fd)
    const previous = segments[segments.length - 1]
    if (previous && previous.end !== segment.base) {
      throw new CorruptLogError(
        path,
        0,
        `segment starts at ordinal ${segment.base}, expected ${previous.end}`,
      )
    }
    await unlink(path.replace(/\.log$/, INDEX_SUFFIX)).catch(ignoreMissing)
    segments.push(segment)
    return { segments, fd }
  } catch (error) {
    await io.close(fd)
    throw error
  }
}

async function loadSealedSegment(
  io: LogIo,
  dir: string,
  base: number,
  indexInterval: number,
): Promise<Segment> {
  const path = join(dir, segmentFileName(base))
  const indexPath = path.replace(/\.log$/, INDEX_SUFFIX)
  const { size } = await stat(path)
  const saved = await readFile(indexPath).catch(() => undefined)
  const fromIndex = saved && decodeIndexFile(saved, base, path, size, indexInterval, (b) => crc32(b))
  if (fromIndex) return fromIndex
  // Missing or stale index: rebuild it from the log, which is the source of truth.
  const fd = await io.open(path, 'r')
  try {
    const { segment, tornAt } = await scanSegment(io, fd, base, path, size, indexInterval)
    if (tornAt) throw new CorruptLogError(path, tornAt.offset, tornAt.reason)
    await writeFile(
      `${indexPath}.tmp`,
      encodeIndexFile(segment, (b) => crc32(b)),
    )
    await rename(`${indexPath}.tmp`, indexPath)
    return segment
  } finally {
    await io.close(fd)
  }
}

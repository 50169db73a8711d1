import { LogSealedError } from '../storage/log/errors.ts'
import type { DecodedRecord } from '../storage/log/frame.ts'
import { releaseReadBuffers } from '../storage/log/reader.ts'
import type { ShardLog } from '../storage/log/shard-log.ts'
import type { ShardRuntime } from './stream-state.ts'

// What readers of a tail need to interpret its records, without reaching into the log.
export { FLAG_ENCRYPTED } from '../storage/log/frame.ts'
export { decodedLength } from '../storage/log/reader.ts'

/**
 * A record as a tail hands it out. `data` is the base64 text as stored, a view into a pooled read
 * buffer: valid until its batch is released (copy what must outlive that).
 */
export type ShardRecord = DecodedRecord

/** What a tail reads: a stream's shard, or any log that is never closed by a reshard. */
export type TailSource = Pick<ShardRuntime, 'log' | 'open' | 'requireLog'>

/** Where a reader with no checkpoint starts, in AWS's StartingPosition terms. */
export type StartingPosition = 'TRIM_HORIZON' | 'LATEST' | { atTimestamp: number }

/**
 * Records read from a tail. Release it once the records are done with: that hands the read
 * buffers back to the pool and, for {@link ShardTail.next}, moves the tail past the records. The
 * position moves only then, so a position read meanwhile (a checkpoint) never passes records the
 * reader has not taken in yet.
 */
export class TailBatch {
  readonly records: readonly ShardRecord[]
  /** The ordinal after the last record read. */
  readonly next: number
  readonly #buffers: Buffer[]
  #tail: ShardTail | undefined
  #released = false

  constructor(records: readonly ShardRecord[], next: number, buffers: Buffer[], tail: ShardTail | undefined) {
    this.records = records
    this.next = next
    this.#buffers = buffers
    this.#tail = tail
  }

  release(): void {
    // A buffer handed back twice would be given to two readers at once.
    if (this.#released) return
    this.#released = true
    releaseReadBuffers(this.#buffers)
    this.#tail?.seek(this.next)
    this.#tail = undefined
  }
}

/**
 * Reads one shard's log from a position: woken by appends (no polling), in batches whose buffers
 * come from the log's pool. A closed shard (resharded) is read to its end and then `ended`; a log
 * that failed is reported by {@link next}, so a reader never waits on it forever; a shard whose log
 * could not be opened is `unreadable` and its waits last until {@link wake}.
 *
 * The reader's loop stays the reader's (each has its own pacing: back-pressure, buffer deadlines):
 * `readable` → `next()` → use → `release()`; else `ended`, else `wait()`.
 *
 * @example
 * const tail = new ShardTail(shard)
 * tail.seek(checkpoint ?? (await tail.startingOrdinal('TRIM_HORIZON')))
 * while (!stopped) {
 *   if (!tail.readable) { if (tail.ended) break; await tail.wait(); continue }
 *   const batch = await tail.next(100, 1 << 20)
 *   if (!batch) break // the log was closed (shutdown)
 *   for (const r of batch.records) use(r)
 *   batch.release()
 * }
 */
export class ShardTail {
  readonly #source: TailSource
  /** Set once when the shard opened; a shard whose log failed to open has none. */
  readonly #log: ShardLog | undefined
  #position: number
  #parked: (() => void) | undefined

  constructor(source: TailSource, position = 0) {
    this.#source = source
    this.#log = source.log
    this.#position = position
  }

  /** A tail of a log no reshard closes (a delivery stream's direct-put log). */
  static ofLog(log: ShardLog, position = 0): ShardTail {
    return new ShardTail({ log, open: true, requireLog: () => log }, position)
  }

  /** The ordinal read next. */
  get position(): number {
    return this.#position
  }

  seek(ordinal: number): void {
    this.#position = ordinal
  }

  /** The shard's log could not be opened: nothing will ever be read from it. */
  get unreadable(): boolean {
    return this.#log === undefined
  }

  /** Oldest ordinal still stored (retention deletes older segments). */
  get oldest(): number {
    return this.#log!.firstOrdinal
  }

  /** The ordinal the next append gets (records below it may still be syncing). */
  get end(): number {
    return this.#log!.nextOrdinal
  }

  /** The ordinal `start` names now; throws why the shard cannot be read, if it cannot. */
  async startingOrdinal(start: StartingPosition): Promise<number> {
    const log = this.#source.requireLog()
    if (start === 'TRIM_HORIZON') return log.firstOrdinal
    if (start === 'LATEST') return log.nextOrdinal
    return log.ordinalAtTimestamp(start.atTimestamp)
  }

  /**
   * Records wait at the position (durable, so readable), or the log failed and {@link next}
   * throws why: a failed log never resolves a wait for records, so it must not be waited on.
   */
  get readable(): boolean {
    const log = this.#log
    if (log === undefined) return false
    return this.#position < log.durableOrdinal || log.failure !== undefined
  }

  /** The shard was closed by a reshard and is read to its end: nothing more will come. */
  get ended(): boolean {
    const log = this.#log
    return log !== undefined && !this.#source.open && log.sealed && this.#position >= log.nextOrdinal
  }

  /**
   * Resolves once the record at `ordinal` (default: the position) is readable, the log is sealed,
   * closed or failed, or {@link wake} is called; callers look again after it resolves.
   */
  wait(ordinal = this.#position): Promise<void> {
    if (this.#log) return this.#log.waitFor(ordinal)
    return new Promise((resolve) => {
      const before = this.#parked
      this.#parked = () => {
        before?.()
        resolve()
      }
    })
  }

  /** Releases every wait on this shard (a reader stopping); other readers just look again. */
  wake(): void {
    this.#log?.wakeAll()
    const parked = this.#parked
    this.#parked = undefined
    parked?.()
  }

  /**
   * Reads from the position: at most `maxRecords` records and about `maxBytes` of decoded data
   * (always at least one record). Undefined once the log is closed (shutdown): this tail is over.
   * Throws when the log failed; the reader decides whether to retry.
   */
  async next(maxRecords: number, maxBytes: number): Promise<TailBatch | undefined> {
    let read: Awaited<ReturnType<ShardLog['read']>>
    try {
      read = await (this.#log ?? this.#source.requireLog()).read(this.#position, maxRecords, maxBytes)
    } catch (error) {
      if (error instanceof LogSealedError) return undefined
      throw error
    }
    return new TailBatch(read.records, read.next, read.buffers, this)
  }

  /** Reads from `from` without moving the position (a buffer read again to be delivered). */
  async readAt(from: number, maxRecords: number, maxBytes: number): Promise<TailBatch> {
    const read = await (this.#log ?? this.#source.requireLog()).read(from, maxRecords, maxBytes)
    return new TailBatch(read.records, read.next, read.buffers, undefined)
  }
}

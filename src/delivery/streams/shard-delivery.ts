import { decodedLength, type ShardTail, type TailBatch } from '../../engine/shard-tail.ts'
import type { Clock } from '../../util/clock.ts'
import { crashPoint } from '../../util/crash-point.ts'
import { BufferCutter, type Buffered, type BufferHints } from './buffer.ts'
import type { DeliveryCheckpoints } from './checkpoints.ts'
import type { FlushOutcome, PlannedObject, RawBuffer } from './flush.ts'
import type { DeliveryRecord } from './records.ts'

/** One shard of a delivery stream's source: a Kinesis shard, or the direct-put log. */
export interface ShardFeed {
  /** `shardId-000000000001`, or `direct` for direct put. */
  tag: string
  /** Reads the shard: a closed shard (resharding) ends once read to its end, and so does this. */
  tail: ShardTail
  /** The source incarnation (stream creation time; 0 for direct put). */
  sourceCreated: number
  sequenceNumber(ordinal: number, arrivalMs: number): string
}

/**
 * A source record as a buffer remembers it (a {@link Buffered}): where it is and how big, not its
 * bytes. The bytes are read again from the (durable) log when the buffer is delivered, so memory
 * does not grow with the buffering hints times the number of shards. The first and last record
 * of a buffer also carry their sequence number (they name its files).
 */
export interface SourceItem extends Buffered {
  sequenceNumber: string
}

/** Limits how many buffers are being delivered at once (each holds its records in memory). */
export class FlushSlots {
  #free: number
  readonly #waiting: (() => void)[] = []

  constructor(slots: number) {
    this.#free = slots
  }

  async acquire(): Promise<() => void> {
    if (this.#free > 0) this.#free--
    else await new Promise<void>((resolve) => this.#waiting.push(resolve))
    let released = false
    return () => {
      if (released) return
      released = true
      const next = this.#waiting.shift()
      if (next) next()
      else this.#free++
    }
  }
}

export interface ShardDeliveryOptions {
  delivery: string
  feed: ShardFeed
  hints: BufferHints
  clock: Clock
  checkpoints: DeliveryCheckpoints
  /** Splits a source record into user records (KPL de-aggregation, or one record as is). */
  expand(
    ordinal: number,
    sequenceNumber: string,
    partitionKey: string,
    arrivalMs: number,
    data: Buffer,
  ): DeliveryRecord[]
  /** Plans the objects of a buffer (see planFlush). */
  plan(records: DeliveryRecord[], first: SourceItem, last: SourceItem): Promise<FlushOutcome>
  /**
   * Plans a buffer from the log's bytes as stored (see planRawFlush), when nothing on this thread
   * needs the decoded records (no transformation, dynamic partitioning or de-aggregation). Used
   * instead of `plan` when given.
   */
  planRaw?(buffer: RawBuffer, first: SourceItem, last: SourceItem): Promise<FlushOutcome>
  slots: FlushSlots
  write(object: PlannedObject): Promise<void>
  /**
   * The store refused a data object's key (a planted symbolic link, a key that is also a
   * folder): plans the error-prefix object its records go to instead, or undefined to retry.
   */
  refused(
    object: PlannedObject,
    error: Error,
    first: SourceItem,
    last: SourceItem,
  ): Promise<PlannedObject | undefined>
  remove(key: string): Promise<void>
  /** An injected fault that fails this delivery attempt (docs/faults.md), drawn once per attempt. */
  fault?(): Error | undefined
  /** After each failed attempt at a buffer (before its retry). */
  attemptFailed?(error: Error): void
  /** After each committed buffer (metrics, retention of the direct-put log). */
  committed(outcome: FlushOutcome, items: readonly Buffered[], nextOrdinal: number): void
  onError(error: Error): void
  /** The source shard was delivered to its end (closed shards only). */
  onFinished(): void
}

const READ_RECORDS = 1000
const READ_BYTES = 4 * 1024 * 1024
const WRITE_CONCURRENCY = 8
const RETRY_MS = 1000
/** "If data delivery to your Amazon S3 bucket fails, Firehose retries every 5 seconds" (for up to 24 h). */
const DELIVERY_RETRY_MS = 5000
/**
 * Packed base64 of one chunk (planRawFlush's 2 MiB of records, plus the record that crosses the
 * line, up to 1 MiB) fits this. Such chunks live in shared memory that is reused from chunk to
 * chunk: the encoder worker reads it in place, and neither thread allocates and drops megabytes
 * per chunk (V8 reclaims dropped ArrayBuffers only once tens of MB have piled up, per thread).
 */
const SHARED_CHUNK_BYTES = 4 * 1024 * 1024 + 1024 * 1024
/** Enough for the chunks of two buffers in flight (two encoding and one being read, each). */
const MAX_FREE_SHARED_CHUNKS = 6
const freeSharedChunks: SharedArrayBuffer[] = []

function sharedChunk(): SharedArrayBuffer {
  return freeSharedChunks.pop() ?? new SharedArrayBuffer(SHARED_CHUNK_BYTES)
}

function freeSharedChunk(chunk: SharedArrayBuffer): void {
  if (freeSharedChunks.length < MAX_FREE_SHARED_CHUNKS) freeSharedChunks.push(chunk)
}

/**
 * Delivers one source shard: reads its log from the committed position, cuts buffers with the
 * deterministic rule of BufferCutter, and for each buffer writes every object (durably) before
 * committing the next position. A crash anywhere re-delivers the buffer to the same names.
 */
export class ShardDelivery {
  readonly #o: ShardDeliveryOptions
  /** Cuts short the current pause (stop). */
  #interrupt: (() => void) | undefined
  readonly #cutter: BufferCutter<Buffered>
  #stopped = false
  #running: Promise<void> | undefined
  #finished = false

  constructor(options: ShardDeliveryOptions) {
    this.#o = options
    this.#cutter = new BufferCutter(options.hints)
  }

  get finished(): boolean {
    return this.#finished
  }

  /** Oldest arrival time among records read but not yet delivered. */
  get oldestPending(): number | undefined {
    return this.#cutter.records[0]?.arrivalMs
  }

  start(): void {
    this.#running = this.#run().catch((error) => this.#o.onError(error as Error))
  }

  async stop(): Promise<void> {
    this.#stopped = true
    this.#interrupt?.()
    this.#o.feed.tail.wake()
    await this.#running
  }

  /** Delivers whatever is buffered now, without waiting for the hints (used before deletion). */
  async flushNow(): Promise<void> {
    if (!this.#cutter.empty) await this.#deliver(this.#cutter.take())
  }

  /** Waits `ms` on the clock, or less if stopped. */
  #pause(ms: number): Promise<void> {
    const clock = this.#o.clock
    return new Promise((resolve) => {
      const done = () => {
        clock.clearTimeout(timer)
        if (this.#interrupt === done) this.#interrupt = undefined
        resolve()
      }
      const timer = clock.setTimeout(done, Math.max(0, ms))
      this.#interrupt = done
    })
  }

  #startOrdinal(): number {
    const { checkpoints, delivery, feed } = this.#o
    const position = checkpoints.position(delivery, feed.tag)
    if (position && position.sourceCreated === feed.sourceCreated) return position.nextOrdinal
    // No position: the shard is read from its start (a LATEST delivery stream pinned the shards it
    // found at their ends before starting any; see DeliveryStream).
    const start = feed.tail.oldest
    checkpoints.setPosition(delivery, feed.tag, { sourceCreated: feed.sourceCreated, nextOrdinal: start })
    return start
  }

  async #run(): Promise<void> {
    const { feed, clock } = this.#o
    const tail = feed.tail
    tail.seek(Math.max(this.#startOrdinal(), tail.oldest))
    /** Set when the open buffer is due: read up to here (every record that could join it), then cut. */
    let cutAt: number | undefined
    while (!this.#stopped) {
      if (this.#cutter.full) {
        await this.#deliver(this.#cutter.take())
        continue
      }
      if (tail.readable) {
        await this.#read()
        continue
      }
      if (cutAt !== undefined && tail.position >= cutAt) {
        cutAt = undefined
        if (this.#cutter.due(clock.now())) await this.#deliver(this.#cutter.take())
        continue
      }
      if (tail.ended) {
        if (!this.#cutter.empty) await this.#deliver(this.#cutter.take())
        this.#finished = true
        this.#o.onFinished()
        return
      }
      if (this.#cutter.due(clock.now())) {
        // Appends from now on carry later arrival times; the ones before may still be syncing.
        cutAt = tail.end
        if (tail.position < cutAt) await tail.wait(cutAt - 1)
        continue
      }
      const deadline = this.#cutter.deadline
      if (deadline === undefined) await tail.wait()
      else {
        const pause = this.#pause(deadline - clock.now() + 1)
        await Promise.race([tail.wait(), pause])
        // The timer must not outlive the wait: under load the log wins this race constantly.
        this.#interrupt?.()
      }
    }
  }

  async #read(): Promise<void> {
    let read: TailBatch | undefined
    try {
      read = await this.#o.feed.tail.next(READ_RECORDS, READ_BYTES)
    } catch (error) {
      if (this.#stopped) return
      this.#o.onError(error as Error)
      await this.#pause(RETRY_MS * 5)
      return
    }
    if (!read) {
      // The log was closed (shutdown).
      this.#stopped = true
      return
    }
    for (const r of read.records) {
      const closed = this.#cutter.add({
        ordinal: r.ordinal,
        arrivalMs: r.timestamp,
        size: Math.max(1, decodedLength(r.data)),
      })
      if (closed) await this.#deliver(closed)
      if (this.#stopped) break
    }
    read.release()
  }

  /** Writes one buffer's objects and commits past it; retries (never skips) until it succeeds. */
  async #deliver(items: Buffered[]): Promise<void> {
    const { feed } = this.#o
    const end = (item: Buffered): SourceItem => ({
      ...item,
      sequenceNumber: feed.sequenceNumber(item.ordinal, item.arrivalMs),
    })
    const first = end(items[0]!)
    const last = end(items[items.length - 1]!)
    for (;;) {
      // A slot is held for one attempt, not across the pause before a retry: a buffer that keeps
      // failing must not keep other shards and delivery streams from flushing.
      const release = await this.#o.slots.acquire()
      let failure: Error | undefined
      try {
        failure = await this.#attempt(items, first, last)
      } finally {
        release()
      }
      if (!failure) return
      await this.#pause(DELIVERY_RETRY_MS)
      if (this.#stopped) throw failure
    }
  }

  /** The records of a buffer, read again from the log and expanded into user records. */
  async #reread(first: SourceItem, last: SourceItem): Promise<DeliveryRecord[]> {
    const { feed } = this.#o
    const out: DeliveryRecord[] = []
    let from = first.ordinal
    while (from <= last.ordinal) {
      const read = await feed.tail.readAt(from, Math.min(READ_RECORDS, last.ordinal + 1 - from), READ_BYTES)
      if (read.records.length === 0) break // trimmed by retention meanwhile: nothing more to read
      for (const r of read.records) {
        if (r.ordinal > last.ordinal) break
        const data = Buffer.from(r.data.toString('latin1'), 'base64')
        const sequenceNumber = feed.sequenceNumber(r.ordinal, r.timestamp)
        for (const record of this.#o.expand(r.ordinal, sequenceNumber, r.partitionKey, r.timestamp, data))
          out.push(record)
      }
      read.release()
      from = read.next
    }
    return out
  }

  /**
   * The records of a buffer for the raw path: read from the log in pieces, as stored (base64),
   * each piece packed into one buffer the encoder worker takes over.
   */
  #raw(items: readonly Buffered[], first: SourceItem, last: SourceItem): RawBuffer {
    const tail = this.#o.feed.tail
    return {
      items,
      decoded: () => this.#reread(first, last),
      read: async (from, to) => {
        const lastOrdinal = items[to - 1]!.ordinal
        // Base64 of n bytes is 4⌈n/3⌉ characters: the exact size for the text clients send.
        let capacity = 0
        for (let i = from; i < to; i++) capacity += 4 * Math.ceil(items[i]!.size / 3)
        let shared = capacity <= SHARED_CHUNK_BYTES ? sharedChunk() : undefined
        let data = shared ? new Uint8Array(shared) : new Uint8Array(capacity)
        const ends = new Uint32Array(to - from)
        let count = 0
        let at = 0
        let bytes = 0
        let next = items[from]!.ordinal
        while (next <= lastOrdinal && count < ends.length) {
          // The reads of #read's size reuse the log reader's buffers.
          const read = await tail.readAt(next, Math.min(READ_RECORDS, lastOrdinal + 1 - next), READ_BYTES)
          for (const r of read.records) {
            if (r.ordinal > lastOrdinal || count === ends.length) break
            if (at + r.data.length > data.length) {
              const grown = new Uint8Array(Math.max(at + r.data.length, data.length * 2))
              grown.set(data.subarray(0, at))
              data = grown
              if (shared) freeSharedChunk(shared)
              shared = undefined
            }
            data.set(r.data, at)
            at += r.data.length
            ends[count++] = at
            bytes += decodedLength(r.data)
          }
          read.release()
          if (read.records.length === 0 || read.next <= next) break // trimmed by retention meanwhile
          next = read.next
        }
        return {
          records: { data, ends: ends.subarray(0, count), base64: true, transferable: !shared },
          count,
          bytes,
          release: () => {
            if (shared) freeSharedChunk(shared)
            shared = undefined
          },
        }
      },
    }
  }

  /** One attempt at writing a buffer's objects and committing past it; why it failed, if it did. */
  async #attempt(items: Buffered[], first: SourceItem, last: SourceItem): Promise<Error | undefined> {
    const { checkpoints, delivery, feed } = this.#o
    try {
      const fault = this.#o.fault?.()
      if (fault) throw fault
      const outcome = this.#o.planRaw
        ? await this.#o.planRaw(this.#raw(items, first, last), first, last)
        : await this.#o.plan(await this.#reread(first, last), first, last)
      const keys = outcome.objects.map((o) => o.key)
      // An earlier attempt at this buffer may have written objects this one no longer plans
      // (a transformation that answered differently): they are removed once these are in.
      const earlier = checkpoints.intent(delivery, feed.tag)
      const stale =
        earlier && earlier.firstOrdinal === first.ordinal ? earlier.keys.filter((k) => !keys.includes(k)) : []
      checkpoints.setIntent(delivery, feed.tag, {
        firstOrdinal: first.ordinal,
        lastOrdinal: last.ordinal,
        keys: [...keys, ...stale],
      })
      crashPoint('delivery.intent')
      const fallbacks: PlannedObject[] = []
      await inParallel(outcome.objects, WRITE_CONCURRENCY, async (o) => {
        try {
          await this.#o.write(o)
        } catch (error) {
          const fallback = await this.#o.refused(o, error as Error, first, last)
          if (!fallback) throw error
          fallbacks.push(fallback)
        }
      })
      if (fallbacks.length > 0) {
        // Recorded before writing, so a replay that no longer needs them removes them.
        checkpoints.setIntent(delivery, feed.tag, {
          firstOrdinal: first.ordinal,
          lastOrdinal: last.ordinal,
          keys: [...keys, ...stale, ...fallbacks.map((f) => f.key)],
        })
        for (const f of fallbacks) await this.#o.write(f)
        outcome.objects.push(...fallbacks)
      }
      for (const key of stale) await this.#o.remove(key)
      crashPoint('delivery.written')
      const next = last.ordinal + 1
      checkpoints.commit(delivery, feed.tag, { sourceCreated: feed.sourceCreated, nextOrdinal: next })
      crashPoint('delivery.committed')
      this.#o.committed(outcome, items, next)
      return undefined
    } catch (error) {
      this.#o.onError(error as Error)
      this.#o.attemptFailed?.(error as Error)
      if (this.#stopped) throw error
      return error as Error
    }
  }
}

async function inParallel<T>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0
  const worker = async () => {
    while (next < items.length) await fn(items[next++]!)
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker))
}

/**
 * Firehose's buffering hints (size and interval, whichever comes first) as a deterministic rule
 * over the log, so that the same log always cuts into the same buffers — live, after a crash, or
 * replayed into an empty lake. That is what makes lake files exactly-once: a file's name is
 * derived from its buffer's first and last record, and a replay writes the same names again.
 *
 * The rule: a buffer starts at a record and takes the records after it while
 *  - the buffer's data stays within `sizeBytes` (a single larger record fills a buffer alone), and
 *  - each record arrived no later than `intervalMs` after the buffer's first record.
 * The record that breaks either condition starts the next buffer. The last buffer of the log is
 * cut once the clock is past its deadline (first arrival + interval): appends after that moment
 * carry later arrival times, so no record can still join it.
 */
export interface BufferHints {
  sizeBytes: number
  intervalMs: number
}

export interface Buffered {
  ordinal: number
  arrivalMs: number
  /** Record data size in bytes (decoded). */
  size: number
}

export class BufferCutter<T extends Buffered> {
  readonly #hints: BufferHints
  #records: T[] = []
  #bytes = 0

  constructor(hints: BufferHints) {
    this.#hints = hints
  }

  get records(): readonly T[] {
    return this.#records
  }

  get bytes(): number {
    return this.#bytes
  }

  get empty(): boolean {
    return this.#records.length === 0
  }

  /** When the open buffer must be delivered (its first arrival + interval), if it has records. */
  get deadline(): number | undefined {
    const first = this.#records[0]
    return first ? first.arrivalMs + this.#hints.intervalMs : undefined
  }

  /**
   * Adds a record; returns the buffer it closed, if the record could not join the open one.
   * The caller delivers the returned records before anything added later.
   */
  add(record: T): T[] | undefined {
    const first = this.#records[0]
    let closed: T[] | undefined
    if (
      first &&
      (this.#bytes + record.size > this.#hints.sizeBytes ||
        record.arrivalMs > first.arrivalMs + this.#hints.intervalMs)
    ) {
      closed = this.take()
    }
    this.#records.push(record)
    this.#bytes += record.size
    return closed
  }

  /** True when the open buffer is full enough that no record could join it any more. */
  get full(): boolean {
    return this.#bytes >= this.#hints.sizeBytes
  }

  /** Whether the open buffer is due at `now` (strictly past its deadline). */
  due(now: number): boolean {
    const deadline = this.deadline
    return deadline !== undefined && now > deadline
  }

  /** Empties the open buffer and returns its records. */
  take(): T[] {
    const out = this.#records
    this.#records = []
    this.#bytes = 0
    return out
  }
}

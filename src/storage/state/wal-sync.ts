import { type FileHandle, open } from 'node:fs/promises'

/** How long a write may wait for the fsync that covers it when nobody asks for durability. */
const SYNC_DELAY_MS = 20

/**
 * Group commit for a SQLite database in WAL mode, off the event loop. Commits made with
 * `synchronous = NORMAL` are written to the WAL file at once (so they survive a crash of the
 * process: the data is in the OS) but not fsynced. One fdatasync of the WAL file, on libuv's
 * thread pool, then makes every commit written before it durable against power loss too: SQLite
 * replays the WAL as a prefix (frames are chained by checksums), so a commit is durable once the
 * bytes it wrote are, and a later durable commit implies every earlier one is.
 *
 * An fdatasync runs `SYNC_DELAY_MS` after a write (one for all writes meanwhile), or at once for
 * whoever awaits {@link durable}.
 */
export class WalSync {
  readonly #walPath: string
  readonly #dbPath: string
  /** Writes made so far, and how many of them an fdatasync has covered. */
  #written = 0
  #synced = 0
  #running = false
  #timer: NodeJS.Timeout | undefined
  #waiters: { upTo: number; resolve: () => void; reject: (error: Error) => void }[] = []
  /**
   * The WAL file, opened once: SQLite keeps the same `-wal` file for as long as the database is
   * open (checkpoints rewind or truncate it, only the last connection's close unlinks it), so one
   * descriptor covers every round. Opening it per round was a visible share of a write's CPU.
   */
  #wal: FileHandle | undefined
  #closed = false

  constructor(dbPath: string) {
    this.#dbPath = dbPath
    this.#walPath = `${dbPath}-wal`
  }

  /** A commit was just written (not yet fsynced). */
  wrote(): void {
    this.#written++
    if (!this.#running && !this.#timer) {
      this.#timer = setTimeout(() => this.#start(), SYNC_DELAY_MS).unref()
    }
  }

  /** Resolves once every commit written so far is on disk. */
  durable(): Promise<void> {
    if (this.#synced >= this.#written) return Promise.resolve()
    const upTo = this.#written
    const done = new Promise<void>((resolve, reject) => this.#waiters.push({ upTo, resolve, reject }))
    this.#start()
    return done
  }

  /** Closes the WAL's descriptor (now, or after the round in flight). Call before the database closes. */
  async close(): Promise<void> {
    this.#closed = true
    clearTimeout(this.#timer)
    this.#timer = undefined
    if (!this.#running) await this.#release()
  }

  async #release(): Promise<void> {
    const wal = this.#wal
    this.#wal = undefined
    await wal?.close()
  }

  /** fdatasync of the WAL; if there is none yet, of the database itself. */
  async #sync(): Promise<void> {
    if (!this.#wal && !this.#closed) {
      try {
        this.#wal = await open(this.#walPath, 'r')
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
      }
    }
    if (this.#wal) return this.#wal.datasync()
    const db = await open(this.#dbPath, 'r')
    try {
      await db.datasync()
    } finally {
      await db.close()
    }
  }

  #start(): void {
    clearTimeout(this.#timer)
    this.#timer = undefined
    if (this.#running || this.#synced >= this.#written) return
    this.#running = true
    void this.#round()
  }

  async #round(): Promise<void> {
    // Everything written before the fdatasync starts is covered by it.
    const upTo = this.#written
    let failure: Error | undefined
    try {
      await this.#sync()
      this.#synced = upTo
    } catch (error) {
      failure = error as Error
    }
    this.#running = false
    if (this.#closed) await this.#release()
    const waiting = this.#waiters
    this.#waiters = []
    for (const w of waiting) {
      if (failure) w.reject(failure)
      else if (w.upTo <= this.#synced) w.resolve()
      else this.#waiters.push(w)
    }
    if (this.#waiters.length > 0) this.#start()
    else if (!failure && this.#synced < this.#written && !this.#timer) {
      this.#timer = setTimeout(() => this.#start(), SYNC_DELAY_MS).unref()
    }
  }
}

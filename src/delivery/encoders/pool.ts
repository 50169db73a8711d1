/**
 * Encoders on worker threads, so compression and Parquet encoding never stall the event loop.
 * Workers start on demand, run one request at a time, and are unref'd while idle (a forgotten
 * pool does not keep the process alive). A worker that dies fails only its own request and is
 * replaced on the next dispatch.
 */
import { availableParallelism } from 'node:os'
import { fileURLToPath } from 'node:url'
import { Worker } from 'node:worker_threads'
import type { EncodeRequest, EncodeResult, Encoder } from '../types.ts'
import { EncodeRequestError, EncoderClosedError, EncoderCrashedError } from './errors.ts'
import { type FromWorker, packRequest } from './protocol.ts'

/**
 * The worker's module: beside this file in dist/; from a clone (src/), worker.ts compiled once to
 * plain JavaScript, as handlers are, so encoder threads need no TypeScript loader.
 */
async function defaultEntry(): Promise<URL> {
  if (!import.meta.url.endsWith('.ts')) return new URL('./worker.js', import.meta.url)
  const { compiledEntry } = await import('../../functions/workers/compile.ts')
  return compiledEntry(fileURLToPath(new URL('./worker.ts', import.meta.url)))
}

export interface EncoderPoolOptions {
  /**
   * Worker threads. Default: one fewer than the cores, at least 1, at most 4 — the event loop
   * keeps a core for ingest (on 2 cores: 1 worker, which alone encodes ~5× the NDJSON.gz target).
   */
  size?: number
  /** The worker entry module (tests substitute one that can crash on demand). */
  entry?: URL
}

interface Job {
  id: number
  request: EncodeRequest
  resolve: (result: EncodeResult) => void
  reject: (error: Error) => void
}

interface Slot {
  thread: Worker
  job: Job | undefined
  exited: Promise<void>
  /** Resolves when the worker has loaded its code, or has exited. */
  ready: Promise<void>
  onReady: () => void
  /** The uncaught error that ended the thread, if any. */
  error?: Error
}

/** Errors the worker may report that callers can tell apart; any other arrives as a plain Error. */
const KNOWN_ERRORS: Record<string, new (message: string) => Error> = { EncodeRequestError }

export const defaultPoolSize = (): number => Math.max(1, Math.min(4, availableParallelism() - 1))

/**
 * Runs `encodeSync` in worker threads.
 *
 * @example
 * const encoder = new EncoderPool()
 * const file = await encoder.encode({ format: 'parquet', records, columns, appendNewline: false, compression: 'UNCOMPRESSED', fileTimeMs })
 * await encoder.close()
 */
export class EncoderPool implements Encoder {
  readonly size: number
  /** The worker module, once known (compiled first from a clone). */
  private entry: URL | undefined
  private entryReady: Promise<void> | undefined
  private readonly slots = new Set<Slot>()
  private readonly queue: Job[] = []
  private nextId = 1
  private closing: Promise<void> | undefined

  constructor(options: EncoderPoolOptions = {}) {
    this.size = options.size ?? defaultPoolSize()
    if (!Number.isInteger(this.size) || this.size < 1)
      throw new RangeError(`pool size must be ≥ 1, got ${this.size}`)
    this.entry = options.entry
  }

  /** Resolves once the worker module is known (at once when it is; a failed compile is retried). */
  #entry(): Promise<void> {
    if (this.entry) return Promise.resolve()
    this.entryReady ??= defaultEntry()
      .then((url) => {
        this.entry = url
      })
      .finally(() => {
        this.entryReady = undefined
      })
    return this.entryReady
  }

  encode(request: EncodeRequest): Promise<EncodeResult> {
    if (this.closing) return Promise.reject(new EncoderClosedError())
    return new Promise((resolve, reject) => {
      this.queue.push({ id: this.nextId++, request, resolve, reject })
      this.dispatch()
    })
  }

  /** Starts every worker now and resolves once each has loaded its code (or died trying). */
  async warm(): Promise<void> {
    await this.#entry()
    if (this.closing) return
    while (this.slots.size < this.size) this.spawn()
    await Promise.all([...this.slots].map((slot) => slot.ready))
  }

  /** Rejects queued and in-flight requests and stops every worker. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      for (const job of this.queue.splice(0)) job.reject(new EncoderClosedError())
      const slots = [...this.slots]
      for (const slot of slots) {
        slot.job?.reject(new EncoderClosedError())
        slot.job = undefined
      }
      await Promise.all(slots.map((slot) => slot.thread.terminate().then(() => slot.exited)))
    })()
    return this.closing
  }

  /** Live worker threads (for stats and tests). */
  get workers(): number {
    return this.slots.size
  }

  private dispatch(): void {
    if (!this.entry) {
      void this.#entry().then(
        () => this.dispatch(),
        (error: unknown) => {
          for (const job of this.queue.splice(0)) job.reject(error as Error)
        },
      )
      return
    }
    while (this.queue.length > 0) {
      let slot = [...this.slots].find((s) => s.job === undefined)
      if (!slot && this.slots.size < this.size) slot = this.spawn()
      if (!slot) return
      const job = this.queue.shift()!
      try {
        const packed = packRequest(job.request)
        slot.thread.postMessage({ id: job.id, request: packed.wire }, packed.transfer)
      } catch (error) {
        // A request that cannot be packed or cloned (a detached buffer): nothing was sent.
        job.reject(error as Error)
        continue
      }
      slot.job = job
      slot.thread.ref()
    }
  }

  private spawn(): Slot {
    const thread = new Worker(this.entry!)
    const exited = new Promise<void>((r) => thread.once('exit', () => r()))
    let onReady = () => {}
    const ready = Promise.race([new Promise<void>((r) => (onReady = r)), exited])
    const slot: Slot = { thread, job: undefined, exited, ready, onReady }
    thread.unref()
    thread.on('message', (message: FromWorker) => this.onMessage(slot, message))
    // An uncaught error ends the thread; 'exit' follows and does the bookkeeping.
    thread.on('error', (error) => {
      slot.error = error
    })
    thread.once('exit', (code) => this.onExit(slot, code))
    this.slots.add(slot)
    return slot
  }

  private onMessage(slot: Slot, message: FromWorker): void {
    if ('ready' in message) {
      slot.onReady()
      return
    }
    const job = slot.job
    if (!job || job.id !== message.id) return
    slot.job = undefined
    slot.thread.unref()
    if (message.ok) job.resolve({ ...message.result, body: Buffer.from(message.body) })
    else {
      const ErrorClass = KNOWN_ERRORS[message.name]
      const error = ErrorClass
        ? new ErrorClass(message.message)
        : new Error(`${message.name}: ${message.message}`)
      job.reject(error)
    }
    this.dispatch()
  }

  private onExit(slot: Slot, code: number): void {
    this.slots.delete(slot)
    const job = slot.job
    slot.job = undefined
    if (this.closing) return
    const cause = slot.error ? `: ${slot.error.message}` : ''
    job?.reject(new EncoderCrashedError(`encoder worker exited with code ${code} while encoding${cause}`))
    this.dispatch()
  }
}

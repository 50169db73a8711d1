import type { Clock, TimerHandle } from '../util/clock.ts'
import type { ActiveFault, FaultConfig, FaultTarget } from './fault.ts'
import { durationMs, faultSchema, faultTarget } from './fault.ts'

export type FaultOperation = 'put' | 'get'
export type FaultOutcome = 'throttle' | 'internal-failure'

/** mulberry32: a small, fast PRNG whose sequence depends only on its seed. */
function prng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296
  }
}

export type FaultChange = { added: ActiveFault } | { cleared: ActiveFault[] } | { expired: ActiveFault }

const EFFECT_TEXT: Record<string, string> = {
  throttle: 'throttle',
  'internal-failure': 'InternalFailure',
  error: 'function error',
  timeout: 'timeout',
  'slow-down': 'SlowDown (503)',
  'internal-error': 'InternalError (500)',
}

const CALLS: Record<FaultTarget, string> = {
  stream: 'calls to stream',
  function: 'invocations of function',
  bucket: 'writes to bucket',
  delivery: 'deliveries of delivery stream',
}

/** One line about a fault, as `tributary fault list`, the dev output and the dashboard show it. */
export function describeFault(f: ActiveFault): string {
  const { target, name } = faultTarget(f)
  const what = f.effect === 'latency' ? `latency ${f.latencyMs} ms` : EFFECT_TEXT[f.effect]
  const calls = target === 'stream' ? `${f.operations.join(' and ')} ${CALLS[target]}` : CALLS[target]
  const until = f.expiresAt === undefined ? '' : `, until ${new Date(f.expiresAt).toISOString()}`
  return `${f.id}: ${what} on ${Math.round(f.rate * 1000) / 10}% of ${calls} ${name} (seed ${f.seed}, ${f.hits} hit${until})`
}

interface Entry {
  fault: ActiveFault
  target: FaultTarget
  name: string
  next: () => number
  timer: TimerHandle | undefined
}

/**
 * The faults injected into a running engine (`tributary fault add`, the pipeline's `faults`).
 * Each fault draws from its own seeded generator, once per call (PutRecords entry, invocation,
 * object write, delivery attempt) it applies to, so a run that makes the same calls sees the same
 * faults. Consulted by the stream engine's put and read paths, the function invoker, the bucket
 * store's writes and the delivery streams; with no fault active each check is one comparison.
 * A fault with an end (`for`, `until`) expires on the engine's clock.
 */
export class FaultInjector {
  readonly #entries: Entry[] = []
  #nextId = 1
  readonly #clock: Clock
  readonly #listeners = new Set<(change: FaultChange) => void>()

  constructor(clock: Clock) {
    this.#clock = clock
  }

  /** Tells `listener` of every fault added, cleared or expired (the dev output's lines). Returns an unsubscribe. */
  onChange(listener: (change: FaultChange) => void): () => void {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }

  #emit(change: FaultChange): void {
    for (const listener of this.#listeners) listener(change)
  }

  /** How many faults are active (0: every check returns at once). */
  get size(): number {
    return this.#entries.length
  }

  /** Adds a fault (validated with {@link faultSchema}); returns it with its id. */
  add(spec: unknown): ActiveFault {
    const config: FaultConfig = faultSchema.parse(spec)
    const now = this.#clock.now()
    const expiresAt =
      config.for !== undefined
        ? now + durationMs(config.for)!
        : config.until !== undefined
          ? Date.parse(config.until)
          : undefined
    const fault: ActiveFault = {
      ...config,
      id: `f${this.#nextId++}`,
      addedAt: now,
      hits: 0,
      ...(expiresAt !== undefined && { expiresAt }),
    }
    const entry: Entry = { fault, ...faultTarget(config), next: prng(config.seed), timer: undefined }
    this.#entries.push(entry)
    this.#emit({ added: { ...fault } })
    if (expiresAt !== undefined) {
      entry.timer = this.#clock.setTimeout(() => this.#expire(), Math.max(0, expiresAt - now))
      entry.timer.unref?.()
      this.#expire()
    }
    return { ...fault }
  }

  /** The active faults (those past their end removed first). */
  list(): ActiveFault[] {
    this.#expire()
    return this.#entries.map((e) => ({ ...e.fault }))
  }

  /** Removes one fault by id, or every fault without an id; returns how many it removed. */
  clear(id?: string): number {
    const removed = this.#entries.filter((e) => id === undefined || e.fault.id === id)
    this.#remove(removed)
    if (removed.length > 0) this.#emit({ cleared: removed.map((e) => ({ ...e.fault })) })
    return removed.length
  }

  /** Clears every expiry timer (the engine is closing); the faults stay listed. */
  dispose(): void {
    for (const e of this.#entries) if (e.timer) this.#clock.clearTimeout(e.timer)
  }

  #remove(entries: Entry[]): void {
    for (const e of entries) if (e.timer) this.#clock.clearTimeout(e.timer)
    const kept = this.#entries.filter((e) => !entries.includes(e))
    this.#entries.splice(0, this.#entries.length, ...kept)
  }

  /** Removes the faults whose end has come (a timer's, or a check that runs before it fires). */
  #expire(): void {
    const now = this.#clock.now()
    const due = this.#entries.filter((e) => e.fault.expiresAt !== undefined && e.fault.expiresAt <= now)
    if (due.length === 0) return
    this.#remove(due)
    for (const e of due) this.#emit({ expired: { ...e.fault } })
  }

  /**
   * The first active fault on `target` `name` that applies (`applies`, when given) and draws a
   * hit, counted; undefined when none does. Every fault that applies draws, in order, until one
   * hits: a fault's sequence depends only on its seed and the calls it applies to.
   */
  strike(
    target: FaultTarget,
    name: string,
    applies?: (fault: ActiveFault) => boolean,
  ): ActiveFault | undefined {
    if (this.#entries.length === 0) return undefined
    this.#expire()
    for (const e of this.#entries) {
      if (e.target !== target || e.name !== name || (applies && !applies(e.fault))) continue
      if (e.next() < e.fault.rate) {
        e.fault.hits++
        return e.fault
      }
    }
    return undefined
  }

  /**
   * Whether a call (or a PutRecords entry) on `stream` fails, and how: the first active
   * throttle or internal-failure fault that applies and draws a hit.
   */
  fail(stream: string, operation: FaultOperation): FaultOutcome | undefined {
    const hit = this.strike(
      'stream',
      stream,
      (f) => f.effect !== 'latency' && f.operations.includes(operation),
    )
    return hit?.effect as FaultOutcome | undefined
  }

  /** How long a call on `stream` waits first (the sum of the latency faults that hit it), ms. */
  delay(stream: string, operation: FaultOperation): number {
    if (this.#entries.length === 0) return 0
    this.#expire()
    let ms = 0
    for (const e of this.#entries) {
      const f = e.fault
      if (e.target !== 'stream' || e.name !== stream) continue
      if (f.effect !== 'latency' || !f.operations.includes(operation)) continue
      if (e.next() < f.rate) {
        f.hits++
        ms += f.latencyMs
      }
    }
    return ms
  }
}

import type { ActiveFault, FaultConfig } from './fault.ts'
import { faultSchema } from './fault.ts'

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

export type FaultChange = { added: ActiveFault } | { cleared: ActiveFault[] }

/** One line about a fault, as `tributary fault list` and the dev output print it. */
export function describeFault(f: ActiveFault): string {
  const what =
    f.effect === 'latency'
      ? `latency ${f.latencyMs} ms`
      : f.effect === 'throttle'
        ? 'throttle'
        : 'InternalFailure'
  return `${f.id}: ${what} on ${Math.round(f.rate * 1000) / 10}% of ${f.operations.join(' and ')} calls to stream ${f.stream} (seed ${f.seed}, ${f.hits} hit)`
}

interface Entry {
  fault: ActiveFault
  next: () => number
}

/**
 * The faults injected into a running engine (`tributary fault add`, the pipeline's `faults`).
 * Each fault draws from its own seeded generator, once per call or PutRecords entry it applies
 * to, so a run that makes the same calls sees the same faults. Consulted by the stream engine's
 * put and read paths; with no fault active each check is one comparison.
 */
export class FaultInjector {
  readonly #entries: Entry[] = []
  #nextId = 1
  readonly #now: () => number
  readonly #listeners = new Set<(change: FaultChange) => void>()

  constructor(now: () => number) {
    this.#now = now
  }

  /** Tells `listener` of every fault added or cleared (the dev output's lines). Returns an unsubscribe. */
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
    const fault: ActiveFault = { ...config, id: `f${this.#nextId++}`, addedAt: this.#now(), hits: 0 }
    this.#entries.push({ fault, next: prng(config.seed) })
    this.#emit({ added: { ...fault } })
    return fault
  }

  list(): ActiveFault[] {
    return this.#entries.map((e) => ({ ...e.fault }))
  }

  /** Removes one fault by id, or every fault without an id; returns how many it removed. */
  clear(id?: string): number {
    const removed = this.#entries.filter((e) => id === undefined || e.fault.id === id)
    const kept = this.#entries.filter((e) => !removed.includes(e))
    this.#entries.splice(0, this.#entries.length, ...kept)
    if (removed.length > 0) this.#emit({ cleared: removed.map((e) => ({ ...e.fault })) })
    return removed.length
  }

  /**
   * Whether a call (or a PutRecords entry) on `stream` fails, and how: the first active
   * throttle or internal-failure fault that applies and draws a hit.
   */
  fail(stream: string, operation: FaultOperation): FaultOutcome | undefined {
    for (const e of this.#entries) {
      const f = e.fault
      if (f.effect === 'latency' || f.stream !== stream || !f.operations.includes(operation)) continue
      if (e.next() < f.rate) {
        f.hits++
        return f.effect
      }
    }
    return undefined
  }

  /** How long a call on `stream` waits first (the sum of the latency faults that hit it), ms. */
  delay(stream: string, operation: FaultOperation): number {
    let ms = 0
    for (const e of this.#entries) {
      const f = e.fault
      if (f.effect !== 'latency' || f.stream !== stream || !f.operations.includes(operation)) continue
      if (e.next() < f.rate) {
        f.hits++
        ms += f.latencyMs
      }
    }
    return ms
  }
}

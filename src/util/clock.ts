/**
 * Time source for everything that depends on the wall clock: arrival timestamps, iterator expiry,
 * stream state transitions and retention. Tests inject a {@link ManualClock} instead of sleeping.
 */
export interface Clock {
  now(): number
  setTimeout(fn: () => void, ms: number): TimerHandle
  clearTimeout(handle: TimerHandle): void
}

export interface TimerHandle {
  unref?(): void
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
}

interface ManualTimer extends TimerHandle {
  at: number
  fn: () => void
  seq: number
}

/**
 * A clock that only moves when told to. Timers fire in due order during {@link ManualClock.advance}.
 *
 * @example
 * const clock = new ManualClock(Date.UTC(2026, 0, 1))
 * clock.setTimeout(() => console.log('fired'), 500)
 * clock.advance(500) // prints "fired"
 */
export class ManualClock implements Clock {
  #now: number
  #timers = new Set<ManualTimer>()
  #seq = 0

  constructor(start = Date.UTC(2026, 0, 1)) {
    this.#now = start
  }

  now(): number {
    return this.#now
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const timer: ManualTimer = { at: this.#now + Math.max(0, ms), fn, seq: this.#seq++ }
    this.#timers.add(timer)
    return timer
  }

  clearTimeout(handle: TimerHandle): void {
    this.#timers.delete(handle as ManualTimer)
  }

  /** When the earliest pending timer is due, if any. */
  nextTimerAt(): number | undefined {
    let at: number | undefined
    for (const t of this.#timers) if (at === undefined || t.at < at) at = t.at
    return at
  }

  /** Moves time forward by `ms`, firing every timer that falls due on the way, in order. */
  advance(ms: number): void {
    const target = this.#now + ms
    for (;;) {
      let next: ManualTimer | undefined
      for (const t of this.#timers) {
        if (t.at <= target && (!next || t.at < next.at || (t.at === next.at && t.seq < next.seq))) next = t
      }
      if (!next) break
      this.#timers.delete(next)
      this.#now = Math.max(this.#now, next.at)
      next.fn()
    }
    this.#now = target
  }

  /** Sets the time directly (forwards only), firing due timers. */
  set(time: number): void {
    this.advance(Math.max(0, time - this.#now))
  }
}

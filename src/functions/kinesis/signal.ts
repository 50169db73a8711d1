import type { Clock } from '../../util/clock.ts'

/** A wake-up: `wait()` resolves at the next `notify()` (edge-triggered, many waiters). */
export class Signal {
  #waiters: (() => void)[] = []

  wait(): Promise<void> {
    return new Promise((resolve) => this.#waiters.push(resolve))
  }

  notify(): void {
    const waiters = this.#waiters
    this.#waiters = []
    for (const w of waiters) w()
  }
}

/** Resolves after `ms` on `clock`, or as soon as `signal` fires, whichever is first. */
export function sleepOrSignal(clock: Clock, ms: number, signal: Signal): Promise<void> {
  return new Promise((resolve) => {
    let settled = false
    const finish = () => {
      if (settled) return
      settled = true
      clock.clearTimeout(timer)
      resolve()
    }
    const timer = clock.setTimeout(finish, Math.max(0, ms))
    void signal.wait().then(finish)
  })
}

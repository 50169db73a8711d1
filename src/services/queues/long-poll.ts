import type { Clock, TimerHandle } from '../../util/clock.ts'

interface Waiter<T> {
  /** Tries to take messages now; an empty result keeps the waiter waiting. */
  attempt: () => T[]
  finish: (result: T[] | Error) => void
}

/**
 * Receivers waiting on empty queues (ReceiveMessage with WaitTimeSeconds). They are woken by
 * notifications, never by polling: a send (or anything else that may make a message visible)
 * calls {@link LongPoll.notify}, and one timer per queue fires when the next hidden message
 * (delayed, or in flight) becomes visible. Waiters are served in arrival order.
 */
export class LongPoll<T> {
  readonly #clock: Clock
  readonly #nextVisibleAt: (queue: string) => number | undefined
  readonly #waiters = new Map<string, Set<Waiter<T>>>()
  readonly #wakeTimers = new Map<string, TimerHandle>()

  constructor(clock: Clock, nextVisibleAt: (queue: string) => number | undefined) {
    this.#clock = clock
    this.#nextVisibleAt = nextVisibleAt
  }

  /**
   * Waits up to `waitMs` for `attempt` to return messages. Resolves with them, or with `[]` when
   * the wait ends or `signal` aborts. The caller has already made one attempt.
   */
  wait(queue: string, waitMs: number, attempt: () => T[], signal?: AbortSignal): Promise<T[]> {
    if (signal?.aborted) return Promise.resolve([])
    return new Promise<T[]>((resolve, reject) => {
      const set = this.#waiters.get(queue) ?? new Set()
      this.#waiters.set(queue, set)
      const onAbort = () => waiter.finish([])
      const timer = this.#clock.setTimeout(() => waiter.finish([]), waitMs)
      const waiter: Waiter<T> = {
        attempt,
        finish: (result) => {
          if (!set.delete(waiter)) return
          this.#clock.clearTimeout(timer)
          signal?.removeEventListener('abort', onAbort)
          if (set.size === 0) this.#waiters.delete(queue)
          this.#scheduleWake(queue)
          if (result instanceof Error) reject(result)
          else resolve(result)
        },
      }
      set.add(waiter)
      signal?.addEventListener('abort', onAbort, { once: true })
      this.#scheduleWake(queue)
    })
  }

  /** Something in `queue` may have become visible: serve waiters in order while messages last. */
  notify(queue: string): void {
    const set = this.#waiters.get(queue)
    if (!set) return
    for (const waiter of [...set]) {
      let result: T[] | Error
      try {
        result = waiter.attempt()
      } catch (error) {
        result = error instanceof Error ? error : new Error(String(error))
      }
      if (Array.isArray(result) && result.length === 0) break
      waiter.finish(result)
    }
    this.#scheduleWake(queue)
  }

  /** Ends every wait with `[]` and drops the timers (service shutdown). */
  close(): void {
    for (const set of [...this.#waiters.values()]) {
      for (const waiter of [...set]) waiter.finish([])
    }
    for (const timer of this.#wakeTimers.values()) this.#clock.clearTimeout(timer)
    this.#wakeTimers.clear()
  }

  #scheduleWake(queue: string): void {
    const existing = this.#wakeTimers.get(queue)
    if (existing) this.#clock.clearTimeout(existing)
    this.#wakeTimers.delete(queue)
    if (!this.#waiters.has(queue)) return
    const at = this.#nextVisibleAt(queue)
    if (at === undefined) return
    const timer = this.#clock.setTimeout(() => {
      this.#wakeTimers.delete(queue)
      this.notify(queue)
    }, at - this.#clock.now())
    this.#wakeTimers.set(queue, timer)
  }
}

import type { Clock, TimerHandle } from '../../util/clock.ts'
import type { TableRegistry } from './registry.ts'

/** How often expired items are looked for (engine clock). DynamoDB takes up to a few days. */
export const TTL_SWEEP_MS = 60_000

/**
 * Time to live: once a minute on the engine clock, every table with TTL enabled loses the items
 * whose expiry (a Number of epoch seconds in its TTL attribute) has passed, a batch of 1,000 per
 * transaction until none is left.
 *
 * @example
 * const sweeper = new TtlSweeper(registry, clock, (table, n) => log(`${n} expired in ${table}`))
 * sweeper.start() // ... sweeper.stop()
 */
export class TtlSweeper {
  readonly #registry: TableRegistry
  readonly #clock: Clock
  readonly #onExpired: (table: string, count: number) => void
  #timer: TimerHandle | undefined
  #stopped = true

  constructor(
    registry: TableRegistry,
    clock: Clock,
    onExpired: (table: string, count: number) => void = () => {},
  ) {
    this.#registry = registry
    this.#clock = clock
    this.#onExpired = onExpired
  }

  start(): void {
    this.#stopped = false
    this.#schedule()
  }

  stop(): void {
    this.#stopped = true
    if (this.#timer) this.#clock.clearTimeout(this.#timer)
    this.#timer = undefined
  }

  /** One sweep of every table, now. Returns the items deleted per table (those that lost some). */
  sweep(): Map<string, number> {
    const deleted = new Map<string, number>()
    const now = this.#clock.now()
    for (const [name, table] of this.#registry.tables) {
      const attribute = this.#registry.timeToLive(name)
      if (attribute === undefined) continue
      let total = 0
      for (let n = table.expire(attribute, now); n > 0; n = table.expire(attribute, now)) total += n
      if (total > 0) {
        deleted.set(name, total)
        this.#onExpired(name, total)
      }
    }
    return deleted
  }

  #schedule(): void {
    this.#timer = this.#clock.setTimeout(() => {
      if (this.#stopped) return
      this.sweep()
      this.#schedule()
    }, TTL_SWEEP_MS)
    this.#timer.unref?.()
  }
}

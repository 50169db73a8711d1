import { randomInt } from 'node:crypto'

/**
 * A small seeded PRNG (mulberry32) for tests whose random choices must be reproducible: print the
 * seed when a test fails and run it again with the same seed.
 */
export class Prng {
  readonly seed: number
  #state: number

  constructor(seed: number) {
    this.seed = seed >>> 0
    this.#state = this.seed
  }

  /** A float in [0, 1). */
  next(): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0
    let t = this.#state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296
  }

  /** An integer in [lo, hi] (both inclusive). */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1))
  }

  chance(p: number): boolean {
    return this.next() < p
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)]!
  }

  /** `n` pseudo-random bytes. */
  bytes(n: number): Buffer {
    const out = Buffer.allocUnsafe(n)
    let i = 0
    for (; i + 4 <= n; i += 4) out.writeUInt32LE(Math.floor(this.next() * 4_294_967_296), i)
    for (; i < n; i++) out[i] = Math.floor(this.next() * 256)
    return out
  }

  /** An independent generator derived from this one (so adding draws here does not shift it). */
  fork(): Prng {
    return new Prng(Math.floor(this.next() * 4_294_967_296))
  }
}

/**
 * The seed for a randomized test: `$name` from the environment when set (to replay a failure),
 * otherwise a fresh random one. Either way the test must print it when it fails.
 */
export function seedFromEnv(name: string): number {
  const given = process.env[name]
  if (given !== undefined && given !== '') {
    const seed = Number(given)
    if (!Number.isInteger(seed) || seed < 0 || seed > 0xffff_ffff) {
      throw new Error(`${name} must be an integer in [0, 2^32), got '${given}'`)
    }
    return seed
  }
  return randomInt(0, 0xffff_ffff)
}

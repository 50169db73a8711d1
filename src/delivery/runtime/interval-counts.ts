/**
 * How many intervals cover each moment of a timeline, with the two questions the active
 * partition quota asks: "add an interval" and "what is the most at any moment in [from, to]".
 * A segment tree over the moments where a count can change, so each costs O(log n).
 */
export class IntervalCounts {
  readonly #points: number[]
  readonly #max: number[]
  readonly #add: number[]

  /** `moments`: every start and end that will be added or asked about. */
  constructor(moments: Iterable<number>) {
    this.#points = [...new Set(moments)].sort((a, b) => a - b)
    const size = 4 * Math.max(1, this.#points.length)
    this.#max = new Array(size).fill(0)
    this.#add = new Array(size).fill(0)
  }

  /** Counts the closed interval [from, to] (both among the moments given). */
  add(from: number, to: number): void {
    this.#update(1, 0, this.#points.length - 1, this.#index(from), this.#index(to))
  }

  /** The highest count at any moment of the closed interval [from, to]. */
  maxIn(from: number, to: number): number {
    return this.#query(1, 0, this.#points.length - 1, this.#index(from), this.#index(to))
  }

  #index(moment: number): number {
    let lo = 0
    let hi = this.#points.length - 1
    while (lo < hi) {
      const mid = (lo + hi) >> 1
      if (this.#points[mid]! < moment) lo = mid + 1
      else hi = mid
    }
    if (this.#points[lo] !== moment) throw new Error(`moment ${moment} was not declared`)
    return lo
  }

  #update(node: number, lo: number, hi: number, from: number, to: number): void {
    if (to < lo || hi < from) return
    if (from <= lo && hi <= to) {
      this.#max[node]!++
      this.#add[node]!++
      return
    }
    const mid = (lo + hi) >> 1
    this.#update(2 * node, lo, mid, from, to)
    this.#update(2 * node + 1, mid + 1, hi, from, to)
    this.#max[node] = this.#add[node]! + Math.max(this.#max[2 * node]!, this.#max[2 * node + 1]!)
  }

  #query(node: number, lo: number, hi: number, from: number, to: number): number {
    if (to < lo || hi < from) return 0
    if (from <= lo && hi <= to) return this.#max[node]!
    const mid = (lo + hi) >> 1
    const below = Math.max(
      this.#query(2 * node, lo, mid, from, to),
      this.#query(2 * node + 1, mid + 1, hi, from, to),
    )
    return this.#add[node]! + below
  }
}

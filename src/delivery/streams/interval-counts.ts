/**
 * How many intervals cover each moment of a timeline, with the two questions the active
 * partition quota asks: "add an interval" and "what is the most at any moment in [from, to]".
 * A segment tree over the moments where a count can change, so each costs O(log n).
 */
export class IntervalCounts {
  readonly #points: Float64Array
  readonly #tree: Tree

  /** `moments`: every start and end that will be added or asked about. */
  constructor(moments: Iterable<number>) {
    this.#points = Float64Array.from(new Set(moments)).sort()
    const size = 4 * Math.max(1, this.#points.length)
    this.#tree = { max: new Int32Array(size), add: new Int32Array(size) }
  }

  /** Counts the closed interval [from, to] (both among the moments given). */
  add(from: number, to: number): void {
    update(this.#tree, 1, 0, this.#points.length - 1, this.#index(from), this.#index(to))
  }

  /** The highest count at any moment of the closed interval [from, to]. */
  maxIn(from: number, to: number): number {
    return query(this.#tree, 1, 0, this.#points.length - 1, this.#index(from), this.#index(to))
  }

  #index(moment: number): number {
    const points = this.#points
    let lo = 0
    let hi = points.length - 1
    while (lo < hi) {
      const mid = (lo + hi) >> 1
      if (points[mid]! < moment) lo = mid + 1
      else hi = mid
    }
    if (points[lo] !== moment) throw new Error(`moment ${moment} was not declared`)
    return lo
  }
}

/** A max segment tree with lazy range increments (`add` is what a node's whole range got). */
interface Tree {
  max: Int32Array
  add: Int32Array
}

// Plain functions over typed arrays: the recursion runs hot (thousands of partitions per buffer).
function update(tree: Tree, node: number, lo: number, hi: number, from: number, to: number): void {
  if (to < lo || hi < from) return
  if (from <= lo && hi <= to) {
    tree.max[node]!++
    tree.add[node]!++
    return
  }
  const mid = (lo + hi) >> 1
  update(tree, 2 * node, lo, mid, from, to)
  update(tree, 2 * node + 1, mid + 1, hi, from, to)
  tree.max[node] = tree.add[node]! + Math.max(tree.max[2 * node]!, tree.max[2 * node + 1]!)
}

function query(tree: Tree, node: number, lo: number, hi: number, from: number, to: number): number {
  if (to < lo || hi < from) return 0
  if (from <= lo && hi <= to) return tree.max[node]!
  const mid = (lo + hi) >> 1
  const below = Math.max(
    query(tree, 2 * node, lo, mid, from, to),
    query(tree, 2 * node + 1, mid + 1, hi, from, to),
  )
  return tree.add[node]! + below
}

/**
 * Sparse index of one segment: (first ordinal, byte offset, arrival time) of a frame roughly every
 * `interval` bytes. Lookups land on an indexed frame and scan forward from there.
 */
export class SparseIndex {
  ordinals: Float64Array
  offsets: Float64Array
  timestamps: Float64Array
  length = 0
  #lastOffset = Number.NEGATIVE_INFINITY

  constructor(
    readonly interval: number,
    capacity = 16,
  ) {
    this.ordinals = new Float64Array(capacity)
    this.offsets = new Float64Array(capacity)
    this.timestamps = new Float64Array(capacity)
  }

  /** Records a frame start; kept only if it is `interval` bytes past the last kept entry. */
  add(ordinal: number, offset: number, timestamp: number): void {
    if (offset - this.#lastOffset < this.interval) return
    this.#push(ordinal, offset, timestamp)
  }

  #push(ordinal: number, offset: number, timestamp: number): void {
    if (this.length === this.ordinals.length) {
      const grow = (a: Float64Array) => {
        const b = new Float64Array(a.length * 2)
        b.set(a)
        return b
      }
      this.ordinals = grow(this.ordinals)
      this.offsets = grow(this.offsets)
      this.timestamps = grow(this.timestamps)
    }
    this.ordinals[this.length] = ordinal
    this.offsets[this.length] = offset
    this.timestamps[this.length] = timestamp
    this.length++
    this.#lastOffset = offset
  }

  /** Byte offset of the last indexed frame whose first ordinal is ≤ `ordinal` (0 if none). */
  offsetForOrdinal(ordinal: number): number {
    const i = lastAtMost(this.ordinals, this.length, ordinal)
    return i < 0 ? 0 : this.offsets[i]!
  }

  /** Byte offset of the last indexed frame that arrived strictly before `timestamp` (0 if none). */
  offsetBeforeTimestamp(timestamp: number): number {
    const i = lastBelow(this.timestamps, this.length, timestamp)
    return i < 0 ? 0 : this.offsets[i]!
  }

  /** Drops entries at or past `offset` (after a truncation). */
  truncate(offset: number): void {
    while (this.length > 0 && this.offsets[this.length - 1]! >= offset) this.length--
    this.#lastOffset = this.length > 0 ? this.offsets[this.length - 1]! : Number.NEGATIVE_INFINITY
  }

  serialize(): Buffer {
    const buf = Buffer.allocUnsafe(4 + this.length * 24)
    buf.writeUInt32LE(this.length, 0)
    for (let i = 0; i < this.length; i++) {
      buf.writeDoubleLE(this.ordinals[i]!, 4 + i * 24)
      buf.writeDoubleLE(this.offsets[i]!, 12 + i * 24)
      buf.writeDoubleLE(this.timestamps[i]!, 20 + i * 24)
    }
    return buf
  }

  static deserialize(buf: Buffer, interval: number): SparseIndex | undefined {
    if (buf.length < 4) return undefined
    const n = buf.readUInt32LE(0)
    if (buf.length !== 4 + n * 24) return undefined
    const index = new SparseIndex(interval, Math.max(16, n))
    for (let i = 0; i < n; i++) {
      index.#push(buf.readDoubleLE(4 + i * 24), buf.readDoubleLE(12 + i * 24), buf.readDoubleLE(20 + i * 24))
    }
    return index
  }
}

function lastAtMost(values: Float64Array, length: number, target: number): number {
  let lo = 0
  let hi = length - 1
  let found = -1
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1
    if (values[mid]! <= target) {
      found = mid
      lo = mid + 1
    } else hi = mid - 1
  }
  return found
}

function lastBelow(values: Float64Array, length: number, target: number): number {
  let lo = 0
  let hi = length - 1
  let found = -1
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1
    if (values[mid]! < target) {
      found = mid
      lo = mid + 1
    } else hi = mid - 1
  }
  return found
}

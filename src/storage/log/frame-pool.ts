/**
 * Memory for encoded frames between `append()` and the write that puts them in the kernel.
 * Frames are carved out of large shared chunks and chunks are recycled once every frame in them
 * has been written, so ingest allocates (and the GC tracks) no per-request megabyte buffers.
 * One pool serves every shard, which bounds the memory whatever the shard count.
 */
export class FramePool {
  readonly #chunkBytes: number
  readonly #maxFree: number
  #current: Buffer | undefined
  #used = 0
  #free: Buffer[] = []
  readonly #refs = new Map<ArrayBufferLike, number>()

  constructor(chunkBytes = 4 * 1024 * 1024, maxFree = 2) {
    this.#chunkBytes = chunkBytes
    this.#maxFree = maxFree
  }

  /** A writable view of `size` bytes; hand it back with {@link release} once written. */
  alloc(size: number): Buffer {
    let chunk = this.#current
    if (!chunk || this.#used + size > chunk.length) {
      if (chunk && (this.#refs.get(chunk.buffer) ?? 0) === 0) this.#recycle(chunk)
      chunk =
        size <= this.#chunkBytes
          ? (this.#free.pop() ?? Buffer.allocUnsafeSlow(this.#chunkBytes))
          : Buffer.allocUnsafeSlow(size)
      this.#current = chunk
      this.#used = 0
    }
    const view = chunk.subarray(this.#used, this.#used + size)
    this.#used += size
    this.#refs.set(chunk.buffer, (this.#refs.get(chunk.buffer) ?? 0) + 1)
    return view
  }

  release(view: Buffer): void {
    const refs = (this.#refs.get(view.buffer) ?? 1) - 1
    if (refs > 0) {
      this.#refs.set(view.buffer, refs)
      return
    }
    this.#refs.delete(view.buffer)
    const current = this.#current
    if (current && current.buffer === view.buffer) {
      // Nothing in the current chunk is outstanding: start it over instead of moving on.
      this.#used = 0
      return
    }
    this.#recycle(Buffer.from(view.buffer as ArrayBuffer))
  }

  #recycle(chunk: Buffer): void {
    if (chunk.length === this.#chunkBytes && this.#free.length < this.#maxFree) this.#free.push(chunk)
  }
}

/** The pool shared by every shard log in the process. */
export const sharedFramePool = new FramePool()

/**
 * Serializes operations on the same key (a put racing a delete, two puts of one key) so each
 * object's data file and sidecar are replaced together; different keys proceed in parallel.
 */
export class KeyLocks {
  readonly #tails = new Map<string, Promise<void>>()

  async run<T>(id: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.#tails.get(id) ?? Promise.resolve()
    let release!: () => void
    const mine = new Promise<void>((resolve) => {
      release = resolve
    })
    const tail = previous.then(() => mine)
    this.#tails.set(id, tail)
    await previous
    try {
      return await fn()
    } finally {
      release()
      if (this.#tails.get(id) === tail) this.#tails.delete(id)
    }
  }
}

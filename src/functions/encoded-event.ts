/**
 * An event already serialized as JSON (UTF-8 bytes in an ArrayBuffer of its own). Event sources
 * with big events (a Kinesis batch of 1,000 records is ~1.5 MB) build them as bytes instead of
 * objects: the pool transfers the buffer to the worker (no structured clone, no copy) and the
 * worker parses it there, so neither building nor cloning a large object graph lands on the
 * engine's thread. The handler sees exactly what JSON.parse of the bytes gives, as on Lambda,
 * where the event travels as JSON anyway.
 *
 * Single use: handing it to a worker detaches the buffer.
 */
export class EncodedEvent {
  /** The bytes: a view from offset 0 of an ArrayBuffer of their own (from {@link eventBuffer}). */
  constructor(readonly bytes: Uint8Array) {}

  /** The event as an object (for invokers that run in this thread, e.g. test fakes). */
  parse(): unknown {
    return JSON.parse(Buffer.from(this.bytes.buffer, this.bytes.byteOffset, this.bytes.byteLength).toString())
  }

  /** The buffer to list in postMessage's transfer list, if nothing else lives in it. */
  transferable(): ArrayBuffer | undefined {
    const { buffer, byteOffset } = this.bytes
    return buffer instanceof ArrayBuffer && byteOffset === 0 ? buffer : undefined
  }
}

/**
 * Event buffers travel to the worker and back (with the result) to be reused: allocating a fresh
 * 1.5 MB buffer per invocation left the dead ones to the workers' garbage collector, which lets
 * tens of MB of external memory pile up per worker before collecting. A few are kept.
 */
const free: ArrayBuffer[] = []
const MAX_FREE = 8
/** Capacity is rounded up so that batches of slightly different sizes share buffers. */
const GRAIN = 64 * 1024

/** `size` writable bytes at offset 0 of an ArrayBuffer of their own (reused when possible). */
export function eventBuffer(size: number): Buffer {
  for (let i = free.length - 1; i >= 0; i--) {
    const b = free[i]!
    if (b.byteLength >= size && b.byteLength <= 2 * size + GRAIN) {
      free.splice(i, 1)
      return Buffer.from(b, 0, size)
    }
  }
  // allocUnsafeSlow: never a slice of Node's shared pool (which cannot be transferred).
  const capacity = Math.ceil(size / GRAIN) * GRAIN
  return Buffer.from(Buffer.allocUnsafeSlow(capacity).buffer, 0, size)
}

/** An event buffer the worker handed back once it had parsed the event. */
export function recycleEventBuffer(buffer: ArrayBuffer): void {
  if (buffer.byteLength === 0) return
  if (free.length >= MAX_FREE) free.shift()
  free.push(buffer)
}

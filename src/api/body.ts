import type { HttpRequest } from './transport.ts'

/**
 * Reused buffers for request bodies up to 2 MiB (a 500-record PutRecords of 1 KiB records is
 * ~700 KB): a fresh allocation per request was a steady source of GC work on the ingest path.
 * At most 8 are kept, so the pool holds at most 16 MiB.
 */
class BodyPool {
  static readonly MAX_POOLED = 2 * 1024 * 1024
  readonly #free: Buffer[] = []

  acquire(size: number): Buffer {
    return (this.#free.pop() ?? Buffer.allocUnsafeSlow(BodyPool.MAX_POOLED)).subarray(0, size)
  }

  release(body: Buffer): void {
    const whole = body.buffer
    if (whole.byteLength !== BodyPool.MAX_POOLED || this.#free.length >= 8) return
    this.#free.push(Buffer.from(whole as ArrayBuffer))
  }
}

const bodyPool = new BodyPool()

/**
 * A request body, or undefined as soon as it is known to exceed `maxBytes` (a declared
 * Content-Length, or the bytes counted so far): the caller answers 413 without reading the rest.
 * Bodies up to 2 MiB with a declared length are read into a pooled buffer: hand them back with
 * {@link releaseBody} once nothing refers to them.
 */
export async function readBody(req: HttpRequest, maxBytes: number): Promise<Buffer | undefined> {
  const declared = Number(req.headers['content-length'] ?? 0)
  if (declared > maxBytes) return undefined
  if (declared > 0 && declared <= BodyPool.MAX_POOLED) {
    // Exactly Content-Length bytes arrive: Node's HTTP/1 parser stops there, and nghttp2 resets
    // an HTTP/2 stream whose DATA frames disagree with its content-length.
    const body = bodyPool.acquire(declared)
    let at = 0
    for await (const chunk of req) {
      body.set(chunk as Buffer, at)
      at += (chunk as Buffer).length
    }
    return body.subarray(0, at)
  }
  return readUpTo(req, maxBytes)
}

/** Returns a body from {@link readBody} to the pool (other buffers are left to the GC). */
export function releaseBody(body: Buffer): void {
  bodyPool.release(body)
}

/**
 * A body of unknown length, or undefined once it passes `max`. Then the request keeps flowing with
 * nobody listening, so the rest is dropped as it comes: a `for await` that stopped early would
 * destroy the request instead, and an HTTP/2 stream whose request stopped reading never closes.
 */
function readUpTo(req: HttpRequest, max: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    const onData = (chunk: Buffer) => {
      size += chunk.length
      if (size <= max) return void chunks.push(chunk)
      req.off('data', onData).off('end', onEnd)
      resolve(undefined)
    }
    const onEnd = () => resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size))
    req.on('data', onData).once('end', onEnd).once('error', reject)
  })
}

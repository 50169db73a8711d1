import type { IncomingMessage, ServerResponse } from 'node:http'

export interface SseOptions {
  /** Bytes the socket may hold unsent before frames wait in the pending map (default 64 KiB). */
  highWaterBytes?: number
  /** Frames waiting per connection; past it the oldest is dropped (default 32). */
  maxPending?: number
  /** Comment line sent when idle, so proxies and the browser keep the stream open (default 15 s). */
  heartbeatMs?: number
}

export interface SseStats {
  pending: number
  bufferedBytes: number
  dropped: number
}

/**
 * One Server-Sent Events response with bounded memory. Frames go straight to the socket while it
 * keeps up; when it does not, they wait in a map keyed by what they describe, so a newer frame of
 * the same key replaces the older one (state snapshots coalesce) and at most `maxPending` frames
 * wait (the oldest are dropped and counted). A client that never reads costs at most
 * `highWaterBytes` plus `maxPending` frames.
 */
export class SseStream {
  readonly #res: ServerResponse
  readonly #pending = new Map<string, string>()
  readonly #highWater: number
  readonly #maxPending: number
  readonly #heartbeat: NodeJS.Timeout
  readonly #onClose = new Set<() => void>()
  #dropped = 0
  #closed = false

  constructor(req: IncomingMessage, res: ServerResponse, options: SseOptions = {}) {
    this.#res = res
    this.#highWater = options.highWaterBytes ?? 64 * 1024
    this.#maxPending = options.maxPending ?? 32
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      // HTTP/2 has no connection header (Node drops it with a warning): only HTTP/1.1 gets it.
      ...(req.httpVersionMajor === 1 ? { connection: 'keep-alive' } : {}),
      'x-accel-buffering': 'no',
    })
    // Tell EventSource how long to wait before reconnecting after the server goes away.
    res.write('retry: 2000\n\n')
    this.#heartbeat = setInterval(() => {
      if (this.#pending.size > 0) this.#flush()
      else if (this.#writable()) res.write(': ping\n\n')
    }, options.heartbeatMs ?? 15_000)
    this.#heartbeat.unref()
    res.on('drain', () => this.#flush())
    const close = () => this.close()
    res.on('close', close)
    req.on('close', close)
  }

  get closed(): boolean {
    return this.#closed
  }

  /** Queues `data` (JSON text) as event `event`; `key` (default the event name) coalesces. */
  send(event: string, data: string, key: string = event): void {
    if (this.#closed) return
    const frame = `event: ${event}\ndata: ${data}\n\n`
    if (this.#pending.size === 0 && this.#writable()) {
      this.#res.write(frame)
      return
    }
    this.#pending.delete(key)
    this.#pending.set(key, frame)
    while (this.#pending.size > this.#maxPending) {
      this.#pending.delete(this.#pending.keys().next().value!)
      this.#dropped++
    }
    // 'drain' only follows a write that filled the socket's own buffer; try again on every send.
    this.#flush()
  }

  /** Runs `fn` once when the client goes away (or the stream is closed). */
  onClose(fn: () => void): void {
    if (this.#closed) fn()
    else this.#onClose.add(fn)
  }

  stats(): SseStats {
    return { pending: this.#pending.size, bufferedBytes: this.#res.writableLength, dropped: this.#dropped }
  }

  close(): void {
    if (this.#closed) return
    this.#closed = true
    clearInterval(this.#heartbeat)
    this.#pending.clear()
    if (!this.#res.writableEnded) this.#res.end()
    for (const fn of this.#onClose) fn()
    this.#onClose.clear()
  }

  #writable(): boolean {
    return !this.#res.destroyed && this.#res.writableLength < this.#highWater
  }

  #flush(): void {
    for (const [key, frame] of this.#pending) {
      if (!this.#writable()) return
      this.#pending.delete(key)
      this.#res.write(frame)
    }
  }
}

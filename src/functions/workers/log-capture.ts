/**
 * Worker side of function logs: `console.*` and direct writes to process.stdout/stderr become
 * `FunctionLog` lines tagged with the invocation's request id, posted to the pool in order.
 */
import { format } from 'node:util'
import type { FunctionLog } from '../../contracts/functions.ts'

const LEVELS = ['log', 'info', 'warn', 'error', 'debug'] as const

/**
 * Lines are posted in batches: with the result, at the next turn of the event loop, after 64
 * lines, or once 20 ms have passed since the last batch. The first line of an invocation goes at
 * once, so `console.log('here'); while (true) {}` still shows 'here' after the timeout stops it.
 */
const FLUSH_LINES = 64
const FLUSH_AGE_MS = 20

export class LogCapture {
  /** The invocation running now; undefined during module init and between invocations. */
  private requestId: string | undefined
  private lines: FunctionLog[] = []
  private flushScheduled = false
  private lastFlushAt = Number.NEGATIVE_INFINITY
  private readonly flushSoon = () => this.flush()

  constructor(
    private readonly functionName: string,
    private readonly post: (lines: FunctionLog[]) => void,
  ) {}

  startInvocation(requestId: string): void {
    this.requestId = requestId
    this.lastFlushAt = Number.NEGATIVE_INFINITY
  }

  endInvocation(): void {
    this.requestId = undefined
  }

  push(level: FunctionLog['level'], message: string): void {
    const timestamp = Date.now()
    this.lines.push({ functionName: this.functionName, requestId: this.requestId, level, message, timestamp })
    if (this.lines.length >= FLUSH_LINES || timestamp - this.lastFlushAt >= FLUSH_AGE_MS) {
      this.flush()
    } else if (!this.flushScheduled) {
      this.flushScheduled = true
      setImmediate(this.flushSoon)
    }
  }

  /** The lines not posted yet, to ride on another message (a result). */
  take(): FunctionLog[] | undefined {
    if (this.lines.length === 0) return undefined
    const taken = this.lines
    this.lines = []
    return taken
  }

  flush(): void {
    this.flushScheduled = false
    const taken = this.take()
    if (!taken) return
    this.lastFlushAt = Date.now()
    this.post(taken)
  }
}

/**
 * Routes this thread's console and stdout/stderr into `capture`, or drops them when nobody
 * listens: either way nothing a handler prints reaches the engine's own stdout.
 */
export function captureOutput(capture: LogCapture | undefined): void {
  for (const level of LEVELS) {
    console[level] = capture ? (...args: unknown[]) => capture.push(level, format(...args)) : () => {}
  }
  const ends = [redirect(process.stdout, 'log', capture), redirect(process.stderr, 'error', capture)]
  // process.exit() in a handler: the lines logged just before it still arrive (before the exit).
  process.on('exit', () => {
    for (const end of ends) end()
    capture?.flush()
  })
}

/** Replaces `stream.write` with a line splitter; returns a function that emits a partial last line. */
function redirect(
  stream: NodeJS.WriteStream,
  level: FunctionLog['level'],
  capture: LogCapture | undefined,
): () => void {
  let partial = ''
  const write = (chunk: unknown, encoding?: unknown, callback?: unknown): boolean => {
    if (capture) {
      const text =
        typeof chunk === 'string'
          ? chunk
          : Buffer.from(chunk as Uint8Array).toString(
              typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8',
            )
      const lines = (partial + text).split('\n')
      partial = lines.pop()!
      for (const line of lines) capture.push(level, line)
    }
    const done = typeof encoding === 'function' ? encoding : callback
    if (typeof done === 'function') process.nextTick(done as () => void)
    return true
  }
  stream.write = write as typeof stream.write
  return () => {
    if (partial !== '') capture?.push(level, partial)
    partial = ''
  }
}

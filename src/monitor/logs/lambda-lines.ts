/**
 * The lines Lambda writes to a function's log stream, in its text log format: the runtime's
 * console lines (`<time>\t<request id>\t<LEVEL>\t<message>`) and the platform's `START`, `END` and
 * `REPORT` lines around each invocation.
 * https://docs.aws.amazon.com/lambda/latest/dg/nodejs-logging.html
 */
import type { FunctionLog } from '../../contracts/functions.ts'

/** Lambda's level names for console methods. */
const LEVELS: Record<FunctionLog['level'], string> = {
  log: 'INFO',
  info: 'INFO',
  warn: 'WARN',
  error: 'ERROR',
  debug: 'DEBUG',
}

/** The pool reports these errors with `stackTrace`; Lambda's Node.js runtime logs `stack`. */
const ERROR_JSON = /^(Invoke Error|Init Error) \t(\{[\s\S]*\})$/
const UNCAUGHT = /^Uncaught Exception \t([\s\S]*)$/
const TIMED_OUT = /^Task timed out after \d+\.\d\d seconds$/

/**
 * A handler's (or the runtime's) line as Lambda's Node.js runtime writes it. The runtime's own
 * lines take Lambda's exact shapes: a timeout is the platform's `<time> <id> Task timed out after
 * 3.00 seconds` (no level), errors carry `{"errorType","errorMessage","stack":[...]}`.
 *
 * @example
 * consoleLine({ functionName: 'f', requestId: 'r-1', level: 'warn', message: 'hm', timestamp: 0 })
 * // '1970-01-01T00:00:00.000Z\tr-1\tWARN\thm'
 */
export function consoleLine(log: FunctionLog): string {
  const time = new Date(log.timestamp).toISOString()
  const id = log.requestId ?? 'undefined'
  const message = log.message
  if (log.level === 'error' && message.length < 4096) {
    if (TIMED_OUT.test(message)) return `${time} ${id} ${message}`
    const json = ERROR_JSON.exec(message)
    if (json) return `${time}\t${id}\tERROR\t${json[1]} \t${lambdaErrorJson(json[2]!)}`
    const uncaught = UNCAUGHT.exec(message)
    if (uncaught) return `${time}\t${id}\tERROR\tUncaught Exception \t${stackJson(uncaught[1]!)}`
  }
  return `${time}\t${id}\t${LEVELS[log.level]}\t${message}`
}

/** `{"errorType","errorMessage","stackTrace"}` → Lambda's logged `{"errorType","errorMessage","stack"}`. */
function lambdaErrorJson(json: string): string {
  try {
    const { stackTrace, ...rest } = JSON.parse(json) as { stackTrace?: unknown }
    return JSON.stringify({ ...rest, stack: stackTrace ?? [] })
  } catch {
    return json
  }
}

/** An uncaught error's stack text (`Name: message\n    at ...`) as Lambda's error JSON. */
function stackJson(stack: string): string {
  const lines = stack.split('\n')
  const head = /^([\w$.]+): ([\s\S]*)$/.exec(lines[0] ?? '')
  const errorType = head ? head[1] : 'Error'
  const errorMessage = head ? head[2] : (lines[0] ?? '')
  return JSON.stringify({ errorType, errorMessage, stack: lines })
}

/** `START RequestId: <id> Version: $LATEST` */
export function startLine(requestId: string, version = '$LATEST'): string {
  return `START RequestId: ${requestId} Version: ${version}`
}

/** `END RequestId: <id>` */
export function endLine(requestId: string): string {
  return `END RequestId: ${requestId}`
}

/** How an invocation ended, for its REPORT line. */
export type ReportStatus = 'ok' | 'error' | 'timeout' | 'crash'

export interface InvocationReport {
  requestId: string
  durationMs: number
  memorySizeMb: number
  maxMemoryUsedMb: number
  /** The environment's init phase, on its first invocation only. */
  initDurationMs?: number | undefined
  status: ReportStatus
}

/**
 * Lambda's REPORT line: tab-separated fields, each ending in a tab. Billing is per millisecond,
 * rounded up. A timed-out invocation adds `Status: timeout`; one whose runtime exited adds
 * `Status: error` and `Error Type: Runtime.ExitError` (a handler's own error does not change it).
 *
 * @example
 * reportLine({ requestId: 'r-1', durationMs: 12.345, memorySizeMb: 128, maxMemoryUsedMb: 60, status: 'ok' })
 * // 'REPORT RequestId: r-1\tDuration: 12.35 ms\tBilled Duration: 13 ms\tMemory Size: 128 MB\tMax Memory Used: 60 MB\t'
 */
export function reportLine(r: InvocationReport): string {
  let line =
    `REPORT RequestId: ${r.requestId}\tDuration: ${r.durationMs.toFixed(2)} ms\t` +
    `Billed Duration: ${Math.max(1, Math.ceil(r.durationMs))} ms\tMemory Size: ${r.memorySizeMb} MB\t` +
    `Max Memory Used: ${r.maxMemoryUsedMb} MB\t`
  if (r.initDurationMs !== undefined) line += `Init Duration: ${r.initDurationMs.toFixed(2)} ms\t`
  if (r.status === 'timeout') line += 'Status: timeout\t'
  else if (r.status === 'crash') line += 'Status: error\tError Type: Runtime.ExitError\t'
  return line
}

/** What Lambda logs when the runtime process exits during an invocation. */
export function exitErrorLine(requestId: string, errorMessage: string): string {
  return `RequestId: ${requestId} Error: ${errorMessage}\nRuntime.ExitError`
}

/**
 * The resident memory of the process in MB, read at most once a second: worker threads share
 * one process, so "Max Memory Used" is the process's, not one environment's.
 */
export class MemorySample {
  #at = Number.NEGATIVE_INFINITY
  #mb = 0

  constructor(private readonly now: () => number = Date.now) {}

  mb(): number {
    const now = this.now()
    if (now - this.#at >= 1000) {
      this.#at = now
      this.#mb = Math.ceil(process.memoryUsage.rss() / 1_048_576)
    }
    return this.#mb
  }
}

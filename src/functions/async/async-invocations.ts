import { randomUUID } from 'node:crypto'
import type { Statement } from 'better-sqlite3'
import type { AsyncInvoker, InvokeOutcome, Invoker } from '../../contracts/functions.ts'
import { Lambda } from '../../monitor/catalog/lambda.ts'
import { MetricScopes } from '../../monitor/catalog/scope.ts'
import type { MetricSink } from '../../monitor/metrics.ts'
import type { StateStore } from '../../storage/state/state-store.ts'
import { type Clock, systemClock, type TimerHandle } from '../../util/clock.ts'
import { intInRange } from '../../util/invalid-config.ts'
import { type Logger, silentLogger } from '../../util/logger.ts'

/**
 * Lambda's asynchronous invocation settings (PutFunctionEventInvokeConfig).
 * https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-error-handling.html
 */
export interface AsyncInvokeConfig {
  /** Retries after a function error, 0–2 (default 2). */
  maximumRetryAttempts?: number
  /** How long an event may wait in the queue, 60–21,600 s (default 21,600 = 6 hours). */
  maximumEventAgeInSeconds?: number
}

export const ASYNC_DEFAULTS = { maximumRetryAttempts: 2, maximumEventAgeInSeconds: 21_600 } as const

/** Applies Lambda's defaults and ranges (retries 0–2, event age 60–21,600 s). */
export function resolveAsyncInvokeConfig(
  input: AsyncInvokeConfig = {},
  path = 'asyncInvokeConfig',
): Required<AsyncInvokeConfig> {
  return {
    maximumRetryAttempts: intInRange(`${path}.maximumRetryAttempts`, input.maximumRetryAttempts, 0, 2, 2),
    maximumEventAgeInSeconds: intInRange(
      `${path}.maximumEventAgeInSeconds`,
      input.maximumEventAgeInSeconds,
      60,
      21_600,
      ASYNC_DEFAULTS.maximumEventAgeInSeconds,
    ),
  }
}

/** Lambda waits 1 minute before the first retry of a function error and 2 before the second. */
const RETRY_DELAYS_MS = [60_000, 120_000] as const
/** Throttles back off exponentially from 1 s to at most 5 minutes. */
const THROTTLE_BACKOFF_MS = { first: 1_000, max: 300_000 } as const
/** Invocations in flight per function; more wait in the queue (Lambda reads it at a bounded rate). */
const MAX_IN_FLIGHT_PER_FUNCTION = 10
/** Rows looked at per pump. */
const PUMP_BATCH = 500

export const ASYNC_MIGRATIONS: readonly string[] = [
  `CREATE TABLE async_invocations (
     request_id TEXT PRIMARY KEY,
     function TEXT NOT NULL,
     event TEXT NOT NULL,
     enqueued_at INTEGER NOT NULL,
     attempts INTEGER NOT NULL DEFAULT 0,
     throttles INTEGER NOT NULL DEFAULT 0,
     due_at INTEGER NOT NULL
   );
   CREATE INDEX async_invocations_due ON async_invocations (due_at);`,
]

interface Row {
  request_id: string
  function: string
  event: string
  enqueued_at: number
  attempts: number
  throttles: number
  due_at: number
}

export interface DroppedEvent {
  requestId: string
  functionName: string
  event: unknown
  reason: 'RetriesExhausted' | 'EventAgeExceeded'
  lastOutcome: InvokeOutcome | undefined
  /** Invocations that ran (and failed) before the event was given up on. */
  attempts: number
}

export interface AsyncInvocationsOptions {
  store: StateStore
  invoker: Invoker
  clock?: Clock
  metrics?: MetricSink
  logger?: Logger
  /** Per-function settings; defaults to Lambda's. */
  config?: (functionName: string) => AsyncInvokeConfig | undefined
  /**
   * Called for each event given up on: sends it to the function's failure destinations and says
   * where it went. Without it, the event is dropped with a warning.
   */
  onDropped?: (dropped: DroppedEvent) => void
}

/**
 * Lambda's event queue for asynchronous invocations (InvocationType Event), kept in the state
 * store so nothing accepted is lost in a restart. `enqueue` returns at once; the event then runs
 * with Lambda's retry policy: a function error (thrown, timed out, crashed) is retried twice, 1
 * and then 2 minutes later, keeping its request ID; a throttle is retried with exponential
 * backoff until the event is too old. Events dropped are counted as AsyncEventsDropped.
 *
 * @example
 * const asyncInvocations = new AsyncInvocations({ store, invoker: pool })
 * asyncInvocations.start()
 * asyncInvocations.enqueue('notify', { Records: [...] })
 */
export class AsyncInvocations implements AsyncInvoker {
  readonly #o: AsyncInvocationsOptions
  readonly #clock: Clock
  readonly #logger: Logger
  readonly #metrics: MetricScopes<'FunctionName'>
  readonly #running = new Map<string, Promise<void>>()
  readonly #perFunction = new Map<string, number>()
  readonly #sql: Record<'insert' | 'count' | 'due' | 'next' | 'delete' | 'throttled' | 'failed', Statement>
  #timer: TimerHandle | undefined
  #started = false

  constructor(options: AsyncInvocationsOptions) {
    this.#o = options
    this.#clock = options.clock ?? systemClock
    this.#logger = options.logger ?? silentLogger
    this.#metrics = new MetricScopes(options.metrics, 'FunctionName', this.#clock)
    options.store.ensureSchema('async-invocations', ASYNC_MIGRATIONS)
    const p = (sql: string) => options.store.db.prepare(sql)
    this.#sql = {
      insert: p(`INSERT INTO async_invocations (request_id, function, event, enqueued_at, due_at)
                 VALUES (?, ?, ?, ?, ?)`),
      count: p('SELECT count(*) AS n FROM async_invocations'),
      due: p('SELECT * FROM async_invocations WHERE due_at <= ? ORDER BY due_at LIMIT ?'),
      next: p('SELECT min(due_at) AS at FROM async_invocations WHERE due_at > ?'),
      delete: p('DELETE FROM async_invocations WHERE request_id = ?'),
      throttled: p('UPDATE async_invocations SET throttles = throttles + 1, due_at = ? WHERE request_id = ?'),
      failed: p('UPDATE async_invocations SET attempts = ?, due_at = ? WHERE request_id = ?'),
    }
  }

  /** Accepts an event for `functionName` (committed before returning); returns its request ID. */
  enqueue(functionName: string, event: unknown): string {
    const requestId = randomUUID()
    const now = this.#clock.now()
    this.#sql.insert.run(requestId, functionName, JSON.stringify(event), now, now)
    this.#metrics.of(functionName).record(Lambda.AsyncEventsReceived, 1)
    queueMicrotask(() => this.#pump())
    return requestId
  }

  /** Events waiting or running. */
  pending(): number {
    return (this.#sql.count.get() as { n: number }).n
  }

  /** Starts dispatching, including events accepted before a restart. */
  start(): void {
    this.#started = true
    this.#pump()
  }

  /** Stops dispatching and waits for running invocations to end; waiting events stay stored. */
  async stop(): Promise<void> {
    this.#started = false
    if (this.#timer) this.#clock.clearTimeout(this.#timer)
    this.#timer = undefined
    await Promise.all(this.#running.values())
  }

  #pump(): void {
    if (!this.#started) return
    const now = this.#clock.now()
    const due = this.#sql.due.all(now, PUMP_BATCH + this.#running.size) as Row[]
    for (const row of due) {
      if (this.#running.has(row.request_id)) continue
      const inFlight = this.#perFunction.get(row.function) ?? 0
      if (inFlight >= MAX_IN_FLIGHT_PER_FUNCTION) continue
      this.#perFunction.set(row.function, inFlight + 1)
      const run = this.#run(row).finally(() => {
        this.#running.delete(row.request_id)
        this.#perFunction.set(row.function, (this.#perFunction.get(row.function) ?? 1) - 1)
        this.#pump()
      })
      this.#running.set(row.request_id, run)
    }
    this.#schedule(now)
  }

  #schedule(now: number): void {
    if (this.#timer) this.#clock.clearTimeout(this.#timer)
    this.#timer = undefined
    const next = (this.#sql.next.get(now) as { at: number | null }).at
    if (next === null) return
    this.#timer = this.#clock.setTimeout(() => this.#pump(), next - now)
    this.#timer.unref?.()
  }

  async #run(row: Row): Promise<void> {
    const config = resolveAsyncInvokeConfig(this.#o.config?.(row.function))
    const event = JSON.parse(row.event)
    const maxAgeMs = config.maximumEventAgeInSeconds * 1000
    if (this.#clock.now() - row.enqueued_at > maxAgeMs)
      return this.#drop(row, event, 'EventAgeExceeded', undefined, row.attempts)
    this.#metrics.of(row.function).record(Lambda.AsyncEventAge, this.#clock.now() - row.enqueued_at)
    let outcome: InvokeOutcome
    try {
      outcome = await this.#o.invoker.invoke(row.function, event, { requestId: row.request_id })
    } catch (error) {
      // Not an outcome of the function (unknown function, pool closing): treat as a system error.
      if (!this.#started) return
      this.#logger.warn(`async invocation of ${row.function} failed to start: ${String(error)}`)
      outcome = { kind: 'throttled', requestId: row.request_id }
    }
    const now = this.#clock.now()
    if (outcome.kind === 'ok') {
      this.#sql.delete.run(row.request_id)
      return
    }
    if (outcome.kind === 'throttled') {
      const backoff = Math.min(THROTTLE_BACKOFF_MS.first * 2 ** row.throttles, THROTTLE_BACKOFF_MS.max)
      if (now + backoff - row.enqueued_at > maxAgeMs)
        return this.#drop(row, event, 'EventAgeExceeded', outcome, row.attempts)
      this.#sql.throttled.run(now + backoff, row.request_id)
      return
    }
    const attempts = row.attempts + 1
    if (attempts > config.maximumRetryAttempts)
      return this.#drop(row, event, 'RetriesExhausted', outcome, attempts)
    const delay = RETRY_DELAYS_MS[Math.min(attempts, RETRY_DELAYS_MS.length) - 1]!
    if (now + delay - row.enqueued_at > maxAgeMs)
      return this.#drop(row, event, 'EventAgeExceeded', outcome, attempts)
    this.#sql.failed.run(attempts, now + delay, row.request_id)
  }

  #drop(
    row: Row,
    event: unknown,
    reason: DroppedEvent['reason'],
    lastOutcome: InvokeOutcome | undefined,
    attempts: number,
  ): void {
    this.#sql.delete.run(row.request_id)
    this.#metrics.of(row.function).record(Lambda.AsyncEventsDropped, 1)
    const dropped = {
      requestId: row.request_id,
      functionName: row.function,
      event,
      reason,
      lastOutcome,
      attempts,
    }
    if (this.#o.onDropped) this.#o.onDropped(dropped)
    else
      this.#logger.warn(
        `async event ${row.request_id} for ${row.function} dropped (${reason} after ${attempts} attempts)`,
      )
  }
}

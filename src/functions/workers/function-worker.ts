/**
 * The pool's side of one worker thread: has the handler compiled (compile.ts), starts the thread,
 * sends it invocations one at a time, enforces the timeout by terminating the thread, serves its
 * binding calls, forwards its logs, and turns its death into a `crash` outcome.
 */
import { Worker } from 'node:worker_threads'
import type { BindingHost, FunctionLog, InvokeOutcome } from '../../contracts/functions.ts'
import { EncodedEvent, recycleEventBuffer } from '../encoded-event.ts'
import { compileHandler, workerRuntime } from './compile.ts'
import { toLambdaError } from './errors.ts'
import type { FromWorker, LambdaError, ToWorker, WorkerInit } from './protocol.ts'

export interface FunctionWorkerOptions {
  init: WorkerInit
  env: Record<string, string | undefined>
  bindings: BindingHost
  onLog: ((log: FunctionLog) => void) | undefined
  /** Budget for loading the handler module (Lambda's init phase: 10 s). */
  initTimeoutMs: number
  /** Called once, when the thread has exited for whatever reason. */
  onExit: (worker: FunctionWorker) => void
  /**
   * Log a failed init as Lambda does (`Init Error`). Off for a load the caller reports itself
   * (a reload under `tributary dev`).
   */
  logInitFailure?: boolean
  /** Each invocation's start and end, for Lambda's START / END / REPORT lines. Must not throw. */
  onInvocation?: ((event: InvocationEvent) => void) | undefined
}

/**
 * An invocation starting or ending in one execution environment (its log stream). `end` follows
 * every `start`, after the lines the invocation logged.
 */
export type InvocationEvent =
  | { phase: 'start'; functionName: string; logStreamName: string; requestId: string; timestamp: number }
  | {
      phase: 'end'
      functionName: string
      logStreamName: string
      requestId: string
      timestamp: number
      outcome: 'ok' | 'error' | 'timeout' | 'crash'
      durationMs: number
      memorySizeMb: number
      /** The environment's init phase, on its first invocation only. */
      initDurationMs: number | undefined
      /** The environment's own peak memory (a process runtime's RSS); else the engine's is shown. */
      maxMemoryUsedMb?: number
      /** Why the runtime exited (`crash`). */
      errorMessage?: string
    }

/** Why a worker could not run an invocation before the handler even started. */
export type InitFailure =
  | { kind: 'error'; error: LambdaError }
  | { kind: 'crash'; errorMessage: string }
  | { kind: 'timeout' }

/** The invocation an execution environment is running (a worker thread or a runtime process). */
export interface Running {
  requestId: string
  startedAt: number
  timeoutMs: number
  timer: NodeJS.Timeout
  resolve: (outcome: InvokeOutcome) => void
}

export class FunctionWorker {
  /** 'starting' until the module has loaded; 'dead' once stopped or stopping. */
  state: 'starting' | 'idle' | 'busy' | 'dead' = 'starting'
  idleTimer: NodeJS.Timeout | undefined
  readonly exited: Promise<void>

  /** Undefined while the handler compiles (and for good if it does not). */
  private thread: Worker | undefined
  private resolveExited!: () => void
  private readonly ready: Promise<InitFailure | undefined>
  private resolveReady!: (failure: InitFailure | undefined) => void
  private initTimer: NodeJS.Timeout | undefined
  private running: Running | undefined
  private deathReason: string | undefined
  private readonly spawnedAt = performance.now()
  /** How long the module took to load, until the first invocation's REPORT has shown it. */
  private initDurationMs: number | undefined
  private exitedOnce = false

  constructor(private readonly options: FunctionWorkerOptions) {
    this.ready = new Promise((resolve) => {
      this.resolveReady = resolve
    })
    this.exited = new Promise((resolve) => {
      this.resolveExited = resolve
    })
    // Compiling is part of the init phase, as loading TypeScript used to be: same budget.
    this.initTimer = setTimeout(() => this.onInitTimeout(), options.initTimeoutMs)
    void this.start()
  }

  private async start(): Promise<void> {
    let entry: URL
    let init: WorkerInit
    try {
      const [runtime, handler] = await Promise.all([workerRuntime(), compileHandler(this.options.init.file)])
      entry = runtime
      init = { ...this.options.init, moduleUrl: handler.url, commonJs: handler.commonJs }
    } catch (error) {
      // As a worker that fails to load its handler reports it, without a thread.
      this.onReady(toLambdaError(error))
      this.onThreadExit(1)
      return
    }
    if (this.state === 'dead') {
      // Stopped (a timeout, a reload, close) while compiling.
      this.onThreadExit(0)
      return
    }
    const thread = new Worker(entry, { workerData: init, env: this.options.env })
    this.thread = thread
    thread.on('message', (message: FromWorker) => this.onMessage(message))
    thread.on('error', (error) => this.onError(error))
    thread.once('exit', (code) => this.onThreadExit(code))
  }

  get functionName(): string {
    return this.options.init.functionName
  }

  /** Resolves once the handler module has loaded (undefined) or failed to (why). */
  loaded(): Promise<InitFailure | undefined> {
    return this.ready
  }

  /** Runs one invocation. The caller guarantees this worker is not busy. */
  async invoke(requestId: string, event: unknown, timeoutMs: number): Promise<InvokeOutcome> {
    if (this.state === 'starting') {
      const failure = await this.ready
      if (failure) return this.initOutcome(failure, requestId)
    }
    return this.dispatch(requestId, event, timeoutMs)
  }

  /** Marks the worker dead and stops the thread (a runaway `while (true) {}` included). */
  stop(): Promise<void> {
    this.state = 'dead'
    clearTimeout(this.idleTimer)
    clearTimeout(this.initTimer)
    void this.thread?.terminate()
    return this.exited
  }

  /** Idle workers must not keep the process alive; busy and starting ones do. */
  setIdle(): void {
    this.state = 'idle'
    this.thread?.unref()
  }

  private dispatch(requestId: string, event: unknown, timeoutMs: number): Promise<InvokeOutcome> {
    if (this.state === 'dead') {
      // Died (or was stopped) between loading and this call.
      return Promise.resolve(this.crashOutcome(requestId, this.deathReason ?? 'Runtime exited', 0))
    }
    return new Promise((resolve) => {
      const deadline = Date.now() + timeoutMs
      // Throws (DataCloneError) for an event that is not structured-cloneable, or an EncodedEvent
      // used twice: the caller's bug, so it rejects `invoke` and leaves the worker as it was.
      if (event instanceof EncodedEvent) {
        // JSON bytes: moved to the worker, not cloned (the worker parses them).
        const message: ToWorker = { t: 'invoke', requestId, event: undefined, json: event.bytes, deadline }
        const buffer = event.transferable()
        this.thread!.postMessage(message, buffer ? [buffer] : undefined)
      } else {
        const message: ToWorker = { t: 'invoke', requestId, event, deadline }
        this.thread!.postMessage(message)
      }
      this.state = 'busy'
      this.thread!.ref()
      const timer = setTimeout(() => this.onTimeout(), timeoutMs)
      this.running = { requestId, startedAt: performance.now(), timeoutMs, timer, resolve }
      this.options.onInvocation?.({
        phase: 'start',
        functionName: this.functionName,
        logStreamName: this.options.init.logStreamName,
        requestId,
        timestamp: Date.now(),
      })
    })
  }

  private onMessage(message: FromWorker): void {
    if (message.t !== 'call' && message.logs) this.deliverLogs(message.logs)
    switch (message.t) {
      case 'result':
        this.onResult(message)
        return
      case 'call':
        this.serveCall(message)
        return
      case 'ready':
        this.onReady(message.error)
        return
      case 'logs':
        return
    }
  }

  private onResult(message: Extract<FromWorker, { t: 'result' }>): void {
    if (message.spent) recycleEventBuffer(message.spent)
    const running = this.running
    if (!running) return
    this.running = undefined
    clearTimeout(running.timer)
    const durationMs = performance.now() - running.startedAt
    const requestId = running.requestId
    if (message.ok) {
      this.ended(requestId, 'ok', durationMs)
      running.resolve({ kind: 'ok', result: JSON.parse(message.json), durationMs, requestId })
    } else {
      this.log(requestId, 'error', `Invoke Error \t${JSON.stringify(message.error)}`)
      this.ended(requestId, 'error', durationMs)
      running.resolve({ kind: 'error', ...message.error, durationMs, requestId })
    }
  }

  private onReady(error: LambdaError | undefined): void {
    clearTimeout(this.initTimer)
    if (this.state !== 'starting') return
    if (error) {
      if (this.options.logInitFailure !== false)
        this.log(undefined, 'error', `Init Error \t${JSON.stringify(error)}`)
      // Lambda retries the init phase on the next invocation: a fresh worker will.
      void this.stop()
      this.resolveReady({ kind: 'error', error })
      return
    }
    this.state = 'idle'
    this.initDurationMs = performance.now() - this.spawnedAt
    this.resolveReady(undefined)
  }

  private onInitTimeout(): void {
    if (this.state !== 'starting') return
    const seconds = (this.options.initTimeoutMs / 1000).toFixed(2)
    if (this.options.logInitFailure !== false)
      this.log(undefined, 'error', `Init timed out after ${seconds} seconds`)
    void this.stop()
    this.resolveReady({ kind: 'timeout' })
  }

  private onTimeout(): void {
    const running = this.running
    if (!running) return
    this.running = undefined
    void this.stop()
    const seconds = (running.timeoutMs / 1000).toFixed(2)
    this.log(running.requestId, 'error', `Task timed out after ${seconds} seconds`)
    const durationMs = performance.now() - running.startedAt
    this.ended(running.requestId, 'timeout', durationMs)
    running.resolve({ kind: 'timeout', durationMs, requestId: running.requestId })
  }

  /** An uncaught exception (or unhandled rejection) in the worker: it is about to exit. */
  private onError(error: unknown): void {
    const e = error as Partial<Error> | undefined
    const description = e?.name !== undefined ? `${e.name}: ${e.message}` : String(error)
    this.deathReason = `Runtime exited with error: ${description}`
    const stack = typeof e?.stack === 'string' ? e.stack : description
    this.log(this.running?.requestId, 'error', `Uncaught Exception \t${stack}`)
  }

  private onThreadExit(code: number): void {
    if (this.exitedOnce) return
    this.exitedOnce = true
    this.state = 'dead'
    clearTimeout(this.initTimer)
    clearTimeout(this.idleTimer)
    const reason =
      this.deathReason ??
      (code === 0
        ? 'Runtime exited without providing a reason'
        : `Runtime exited with error: exit status ${code}`)
    this.deathReason = reason
    const running = this.running
    if (running) {
      this.running = undefined
      clearTimeout(running.timer)
      const durationMs = performance.now() - running.startedAt
      this.ended(running.requestId, 'crash', durationMs, reason)
      running.resolve(this.crashOutcome(running.requestId, reason, durationMs))
    }
    // No-op unless the thread died while loading the module.
    this.resolveReady({ kind: 'crash', errorMessage: reason })
    this.resolveExited()
    this.options.onExit(this)
  }

  private serveCall({ id, call }: Extract<FromWorker, { t: 'call' }>): void {
    let result: Promise<unknown>
    try {
      result = this.options.bindings.call({ ...call, caller: this.options.init.functionName })
    } catch (error) {
      result = Promise.reject(error)
    }
    result.then(
      (value) => this.reply({ t: 'reply', id, ok: true, value }),
      (error: unknown) => this.reply(errorReply(id, error)),
    )
  }

  private reply(message: ToWorker): void {
    if (this.state === 'dead') return
    try {
      this.thread!.postMessage(message)
    } catch (error) {
      // A host result that cannot be cloned: the handler sees the clone error instead.
      if (message.t === 'reply' && message.ok) this.thread!.postMessage(errorReply(message.id, error))
      else throw error
    }
  }

  private initOutcome(failure: InitFailure, requestId: string): InvokeOutcome {
    const durationMs = performance.now() - this.spawnedAt
    switch (failure.kind) {
      case 'error':
        return { kind: 'error', ...failure.error, durationMs, requestId }
      case 'crash':
        return this.crashOutcome(requestId, failure.errorMessage, durationMs)
      case 'timeout':
        return { kind: 'timeout', durationMs, requestId }
    }
  }

  private crashOutcome(requestId: string, errorMessage: string, durationMs: number): InvokeOutcome {
    return { kind: 'crash', errorMessage, durationMs, requestId }
  }

  private deliverLogs(logs: FunctionLog[]): void {
    const onLog = this.options.onLog
    if (!onLog) return
    const logStreamName = this.options.init.logStreamName
    for (const log of logs) {
      log.logStreamName = logStreamName
      onLog(log)
    }
  }

  private ended(
    requestId: string,
    outcome: 'ok' | 'error' | 'timeout' | 'crash',
    durationMs: number,
    errorMessage?: string,
  ): void {
    const onInvocation = this.options.onInvocation
    if (!onInvocation) return
    const initDurationMs = this.initDurationMs
    this.initDurationMs = undefined
    onInvocation({
      phase: 'end',
      functionName: this.functionName,
      logStreamName: this.options.init.logStreamName,
      requestId,
      timestamp: Date.now(),
      outcome,
      durationMs,
      memorySizeMb: Number(this.options.init.memoryLimitInMB),
      initDurationMs,
      ...(errorMessage === undefined ? {} : { errorMessage }),
    })
  }

  private log(requestId: string | undefined, level: FunctionLog['level'], message: string): void {
    this.options.onLog?.({
      functionName: this.functionName,
      requestId,
      level,
      message,
      timestamp: Date.now(),
      logStreamName: this.options.init.logStreamName,
    })
  }
}

function errorReply(id: number, error: unknown): ToWorker {
  const e = error as Partial<Error> | null | undefined
  const isError = e !== null && typeof e === 'object' && typeof e.message === 'string'
  return {
    t: 'reply',
    id,
    ok: false,
    name: isError && typeof e.name === 'string' ? e.name : 'Error',
    message: isError ? e.message! : String(error),
  }
}

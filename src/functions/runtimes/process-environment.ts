/**
 * An execution environment that is a child process speaking the Lambda Runtime API: Python (our
 * bootstrap) or a custom runtime's `bootstrap`. Like a worker thread it starts on demand, runs
 * one invocation at a time and stays warm between them; its init phase ends when the runtime
 * first asks for work. A timeout kills its whole process group (a bootstrap's children too); a
 * process that exits mid-invocation fails that invocation (`Runtime.ExitError`) and the pool
 * starts another next time. Its stdout and stderr are the function's log lines: a line written
 * before the runtime posts its answer belongs to that invocation.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import type { FunctionLog, FunctionSpec, InvokeOutcome } from '../../contracts/functions.ts'
import { EncodedEvent } from '../encoded-event.ts'
import type { Placement } from '../workers/environment.ts'
import type { InitFailure, InvocationEvent, Running } from '../workers/function-worker.ts'
import type { LambdaError, WorkerInit } from '../workers/protocol.ts'
import { launchOf, processEnv, type SdkTarget } from './launch.ts'
import { RuntimeApi } from './runtime-api.ts'

export interface ProcessEnvironmentOptions {
  spec: FunctionSpec
  /** The static half of the context: names, ARN, log stream (one per process). */
  init: WorkerInit
  placement: Placement
  target: SdkTarget
  onLog: ((log: FunctionLog) => void) | undefined
  onInvocation: ((event: InvocationEvent) => void) | undefined
  /** Budget for the init phase (until the runtime's first `/invocation/next`). */
  initTimeoutMs: number
  onExit: (env: ProcessEnvironment) => void
  /** Log a failed init (off for a load the caller reports itself: a reload under `dev`). */
  logInitFailure?: boolean
}

/**
 * Process groups of live runtimes. They lead groups of their own (so a timeout can kill a whole
 * tree) and so would outlive the engine if it exited without stopping its pool: they go with it.
 */
const liveGroups = new Set<number>()
let killOnExit = false
function trackGroup(pid: number): void {
  liveGroups.add(pid)
  if (killOnExit) return
  killOnExit = true
  process.once('exit', () => {
    for (const group of liveGroups) {
      try {
        process.kill(-group, 'SIGKILL')
      } catch {
        // Gone already.
      }
    }
  })
}

export class ProcessEnvironment {
  state: 'starting' | 'idle' | 'busy' | 'dead' = 'starting'
  idleTimer: NodeJS.Timeout | undefined
  readonly exited: Promise<void>

  #child: ChildProcess | undefined
  #api: RuntimeApi | undefined
  readonly #ready: Promise<InitFailure | undefined>
  #resolveReady!: (failure: InitFailure | undefined) => void
  #resolveExited!: () => void
  #initTimer: NodeJS.Timeout | undefined
  #running: Running | undefined
  #deathReason: string | undefined
  /** An init error the runtime posted: the process is stopped and this is the failure. */
  #initError: LambdaError | undefined
  readonly #spawnedAt = performance.now()
  #initDurationMs: number | undefined
  /** Resident memory high-water mark of the process, MB. */
  #maxRssMb = 0
  readonly #partial = { out: '', err: '' }

  constructor(private readonly options: ProcessEnvironmentOptions) {
    this.#ready = new Promise((resolve) => {
      this.#resolveReady = resolve
    })
    this.exited = new Promise((resolve) => {
      this.#resolveExited = resolve
    })
    this.#initTimer = setTimeout(() => this.#onInitTimeout(), options.initTimeoutMs)
    void this.#start()
  }

  get functionName(): string {
    return this.options.spec.name
  }

  /** The runtime process's id, once spawned. */
  get pid(): number | undefined {
    return this.#child?.pid
  }

  /** Resolves once the runtime asked for its first invocation (undefined) or failed to (why). */
  loaded(): Promise<InitFailure | undefined> {
    return this.#ready
  }

  async invoke(requestId: string, event: unknown, timeoutMs: number): Promise<InvokeOutcome> {
    if (this.state === 'starting') {
      const failure = await this.#ready
      if (failure) return this.#initOutcome(failure, requestId)
    }
    if (this.state === 'dead' || !this.#api) {
      const reason = this.#deathReason ?? 'Runtime exited without providing a reason'
      return { kind: 'crash', errorMessage: reason, durationMs: 0, requestId }
    }
    const body =
      event instanceof EncodedEvent
        ? Buffer.from(event.bytes.buffer, event.bytes.byteOffset, event.bytes.byteLength)
        : JSON.stringify(event ?? null)
    const api = this.#api
    return new Promise((resolve) => {
      this.state = 'busy'
      this.#setRef(true)
      const timer = setTimeout(() => this.#onTimeout(), timeoutMs)
      this.#running = { requestId, startedAt: performance.now(), timeoutMs, timer, resolve }
      this.options.onInvocation?.({
        phase: 'start',
        functionName: this.functionName,
        logStreamName: this.options.init.logStreamName,
        requestId,
        timestamp: Date.now(),
      })
      api.deliver({
        requestId,
        body,
        deadlineMs: Date.now() + timeoutMs,
        invokedFunctionArn: this.options.init.invokedFunctionArn,
      })
    })
  }

  /** Kills the process group and stops the Runtime API. */
  stop(): Promise<void> {
    this.state = 'dead'
    clearTimeout(this.idleTimer)
    clearTimeout(this.#initTimer)
    this.#kill()
    if (!this.#child) this.#resolveExited()
    return this.exited
  }

  /** Idle environments must not keep the engine's process alive. */
  setIdle(): void {
    this.state = 'idle'
    this.#setRef(false)
  }

  async #start(): Promise<void> {
    let api: RuntimeApi
    try {
      api = await RuntimeApi.start({
        onNext: () => this.#onReady(),
        onResponse: (id, body) => this.#settleAfterOutput(id, { ok: true, body }),
        onError: (id, error) => this.#settleAfterOutput(id, { ok: false, error }),
        onInitError: (error) => this.#onInitError(error),
      })
    } catch (error) {
      this.#failStart(`Runtime API failed to start: ${(error as Error).message}`)
      return
    }
    if (this.state === 'dead') {
      void api.close()
      this.#resolveExited()
      return
    }
    this.#api = api
    const { spec, init, placement, target } = this.options
    const launch = launchOf(spec)
    const child = spawn(launch.command, launch.args, {
      cwd: spec.codeDir,
      env: processEnv(spec, init, placement, launch, api.address, target),
      stdio: ['ignore', 'pipe', 'pipe'],
      // Its own process group: a timeout kills the runtime and everything it started.
      detached: true,
    })
    this.#child = child
    if (child.pid !== undefined) trackGroup(child.pid)
    child.stdout!.setEncoding('utf8')
    child.stderr!.setEncoding('utf8')
    child.stdout!.on('data', (text: string) => this.#output('out', text))
    child.stderr!.on('data', (text: string) => this.#output('err', text))
    child.once('error', (error) => {
      // The command could not be started (missing, not executable): Lambda's invalid entrypoint.
      this.#deathReason = `Runtime exited with error: ${error.message}`
      if (this.state === 'starting') {
        this.#initError = {
          errorType: 'Runtime.InvalidEntrypoint',
          errorMessage: error.message,
          stackTrace: [],
        }
        if (this.options.logInitFailure !== false)
          this.#log(undefined, 'error', `Init Error \t${JSON.stringify(this.#initError)}`)
      }
    })
    child.once('close', (code, signal) => this.#onExit(code, signal))
  }

  #failStart(reason: string): void {
    this.#deathReason = reason
    this.state = 'dead'
    clearTimeout(this.#initTimer)
    this.#resolveReady({ kind: 'crash', errorMessage: reason })
    this.#resolveExited()
    this.options.onExit(this)
  }

  #onReady(): void {
    clearTimeout(this.#initTimer)
    if (this.state !== 'starting') return
    this.state = 'idle'
    this.#initDurationMs = performance.now() - this.#spawnedAt
    this.#resolveReady(undefined)
  }

  #onInitError(error: LambdaError): void {
    clearTimeout(this.#initTimer)
    if (this.state !== 'starting') return
    this.#initError = error
    if (this.options.logInitFailure !== false)
      this.#log(undefined, 'error', `Init Error \t${JSON.stringify(error)}`)
    // Lambda retries the init phase on the next invocation, in a fresh environment.
    this.#resolveReady({ kind: 'error', error })
    void this.stop()
  }

  #onInitTimeout(): void {
    if (this.state !== 'starting') return
    const seconds = (this.options.initTimeoutMs / 1000).toFixed(2)
    if (this.options.logInitFailure !== false)
      this.#log(undefined, 'error', `Init timed out after ${seconds} seconds`)
    this.#resolveReady({ kind: 'timeout' })
    void this.stop()
  }

  /**
   * Ends the invocation one turn of the event loop after the answer: what the runtime wrote to
   * its pipes before posting is then read, and logged under the invocation.
   */
  #settleAfterOutput(
    requestId: string,
    answer: { ok: true; body: Buffer } | { ok: false; error: LambdaError },
  ): void {
    const running = this.#running
    if (!running || running.requestId !== requestId) return
    clearTimeout(running.timer)
    setImmediate(() => {
      if (this.#running !== running) return
      this.#flushPartial(requestId)
      this.#running = undefined
      const durationMs = performance.now() - running.startedAt
      if (answer.ok) {
        this.#ended(requestId, 'ok', durationMs)
        running.resolve({ kind: 'ok', result: parseResult(answer.body), durationMs, requestId })
      } else {
        this.#ended(requestId, 'error', durationMs)
        running.resolve({ kind: 'error', ...answer.error, durationMs, requestId })
      }
    })
  }

  #onTimeout(): void {
    const running = this.#running
    if (!running) return
    this.#running = undefined
    this.#api?.abandon()
    void this.stop()
    this.#flushPartial(running.requestId)
    const seconds = (running.timeoutMs / 1000).toFixed(2)
    this.#log(running.requestId, 'error', `Task timed out after ${seconds} seconds`)
    const durationMs = performance.now() - running.startedAt
    this.#ended(running.requestId, 'timeout', durationMs)
    running.resolve({ kind: 'timeout', durationMs, requestId: running.requestId })
  }

  #onExit(code: number | null, signal: NodeJS.Signals | null): void {
    this.state = 'dead'
    clearTimeout(this.#initTimer)
    clearTimeout(this.idleTimer)
    // Its children may live on (a bootstrap that forked): they go with it.
    this.#kill()
    if (this.#child?.pid !== undefined) liveGroups.delete(this.#child.pid)
    const reason =
      this.#deathReason ??
      (signal
        ? `Runtime exited with error: signal: ${signalName(signal)}`
        : code === 0
          ? 'Runtime exited without providing a reason'
          : `Runtime exited with error: exit status ${code}`)
    this.#deathReason = reason
    const running = this.#running
    this.#flushPartial(running?.requestId)
    if (running) {
      this.#running = undefined
      clearTimeout(running.timer)
      const durationMs = performance.now() - running.startedAt
      this.#ended(running.requestId, 'crash', durationMs, reason)
      running.resolve({ kind: 'crash', errorMessage: reason, durationMs, requestId: running.requestId })
    }
    // No-op unless the process ended during init.
    this.#resolveReady(
      this.#initError ? { kind: 'error', error: this.#initError } : { kind: 'crash', errorMessage: reason },
    )
    void this.#api?.close()
    this.#resolveExited()
    this.options.onExit(this)
  }

  #kill(): void {
    const pid = this.#child?.pid
    if (pid === undefined) return
    try {
      process.kill(-pid, 'SIGKILL')
    } catch {
      // The group is gone already.
    }
  }

  #setRef(on: boolean): void {
    const child = this.#child
    this.#api?.ref(on)
    if (!child) return
    for (const stream of [child.stdout, child.stderr] as Array<{ ref?(): void; unref?(): void } | null>) {
      if (on) stream?.ref?.()
      else stream?.unref?.()
    }
    if (on) child.ref()
    else child.unref()
  }

  #output(stream: 'out' | 'err', text: string): void {
    const lines = (this.#partial[stream] + text).split('\n')
    this.#partial[stream] = lines.pop()!
    const requestId = this.#running?.requestId
    const level = stream === 'out' ? 'log' : 'error'
    for (const line of lines) this.#log(requestId, level, line, true)
  }

  /** A last line without its newline, at the end of an invocation or of the process. */
  #flushPartial(requestId: string | undefined): void {
    for (const stream of ['out', 'err'] as const) {
      const rest = this.#partial[stream]
      if (rest === '') continue
      this.#partial[stream] = ''
      this.#log(requestId, stream === 'out' ? 'log' : 'error', rest, true)
    }
  }

  #initOutcome(failure: InitFailure, requestId: string): InvokeOutcome {
    const durationMs = performance.now() - this.#spawnedAt
    switch (failure.kind) {
      case 'error':
        return { kind: 'error', ...failure.error, durationMs, requestId }
      case 'crash':
        return { kind: 'crash', errorMessage: failure.errorMessage, durationMs, requestId }
      case 'timeout':
        return { kind: 'timeout', durationMs, requestId }
    }
  }

  #ended(
    requestId: string,
    outcome: 'ok' | 'error' | 'timeout' | 'crash',
    durationMs: number,
    errorMessage?: string,
  ): void {
    const onInvocation = this.options.onInvocation
    const pid = this.#child?.pid
    if (!onInvocation) return
    const initDurationMs = this.#initDurationMs
    this.#initDurationMs = undefined
    // The process's resident memory now, alive and done with the invocation: Lambda's "Max
    // Memory Used" is the environment's high-water mark, which samples at each end approximate.
    if (pid !== undefined && outcome !== 'crash' && outcome !== 'timeout') {
      const mb = residentMb(pid)
      if (mb !== undefined) this.#maxRssMb = Math.max(this.#maxRssMb, mb)
    }
    onInvocation({
      phase: 'end',
      functionName: this.functionName,
      logStreamName: this.options.init.logStreamName,
      requestId,
      timestamp: Date.now(),
      outcome,
      durationMs,
      memorySizeMb: this.options.spec.memoryMb,
      initDurationMs,
      ...(this.#maxRssMb > 0 ? { maxMemoryUsedMb: this.#maxRssMb } : {}),
      ...(errorMessage === undefined ? {} : { errorMessage }),
    })
  }

  #log(requestId: string | undefined, level: FunctionLog['level'], message: string, raw = false): void {
    this.options.onLog?.({
      functionName: this.functionName,
      requestId,
      level,
      message,
      timestamp: Date.now(),
      logStreamName: this.options.init.logStreamName,
      ...(raw ? { raw: true } : {}),
    })
  }
}

/** The response as the invoker sees it: JSON, or the text when it is not JSON (Lambda passes bytes). */
function parseResult(body: Buffer): unknown {
  if (body.byteLength === 0) return null
  const text = body.toString('utf8')
  try {
    return JSON.parse(text)
  } catch {
    return text
  }
}

/** Go's names for signals, as Lambda words a killed runtime (`signal: killed`). */
function signalName(signal: NodeJS.Signals): string {
  const names: Partial<Record<NodeJS.Signals, string>> = {
    SIGKILL: 'killed',
    SIGTERM: 'terminated',
    SIGSEGV: 'segmentation fault',
    SIGABRT: 'aborted',
    SIGINT: 'interrupt',
  }
  return names[signal] ?? signal
}

/** VmRSS of a process, from /proc (Linux: a 1 KB read); undefined where there is none. */
function residentMb(pid: number): number | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8')
    const kb = /^VmRSS:\s+(\d+) kB/m.exec(status)
    return kb ? Math.ceil(Number(kb[1]) / 1024) : undefined
  } catch {
    return undefined
  }
}

/**
 * The function pool: Lambda's execution environments, as worker threads (Node.js) or child
 * processes (Python, custom runtimes: src/functions/runtimes/). Environments start on demand,
 * run one invocation at a time, stay warm between invocations (module state persists) and stop
 * after a while idle. Each function has a concurrency limit; an invocation beyond it is
 * throttled at once, never queued.
 */
import { randomUUID } from 'node:crypto'
import type {
  BindingHost,
  FunctionLog,
  FunctionSpec,
  InvokeOptions,
  InvokeOutcome,
  Invoker,
} from '../../contracts/functions.ts'
import { isProcessRuntime } from '../runtimes/catalog.ts'
import { ProcessEnvironment } from '../runtimes/process-environment.ts'
import { type Placement, workerEnv, workerInit } from './environment.ts'
import { FunctionNotFoundError, PoolClosedError } from './errors.ts'
import type { ExecutionEnvironment } from './execution-environment.ts'
import { FunctionWorker, type InvocationEvent } from './function-worker.ts'
import { initFailureError, LoadHold } from './load-hold.ts'
import type { LambdaError } from './protocol.ts'

export interface FunctionPoolOptions {
  functions: FunctionSpec[]
  /** Serves the bindings (`stream(...)`, `table(...)`, ...) handler code calls. */
  bindings: BindingHost
  /** Receives every line handlers log, in order per worker. Must not throw. */
  onLog?: (log: FunctionLog) => void
  /** Each invocation's start and end in its worker (Lambda's START / END / REPORT). Must not throw. */
  onInvocation?: (event: InvocationEvent) => void
  /** Concurrency limit of a function without `reservedConcurrency`. Default 10. */
  maxConcurrencyPerFunction?: number
  /** An idle worker is stopped after this long. Default 5 minutes. */
  idleWorkerMs?: number
  /** Budget for loading a handler module in a new worker (Lambda's init phase). Default 10 s. */
  initTimeoutMs?: number
  /** For `invokedFunctionArn` and `AWS_REGION`. Default us-east-1. */
  region?: string
  /** For `invokedFunctionArn`. Default 000000000000. */
  account?: string
  /** The running server, as every function's `AWS_ENDPOINT_URL` (AWS SDKs that read it reach it). */
  endpointUrl?: string
}

export interface FunctionStats {
  /** Invocations in flight. */
  concurrent: number
  /** Live workers (idle, busy or starting). */
  workers: number
  /** Invocations started (throttled ones excluded) since the function was added. */
  invocations: number
}

/** One version of a function's code and configuration, and the workers running it. */
interface Generation {
  spec: FunctionSpec
  /** Warm workers, most recently used last (reused first, so the others can expire). */
  idle: ExecutionEnvironment[]
}

interface FunctionEntry {
  current: Generation
  /** Every live worker of every generation. */
  workers: Set<ExecutionEnvironment>
  concurrent: number
  invocations: number
  removed: boolean
  /** Set while invocations wait for new code to load (see `tryReload`). */
  hold: LoadHold | undefined
}

/** How `tryReload` ended. */
export type ReloadResult =
  /** The new code loaded; `held` invocations waited for it, `recovered` after a failed load. */
  | { kind: 'loaded'; held: number; recovered: boolean }
  /** It did not load: invocations wait until a later `tryReload` loads it. */
  | { kind: 'failed'; error: LambdaError }
  /** Another reload of the same function started meanwhile; its result is the one that counts. */
  | { kind: 'superseded' }

const DEFAULT_IDLE_WORKER_MS = 5 * 60_000
/** Lambda's init phase limit for on-demand functions. */
const DEFAULT_INIT_TIMEOUT_MS = 10_000

/**
 * Runs Lambda handlers in worker threads.
 *
 * @example
 * const pool = new FunctionPool({ functions: [spec], bindings, onLog: (l) => console.log(l.message) })
 * const outcome = await pool.invoke('consumer', { Records: [] })
 * if (outcome.kind === 'throttled') retryLater()
 * await pool.close()
 */
export class FunctionPool implements Invoker {
  private readonly functions = new Map<string, FunctionEntry>()
  /** Every worker not yet exited, including ones being stopped. */
  private readonly threads = new Set<ExecutionEnvironment>()
  private readonly maxConcurrency: number
  private readonly idleWorkerMs: number
  private readonly initTimeoutMs: number
  private readonly placement: Placement
  private inFlight = 0
  private drained: (() => void) | undefined
  private closing: Promise<void> | undefined
  private holdsAbandoned = false

  constructor(private readonly options: FunctionPoolOptions) {
    this.maxConcurrency = options.maxConcurrencyPerFunction ?? 10
    this.idleWorkerMs = options.idleWorkerMs ?? DEFAULT_IDLE_WORKER_MS
    this.initTimeoutMs = options.initTimeoutMs ?? DEFAULT_INIT_TIMEOUT_MS
    this.placement = { region: options.region ?? 'us-east-1', account: options.account ?? '000000000000' }
    for (const spec of options.functions) this.add(spec)
  }

  /**
   * Runs the function once. Resolves with how it ended; rejects only for a caller error (unknown
   * function, pool closed, an event that cannot be structured-cloned, an EncodedEvent used twice).
   */
  invoke(functionName: string, event: unknown, options?: InvokeOptions): Promise<InvokeOutcome> {
    if (this.closing) return Promise.reject(new PoolClosedError())
    const entry = this.functions.get(functionName)
    if (!entry) return Promise.reject(new FunctionNotFoundError(functionName))
    const requestId = options?.requestId ?? randomUUID()
    if (entry.hold) return this.afterLoad(entry.hold, functionName, event, requestId)
    const generation = entry.current
    const limit = generation.spec.reservedConcurrency ?? this.maxConcurrency
    if (entry.concurrent >= limit) return Promise.resolve({ kind: 'throttled', requestId })
    entry.concurrent++
    entry.invocations++
    this.inFlight++
    const worker = generation.idle.pop() ?? this.spawn(entry, generation)
    return this.run(entry, generation, worker, requestId, event)
  }

  /** Invocations running now, across every function (a test's clock waits while any run). */
  get invocationsInFlight(): number {
    return this.inFlight
  }

  /**
   * New code or configuration for a function: invocations in flight finish on the workers they
   * started on, which then stop; idle workers stop now; later invocations start fresh workers
   * that load the module anew. Resolves once every old worker has exited.
   */
  reload(functionName: string, spec?: FunctionSpec): Promise<void> {
    const entry = this.functions.get(functionName)
    if (!entry) return Promise.reject(new FunctionNotFoundError(functionName))
    const old = entry.current
    const oldWorkers = [...entry.workers]
    entry.current = { spec: spec ?? old.spec, idle: [] }
    for (const worker of old.idle.splice(0)) void worker.stop()
    return Promise.all(oldWorkers.map((w) => w.exited)).then(() => {})
  }

  /**
   * New code for a function under `tributary dev`: loads it in a fresh worker before any
   * invocation uses it. Invocations made meanwhile, and for as long as it fails to load, wait
   * instead of failing: they are not started, so nothing times out, no attempt is counted and no
   * event goes to a dead-letter queue over a half-saved file. A later `tryReload` that loads ends
   * the wait. (Lambda has no such state: a deployed handler that fails to load fails its
   * invocations, which is what `reload` keeps doing.) Old workers finish what they run.
   */
  async tryReload(functionName: string, spec?: FunctionSpec): Promise<ReloadResult> {
    const entry = this.functions.get(functionName)
    if (!entry) throw new FunctionNotFoundError(functionName)
    entry.hold ??= new LoadHold()
    const hold = entry.hold
    const old = entry.current
    const generation: Generation = { spec: spec ?? old.spec, idle: [] }
    entry.current = generation
    for (const worker of old.idle.splice(0)) void worker.stop()
    const probe = this.spawn(entry, generation, false)
    const failure = await probe.loaded()
    if (entry.current !== generation || entry.hold !== hold) {
      void probe.stop()
      return { kind: 'superseded' }
    }
    if (failure) {
      hold.failure = initFailureError(failure, this.initTimeoutMs)
      return { kind: 'failed', error: hold.failure }
    }
    entry.hold = undefined
    // The probe is a warm worker of the new code, like one an invocation left behind.
    this.release(entry, generation, probe)
    const recovered = hold.failure !== undefined
    const held = hold.held
    hold.release()
    return { kind: 'loaded', held, recovered }
  }

  /** Why the function's new code failed to load, while its invocations wait (see `tryReload`). */
  loadFailure(functionName: string): LambdaError | undefined {
    return this.functions.get(functionName)?.hold?.failure
  }

  /** Invocations of the function waiting for its code to load. */
  waitingForLoad(functionName: string): number {
    return this.functions.get(functionName)?.hold?.waiting ?? 0
  }

  /**
   * Resolves when the function may run; undefined when it may now. Event sources that take work
   * before invoking (a queue poller receiving messages) wait on it, so nothing is taken while the
   * function's code does not load.
   */
  runnable(functionName: string): Promise<void> | undefined {
    return this.holdsAbandoned ? undefined : this.functions.get(functionName)?.hold?.released
  }

  /**
   * Ends every wait for code to load: waiting invocations, and any made from now on for such a
   * function, end `throttled` (not run; the event source keeps the work for later). For a
   * shutdown or a rebuild of the pipeline, where event sources must stop. Returns how many
   * invocations were waiting, by function.
   */
  abandonWaits(): Map<string, number> {
    this.holdsAbandoned = true
    const abandoned = new Map<string, number>()
    for (const [name, entry] of this.functions) {
      if (!entry.hold) continue
      if (entry.hold.waiting > 0) abandoned.set(name, entry.hold.waiting)
      entry.hold.abandon()
    }
    return abandoned
  }

  /**
   * Makes the pool run exactly these functions: new ones are added, removed ones stop once their
   * invocations finish, changed ones are reloaded (a change of `reservedConcurrency` alone applies
   * without new workers). Resolves once every replaced worker has exited.
   */
  setFunctions(specs: FunctionSpec[]): Promise<void> {
    const wanted = new Map(specs.map((s) => [s.name, s]))
    const waits: Promise<void>[] = []
    for (const [name, entry] of this.functions) {
      if (wanted.has(name)) continue
      this.functions.delete(name)
      entry.removed = true
      for (const worker of entry.current.idle.splice(0)) void worker.stop()
      waits.push(...[...entry.workers].map((w) => w.exited))
    }
    for (const spec of specs) {
      const entry = this.functions.get(spec.name)
      if (!entry) this.add(spec)
      else if (sameCode(entry.current.spec, spec)) entry.current.spec = spec
      else waits.push(this.reload(spec.name, spec))
    }
    return Promise.all(waits).then(() => {})
  }

  stats(functionName: string): FunctionStats {
    const entry = this.functions.get(functionName)
    if (!entry) return { concurrent: 0, workers: 0, invocations: 0 }
    let workers = 0
    for (const worker of entry.workers) if (worker.state !== 'dead') workers++
    return { concurrent: entry.concurrent, workers, invocations: entry.invocations }
  }

  /** Refuses new invocations, waits for those in flight, then stops every worker. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.abandonWaits()
      if (this.inFlight > 0) await new Promise<void>((resolve) => (this.drained = resolve))
      await Promise.all([...this.threads].map((worker) => worker.stop()))
    })()
    return this.closing
  }

  private add(spec: FunctionSpec): void {
    this.functions.set(spec.name, {
      current: { spec, idle: [] },
      workers: new Set(),
      concurrent: 0,
      invocations: 0,
      removed: false,
      hold: undefined,
    })
  }

  private async afterLoad(
    hold: LoadHold,
    functionName: string,
    event: unknown,
    requestId: string,
  ): Promise<InvokeOutcome> {
    if (this.holdsAbandoned || !(await hold.wait())) return { kind: 'throttled', requestId }
    return this.invoke(functionName, event, { requestId })
  }

  private spawn(entry: FunctionEntry, generation: Generation, logInitFailure = true): ExecutionEnvironment {
    const { spec } = generation
    const init = workerInit(spec, this.placement, this.options.onLog !== undefined)
    const onExit = (w: ExecutionEnvironment) => {
      entry.workers.delete(w)
      this.threads.delete(w)
      const at = generation.idle.indexOf(w)
      if (at >= 0) generation.idle.splice(at, 1)
    }
    const shared = {
      onLog: this.options.onLog,
      onInvocation: this.options.onInvocation,
      initTimeoutMs: this.initTimeoutMs,
      logInitFailure,
      onExit,
    }
    const worker: ExecutionEnvironment = isProcessRuntime(spec.runtime)
      ? new ProcessEnvironment({
          ...shared,
          spec,
          init: { ...init, handlerString: spec.handler ?? init.handlerString },
          placement: this.placement,
          target: { endpointUrl: this.options.endpointUrl },
        })
      : new FunctionWorker({
          ...shared,
          init,
          env: workerEnv(spec, init, this.placement, this.options.endpointUrl),
          bindings: this.options.bindings,
        })
    entry.workers.add(worker)
    this.threads.add(worker)
    return worker
  }

  private async run(
    entry: FunctionEntry,
    generation: Generation,
    worker: ExecutionEnvironment,
    requestId: string,
    event: unknown,
  ): Promise<InvokeOutcome> {
    try {
      return await worker.invoke(requestId, event, generation.spec.timeoutMs)
    } finally {
      entry.concurrent--
      this.release(entry, generation, worker)
      if (--this.inFlight === 0) this.drained?.()
    }
  }

  private release(entry: FunctionEntry, generation: Generation, worker: ExecutionEnvironment): void {
    if (worker.state === 'dead') return
    if (this.closing || entry.removed || generation !== entry.current) {
      void worker.stop()
      return
    }
    worker.setIdle()
    generation.idle.push(worker)
    // One timer per worker, re-armed each time it goes idle: it fires only after a full idle spell.
    if (worker.idleTimer) worker.idleTimer.refresh()
    else worker.idleTimer = setTimeout(() => this.expire(generation, worker), this.idleWorkerMs).unref()
  }

  private expire(generation: Generation, worker: ExecutionEnvironment): void {
    if (worker.state !== 'idle') return
    const at = generation.idle.indexOf(worker)
    if (at >= 0) generation.idle.splice(at, 1)
    void worker.stop()
  }
}

/** Whether two specs run the same code the same way (all but the concurrency limit). */
function sameCode(a: FunctionSpec, b: FunctionSpec): boolean {
  return (
    a.file === b.file &&
    a.exportName === b.exportName &&
    a.runtime === b.runtime &&
    a.handler === b.handler &&
    a.codeDir === b.codeDir &&
    a.timeoutMs === b.timeoutMs &&
    a.memoryMb === b.memoryMb &&
    sameEnvironment(a.environment, b.environment)
  )
}

function sameEnvironment(a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>): boolean {
  const keys = Object.keys(a)
  return keys.length === Object.keys(b).length && keys.every((k) => a[k] === b[k])
}

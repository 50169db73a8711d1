/**
 * Contracts of the functions stage with the stages around it: the worker pool that runs handlers,
 * the event sources that invoke them (Kinesis and SQS mappings, topics, schedules, delivery
 * transforms), and the bindings handler code uses to reach streams, tables, queues, topics,
 * buckets and metrics. Types only: the services implement them and the functions stage uses
 * them without either importing the other.
 */

/** A function as the runtime needs it (resolved from the pipeline definition). */
export interface FunctionSpec {
  name: string
  /** Absolute path of the handler module (.ts, .mts, .js, .mjs). */
  file: string
  /** Name of the exported handler, e.g. `handler`. */
  exportName: string
  /** Lambda's default is 3 s; at most 900 s. */
  timeoutMs: number
  /** Reported through `context.memoryLimitInMB`; not enforced. */
  memoryMb: number
  /** Upper bound on concurrent executions (Lambda's reserved concurrency). */
  reservedConcurrency: number | undefined
  environment: Readonly<Record<string, string>>
  /**
   * Lambda's runtime identifier (`nodejs20.x`, `python3.12`, `provided.al2023`); undefined is
   * Node.js. `nodejs*` run in worker threads, the others as processes (the Lambda Runtime API).
   */
  runtime?: string
  /** Lambda's handler string as declared (`handler.lambda_handler`): `_HANDLER` of a process runtime. */
  handler?: string
  /** The function's code directory (Lambda's task root, `LAMBDA_TASK_ROOT`) for process runtimes. */
  codeDir?: string
  /**
   * Python: the interpreter to run (its requirements' virtual environment's `bin/python`, see
   * functions/runtimes/python-deps.ts); default `python3` on PATH.
   */
  interpreter?: string
}

/**
 * How one invocation ended, as a discriminated union: callers (event source mappings) map each
 * kind to AWS's retry semantics instead of inspecting error strings.
 */
export type InvokeOutcome =
  /** The handler returned (or resolved) `result`. */
  | { kind: 'ok'; result: unknown; durationMs: number; requestId: string }
  /** The handler threw or rejected: Lambda's "Unhandled" function error. */
  | {
      kind: 'error'
      errorType: string
      errorMessage: string
      stackTrace: string[]
      durationMs: number
      requestId: string
    }
  /** The handler ran past its timeout; its worker was terminated. A function error. */
  | { kind: 'timeout'; durationMs: number; requestId: string }
  /** The worker died (process.exit, out of memory, a crash in native code). A function error. */
  | { kind: 'crash'; errorMessage: string; durationMs: number; requestId: string }
  /** No execution slot was free (reserved concurrency reached): not run at all; retry later. */
  | { kind: 'throttled'; requestId: string }

export interface InvokeOptions {
  /** Defaults to a fresh UUID. */
  requestId?: string
}

/** Runs functions. Implemented by the worker pool; faked nowhere (tests use the real pool). */
export interface Invoker {
  invoke(functionName: string, event: unknown, options?: InvokeOptions): Promise<InvokeOutcome>
  /**
   * Resolves when the function may run; undefined when it may now. Only `tributary dev` ever
   * makes a function wait (its handler failing to load after an edit); an event source that
   * takes work before invoking (a queue poller) waits on it before taking more.
   */
  runnable?(functionName: string): Promise<void> | undefined
}

/** A line a handler logged (console.* inside the handler), tagged with its invocation. */
export interface FunctionLog {
  functionName: string
  requestId: string | undefined
  level: 'log' | 'info' | 'warn' | 'error' | 'debug'
  message: string
  timestamp: number
  /**
   * The log stream of the execution environment (worker) that logged it, as Lambda names it
   * (`YYYY/MM/DD/[$LATEST]<32 hex>`); set by the pool, absent from lines logged elsewhere.
   */
  logStreamName?: string
  /**
   * The line exactly as a process runtime wrote it to stdout or stderr: kept verbatim in the log
   * stream (a worker thread's console lines get Lambda's Node.js prefix instead).
   */
  raw?: boolean
}

/** What a binding call from handler code asks the host to do. */
export interface BindingCall {
  /** 'stream' | 'table' | 'queue' | 'topic' (later stages add 'bucket', 'metric', ...). */
  service: string
  /** The resource's name in the pipeline definition. */
  resource: string
  method: string
  args: unknown[]
  /** The function whose handler made the call: set by the host that serves the worker, never by it. */
  caller?: string
}

/**
 * Serves binding calls made by handlers running in workers. Results and errors must be
 * structured-clone-able; an error is re-thrown in the handler with its `name` and `message`.
 */
export interface BindingHost {
  call(call: BindingCall): Promise<unknown>
}

/**
 * Lambda's asynchronous invocation as an event source sees it (a topic's `{ function }`
 * subscription): hand the event over and return, without waiting for the function to run.
 * Implemented by the functions stage's async invocation queue.
 */
export interface AsyncInvoker {
  /** Stores `event` durably for `functionName` and returns its request id at once. */
  enqueue(functionName: string, event: unknown): string
}

/** Where an event source sends what it gives up on (Lambda's on-failure destination). */
export type FailureDestination = { queue: string } | { topic: string }

/** Sends a message to a queue or topic (the on-failure destination). */
export interface DestinationSender {
  send(destination: FailureDestination, message: string): Promise<void>
  /** Whether the queue or topic exists (S3 checks a notification's destination when it is set). */
  has?(destination: FailureDestination): boolean
}

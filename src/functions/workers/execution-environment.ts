import type { InvokeOutcome } from '../../contracts/functions.ts'
import type { InitFailure } from './function-worker.ts'

/**
 * One of Lambda's execution environments as the pool drives it, whatever runs the code: a worker
 * thread (`FunctionWorker`, Node.js) or a child process speaking the Runtime API
 * (`ProcessEnvironment`, Python and custom runtimes). It runs one invocation at a time.
 */
export interface ExecutionEnvironment {
  /** 'starting' until the code has loaded; 'dead' once stopped or stopping. */
  state: 'starting' | 'idle' | 'busy' | 'dead'
  idleTimer: NodeJS.Timeout | undefined
  /** Resolves once the environment has ended, for whatever reason. */
  readonly exited: Promise<void>
  readonly functionName: string
  /** Resolves once the code has loaded (undefined) or failed to (why). */
  loaded(): Promise<InitFailure | undefined>
  /** Runs one invocation; the caller guarantees the environment is not busy. */
  invoke(requestId: string, event: unknown, timeoutMs: number): Promise<InvokeOutcome>
  stop(): Promise<void>
  /** Idle environments must not keep the process alive; busy and starting ones do. */
  setIdle(): void
}

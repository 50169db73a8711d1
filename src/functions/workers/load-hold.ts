import type { InitFailure } from './function-worker.ts'
import type { LambdaError } from './protocol.ts'

/**
 * The invocations of one function that wait for its handler to load, while `tributary dev`
 * reloads it after an edit. They have not started: no timeout runs, no attempt is counted, and
 * the event source that sent them (a shard's batch, a queue poller, a schedule) waits with them.
 */
export class LoadHold {
  readonly released: Promise<void>
  /** Invocations that have waited on this hold, in all. */
  held = 0
  /** Invocations waiting now. */
  waiting = 0
  /** Why the new code did not load; undefined while the first attempt is still loading. */
  failure: LambdaError | undefined
  #abandoned = false
  #release!: () => void

  constructor() {
    this.released = new Promise((resolve) => {
      this.#release = resolve
    })
  }

  /** Waits for the hold to end: true when the code loaded, false when the wait was abandoned. */
  async wait(): Promise<boolean> {
    this.held++
    this.waiting++
    try {
      await this.released
    } finally {
      this.waiting--
    }
    return !this.#abandoned
  }

  release(): void {
    this.#release()
  }

  /** Ends the wait without running anything (shutdown, or the pipeline being rebuilt). */
  abandon(): void {
    this.#abandoned = true
    this.#release()
  }
}

/** An init failure as Lambda's error document, whatever ended the init. */
export function initFailureError(failure: InitFailure, initTimeoutMs: number): LambdaError {
  switch (failure.kind) {
    case 'error':
      return failure.error
    case 'crash':
      return { errorType: 'Runtime.ExitError', errorMessage: failure.errorMessage, stackTrace: [] }
    case 'timeout':
      return {
        errorType: 'Sandbox.Timedout',
        errorMessage: `Init timed out after ${(initTimeoutMs / 1000).toFixed(2)} seconds`,
        stackTrace: [],
      }
  }
}

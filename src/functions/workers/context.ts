/**
 * The `context` argument a handler receives, shaped like the AWS Lambda Node.js runtime's
 * (`InvokeContext.attachEnvironmentData` + `CallbackContext`): environment fields, the request id,
 * a real `getRemainingTimeInMillis`, and the legacy `done`/`succeed`/`fail` completions.
 */
import type { Context } from 'aws-lambda'
import type { WorkerInit } from './protocol.ts'

/** Ends the invocation: an error (anything but null/undefined) or a result. First call wins. */
export type Complete = (error: unknown, result?: unknown) => void

/**
 * A fresh context for one invocation. `complete` is shared with the handler's callback and its
 * returned promise; the runtime ignores every completion after the first, as Lambda does.
 */
export function createContext(
  init: WorkerInit,
  requestId: string,
  deadline: number,
  complete: Complete,
): Context {
  let waitForEmptyEventLoop = true
  const done = (error?: unknown, result?: unknown) => complete(error, result)
  return {
    get callbackWaitsForEmptyEventLoop() {
      return waitForEmptyEventLoop
    },
    set callbackWaitsForEmptyEventLoop(value: boolean) {
      waitForEmptyEventLoop = value
    },
    functionName: init.functionName,
    functionVersion: init.functionVersion,
    invokedFunctionArn: init.invokedFunctionArn,
    memoryLimitInMB: init.memoryLimitInMB,
    awsRequestId: requestId,
    logGroupName: init.logGroupName,
    logStreamName: init.logStreamName,
    identity: undefined,
    clientContext: undefined,
    // Not clamped at 0, as on Lambda; the pool stops the worker at the deadline anyway.
    getRemainingTimeInMillis: () => deadline - Date.now(),
    done,
    succeed: (result: unknown) => done(null, result),
    // Lambda reports a bare `fail()` as the string error 'handled'.
    fail: (error: unknown) => done(error ?? 'handled', null),
  }
}

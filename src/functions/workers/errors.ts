/**
 * Errors of the function runtime. The `Runtime.*` classes reproduce the AWS Lambda Node.js
 * runtime's own (aws-lambda-nodejs-runtime-interface-client, `Errors.js` / `utils/errors.ts`): same
 * names, same message shapes, so a handler that fails to load reports what it would on AWS.
 */
import { types } from 'node:util'
import type { LambdaError } from './protocol.ts'

/** The handler module, or a module it imports, cannot be found. */
export class ImportModuleError extends Error {
  constructor(cause: unknown) {
    super(String(cause))
    this.name = 'Runtime.ImportModuleError'
  }
}

/** The handler module does not parse. */
export class UserCodeSyntaxError extends Error {
  constructor(cause: Error, message = String(cause)) {
    super(message)
    this.name = 'Runtime.UserCodeSyntaxError'
    if (cause.stack) this.stack = cause.stack
  }
}

/** The module loaded but the export is missing or not a function. */
export class HandlerNotFound extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'Runtime.HandlerNotFound'
  }
}

/** The handler's result cannot be serialized as JSON (a cycle, a BigInt). */
export class JSONStringifyError extends Error {
  constructor() {
    super('Unable to stringify response body')
    this.name = 'Runtime.JSONStringifyError'
  }
}

function looksLikeError(value: unknown): value is Error {
  const v = value as Partial<Error> | null | undefined
  return (
    typeof v?.name === 'string' &&
    typeof v.message === 'string' &&
    typeof v.stack === 'string' &&
    v.name !== '' &&
    v.message !== '' &&
    v.stack !== ''
  )
}

/**
 * Lambda's error document for anything a handler throws, rejects with or passes to its callback:
 * errors keep name, message and stack lines; other values report their `typeof` and `toString()`.
 */
export function toLambdaError(error: unknown): LambdaError {
  try {
    if (types.isNativeError(error) || looksLikeError(error)) {
      const e = error as Error
      return {
        errorType: String(e.name),
        errorMessage: String(e.message),
        stackTrace: typeof e.stack === 'string' ? e.stack.split('\n') : [],
      }
    }
    return { errorType: typeof error, errorMessage: String(error), stackTrace: [] }
  } catch {
    return {
      errorType: 'handled',
      errorMessage:
        'callback called with Error argument, but there was a problem while retrieving one or more of its message, name, and stack',
      stackTrace: [],
    }
  }
}

/** `invoke` named a function the pool does not have (Lambda's ResourceNotFoundException). */
export class FunctionNotFoundError extends Error {
  constructor(readonly functionName: string) {
    super(`Function not found: ${functionName}`)
    this.name = 'FunctionNotFoundError'
  }
}

/** `invoke` after `close()`. */
export class PoolClosedError extends Error {
  constructor() {
    super('The function pool is closed')
    this.name = 'PoolClosedError'
  }
}

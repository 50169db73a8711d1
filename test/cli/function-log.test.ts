import { describe, expect, it } from 'vitest'
import { describeLambdaError } from '../../src/cli/function-log.ts'

describe('describeLambdaError: one line for the terminal', () => {
  it.each([
    ['Runtime.UserCodeSyntaxError', 'Unexpected "}"'],
    ['Runtime.ImportModuleError', 'Could not resolve "./missing.ts"'],
  ])(
    'puts the place a handler failed to compile (%s) first, relative to the working directory',
    (type, text) => {
      const error = { errorType: type, errorMessage: `/work/app/functions/p.ts:3:1: ${text}`, stackTrace: [] }
      expect(describeLambdaError(error, '/work/app')).toBe(`functions/p.ts:3:1: ${type}: ${text}`)
    },
  )

  it('keeps the Node.js runtime message of a missing handler file as it is', () => {
    const error = {
      errorType: 'Runtime.ImportModuleError',
      errorMessage: "Error: Cannot find module '/work/app/functions/p.ts'",
      stackTrace: [],
    }
    expect(describeLambdaError(error, '/work/app')).toBe(
      "Runtime.ImportModuleError: Error: Cannot find module '/work/app/functions/p.ts'",
    )
  })
})

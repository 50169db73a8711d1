import type { FunctionLog } from '../contracts/functions.ts'
import type { LambdaError } from '../functions/workers/protocol.ts'
import { describeText, formatLoadFailure } from '../util/source-location.ts'

/**
 * The runtime logs a failed invocation as Lambda writes it to CloudWatch: `Invoke Error`, a tab
 * and the error document as JSON, stack included (`Init Error` for a handler that does not
 * load). That is right for the dashboard's log view; a terminal wants one readable line.
 */
const LAMBDA_ERROR = /^(Init Error|Invoke Error) \t(\{[\s\S]*\})$/
const UNCAUGHT = /^Uncaught Exception \t([\s\S]*)$/

/**
 * One line for a Lambda error: `file:line:column: Type: message`, the place being the first
 * frame in user code (the handler, or a module it imports).
 *
 * @example
 * describeLambdaError({ errorType: 'TypeError', errorMessage: 'x is undefined', stackTrace }) // 'functions/p.ts:12:5: TypeError: x is undefined'
 */
export function describeLambdaError(error: LambdaError, cwd = process.cwd()): string {
  const failure = describeText(error.errorMessage, error.stackTrace.join('\n'), undefined)
  // A handler that does not compile names the place first (src/functions/workers/compile.ts).
  const placed =
    error.errorType === 'Runtime.UserCodeSyntaxError' || error.errorType === 'Runtime.ImportModuleError'
      ? /^(\/.+?|[A-Za-z]:\\.+?):(\d+):(\d+): ([\s\S]*)$/.exec(error.errorMessage)
      : null
  const location = placed
    ? { file: placed[1]!, line: Number(placed[2]), column: Number(placed[3]) }
    : failure.location
  const text = placed ? placed[4]! : error.errorMessage
  const typed = error.errorType && error.errorType !== 'string' ? `${error.errorType}: ${text}` : text
  return formatLoadFailure({ message: firstLine(typed), location }, cwd)
}

function firstLine(text: string): string {
  const lines = text.split('\n')
  return lines.length > 1 ? `${lines[0]} …` : text
}

/** Formats handler output and runtime errors for the terminal. */
export class FunctionLogPrinter {
  #hinted = false

  constructor(
    private readonly verbose: boolean,
    private readonly write: (stream: 'out' | 'err', text: string) => void,
  ) {}

  print(log: FunctionLog): void {
    const stream = log.level === 'error' || log.level === 'warn' ? 'err' : 'out'
    const prefix = `[${log.functionName}] `
    for (const line of this.lines(log.message)) this.write(stream, `${prefix}${line}\n`)
  }

  lines(message: string): string[] {
    const lambda = LAMBDA_ERROR.exec(message)
    if (lambda) {
      let error: LambdaError
      try {
        error = JSON.parse(lambda[2]!) as LambdaError
      } catch {
        return message.split('\n')
      }
      return [`${lambda[1]}: ${describeLambdaError(error)}`, ...this.stack(error.stackTrace)]
    }
    const uncaught = UNCAUGHT.exec(message)
    if (uncaught) {
      const stack = uncaught[1]!.split('\n')
      const failure = describeText(stack[0] ?? '', uncaught[1]!, undefined)
      return [`Uncaught Exception: ${formatLoadFailure(failure)}`, ...this.stack(stack.slice(1))]
    }
    return message.split('\n')
  }

  #stackHint(): string[] {
    if (this.#hinted) return []
    this.#hinted = true
    return ['  (stack traces: tributary dev --verbose)']
  }

  private stack(frames: string[]): string[] {
    const at = frames.filter((f) => /^\s*at /.test(f))
    if (at.length === 0) return []
    return this.verbose ? at.map((f) => `  ${f.trim()}`) : this.#stackHint()
  }
}

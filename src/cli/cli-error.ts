/** A user-facing CLI failure: printed as one line plus a hint, exit code 1 (or `exitCode`). */
export class CliError extends Error {
  override readonly name = 'CliError'
  constructor(
    message: string,
    readonly hint?: string,
    readonly exitCode = 1,
  ) {
    super(message)
  }
}

export function printError(error: unknown): number {
  if (error instanceof CliError) {
    process.stderr.write(`tributary: error: ${error.message}\n`)
    if (error.hint) process.stderr.write(`  hint: ${error.hint}\n`)
    return error.exitCode
  }
  const e = error as Error
  process.stderr.write(`tributary: error: ${e?.message ?? String(error)}\n`)
  if (process.env.TRIBUTARY_DEBUG || process.argv.includes('--verbose'))
    process.stderr.write(`${e?.stack ?? ''}\n`)
  else process.stderr.write('  hint: run it again with --verbose for the stack trace\n')
  return 1
}

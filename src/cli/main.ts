import { readFileSync } from 'node:fs'
import { Command, CommanderError } from 'commander'
import { alarmsCommand } from './alarms.ts'
import { printError } from './cli-error.ts'
import { deployCommand } from './deploy.ts'
import { destroyCommand } from './destroy.ts'
import { devCommand } from './dev.ts'
import { diffCommand } from './diff.ts'
import { faultCommand } from './fault.ts'
import { initCommand } from './init.ts'
import { produceCommand } from './produce.ts'
import { queryCommand } from './query.ts'
import { resetCommand } from './reset.ts'
import { serveCommand } from './serve.ts'
import { sqlCommand } from './sql.ts'
import { synthCommand } from './synth.ts'
import { tailCommand } from './tail.ts'

// The AWS SDK warns about future Node versions on every load; it is noise for a local tool.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true'

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
  version: string
}

/** Commander's own errors ("error: option ... is invalid") in the CLI's one-line-plus-hint form. */
const output = { outputError: (text: string, write: (s: string) => void) => write(`tributary: ${text}`) }

export function buildProgram(): Command {
  const program = new Command('tributary')
    .description('A durable, real-time streaming data pipeline on one machine, with AWS Kinesis semantics.')
    .version(pkg.version)
    .option('--verbose', 'stack traces with errors (also after the command: tributary dev --verbose)')
    .configureOutput(output)
    .showHelpAfterError('  hint: run `tributary --help` for usage')
    .exitOverride()
  program.addCommand(initCommand())
  program.addCommand(devCommand())
  program.addCommand(serveCommand())
  program.addCommand(produceCommand())
  program.addCommand(queryCommand())
  program.addCommand(sqlCommand())
  program.addCommand(tailCommand())
  program.addCommand(faultCommand())
  program.addCommand(alarmsCommand())
  program.addCommand(resetCommand())
  program.addCommand(synthCommand())
  program.addCommand(diffCommand())
  program.addCommand(deployCommand())
  program.addCommand(destroyCommand())
  for (const command of program.commands) {
    command
      .exitOverride()
      .configureOutput(output)
      .showHelpAfterError(`  hint: run \`tributary ${command.name()} --help\` for usage`)
  }
  return program
}

async function main(argv: string[]): Promise<void> {
  try {
    await buildProgram().parseAsync(argv)
  } catch (error) {
    if (error instanceof CommanderError) {
      // Commander already printed the message (or the help/version text).
      process.exit(error.exitCode)
    }
    process.exit(printError(error))
  }
}

await main(process.argv)

import { existsSync } from 'node:fs'
import { resolve } from 'node:path'
import { createInterface } from 'node:readline/promises'
import { Command } from 'commander'
import { dataDirHolder, isDataDir, removeDataDir } from '../storage/data-dir.ts'
import { CliError } from './cli-error.ts'
import { loadForCommand } from './pipeline-arg.ts'
import { dataDirOption, type StateDir, shown, stateDirOf } from './state-dir.ts'

interface ResetOptions {
  dataDir?: string
  yes?: boolean
}

export function resetCommand(): Command {
  return new Command('reset')
    .description(
      "Delete a pipeline's state: streams, queues, tables, alarms, metric history, checkpoints, " +
        'the lake and the e-mail outbox. Asks first (or pass --yes).',
    )
    .argument('[pipeline]', 'the pipeline file, or a directory holding tributary.config.ts', '.')
    .addOption(dataDirOption('the data directory to delete'))
    .option('-y, --yes', 'delete without asking')
    .action(async (file: string, options: ResetOptions) => {
      await reset(file, options)
    })
}

async function stateToReset(file: string, options: ResetOptions): Promise<{ state: StateDir; what: string }> {
  if (options.dataDir !== undefined) {
    const state = stateDirOf('', options.dataDir)
    return { state, what: `the state in ${shown(state.dir)}` }
  }
  const loaded = await loadForCommand(file, 'pass --data-dir <dir> to name the directory to delete')
  const state = stateDirOf(loaded.pipeline.name, undefined)
  return { state, what: `the state of pipeline '${loaded.pipeline.name}' in ${shown(state.dir)}` }
}

async function confirm(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stdout })
  try {
    return /^y(es)?$/i.test((await rl.question(question)).trim())
  } finally {
    rl.close()
  }
}

async function reset(file: string, options: ResetOptions): Promise<void> {
  const { state, what } = await stateToReset(file, options)
  const dir = state.dir
  if (!existsSync(dir)) {
    process.stdout.write(`tributary: nothing to reset: no state at ${shown(dir)}\n`)
    return
  }
  if (!isDataDir(dir))
    throw new CliError(
      `${shown(dir)} is not a Tributary data directory (it has no state.db); nothing was deleted`,
      'check the path given to --data-dir',
    )
  const holder = dataDirHolder(dir)
  if (holder !== undefined)
    throw new CliError(`${shown(dir)} is in use by process ${holder}`, 'stop that tributary (Ctrl+C) first')
  if (!options.yes) {
    if (!process.stdin.isTTY)
      throw new CliError(
        `not deleting ${what} without asking, and there is no terminal to ask on`,
        'pass --yes to delete without asking',
      )
    const question =
      `Delete ${what}? Streams, queues, tables, alarms, metric history, checkpoints, ` +
      'lake files and the outbox go. [y/N] '
    if (!(await confirm(question))) {
      process.stdout.write('tributary: nothing deleted\n')
      return
    }
  }
  const { removed, kept } = removeDataDir(dir)
  process.stdout.write(`tributary: deleted ${what} (${removed.join(', ')})\n`)
  if (kept.length > 0)
    process.stdout.write(
      `tributary: kept what is not a pipeline's state in ${shown(resolve(dir))}: ${kept.join(', ')}\n`,
    )
}

import { existsSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { Command, Option } from 'commander'
import { alarmHistory, listAlarms } from '../monitor/alarms/alarm-store.ts'
import { StateStore } from '../storage/state/state-store.ts'
import { CliError } from './cli-error.ts'
import { pipelineAndState } from './pipeline-arg.ts'
import { dataDirOption, knownDataDirs, shown } from './state-dir.ts'

interface AlarmsOptions {
  dataDir?: string
  history?: string
  json?: boolean
}

const COLORS: Record<string, string> = { ALARM: '\x1b[31m', OK: '\x1b[32m', INSUFFICIENT_DATA: '\x1b[90m' }

export function alarmsCommand(): Command {
  return new Command('alarms')
    .description('Show alarm states (or one alarm’s history) from a data directory; works while `dev` runs.')
    .argument(
      '[pipeline]',
      'the pipeline file (or its directory) whose alarms to show (default: the one here)',
    )
    .addOption(dataDirOption('the data directory to read'))
    .addOption(new Option('--history <alarm>', 'print the state changes of one alarm, newest first'))
    .option('--json', 'print JSON')
    .action((file: string | undefined, options: AlarmsOptions) => alarms(file, options))
}

function when(ms: number): string {
  return new Date(ms)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, 'Z')
}

async function alarms(pipelineFile: string | undefined, options: AlarmsOptions): Promise<void> {
  // Given a data directory and no pipeline, the pipeline here is not needed (nor loaded).
  const { state } =
    options.dataDir !== undefined && pipelineFile === undefined
      ? { state: { dir: resolve(options.dataDir), derived: false } }
      : await pipelineAndState(pipelineFile, options.dataDir, 'alarms')
  const file = join(state.dir, 'state.db')
  if (!existsSync(file)) {
    const known = knownDataDirs()
    throw new CliError(
      `no data directory at ${shown(state.dir)}`,
      state.derived || known.length === 0
        ? 'start `tributary dev` first, or pass --data-dir'
        : `data directories here: ${known.join(', ')}`,
    )
  }
  const store = StateStore.open(file)
  try {
    const color = process.stdout.isTTY
      ? (state: string) => `${COLORS[state] ?? ''}${state}\x1b[0m`
      : (s: string) => s
    if (options.history) {
      const items = alarmHistory(store, options.history)
      if (options.json) return void process.stdout.write(`${JSON.stringify(items, null, 2)}\n`)
      if (items.length === 0)
        throw new CliError(
          `no history for alarm '${options.history}'`,
          'run `tributary alarms` to list alarms',
        )
      for (const h of items)
        process.stdout.write(
          `${when(h.timestamp)}  ${h.oldState ?? '-'} → ${color(h.newState ?? '-')}  ${h.reason ?? h.summary}\n`,
        )
      return
    }
    const list = listAlarms(store)
    if (options.json) return void process.stdout.write(`${JSON.stringify(list, null, 2)}\n`)
    if (list.length === 0) {
      process.stdout.write('no alarms (declare them under `alarms` in the pipeline)\n')
      return
    }
    const width = Math.max(...list.map((a) => a.name.length))
    for (const a of list)
      process.stdout.write(
        `${a.name.padEnd(width)}  ${color(a.state.padEnd(17))}  since ${when(a.updatedAt)}  ${a.reason}\n`,
      )
  } finally {
    store.close()
  }
}

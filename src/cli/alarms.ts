import { existsSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { Command, Option } from 'commander'
import { alarmHistory, listAlarms } from '../monitor/alarms/alarm-store.ts'
import { StateStore } from '../storage/state/state-store.ts'
import { CliError } from './cli-error.ts'

interface AlarmsOptions {
  dataDir: string
  history?: string
  json?: boolean
}

const COLORS: Record<string, string> = { ALARM: '\x1b[31m', OK: '\x1b[32m', INSUFFICIENT_DATA: '\x1b[90m' }

export function alarmsCommand(): Command {
  return new Command('alarms')
    .description('Show alarm states (or one alarm’s history) from a data directory; works while `dev` runs.')
    .addOption(new Option('-d, --data-dir <dir>', 'the data directory').default('./.tributary'))
    .addOption(new Option('--history <alarm>', 'print the state changes of one alarm, newest first'))
    .option('--json', 'print JSON')
    .action((options: AlarmsOptions) => alarms(options))
}

function when(ms: number): string {
  return new Date(ms)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, 'Z')
}

function alarms(options: AlarmsOptions): void {
  const file = join(resolve(options.dataDir), 'state.db')
  if (!existsSync(file))
    throw new CliError(
      `no data directory at ${options.dataDir}`,
      'pass --data-dir, or start `tributary dev` first',
    )
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

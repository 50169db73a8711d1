import { type FSWatcher, watch } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { Command, Option } from 'commander'
import { parsePattern } from '../functions/filter.ts'
import { parseSchedule } from '../functions/schedules/index.ts'
import type { FunctionLog } from '../functions/types.ts'
import { DEFAULT_PIPELINE_FILE, type LoadedPipeline, loadPipeline } from '../pipeline/load.ts'
import { PipelineError, type ValidationHooks } from '../pipeline/validate.ts'
import { PipelineRuntime } from '../runtime/pipeline-runtime.ts'
import { DataDirInUseError } from '../storage/data-dir.ts'
import type { SyncPolicy } from '../storage/log/shard-log.ts'
import { stderrLogger } from '../util/logger.ts'
import { dashboardFor } from '../web/attach.ts'
import { CliError } from './cli-error.ts'
import { corsOriginOption } from './cors-option.ts'
import { parseNonNegative, parsePort, parseSync } from './options.ts'
import { renderSummary } from './summary.ts'

interface DevOptions {
  port: number
  host: string
  dataDir: string
  sync: SyncPolicy
  summary: number
  watch: boolean
  fireSchedules: boolean
  monitor: boolean
  corsOrigin: string[]
}

export const pipelineHooks: ValidationHooks = {
  checkSchedule: (expression) => {
    parseSchedule(expression)
  },
  checkFilterPattern: (pattern) => {
    parsePattern(pattern)
  },
}

export function devCommand(): Command {
  return new Command('dev')
    .description(
      'Run a pipeline locally: streams, functions, mappings, queues, topics, tables, schedules, ' +
        'delivery streams, buckets and alarms, with the dashboard on the same port.',
    )
    .argument('[pipeline]', 'the pipeline file', DEFAULT_PIPELINE_FILE)
    .addOption(new Option('-p, --port <port>', 'port of the Kinesis API').default(4567).argParser(parsePort))
    .addOption(
      new Option('--host <host>', 'interface to bind (loopback only: use serve for more)').default(
        '127.0.0.1',
      ),
    )
    .addOption(new Option('-d, --data-dir <dir>', 'where streams and state live').default('./.tributary'))
    .addOption(
      new Option('--sync <policy>', 'always (fsync before ack), interval:<ms>, or os')
        .default({ mode: 'always' }, 'always')
        .argParser(parseSync),
    )
    .addOption(
      new Option('--summary <seconds>', 'print the live summary every N seconds (0: never)')
        .default(10)
        .argParser(parseNonNegative),
    )
    .option('--no-watch', 'do not reload handlers and the pipeline file when they change')
    .option('--no-monitor', 'no metric store, alarms or dashboard (to measure what they cost)')
    .addOption(corsOriginOption())
    .option(
      '--fire-schedules',
      'run every schedule once at start, without waiting for its first period',
      false,
    )
    .action(async (file: string, options: DevOptions) => {
      await dev(file, options)
    })
}

function printLog(log: FunctionLog): void {
  const stream = log.level === 'error' || log.level === 'warn' ? process.stderr : process.stdout
  for (const line of log.message.split('\n')) stream.write(`[${log.functionName}] ${line}\n`)
}

async function load(file: string): Promise<LoadedPipeline> {
  try {
    return await loadPipeline(file, pipelineHooks)
  } catch (error) {
    if (error instanceof PipelineError) throw new CliError(error.message, error.hint)
    throw error
  }
}

async function dev(file: string, options: DevOptions): Promise<void> {
  if (!['127.0.0.1', 'localhost', '::1'].includes(options.host)) {
    throw new CliError(
      `dev listens on loopback only (got --host ${options.host})`,
      'use tributary serve with --auth to expose the API',
    )
  }
  const loaded = await load(file)
  let runtime: PipelineRuntime
  try {
    runtime = await PipelineRuntime.start({
      pipeline: loaded,
      dataDir: resolve(options.dataDir),
      sync: options.sync,
      logger: stderrLogger,
      onLog: printLog,
      serve: {
        host: options.host,
        port: options.port,
        corsOrigins: [...(loaded.pipeline.server?.corsOrigins ?? []), ...options.corsOrigin],
      },
      monitor: options.monitor,
      routes: options.monitor ? dashboardFor : undefined,
    })
  } catch (error) {
    const e = error as NodeJS.ErrnoException
    if (e.code === 'EADDRINUSE')
      throw new CliError(
        `port ${options.port} is already in use`,
        'stop the other process or pass --port <n>',
      )
    if (error instanceof DataDirInUseError)
      throw new CliError(error.message, 'stop the other tributary, or pass --data-dir')
    throw error
  }
  const p = loaded.pipeline
  process.stdout.write(
    [
      `Tributary is running pipeline '${p.name}' from ${relative(process.cwd(), loaded.file)}`,
      options.monitor ? `  Dashboard:   ${runtime.server!.url}/ui/` : '  Dashboard:   off (--no-monitor)',
      `  Kinesis API: ${runtime.server!.url}   (also Firehose)   data: ${resolve(options.dataDir)}`,
      `  ${Object.keys(p.streams).length} streams · ${Object.keys(p.functions).length} functions · ${p.mappings.length} mappings · ` +
        `${Object.keys(p.queues).length} queues · ${Object.keys(p.topics).length} topics · ${Object.keys(p.tables).length} tables · ` +
        `${Object.keys(p.schedules).length} schedules · ${Object.keys(p.deliveries).length} deliveries · ` +
        `${Object.keys(p.buckets).length} buckets · ${Object.keys(p.alarms).length} alarms`,
      options.watch
        ? '  Watching the pipeline and handler files for changes. Ctrl+C stops.'
        : '  Ctrl+C stops.',
      '',
    ].join('\n'),
  )
  if (options.fireSchedules) {
    await runtime.ready()
    for (const name of Object.keys(p.schedules)) await runtime.fireSchedule(name)
  }
  const summary =
    options.summary > 0
      ? setInterval(
          () => process.stdout.write(`${renderSummary(runtime, new Date())}\n`),
          options.summary * 1000,
        )
      : undefined
  const watcher = options.watch ? watchFiles(runtime, loaded) : undefined

  let stopping = false
  const stop = async () => {
    if (stopping) process.exit(130)
    stopping = true
    if (summary) clearInterval(summary)
    watcher?.close()
    await runtime.close()
    process.stdout.write('tributary: stopped cleanly\n')
    process.exit(0)
  }
  process.on('SIGINT', () => void stop())
  process.on('SIGTERM', () => void stop())
}

/**
 * Reloads a function when its handler file changes, and the whole pipeline (functions, mappings,
 * schedules; never streams) when the pipeline file changes. A broken change is reported in one
 * line and the running version stays. Directories are watched, not files, so a save that
 * replaces the file (write to a temp file, rename over) is seen too; after the pipeline file
 * changes, the handler files of the new definition are the ones watched.
 */
function watchFiles(runtime: PipelineRuntime, initial: LoadedPipeline): { close(): void } {
  const timers = new Map<string, NodeJS.Timeout>()
  const debounce = (key: string, fn: () => Promise<void>) => {
    clearTimeout(timers.get(key))
    timers.set(
      key,
      setTimeout(() => {
        fn().catch((error) => process.stderr.write(`tributary: error: ${(error as Error).message}\n`))
      }, 100),
    )
  }
  const reloadPipeline = async () => {
    let next: LoadedPipeline
    try {
      next = await loadPipeline(initial.file, pipelineHooks)
    } catch (error) {
      process.stderr.write(`tributary: error: ${(error as Error).message} (keeping the running pipeline)\n`)
      return
    }
    await runtime.reconfigure(next)
    follow(next)
    process.stdout.write(`tributary: reloaded ${relative(process.cwd(), initial.file)}\n`)
  }
  /** Watched file → what its change does. */
  let actions = new Map<string, () => Promise<void>>()
  const dirs = new Map<string, FSWatcher>()
  const follow = (pipeline: LoadedPipeline) => {
    const byFile = new Map<string, string[]>()
    for (const fn of pipeline.functions) byFile.set(fn.file, [...(byFile.get(fn.file) ?? []), fn.name])
    actions = new Map([[resolve(initial.file), reloadPipeline]])
    for (const [file, names] of byFile) {
      if (actions.has(resolve(file))) continue
      actions.set(resolve(file), async () => {
        for (const name of names) {
          await runtime.reloadFunction(name)
          process.stdout.write(`tributary: reloaded function ${name}\n`)
        }
      })
    }
    const wanted = new Set([...actions.keys()].map((f) => dirname(f)))
    for (const [dir, watcher] of dirs) {
      if (wanted.has(dir)) continue
      watcher.close()
      dirs.delete(dir)
    }
    for (const dir of wanted) {
      if (dirs.has(dir)) continue
      try {
        dirs.set(
          dir,
          watch(dir, (_event, name) => {
            const file = name ? join(dir, name.toString()) : undefined
            const action = file ? actions.get(file) : undefined
            if (file && action) debounce(file, action)
          }),
        )
      } catch {
        // A directory that vanished: its files are reported when the pipeline is next loaded.
      }
    }
  }
  follow(initial)
  return {
    close() {
      for (const watcher of dirs.values()) watcher.close()
      for (const timer of timers.values()) clearTimeout(timer)
    },
  }
}

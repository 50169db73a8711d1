import { relative } from 'node:path'
import { Command, type Command as CommandType, Option } from 'commander'
import { describeFault } from '../faults/injector.ts'
import type { LoadedPipeline } from '../pipeline/load.ts'
import { kindsInWords, sectionCounts } from '../pipeline/resources.ts'
import { PipelineRuntime } from '../pipeline/runtime.ts'
import { DataDirInUseError } from '../storage/data-dir.ts'
import type { SyncPolicy } from '../storage/log/shard-log.ts'
import { type Logger, stderrLogger } from '../util/logger.ts'
import { dashboardFor } from '../web/attach.ts'
import { CliError } from './cli-error.ts'
import { corsOriginOption } from './cors-option.ts'
import { handleStopSignals } from './dev-stop.ts'
import { watchFiles } from './dev-watch.ts'
import { FunctionLogPrinter } from './function-log.ts'
import { parsePort, parseSeconds, parseSync, shardLimitsOption } from './options.ts'
import { loadForCommand } from './pipeline-arg.ts'
import { dataDirOption, legacyStateNotice, type StateDir, shown, stateDirOf } from './state-dir.ts'
import { SummaryPrinter } from './summary.ts'

interface DevOptions {
  port: number
  host: string
  dataDir?: string
  sync: SyncPolicy
  shardLimits: boolean
  summary: number
  watch: boolean
  fireSchedules: boolean
  monitor: boolean
  corsOrigin: string[]
  verbose?: boolean
}

export function devCommand(): Command {
  return new Command('dev')
    .description(`Run a pipeline locally: ${kindsInWords()}, with the dashboard on the same port.`)
    .argument('[pipeline]', 'the pipeline file, or a directory holding tributary.config.ts', '.')
    .addOption(new Option('-p, --port <port>', 'port of the Kinesis API').default(4567).argParser(parsePort))
    .addOption(
      new Option('--host <host>', 'interface to bind (loopback only: use serve for more)').default(
        '127.0.0.1',
      ),
    )
    .addOption(dataDirOption())
    .addOption(
      new Option('--sync <policy>', 'always (fsync before ack), interval:<ms>, or os')
        .default({ mode: 'always' }, 'always')
        .argParser(parseSync),
    )
    .addOption(shardLimitsOption())
    .addOption(
      new Option('--summary <seconds>', 'print the live summary every N seconds when it changed (0: never)')
        .default(10)
        .argParser(parseSeconds),
    )
    .option('--no-watch', 'do not reload handlers and the pipeline file when they change')
    .option('--no-monitor', 'no metric store, alarms or dashboard (to measure what they cost)')
    .addOption(corsOriginOption())
    .option(
      '--fire-schedules',
      'run every schedule once at start, without waiting for its first period',
      false,
    )
    .action(async (file: string, options: DevOptions, command: CommandType) => {
      await dev(file, { ...options, verbose: command.optsWithGlobals().verbose === true })
    })
}

/**
 * The runtime's notes while it starts (where e-mail goes without SMTP, say) are information, not
 * trouble: they are held and printed under the banner. Warnings and errors go out at once.
 */
function startupLogger(): Logger & { release(): string[] } {
  let held: string[] | undefined = []
  const cwd = `${process.cwd()}/`
  return {
    info: (m) => (held ? held.push(m.replaceAll(cwd, './')) : stderrLogger.info(m)),
    warn: (m) => stderrLogger.warn(m),
    error: (m) => stderrLogger.error(m),
    release() {
      const notes = held ?? []
      held = undefined
      return notes
    },
  }
}

async function start(loaded: LoadedPipeline, state: StateDir, options: DevOptions, logger: Logger) {
  const printer = new FunctionLogPrinter(options.verbose === true, (stream, text) =>
    (stream === 'err' ? process.stderr : process.stdout).write(text),
  )
  try {
    return await PipelineRuntime.start({
      pipeline: loaded,
      dataDir: state.dir,
      sync: options.sync,
      shardLimits: options.shardLimits,
      logger,
      onLog: (log) => printer.print(log),
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
}

function banner(runtime: PipelineRuntime, loaded: LoadedPipeline, state: StateDir, options: DevOptions) {
  const p = loaded.pipeline
  const counts = sectionCounts(p).join(' · ') || 'no resources yet'
  const file = relative(process.cwd(), loaded.file)
  return [
    `Tributary is running pipeline '${p.name}' from ${file}`,
    options.monitor ? `  Dashboard:   ${runtime.server!.url}/ui/` : '  Dashboard:   off (--no-monitor)',
    `  AWS APIs:    ${runtime.server!.url}   (Kinesis, Firehose, S3, DynamoDB, SQS, SNS, CloudWatch, Logs; AWS_ENDPOINT_URL)`,
    ...(Object.keys(p.searchIndexes ?? {}).length > 0
      ? [`  OpenSearch:  ${runtime.server!.url}/_opensearch`]
      : []),
    `  State:       ${shown(state.dir)}   (tributary reset ${file} deletes it)`,
    options.shardLimits
      ? "  Shards:      AWS's throughput limits per shard (--shard-limits off lifts them)"
      : '  Shards:      no throughput limits (--shard-limits off)',
    `  ${counts}`,
  ]
}

async function dev(file: string, options: DevOptions): Promise<void> {
  if (!['127.0.0.1', 'localhost', '::1'].includes(options.host)) {
    throw new CliError(
      `dev listens on loopback only (got --host ${options.host})`,
      'use tributary serve with --auth to expose the API',
    )
  }
  const loaded = await loadForCommand(file)
  const state = stateDirOf(loaded.pipeline.name, options.dataDir)
  const logger = startupLogger()
  const runtime = await start(loaded, state, options, logger)
  const cleanups: (() => void)[] = []
  handleStopSignals(
    runtime,
    () => {
      for (const cleanup of cleanups) cleanup()
    },
    (text) => process.stdout.write(text),
  )
  // A producer started when the banner appears must find its streams: not CREATING any more.
  await runtime.ready()
  const lines = banner(runtime, loaded, state, options)
  for (const note of logger.release()) lines.push(`  ${note}`)
  const notice = legacyStateNotice(state)
  if (notice) lines.push(`  ${notice}`)
  lines.push(
    options.watch
      ? '  Watching the pipeline and handler files for changes. Ctrl+C stops.'
      : '  Ctrl+C stops.',
    '',
  )
  process.stdout.write(lines.join('\n'))
  // Injected faults are visible while active: a line when one is added or cleared.
  const unwatch = runtime.engine.faults.onChange((change) => {
    if ('added' in change) process.stdout.write(`tributary: fault ${describeFault(change.added)}\n`)
    else if ('expired' in change)
      process.stdout.write(`tributary: fault ${change.expired.id} expired (${change.expired.hits} hit)\n`)
    else
      for (const f of change.cleared)
        process.stdout.write(`tributary: fault ${f.id} cleared (${f.hits} hit)\n`)
  })
  cleanups.push(unwatch)
  if (options.fireSchedules)
    for (const name of Object.keys(loaded.pipeline.schedules)) await runtime.fireSchedule(name)
  if (options.summary > 0) {
    const summary = new SummaryPrinter(Date.now())
    const timer = setInterval(() => {
      let text: string | undefined
      try {
        text = summary.render(runtime, new Date())
      } catch {
        // The pipeline is being rebuilt after an edit: the next tick has it.
        return
      }
      if (text) process.stdout.write(`${text}\n`)
    }, options.summary * 1000)
    cleanups.push(() => clearInterval(timer))
  }
  if (options.watch) {
    const watcher = watchFiles(runtime, loaded, {
      out: (text) => process.stdout.write(text),
      err: (text) => process.stderr.write(text),
    })
    cleanups.push(() => watcher.close())
  }
}

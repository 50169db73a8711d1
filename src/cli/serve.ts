import { isIP } from 'node:net'
import { resolve } from 'node:path'
import { Command, Option } from 'commander'
import { TributaryServer } from '../api/server.ts'
import { StreamEngine } from '../engine/engine.ts'
import { DataDirInUseError, pipelineDataDir } from '../storage/data-dir.ts'
import type { SyncPolicy } from '../storage/log/shard-log.ts'
import { stderrLogger } from '../util/logger.ts'
import { CliError } from './cli-error.ts'
import { corsOriginOption } from './cors-option.ts'
import {
  collect,
  parseAuthKeys,
  parseNonNegative,
  parsePort,
  parsePositive,
  parseSync,
  shardLimitsOption,
} from './options.ts'
import { legacyStateNotice } from './state-dir.ts'

interface ServeOptions {
  port: number
  host: string
  dataDir: string
  sync: SyncPolicy
  shardLimits: boolean
  region: string
  account: string
  auth: boolean
  authKey: string[]
  allowUnauthenticated: boolean
  allowedHost: string[]
  corsOrigin: string[]
  createStreamMs: number
  deleteStreamMs: number
  updateStreamMs: number
  shardLimit: number
  demo: boolean
}

/** `serve` runs no pipeline; its streams get a directory of their own beside the pipelines'. */
const SERVE_DATA_DIR = pipelineDataDir('serve')

function loopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || (isIP(host) === 4 && host.startsWith('127.'))
}

export function serveCommand(): Command {
  return new Command('serve')
    .description('Serve the Kinesis Data Streams API on a durable local engine.')
    .addOption(new Option('-p, --port <port>', 'port to listen on').default(4567).argParser(parsePort))
    .addOption(
      new Option(
        '--host <host>',
        'interface to bind; anything but loopback needs --auth or --allow-unauthenticated',
      ).default('127.0.0.1'),
    )
    .addOption(
      new Option('-d, --data-dir <dir>', 'where streams and state live').default(`./${SERVE_DATA_DIR}`),
    )
    .addOption(
      new Option(
        '--sync <policy>',
        'when a write is acknowledged: always (fsync first), interval:<ms>, or os',
      )
        .default({ mode: 'always' }, 'always')
        .argParser(parseSync),
    )
    .addOption(shardLimitsOption())
    .addOption(new Option('--region <region>', 'region shown in ARNs').default('us-east-1'))
    .addOption(
      new Option('--account <id>', '12-digit account id shown in ARNs and errors').default('000000000000'),
    )
    .option('--auth', 'verify SigV4 signatures against --auth-key / TRIBUTARY_AUTH_KEYS', false)
    .addOption(
      new Option('--auth-key <id:secret>', 'an accepted access key (repeatable)')
        .default([])
        .argParser(collect),
    )
    .option('--allow-unauthenticated', 'allow a non-loopback --host without --auth', false)
    .addOption(
      new Option('--allowed-host <name>', 'Host header to accept besides IPs and localhost (repeatable)')
        .default([])
        .argParser(collect),
    )
    .addOption(corsOriginOption())
    .addOption(
      new Option('--create-stream-ms <ms>', 'how long a stream stays CREATING')
        .default(500)
        .argParser(parseNonNegative),
    )
    .addOption(
      new Option('--delete-stream-ms <ms>', 'how long a stream stays DELETING')
        .default(500)
        .argParser(parseNonNegative),
    )
    .addOption(
      new Option('--update-stream-ms <ms>', 'how long a stream stays UPDATING')
        .default(500)
        .argParser(parseNonNegative),
    )
    .addOption(
      new Option('--shard-limit <n>', 'open shards allowed across all streams')
        .default(500)
        .argParser(parsePositive),
    )
    .option('--demo', 'create a stream named "demo" and print how to use it', false)
    .action(async (options: ServeOptions) => {
      await serve(options)
    })
}

async function serve(options: ServeOptions): Promise<void> {
  if (!/^\d{12}$/.test(options.account))
    throw new CliError(`--account must be 12 digits, got '${options.account}'`)
  const keys = parseAuthKeys(options.authKey, process.env.TRIBUTARY_AUTH_KEYS)
  if (options.auth && keys.size === 0) {
    throw new CliError(
      '--auth needs at least one key',
      'pass --auth-key AKID:SECRET or set TRIBUTARY_AUTH_KEYS',
    )
  }
  if (!loopback(options.host) && !options.auth && !options.allowUnauthenticated) {
    throw new CliError(
      `refusing to listen on ${options.host} without authentication`,
      'add --auth with --auth-key, or --allow-unauthenticated if the network is trusted',
    )
  }
  const dataDir = resolve(options.dataDir)
  let engine: StreamEngine
  try {
    engine = await StreamEngine.open({
      dataDir,
      sync: options.sync,
      region: options.region,
      account: options.account,
      createStreamMs: options.createStreamMs,
      deleteStreamMs: options.deleteStreamMs,
      updateStreamMs: options.updateStreamMs,
      shardLimit: options.shardLimit,
      shardLimits: options.shardLimits,
      logger: stderrLogger,
      onFatal: (error) => fatal(error),
    })
  } catch (error) {
    if (error instanceof DataDirInUseError) {
      throw new CliError(error.message, 'stop the other tributary, or pass a different --data-dir')
    }
    throw error
  }
  let server: TributaryServer
  try {
    server = await TributaryServer.start({
      engine,
      host: options.host,
      port: options.port,
      auth: options.auth ? { keys } : undefined,
      allowedHosts: options.allowedHost,
      corsOrigins: options.corsOrigin,
      logger: stderrLogger,
    })
  } catch (error) {
    await engine.close()
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'EADDRINUSE') {
      throw new CliError(
        `port ${options.port} on ${options.host} is already in use`,
        'stop the other process or pass --port <n>',
      )
    }
    if (code === 'EADDRNOTAVAIL')
      throw new CliError(`cannot bind ${options.host}: no such local address`, 'use --host 127.0.0.1')
    if (code === 'EACCES')
      throw new CliError(`not allowed to bind port ${options.port}`, 'use a port above 1023')
    throw error
  }
  if (options.demo) await ensureDemoStream(engine)
  printBanner(server.url, dataDir, options)
  const notice = legacyStateNotice({ dir: dataDir, derived: dataDir === resolve(SERVE_DATA_DIR) })
  if (notice) process.stdout.write(`  ${notice}\n`)

  fatalHandler = async (error) => {
    // Fail-stop: never keep acknowledging writes after the disk lost some. Restart recovers from
    // the log, which holds everything that was acknowledged.
    process.stderr.write(`tributary: error: stopping after a storage failure: ${error.message}\n`)
    process.stderr.write(
      '  hint: check the disk (space, I/O errors in dmesg), then restart; recovery replays the log\n',
    )
    await server.close().catch(() => undefined)
    process.exit(1)
  }
  let stopping = false
  const stop = async (signal: string) => {
    if (stopping) {
      process.stderr.write(`tributary: ${signal} again, exiting now\n`)
      process.exit(130)
    }
    stopping = true
    await server.close()
    await engine.close()
    process.stdout.write('tributary: stopped cleanly\n')
    process.exit(0)
  }
  process.on('SIGINT', () => void stop('SIGINT'))
  process.on('SIGTERM', () => void stop('SIGTERM'))
}

let fatalHandler: ((error: Error) => Promise<void>) | undefined

function fatal(error: Error): void {
  if (fatalHandler) void fatalHandler(error)
  else {
    process.stderr.write(`tributary: error: storage failure during start-up: ${error.message}\n`)
    process.exit(1)
  }
}

async function ensureDemoStream(engine: StreamEngine): Promise<void> {
  if (engine.streams().some((s) => s.state.name === 'demo')) return
  engine.createStream('demo', { shardCount: 2 })
}

function printBanner(url: string, dataDir: string, options: ServeOptions): void {
  const sync = options.sync.mode === 'interval' ? `interval:${options.sync.intervalMs}` : options.sync.mode
  const lines = [
    `Tributary is serving the Kinesis Data Streams API on ${url}`,
    `  data: ${dataDir}  (sync: ${sync}${options.sync.mode === 'always' ? ', every acknowledged record is fsynced' : ''})`,
    `  auth: ${options.auth ? 'SigV4 signatures verified' : 'any credentials accepted (add --auth to verify signatures)'}`,
    `  shard limits: ${options.shardLimits ? "on (AWS's per-shard throughput; --shard-limits off lifts them)" : 'off (--shard-limits off)'}`,
  ]
  if (options.demo) {
    const env = 'AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_REGION=us-east-1'
    lines.push(
      '',
      'A stream named "demo" (2 shards) is ready. Try it from another terminal:',
      `  export ${env}`,
      `  aws kinesis put-record --endpoint-url ${url} --stream-name demo --partition-key sensor-1 \\`,
      `      --cli-binary-format raw-in-base64-out --data '{"temperature":21.5}'`,
      `  aws kinesis list-shards --endpoint-url ${url} --stream-name demo`,
      `  aws kinesis get-shard-iterator --endpoint-url ${url} --stream-name demo \\`,
      '      --shard-id shardId-000000000000 --shard-iterator-type TRIM_HORIZON',
      '',
      'Or from code (AWS SDK v3):',
      `  new KinesisClient({ endpoint: '${url}', region: 'us-east-1' })`,
    )
  }
  lines.push('', 'Press Ctrl+C to stop.')
  process.stdout.write(`${lines.join('\n')}\n`)
}

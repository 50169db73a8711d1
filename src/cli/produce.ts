import { Command, InvalidArgumentError, Option } from 'commander'
import type { UserRecordResult } from '../producer/index.ts'
import { CliError } from './cli-error.ts'
import { parsePositive } from './options.ts'
import { readFileRecords } from './produce/file-source.ts'
import { GENERATORS, type GeneratorName, generator, prng } from './produce/generators.ts'
import { formatSummary, ProduceStats } from './produce/stats.ts'

interface ProduceOptions {
  stream: string
  endpoint: string
  rate?: number
  duration?: number
  records?: number
  batch: number
  maxOutstanding?: number
  generator: GeneratorName
  file?: string
  eventTimeField?: string
  speed: number
  partitionKey?: string
  seed?: number
  aggregate?: boolean
  json?: boolean
}

/** Fewer timer wake-ups than records: everything due within a tick is handed over together. */
const TICK_MS = 10
/**
 * How far past --duration a paced run may go handing over records that fell due within it. A run
 * only this late is timer lateness; later, the stream is holding it back (back-pressure): it stops
 * then and counts what it did not hand over, so --duration stays the time it runs.
 */
const LATE_GRACE_MS = 1000

function parseNumber(value: string): number {
  const n = Number(value)
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('expected a positive number.')
  return n
}

function parseSeed(value: string): number {
  const n = Number(value)
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff)
    throw new InvalidArgumentError('expected a whole number (0-4294967295).')
  return n
}

function parseBatch(value: string): number {
  const n = parsePositive(value)
  if (n > 500) throw new InvalidArgumentError('PutRecords takes at most 500 records.')
  return n
}

export function produceCommand(): Command {
  return new Command('produce')
    .description(
      'Put generated or replayed records on a stream at a steady rate, through the producer (tributary-pipeline/producer).',
    )
    .requiredOption('-s, --stream <name>', 'the stream to write to')
    .addOption(new Option('-e, --endpoint <url>', 'the Kinesis endpoint').default('http://127.0.0.1:4567'))
    .addOption(
      new Option(
        '-r, --rate <n>',
        'records per second (default: as fast as the stream takes them)',
      ).argParser(parseNumber),
    )
    .addOption(new Option('-d, --duration <seconds>', 'stop after this long').argParser(parseNumber))
    .addOption(new Option('-n, --records <n>', 'stop after this many records').argParser(parsePositive))
    .addOption(
      new Option('--batch <n>', 'records per PutRecords call (KPL CollectionMaxCount, 1-500)')
        .default(500)
        .argParser(parseBatch),
    )
    .addOption(
      new Option(
        '--max-outstanding <n>',
        'records buffered or in flight before producing waits (back-pressure; default 20,000)',
      ).argParser(parsePositive),
    )
    .addOption(new Option('-g, --generator <name>', 'built-in data').choices(GENERATORS).default('iot'))
    .addOption(
      new Option(
        '-f, --file <path>',
        'replay an NDJSON (.ndjson, .jsonl) or CSV (.csv, header row) file instead',
      ).conflicts('generator'),
    )
    .addOption(
      new Option(
        '--event-time-field <field>',
        'with --file: replay at the pace of this timestamp field',
      ).conflicts('rate'),
    )
    .addOption(
      new Option('--speed <x>', 'with --event-time-field: replay this many times faster')
        .default(1)
        .argParser(parseNumber),
    )
    .addOption(
      new Option(
        '-k, --partition-key <field>',
        "use this field of each record as its partition key (default: the generator's natural key; a file: a random key)",
      ),
    )
    .addOption(
      new Option(
        '--seed <n>',
        'seed of the generator (and of random partition keys): the same seed, the same records',
      ).argParser(parseSeed),
    )
    .option(
      '--aggregate',
      'KPL-aggregate records (consumers must de-aggregate: deaggregate() in tributary-pipeline/producer)',
    )
    .option('--json', 'print the summary as JSON on stdout')
    .action((options: ProduceOptions) => produce(options))
}

interface Item {
  partitionKey: string
  data: string
  eventTime?: number
}

/** How many records a run paced at `rate` has due within `duration` seconds (record i is due at i / rate). */
export function dueWithin(duration: number, rate: number, records = Number.POSITIVE_INFINITY): number {
  return Math.min(records, Math.ceil(duration * rate))
}

async function produce(options: ProduceOptions): Promise<void> {
  if (options.eventTimeField && !options.file)
    throw new CliError('--event-time-field replays a file', 'add --file <path>')
  const seed = options.seed ?? Math.floor(Math.random() * 0xffffffff)
  const { KinesisProducer } = await import('../producer/index.ts')
  const credentials = {
    accessKeyId: process.env.AWS_ACCESS_KEY_ID ?? 'tributary',
    secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY ?? 'tributary',
    ...(process.env.AWS_SESSION_TOKEN ? { sessionToken: process.env.AWS_SESSION_TOKEN } : {}),
  }
  await checkStream(options, credentials)
  const producer = new KinesisProducer({
    streamName: options.stream,
    endpoint: options.endpoint,
    credentials,
    aggregationEnabled: options.aggregate === true,
    collectionMaxCount: options.batch,
    ...(options.maxOutstanding === undefined ? {} : { maxOutstandingRecords: options.maxOutstanding }),
  })
  const items = source(options, seed)
  // The clock starts once the shard map is loaded and the client warm: records due meanwhile
  // would otherwise leave in one burst.
  await producer.ready()
  const started = performance.now()
  const startedAt = Date.now()
  const cpuAtStart = process.cpuUsage()
  const stats = new ProduceStats(started)
  let stopped = false
  const stop = () => {
    stopped = true
  }
  process.once('SIGINT', stop)
  const progress = process.stderr.isTTY && !options.json ? startProgress(stats, producer, started) : undefined
  let lastHanded = started
  let firstEventTime: number | undefined
  // One callback for every record, not a promise and a closure each: a throttled run keeps up to
  // --max-outstanding records waiting, and what each holds is the producer's memory.
  const settled = (result: UserRecordResult) => stats.settled(result)
  try {
    for (let i = 0; !stopped; i++) {
      if (options.records !== undefined && i >= options.records) break
      const next = await items.next()
      if (next.done) break
      const item = next.value
      // The schedule is absolute (started + i / rate), so timer lateness never accumulates.
      let due = started
      if (options.rate) due = started + (i * 1000) / options.rate
      else if (item.eventTime !== undefined) {
        firstEventTime ??= item.eventTime
        due = started + (item.eventTime - firstEventTime) / options.speed
      }
      // Paced: the records due within --duration, however late the timer; unpaced: until the time is up.
      if (options.duration !== undefined) {
        if (options.rate) {
          if (i >= dueWithin(options.duration, options.rate)) break
        } else if (
          (item.eventTime !== undefined ? due : performance.now()) - started >=
          options.duration * 1000
        )
          break
      }
      const now = performance.now()
      if (options.duration !== undefined && now - started >= options.duration * 1000 + LATE_GRACE_MS) {
        // Counted, not computed from times: (end - due) * rate can round one record over.
        stats.notHanded = options.rate
          ? Math.max(0, dueWithin(options.duration, options.rate, options.records) - i)
          : 0
        break
      }
      if (due > now) {
        await new Promise((resolve) => setTimeout(resolve, Math.max(TICK_MS, due - now)))
        if (stopped) break
      }
      const handedAt = performance.now()
      await producer.put({ partitionKey: item.partitionKey, data: item.data }, settled)
      lastHanded = performance.now()
      stats.handed(handedAt)
    }
    // Results are reported before flush resolves: all have been counted then.
    await producer.flush()
  } finally {
    process.off('SIGINT', stop)
    progress?.stop()
    await producer.close()
  }
  // A paced run of --duration covers exactly that window (unless it fell behind and stopped with
  // records still due); otherwise, up to the last record handed over.
  const ranFor =
    options.rate && options.duration !== undefined && !stopped && stats.notHanded === 0
      ? options.duration * 1000
      : lastHanded - started
  const summary = stats.summary(
    {
      stream: options.stream,
      endpoint: options.endpoint,
      source: options.file ? `file ${options.file}` : `generator ${options.generator}`,
      seed,
      startedAt: new Date(startedAt).toISOString(),
    },
    ranFor,
    producer.metrics(),
    (({ user, system }) => user + system)(process.cpuUsage(cpuAtStart)),
  )
  process.stdout.write(options.json ? `${JSON.stringify(summary)}\n` : `${formatSummary(summary)}\n`)
  if (summary.failed > 0) {
    const codes = Object.keys(summary.failures)
    throw new CliError(
      `${summary.failed} of ${summary.records} records failed (${codes.join(', ')})`,
      codes.includes('Expired')
        ? 'the stream did not take them within 30 s: lower --rate, or add shards'
        : 'see the error codes above; --json lists them for scripts',
    )
  }
}

/** Fails early, in one line, when the endpoint is down or the stream is missing. */
async function checkStream(
  options: ProduceOptions,
  credentials: { accessKeyId: string; secretAccessKey: string },
): Promise<void> {
  const { KinesisClient, ListShardsCommand } = await import('@aws-sdk/client-kinesis')
  const { NodeHttpHandler } = await import('@smithy/node-http-handler')
  const client = new KinesisClient({
    endpoint: options.endpoint,
    region: process.env.AWS_REGION ?? 'us-east-1',
    credentials,
    requestHandler: new NodeHttpHandler({ connectionTimeout: 5000 }),
    maxAttempts: 1,
  })
  try {
    await client.send(new ListShardsCommand({ StreamName: options.stream }))
  } catch (error) {
    const e = error as Error
    if (e.name === 'ResourceNotFoundException')
      throw new CliError(
        `stream '${options.stream}' does not exist on ${options.endpoint}`,
        'create it (a stream in the pipeline, or `aws kinesis create-stream`), or check --stream',
      )
    throw new CliError(
      `cannot reach ${options.endpoint}: ${e.message || e.name}`,
      'is `tributary dev` or `tributary serve` running? (or pass --endpoint)',
    )
  } finally {
    client.destroy()
  }
}

async function* source(options: ProduceOptions, seed: number): AsyncGenerator<Item> {
  if (options.file) {
    const random = prng(seed)
    for await (const r of readFileRecords(options.file, {
      partitionKeyField: options.partitionKey,
      eventTimeField: options.eventTimeField,
    })) {
      yield {
        partitionKey: r.partitionKey ?? `key-${Math.floor(random() * 0xffffffff).toString(16)}`,
        data: r.data,
        eventTime: r.eventTime,
      }
    }
    return
  }
  const next = generator(options.generator, seed)
  for (;;) {
    const { partitionKey, value } = next(Date.now())
    const key = options.partitionKey ? value[options.partitionKey] : undefined
    yield {
      partitionKey: key === undefined || key === null ? partitionKey : String(key),
      data: JSON.stringify(value),
    }
  }
}

function startProgress(stats: ProduceStats, producer: { outstandingRecords: number }, started: number) {
  const draw = () => {
    const seconds = (performance.now() - started) / 1000
    process.stderr.write(
      `\r\x1b[2K  ${stats.sent.toLocaleString('en-US')} sent  ${stats.failed} failed  ` +
        `${(stats.sent / Math.max(seconds, 0.001)).toFixed(0)} rec/s  p99 ${stats.percentile(99).toFixed(1)} ms  ` +
        `${producer.outstandingRecords} outstanding  ${seconds.toFixed(0)} s`,
    )
  }
  const timer = setInterval(draw, 1000)
  timer.unref()
  return {
    stop: () => {
      clearInterval(timer)
      process.stderr.write('\r\x1b[2K')
    },
  }
}

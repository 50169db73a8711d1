import type { Shard } from '@aws-sdk/client-kinesis'
import { Command, InvalidArgumentError, Option } from 'commander'
import { CliError } from './cli-error.ts'

interface TailOptions {
  endpoint: string
  from: 'latest' | 'trim-horizon'
  limit: number
  json?: boolean
}

const IDLE_POLL_MS = 250

function parseLimit(value: string): number {
  const n = Number(value)
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('expected a whole number (0: no limit).')
  return n
}

export function tailCommand(): Command {
  return new Command('tail')
    .description("Print a stream's records as they arrive (every shard, following resharding).")
    .argument('<stream>', 'the stream name')
    .addOption(new Option('-e, --endpoint <url>', 'the Kinesis endpoint').default('http://127.0.0.1:4567'))
    .addOption(
      new Option('--from <position>', 'where to start').choices(['latest', 'trim-horizon']).default('latest'),
    )
    .addOption(
      new Option('-n, --limit <n>', 'stop after N records (0: run until Ctrl+C)')
        .default(0)
        .argParser(parseLimit),
    )
    .option('--json', 'one JSON object per record')
    .action((stream: string, options: TailOptions) => tail(stream, options))
}

/** Record data as text when it is printable UTF-8, else base64 (marked). */
function show(data: Uint8Array): string {
  const text = Buffer.from(data).toString('utf8')
  // biome-ignore lint/suspicious/noControlCharactersInRegex: looking for control characters
  return text.includes('\uFFFD') || /[\u0000-\u0008\u000e-\u001f]/.test(text)
    ? `base64:${Buffer.from(data).toString('base64')}`
    : text
}

async function tail(stream: string, options: TailOptions): Promise<void> {
  // The SDK is loaded by this command only, not by every `tributary` process.
  const { GetRecordsCommand, GetShardIteratorCommand, KinesisClient, ListShardsCommand } = await import(
    '@aws-sdk/client-kinesis'
  )
  const { NodeHttpHandler } = await import('@smithy/node-http-handler')
  const client = new KinesisClient({
    endpoint: options.endpoint,
    region: process.env.AWS_REGION ?? 'us-east-1',
    credentials: {
      accessKeyId: process.env.AWS_ACCESS_KEY_ID ?? 'tributary',
      secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY ?? 'tributary',
    },
    requestHandler: new NodeHttpHandler(),
    maxAttempts: 1,
  })
  let stopped = false
  const stop = () => {
    stopped = true
  }
  process.once('SIGINT', stop)
  let printed = 0
  try {
    let shards: Shard[]
    try {
      shards = (await client.send(new ListShardsCommand({ StreamName: stream }))).Shards ?? []
    } catch (error) {
      const e = error as Error & { code?: string }
      if (e.name === 'ResourceNotFoundException')
        throw new CliError(e.message, 'list streams with `aws kinesis list-streams`')
      throw new CliError(
        `cannot reach ${options.endpoint}: ${e.message}`,
        'is `tributary dev` or `tributary serve` running?',
      )
    }
    // Open shards only at LATEST; with trim-horizon start at the roots and follow children.
    const ids = new Set(shards.map((s) => s.ShardId!))
    const start = shards.filter((s) =>
      options.from === 'latest'
        ? s.SequenceNumberRange?.EndingSequenceNumber === undefined
        : !s.ParentShardId || !ids.has(s.ParentShardId),
    )
    const iterators = new Map<string, string>()
    for (const s of start) {
      const out = await client.send(
        new GetShardIteratorCommand({
          StreamName: stream,
          ShardId: s.ShardId,
          ShardIteratorType: options.from === 'latest' ? 'LATEST' : 'TRIM_HORIZON',
        }),
      )
      iterators.set(s.ShardId!, out.ShardIterator!)
    }
    const started = new Set(iterators.keys())
    // On stderr, so stdout stays the records alone (for pipes and --json).
    const names = start.map((s) => s.ShardId!)
    process.stderr.write(
      `tributary: tailing stream '${stream}' on ${options.endpoint}: ${names.length} ${names.length === 1 ? 'shard' : 'shards'} ` +
        `(${names.join(', ')}), ${options.from === 'latest' ? 'records put from now on (LATEST)' : 'from the oldest record kept (TRIM_HORIZON)'}; ` +
        `waiting for records${options.limit > 0 ? ` (stops after ${options.limit})` : ''}, Ctrl+C stops\n`,
    )
    while (!stopped && iterators.size > 0) {
      let got = 0
      for (const [shardId, iterator] of [...iterators]) {
        const out = await client.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 1000 }))
        for (const r of out.Records ?? []) {
          got++
          const line = options.json
            ? JSON.stringify({
                shardId,
                sequenceNumber: r.SequenceNumber,
                partitionKey: r.PartitionKey,
                arrival: r.ApproximateArrivalTimestamp?.toISOString(),
                data: show(r.Data ?? new Uint8Array()),
              })
            : `${shardId}  ${r.SequenceNumber}  ${r.PartitionKey}  ${show(r.Data ?? new Uint8Array())}`
          process.stdout.write(`${line}\n`)
          if (options.limit > 0 && ++printed >= options.limit) return
        }
        if (out.NextShardIterator) iterators.set(shardId, out.NextShardIterator)
        else {
          // A closed shard read to its end: continue with its children.
          iterators.delete(shardId)
          for (const child of out.ChildShards ?? []) {
            if (started.has(child.ShardId!)) continue
            started.add(child.ShardId!)
            const it = await client.send(
              new GetShardIteratorCommand({
                StreamName: stream,
                ShardId: child.ShardId,
                ShardIteratorType: 'TRIM_HORIZON',
              }),
            )
            iterators.set(child.ShardId!, it.ShardIterator!)
          }
        }
      }
      if (got === 0 && !stopped) await new Promise((r) => setTimeout(r, IDLE_POLL_MS))
    }
  } finally {
    process.off('SIGINT', stop)
    client.destroy()
  }
}

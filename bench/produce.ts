// The produce group: `tributary produce` rate accuracy and CPU, and the producer
// (tributary-pipeline/producer) against AWS's shard limits when the server enforces them.
import { execFile, spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  CreateStreamCommand,
  GetRecordsCommand,
  type GetRecordsCommandOutput,
  GetShardIteratorCommand,
  type KinesisClient,
  ListShardsCommand,
  waitUntilStreamExists,
} from '@aws-sdk/client-kinesis'
import { KinesisProducer } from '../src/producer/index.ts'
import { makeClient } from './client.ts'
import { fix, int, mark, table } from './markdown.ts'
import { statusKiB } from './proc.ts'
import { freePort, live, ROOT, stopChild, waitForLine } from './servers.ts'

const MiB = 1024 * 1024
const WINDOW_MS = 10_000

export interface ProduceBenchResult {
  command: string
  shardLimits: boolean
  rate: {
    target: number
    /** Records per 10-s window by the stream's arrival time, full windows only. */
    arrivalWindows: number[]
    /** Records handed to the producer per 10-s window (the CLI's own count). */
    handedWindows: number[]
    worstDeviation: number
    cores: number
    sent: number
    failed: number
    p50: number
    p99: number
  }
  /** 100-byte records, aggregated, into a 1-shard stream with limits on. */
  aggregated?: {
    seconds: number
    kinesisBytesPerSec: number
    userBytesPerSec: number
    userRecordsPerSec: number
    throttled: number
  }
  /** 1,000-byte records offered at 150 % of a shard's 1,000 records/s. */
  overload?: {
    seconds: number
    offered: number
    deliveredPerSec: number
    lost: number
    failed: number
    present: number
  }
  /** Offered 10× a shard's limit for 60 s: RSS growth of the producer's process. */
  memory?: {
    seconds: number
    offeredPerSec: number
    deliveredPerSec: number
    rssStartMB: number
    rssPeakMB: number
    growthMB: number
    expired: number
  }
}

interface Server {
  endpoint: string
  client: KinesisClient
  stop(): Promise<void>
}

async function startServer(limits: boolean): Promise<Server> {
  const port = await freePort()
  const dataDir = mkdtempSync(join(tmpdir(), 'tributary-bench-produce-'))
  const args = [
    join(ROOT, 'bin/tributary.js'),
    'serve',
    ...['--port', String(port), '--data-dir', dataDir, '--create-stream-ms', '0'],
    ...(limits ? ['--shard-limits', 'on'] : []),
  ]
  const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] })
  live.add(child)
  await waitForLine(child, 'Tributary is serving')
  const endpoint = `http://127.0.0.1:${port}`
  const client = makeClient(endpoint)
  return {
    endpoint,
    client,
    async stop() {
      client.destroy()
      await stopChild(child)
      rmSync(dataDir, { recursive: true, force: true })
    },
  }
}

async function createStream(client: KinesisClient, name: string, shards: number): Promise<void> {
  await client.send(new CreateStreamCommand({ StreamName: name, ShardCount: shards }))
  await waitUntilStreamExists({ client, maxWaitTime: 60, minDelay: 0.1, maxDelay: 0.5 }, { StreamName: name })
}

/** Every record's arrival time and data, all shards, from TRIM_HORIZON. */
async function readAll(client: KinesisClient, stream: string) {
  const out: { arrival: number; data: Buffer; pk: string; seq: string }[] = []
  const shards = (await client.send(new ListShardsCommand({ StreamName: stream }))).Shards ?? []
  for (const shard of shards) {
    let iterator = (
      await client.send(
        new GetShardIteratorCommand({
          StreamName: stream,
          ShardId: shard.ShardId,
          ShardIteratorType: 'TRIM_HORIZON',
        }),
      )
    ).ShardIterator
    for (;;) {
      let page: GetRecordsCommandOutput
      try {
        page = await client.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 10_000 }))
      } catch (error) {
        // Read limits (5 calls/s per shard) when the server enforces them: wait and go on.
        if ((error as Error).name === 'ProvisionedThroughputExceededException') {
          await new Promise((r) => setTimeout(r, 250))
          continue
        }
        throw error
      }
      for (const r of page.Records ?? [])
        out.push({
          arrival: r.ApproximateArrivalTimestamp!.getTime(),
          data: Buffer.from(r.Data!),
          pk: r.PartitionKey!,
          seq: r.SequenceNumber!,
        })
      if ((page.Records ?? []).length === 0 || page.MillisBehindLatest === 0 || !page.NextShardIterator) break
      iterator = page.NextShardIterator
    }
  }
  return out
}

function runCli(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      process.execPath,
      [join(ROOT, 'bin/tributary.js'), ...args],
      { cwd: ROOT, maxBuffer: 1 << 24 },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`tributary ${args.join(' ')}: ${stderr || error.message}`))
        else resolve(stdout)
      },
    )
    live.add(child)
  })
}

async function rateCase(
  server: Server,
  log: (m: string) => void,
  seconds: number,
): Promise<ProduceBenchResult['rate']> {
  await createStream(server.client, 'rate', 4)
  const args = [
    'produce',
    '-s',
    'rate',
    '-e',
    server.endpoint,
    '--rate',
    '1000',
    '--duration',
    String(seconds),
    '-g',
    'iot',
    '--seed',
    '1',
    '--json',
  ]
  log(`produce: tributary ${args.join(' ')}`)
  const summary = JSON.parse(await runCli(args))
  const records = await readAll(server.client, 'rate')
  // Windows start when the first record was due, shifted by the median put latency (buffering
  // and the call): a record due at t arrives at about t + p50.
  const origin = Date.parse(summary.startedAt) + summary.latencyMs.p50
  const windows: number[] = []
  for (const r of records) {
    const w = Math.floor((r.arrival - origin) / WINDOW_MS)
    if (w < 0) continue
    windows[w] = (windows[w] ?? 0) + 1
  }
  const full = Array.from({ length: Math.floor(seconds / 10) }, (_, i) => windows[i] ?? 0)
  const target = 1000 * (WINDOW_MS / 1000)
  const worstDeviation = Math.max(...full.map((n) => Math.abs(n - target) / target))
  log(`produce: windows ${full.join(', ')}; CPU ${summary.cpuSeconds} s over ${summary.durationSeconds} s`)
  return {
    target: 1000,
    arrivalWindows: full,
    handedWindows: summary.windows,
    worstDeviation,
    cores: summary.cpuSeconds / summary.durationSeconds,
    sent: summary.sent,
    failed: summary.failed,
    p50: summary.latencyMs.p50,
    p99: summary.latencyMs.p99,
  }
}

function producer(
  endpoint: string,
  config: Partial<ConstructorParameters<typeof KinesisProducer>[0]>,
): KinesisProducer {
  return new KinesisProducer({
    endpoint,
    credentials: { accessKeyId: 'AKIDBENCH', secretAccessKey: 'secret' },
    ...config,
  })
}

/** Puts records as fast as back-pressure allows for `seconds`, then reports the put rate of the middle. */
async function aggregatedCase(
  server: Server,
  log: (m: string) => void,
  seconds: number,
): Promise<ProduceBenchResult['aggregated']> {
  await createStream(server.client, 'agg', 1)
  const kpl = producer(server.endpoint, { streamName: 'agg' })
  const data = Buffer.alloc(100, 'x')
  const warmupEnd = performance.now() + 5000
  let before: ReturnType<KinesisProducer['metrics']> | undefined
  let measuredFrom = 0
  const end = warmupEnd + seconds * 1000
  for (let i = 0; ; i++) {
    const now = performance.now()
    if (!before && now >= warmupEnd) {
      before = kpl.metrics()
      measuredFrom = now
    }
    if (now >= end) break
    await kpl.put({ partitionKey: `k${i % 1000}`, data })
  }
  const after = kpl.metrics()
  const s = (performance.now() - measuredFrom) / 1000
  await kpl.close()
  const r = {
    seconds: s,
    kinesisBytesPerSec: (after.KinesisRecordsDataPut - before!.KinesisRecordsDataPut) / s,
    userBytesPerSec: (after.UserRecordsDataPut - before!.UserRecordsDataPut) / s,
    userRecordsPerSec: (after.UserRecordsPut - before!.UserRecordsPut) / s,
    throttled: after.ErrorsByCode.ProvisionedThroughputExceededException ?? 0,
  }
  log(
    `produce: aggregated 100-byte records: ${int(r.kinesisBytesPerSec / 1024)} KiB/s Kinesis data, ${int(r.userRecordsPerSec)} user records/s`,
  )
  return r
}

/** Paced on absolute time: `rate` records/s of `size` bytes for `seconds`; then flushes. */
async function pacedCase(
  server: Server,
  stream: string,
  rate: number,
  size: number,
  seconds: number,
  onTick?: () => void,
) {
  await createStream(server.client, stream, 1)
  const kpl = producer(server.endpoint, { streamName: stream, aggregationEnabled: false })
  // Counters only: keeping every result would grow this process and blur the memory case.
  let acked = 0
  let failed = 0
  let expired = 0
  const start = performance.now()
  const end = start + seconds * 1000
  let i = 0
  while (performance.now() < end) {
    const due = start + (i * 1000) / rate
    const now = performance.now()
    if (due > now) await new Promise((r) => setTimeout(r, Math.max(10, due - now)))
    onTick?.()
    const data = Buffer.alloc(size, 48 + (i % 10))
    data.write(String(i).padStart(10, '0'))
    const { result } = await kpl.put({ partitionKey: `k${i % 100}`, data })
    void result.then((r) => {
      if (r.successful) {
        if (performance.now() <= end) acked++
      } else {
        failed++
        if (r.errorCode === 'Expired') expired++
      }
    })
    i++
  }
  onTick?.()
  await kpl.close()
  return { offered: i, ackedInWindow: acked, failed, expired }
}

async function overloadCase(
  server: Server,
  log: (m: string) => void,
  seconds: number,
): Promise<ProduceBenchResult['overload']> {
  const r = await pacedCase(server, 'over', 1500, 1000, seconds)
  const present = new Set(
    (await readAll(server.client, 'over')).map((x) => x.data.subarray(0, 10).toString()),
  ).size
  const out = {
    seconds,
    offered: r.offered,
    deliveredPerSec: r.ackedInWindow / seconds,
    lost: r.offered - present,
    failed: r.failed,
    present,
  }
  log(`produce: 150% offered: ${int(out.deliveredPerSec)} rec/s delivered, ${out.lost} lost`)
  return out
}

async function memoryCase(
  server: Server,
  log: (m: string) => void,
  seconds: number,
): Promise<ProduceBenchResult['memory']> {
  await createStream(server.client, 'mem', 1)
  // The producer in its own process (`tributary produce`), offered 10,000 records/s into one
  // shard that takes 1,000: its RSS is sampled from /proc every 500 ms.
  const args = [
    'produce',
    '-s',
    'mem',
    '-e',
    server.endpoint,
    '--rate',
    '10000',
    '--duration',
    String(seconds),
    '-g',
    'iot',
    '--seed',
    '2',
    '--json',
  ]
  log(`produce: tributary ${args.join(' ')}`)
  const child = spawn(process.execPath, [join(ROOT, 'bin/tributary.js'), ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  live.add(child)
  const samples: { at: number; kib: number }[] = []
  const timer = setInterval(() => {
    const kib = statusKiB(child.pid!, 'VmRSS')
    if (kib !== undefined) samples.push({ at: Date.now(), kib })
  }, 500)
  let stdout = ''
  child.stdout!.on('data', (chunk) => {
    stdout += chunk
  })
  // 'close', not 'exit': stdout is complete only once its stream has ended.
  await new Promise<void>((resolve) => child.once('close', () => resolve()))
  clearInterval(timer)
  const summary = JSON.parse(stdout)
  const started = Date.parse(summary.startedAt)
  const during = samples.filter((x) => x.at >= started + 2000)
  const start = during[0]?.kib ?? Number.NaN
  const peak = Math.max(...during.map((x) => x.kib))
  const out = {
    seconds,
    offeredPerSec: summary.records / summary.durationSeconds,
    deliveredPerSec: summary.sent / summary.durationSeconds,
    rssStartMB: start / 1024,
    rssPeakMB: peak / 1024,
    growthMB: (peak - start) / 1024,
    expired: summary.failures.Expired ?? 0,
  }
  log(
    `produce: throttled to ~10%: RSS ${fix(out.rssStartMB)} → ${fix(out.rssPeakMB)} MB, ${int(out.deliveredPerSec)} rec/s delivered`,
  )
  return out
}

export async function produceGroup(options: {
  quick: boolean
  log: (m: string) => void
}): Promise<ProduceBenchResult> {
  const { quick, log } = options
  const help = await runCli(['serve', '--help'])
  const limits = help.includes('--shard-limits')
  const rateSeconds = quick ? 20 : 60
  const server = await startServer(limits)
  try {
    const rate = await rateCase(server, log, rateSeconds)
    const result: ProduceBenchResult = {
      command: `tributary produce -s rate --rate 1000 --duration ${rateSeconds} -g iot --seed 1 --json (4-shard stream)`,
      shardLimits: limits,
      rate,
    }
    if (!limits) {
      log('produce: this server has no shard limits: the limit cases are skipped')
      return result
    }
    result.aggregated = await aggregatedCase(server, log, quick ? 10 : 20)
    result.overload = await overloadCase(server, log, quick ? 10 : 30)
    result.memory = await memoryCase(server, log, quick ? 20 : 60)
    return result
  } finally {
    await server.stop()
  }
}

export function produceSection(r: ProduceBenchResult | undefined): string[] {
  if (!r) return []
  const out = [
    '### Producer: `tributary produce` and tributary-pipeline/producer',
    '',
    `Shard limits ${r.shardLimits ? 'on (AWS’s 1 MiB/s and 1,000 records/s per shard)' : 'not available in this build'}. Rate case: \`${r.command}\`.`,
    '',
    table(
      ['case', 'result', 'target'],
      [
        [
          'records per 10-s window (stream arrival time)',
          r.rate.arrivalWindows.map(int).join(', '),
          `${mark(r.rate.worstDeviation <= 0.02)} ±2 % of ${int(r.rate.target * 10)} (worst ${fix(r.rate.worstDeviation * 100)} %)`,
        ],
        ['records handed over per 10-s window (CLI)', r.rate.handedWindows.map(int).join(', '), ''],
        ['producer CPU', `${fix(r.rate.cores)} cores`, `${mark(r.rate.cores <= 0.3)} ≤ 0.3`],
        ['put latency p50 / p99', `${fix(r.rate.p50)} / ${fix(r.rate.p99)} ms`, ''],
        ...(r.aggregated
          ? [
              [
                '100-byte records aggregated, 1 shard, limits on',
                `${fix((r.aggregated.kinesisBytesPerSec / MiB) * 100)} % of 1 MiB/s (user data ${fix((r.aggregated.userBytesPerSec / MiB) * 100)} %, ${int(r.aggregated.userRecordsPerSec)} rec/s, ${int(r.aggregated.throttled)} throttles)`,
                `${mark(r.aggregated.kinesisBytesPerSec >= 0.9 * MiB)} ≥ 90 %`,
              ],
            ]
          : []),
        ...(r.overload
          ? [
              [
                '150 % of a shard offered (1,500 × 1,000 B/s)',
                `${int(r.overload.deliveredPerSec)} rec/s delivered (${fix(r.overload.deliveredPerSec / 10)} %), ${r.overload.lost} lost`,
                `${mark(r.overload.deliveredPerSec >= 950 && r.overload.lost === 0)} ≥ 95 %, 0 lost`,
              ],
            ]
          : []),
        ...(r.memory
          ? [
              [
                `throttled to ~10 % for ${r.memory.seconds} s`,
                `tributary produce RSS ${fix(r.memory.rssStartMB)} → ${fix(r.memory.rssPeakMB)} MB (+${fix(r.memory.growthMB)} MB); 10,000 rec/s asked, ${int(r.memory.offeredPerSec)} rec/s handed over (back-pressure), ${int(r.memory.deliveredPerSec)} rec/s delivered, ${int(r.memory.expired)} expired`,
                `${mark(r.memory.growthMB <= 50)} ≤ 50 MB`,
              ],
            ]
          : []),
      ],
    ),
    '',
  ]
  return out
}

// npm run bench -- [--quick] [--only put|latency|drain|e2e|functions|delivery|monitor|aws-apis|produce|efo|analytics|search] [--cpu-prof] [--json FILE] [--tributary DIR] [--skip-h2]
//   --cpu-prof     profile the Tributary server (all its threads for functions); print top self-time
//                  functions per measured window
//   --cpu-prof-dir DIR  same, and keep the .cpuprofile files (one per group) in DIR
//   --json FILE    also write the raw results as JSON
//   --tributary DIR  run the Tributary checkout in DIR (e.g. a `git worktree` of another commit)
//   --skip-h2      leave out the put cases over HTTP/2 (run against Tributary only)
// Runs kinesalite and Tributary side by side as child processes and drives the same SDK
// workload against each from this process; the functions, delivery and monitor groups run
// `tributary dev` alone (functions also: Python and custom runtimes through the function pool,
// bench/functions-runtimes.ts); the aws-apis group runs `tributary dev` beside s3rver and dynalite.
// Progress goes to stderr, the Markdown table to stdout.
import './env.ts'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { analyticsGroup } from './analytics.ts'
import { awsApis } from './aws-apis.ts'
import { makeClient } from './client.ts'
import { type DeliveryCaseName, deliveryCase, fillDeliverySource, removeDeliverySource } from './delivery.ts'
import { efoGroup } from './efo.ts'
import { type FunctionsRun, invokeLatency, noopThroughput, warmWorkers } from './functions.ts'
import { runtimesCases } from './functions-runtimes.ts'
import { type MonitorMode, monitorCase } from './monitor.ts'
import { buildBatches } from './payload.ts'
import { produceGroup } from './produce.ts'
import { loadProfile, loadThreadProfiles, summarize } from './profile.ts'
import { putOverHttp2 } from './put-http2.ts'
import { type DrainResult, drain, type EndToEndResult, endToEnd } from './reads.ts'
import { type Pair, type Results, renderMarkdown } from './report.ts'
import { searchGroup } from './search.ts'
import { ROOT, type RunningServer, type ServerKind, startServer } from './servers.ts'
import type { WindowCpu } from './window.ts'
import { type PutCase, type PutResult, putRecordLatency, putThroughput, type Target } from './workloads.ts'

const GROUPS = [
  'put',
  'latency',
  'drain',
  'e2e',
  'functions',
  'delivery',
  'monitor',
  'aws-apis',
  'produce',
  'efo',
  'analytics',
  'search',
] as const
type Group = (typeof GROUPS)[number]
/** Groups that run kinesalite and Tributary side by side. */
type ServerGroup = Exclude<
  Group,
  'functions' | 'delivery' | 'monitor' | 'aws-apis' | 'produce' | 'efo' | 'analytics' | 'search'
>

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    only: { type: 'string' },
    'cpu-prof': { type: 'boolean', default: false },
    'cpu-prof-dir': { type: 'string' },
    json: { type: 'string' },
    tributary: { type: 'string' },
    'skip-h2': { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
})
if (args.help) {
  console.error(
    [
      'npm run bench -- [options]',
      '  --quick              shorter windows, fewer cases (about 30 s)',
      '  --only <group>       put | latency | drain | e2e | functions | delivery | monitor | aws-apis | produce | efo | analytics | search',
      '                       (efo: put → received through SubscribeToShard at 10k rec/s, EFO_RATE=n to change)',
      '                       (aws-apis: S3, DynamoDB and SQS through the SDK vs s3rver and dynalite)',
      '  --cpu-prof           profile the Tributary server (and its worker threads); print top functions',
      '  --cpu-prof-dir <dir> same, and keep the .cpuprofile files (one folder per group)',
      '  --json <file>        also write the raw results as JSON',
      '  --tributary <dir>    run the Tributary checkout in <dir> (e.g. a git worktree of another commit)',
      '  --skip-h2            leave out the put cases over HTTP/2 (Tributary only)',
    ].join('\n'),
  )
  process.exit(0)
}
if (args.only && !GROUPS.includes(args.only as Group)) {
  console.error(`--only must be one of ${GROUPS.join(', ')}`)
  process.exit(2)
}
const quick = args.quick
const settings = {
  putCases: quick
    ? [
        { shards: 1, concurrency: 4 },
        { shards: 4, concurrency: 16 },
      ]
    : [1, 4].flatMap((shards) => [1, 4, 16].map((concurrency) => ({ shards, concurrency }))),
  timing: quick ? { warmupMs: 500, measureMs: 1500 } : { warmupMs: 1000, measureMs: 4000 },
  latency: quick ? { warmup: 50, measured: 500 } : { warmup: 200, measured: 2000 },
  drainRecords: quick ? 30_000 : 100_000,
  drains: quick ? 1 : 3,
  e2eRecords: quick ? 100 : 300,
  functions: {
    // put → handler invoked at 10k rec/s, in PutRecords calls of 100 (every 10 ms) and of 25,
    // sent by the SDK and by a minimal HTTP client (the SDK's own CPU shares the 2 cores).
    latency: (quick ? [100] : [100, 25]).flatMap((perCall) =>
      (['sdk', 'minimal'] as const).map((producer) => ({
        rate: 10_000,
        perCall,
        producer,
        ...(quick ? { warmupMs: 1000, measureMs: 3000 } : { warmupMs: 2000, measureMs: 8000 }),
      })),
    ),
    noopRecords: quick ? 100_000 : 300_000,
    // Python and custom runtimes (bench/functions-runtimes.ts): empty-handler invocations after a
    // warm-up, fresh processes for the cold start.
    runtimes: quick
      ? { warmup: 20, invocations: 300, coldSamples: 3 }
      : { warmup: 50, invocations: 1000, coldSamples: 7 },
  },
  // 1 KiB JSON sensor records in a 4-shard stream, delivered from TRIM_HORIZON into the lake.
  deliveryRecords: quick ? 100_000 : 300_000,
  // 50k rec/s of 1 KiB into a 4-shard stream, without and with monitoring (A, B, A, B).
  monitor: {
    rate: 50_000,
    perCall: 500,
    ...(quick ? { warmupMs: 1000, measureMs: 4000 } : { warmupMs: 2000, measureMs: 10_000 }),
  },
  monitorOrder: ['off', 'on', 'off', 'on'] as MonitorMode[],
  // Enhanced fan-out: put → received through SubscribeToShard, 10k rec/s in calls of 100.
  efo: {
    rate: Number(process.env.EFO_RATE ?? 10_000),
    perCall: 100,
    ...(quick ? { warmupMs: 1000, measureMs: 3000 } : { warmupMs: 2000, measureMs: 10_000 }),
  },
  // S3 / DynamoDB / SQS operations, closed loop at 1 and 16 requests in flight.
  aws: {
    concurrency: [1, 16],
    timing: quick ? { warmupMs: 500, measureMs: 1500 } : { warmupMs: 1000, measureMs: 4000 },
    sqsFill: quick ? 3000 : 8000,
  },
}

const began = performance.now()
const log = (msg: string) => console.error(`[${((performance.now() - began) / 1000).toFixed(1)}s] ${msg}`)
const KINDS: ServerKind[] = ['kinesalite', 'tributary']

const results: Results = {
  date: new Date().toISOString().slice(0, 10),
  machine: `${os.cpus().length} vCPU (${os.cpus()[0]?.model.trim()}), ${Math.round(os.totalmem() / 2 ** 30)} GiB RAM, Linux ${os.release()}`,
  node: process.version,
  mode: quick ? '--quick' : 'full',
  tributarySync: '',
  tributaryRoot: args.tributary ? resolve(args.tributary) : undefined,
  put: [],
  putHttp2: [],
  invokeLatency: [],
  warmWorkers: undefined,
  delivery: [],
  monitor: [],
  peakRssKiB: {},
  peakRssByGroup: {},
  profiles: [],
}

log('building payloads')
const batches = buildBatches(32)

/** One profile window per labelled measurement, cut out of the Tributary profile afterwards. */
const windows: { label: string; from: number; to: number }[] = []

/** Where the Tributary server of one group or case writes its .cpuprofile files, if profiling. */
function profileDir(name: string): string | undefined {
  const keep = args['cpu-prof-dir']
  if (keep) {
    mkdirSync(join(keep, name), { recursive: true })
    return resolve(keep, name)
  }
  return args['cpu-prof'] ? mkdtempSync(join(os.tmpdir(), 'tributary-prof-')) : undefined
}

function doneWithProfileDir(dir: string): void {
  if (!args['cpu-prof-dir']) rmSync(dir, { recursive: true, force: true })
}

async function withServers(
  group: ServerGroup,
  body: (targets: Pair<Target>) => Promise<void>,
): Promise<void> {
  const profDir = profileDir(group)
  const servers: RunningServer[] = []
  try {
    for (const kind of KINDS) {
      const tributaryRoot = args.tributary ? resolve(args.tributary) : undefined
      servers.push(
        await startServer(kind, kind === 'tributary' ? { cpuProfDir: profDir, tributaryRoot } : {}),
      )
    }
    const [k, t] = servers as [RunningServer, RunningServer]
    results.tributarySync ||= t.syncNote
    log(`${group}: kinesalite pid ${k.pid}, Tributary pid ${t.pid} (${t.syncNote})`)
    windows.length = 0
    const targets = {
      kinesalite: { server: k, client: makeClient(k.endpoint) },
      tributary: { server: t, client: makeClient(t.endpoint) },
    }
    try {
      await body(targets)
    } finally {
      targets.kinesalite.client.destroy()
      targets.tributary.client.destroy()
    }
  } finally {
    for (const s of servers) {
      const peak = await s.stop()
      if (peak === undefined) continue
      results.peakRssKiB[s.kind] = Math.max(results.peakRssKiB[s.kind] ?? 0, peak)
      results.peakRssByGroup[group] = { ...results.peakRssByGroup[group], [s.kind]: peak }
    }
  }
  if (profDir) {
    const profile = loadProfile(profDir)
    for (const w of windows) results.profiles.push(summarize(profile, w.label, w.from, w.to))
    doneWithProfileDir(profDir)
  }
}

/** One functions case on its own `tributary dev` process; profiled per thread kind if asked. */
function functionsCase<T extends { cpu: WindowCpu }>(
  name: string,
  label: string,
  body: (run: FunctionsRun) => Promise<T>,
): Promise<T> {
  return devCase(`functions-${name}`, label, body)
}

/** One case on its own `tributary dev` process; profiled per thread kind if asked. */
async function devCase<T extends { cpu: WindowCpu }>(
  profName: string,
  label: string,
  body: (run: FunctionsRun) => Promise<T>,
): Promise<T> {
  const profDir = profileDir(profName)
  const root = args.tributary ? resolve(args.tributary) : ROOT
  const r = await body({ root, cpuProfDir: profDir, log })
  if (profDir) {
    const { monoFrom, monoTo } = r.cpu
    results.profiles.push(summarize(loadProfile(profDir), `${label}: main thread`, monoFrom, monoTo))
    const threads = loadThreadProfiles(profDir)
    results.profiles.push(summarize(threads, `${label}: worker threads`, monoFrom, monoTo))
    doneWithProfileDir(profDir)
  }
  return r
}

async function functionsGroup(): Promise<void> {
  const { latency, noopRecords } = settings.functions
  // `tributary dev` runs with its default --sync always and does not print it.
  results.tributarySync ||= 'sync: always'
  const warm = await functionsCase('warm', 'four warm workers', warmWorkers)
  log(
    `functions warm workers: ${warm.workers} warm in ${Math.round(warm.warmMs)} ms, ` +
      `RSS ${Math.round((warm.rssKiB ?? 0) / 1024)} MiB, slowest PutRecords ${Math.round(warm.putCallMaxMs)} ms`,
  )
  results.warmWorkers = warm
  for (const o of latency) {
    const r = await functionsCase(
      `latency-${o.perCall}-${o.producer}`,
      `put → handler invoked, ${o.perCall} per call, ${o.producer} client`,
      (run) => invokeLatency(run, o),
    )
    log(
      `functions latency ${o.perCall}/call (${o.producer} client): p50 ${r.p50} ms, p99 ${r.p99} ms, ` +
        `${r.delivered} of ${r.sent} delivered, ${Math.round(r.achievedPerSec)} rec/s`,
    )
    results.invokeLatency.push(r)
  }
  const r = await functionsCase('noop', 'no-op handler, BatchSize 1000', (run) =>
    noopThroughput(run, { records: noopRecords, batches }),
  )
  log(`functions no-op: ${Math.round(r.recordsPerSec)} rec/s, ${r.delivered} of ${r.records} delivered`)
  results.noopThroughput = r
  const root = args.tributary ? resolve(args.tributary) : ROOT
  results.runtimes = await runtimesCases(
    { root, log },
    { ...settings.functions.runtimes, noopRecords, batches },
  )
  for (const w of results.runtimes.warm)
    log(`functions warm invoke, ${w.label}: p50 ${w.p50.toFixed(2)} ms, p99 ${w.p99.toFixed(2)} ms`)
  for (const c of results.runtimes.cold)
    log(`functions cold start, ${c.label}: p50 ${Math.round(c.p50)} ms, max ${Math.round(c.max)} ms`)
  for (const t of results.runtimes.throughput)
    log(`functions no-op, ${t.label}: ${Math.round(t.recordsPerSec)} rec/s, ${t.delivered} of ${t.records}`)
}

async function deliveryGroup(): Promise<void> {
  results.tributarySync ||= 'sync: always'
  const root = args.tributary ? resolve(args.tributary) : ROOT
  const source = await fillDeliverySource({ root, log }, settings.deliveryRecords)
  log(`delivery: filled at ${Math.round(source.fillRecordsPerSec)} rec/s`)
  try {
    const cases: DeliveryCaseName[] = ['ndjson-gzip', 'parquet']
    for (const name of cases) {
      const r = await devCase(`delivery-${name}`, `delivery ${name}`, (run) =>
        deliveryCase(run, source, name),
      )
      log(
        `delivery ${name}: ${Math.round(r.recordsPerSec)} rec/s (banner → committed), ` +
          `${r.delivered} of ${r.records} in ${r.dataFiles} files, ${r.serverCpuPer1k.toFixed(1)} CPU-ms/1k`,
      )
      results.delivery.push(r)
    }
  } finally {
    removeDeliverySource(source)
  }
}

async function monitorGroup(): Promise<void> {
  results.tributarySync ||= 'sync: always'
  const root = args.tributary ? resolve(args.tributary) : ROOT
  const runs: Record<MonitorMode, number> = { off: 0, on: 0 }
  for (const mode of settings.monitorOrder) {
    const index = ++runs[mode]
    const profDir = profileDir(`monitor-${mode}-${index}`)
    const r = await monitorCase({ root, cpuProfDir: profDir, log }, mode, index, settings.monitor, batches)
    log(
      `monitor ${mode} #${index}: ${Math.round(r.achievedPerSec)} rec/s, ` +
        `${r.serverCpuPer1k.toFixed(2)} CPU-ms/1k, other cores ${r.cpu.otherCores.toFixed(2)}` +
        (r.sse ? `, SSE ${r.sse.windowEvents} events / ${r.sse.windowBytes} B in the window` : ''),
    )
    results.monitor.push(r)
    if (profDir) {
      const label = `monitor ${mode === 'off' ? '--no-monitor' : 'on + SSE'} #${index}: main thread`
      results.profiles.push(summarize(loadProfile(profDir), label, r.cpu.monoFrom, r.cpu.monoTo, 25))
      doneWithProfileDir(profDir)
    }
  }
}

async function awsApisGroup(): Promise<void> {
  results.tributarySync ||= 'sync: always'
  const root = args.tributary ? resolve(args.tributary) : ROOT
  const profDir = profileDir('aws-apis')
  const r = await awsApis({ root, cpuProfDir: profDir, log, ...settings.aws })
  results.awsApis = r
  if (r.peakRssKiB.tributary !== undefined)
    results.peakRssByGroup['aws-apis'] = { tributary: r.peakRssKiB.tributary }
  if (profDir) {
    const profile = loadProfile(profDir)
    for (const w of r.windows) results.profiles.push(summarize(profile, w.label, w.from, w.to, 25))
    doneWithProfileDir(profDir)
  }
}

async function both<T>(
  targets: Pair<Target>,
  run: (t: Target, kind: ServerKind) => Promise<T>,
): Promise<Pair<T>> {
  const kinesalite = await run(targets.kinesalite, 'kinesalite')
  const tributary = await run(targets.tributary, 'tributary')
  return { kinesalite, tributary }
}

const groups: Record<ServerGroup, (targets: Pair<Target>) => Promise<void>> = {
  async put(targets) {
    for (const c of settings.putCases as PutCase[]) {
      const pair = await both(targets, async (t, kind) => {
        const r: PutResult = await putThroughput(t, c, batches, settings.timing)
        log(
          `put ${c.shards} shard c=${c.concurrency} ${kind}: ${Math.round(r.recordsPerSec)} rec/s, ` +
            `${r.serverCpuPer1k.toFixed(1)} CPU-ms/1k, p50 ${r.callP50.toFixed(1)} ms`,
        )
        if (kind === 'tributary')
          windows.push({
            label: `PutRecords ${c.shards} shard c=${c.concurrency}`,
            from: r.cpu.monoFrom,
            to: r.cpu.monoTo,
          })
        return r
      })
      results.put.push(pair)
      if (args['skip-h2']) continue
      const row = await putOverHttp2(
        targets.tributary,
        c,
        pair.tributary,
        batches,
        settings.timing,
        (how, r) => {
          log(
            `put ${c.shards} shard c=${c.concurrency} tributary, ${how}: ${Math.round(r.recordsPerSec)} rec/s, ` +
              `${r.serverCpuPer1k.toFixed(1)} CPU-ms/1k, p50 ${r.callP50.toFixed(1)} ms` +
              (r.errors ? `, ${r.errors} errors (${r.firstError})` : ''),
          )
          windows.push({
            label: `PutRecords ${c.shards} shard c=${c.concurrency}, ${how}`,
            from: r.cpu.monoFrom,
            to: r.cpu.monoTo,
          })
        },
      )
      results.putHttp2.push(row)
    }
  },
  async latency(targets) {
    results.latency = await both(targets, async (t, kind) => {
      const r = await putRecordLatency(t, settings.latency)
      log(`latency ${kind}: p50 ${r.p50.toFixed(2)} ms, p99 ${r.p99.toFixed(2)} ms`)
      if (kind === 'tributary')
        windows.push({ label: 'PutRecord, sequential', from: r.cpu.monoFrom, to: r.cpu.monoTo })
      return r
    })
  },
  async drain(targets) {
    results.drain = await both(targets, async (t, kind) => {
      log(`drain ${kind}: filling ${settings.drainRecords} records`)
      const r: DrainResult = await drain(t, settings.drainRecords, settings.drains, batches, (phase) =>
        log(`drain ${kind}: ${phase}`),
      )
      log(
        `drain ${kind}: SDK ${Math.round(r.sdk.recordsPerSec)} rec/s, minimal client ` +
          `${Math.round(r.raw.recordsPerSec)} rec/s (fill ${Math.round(r.fillRecordsPerSec)} rec/s)`,
      )
      if (kind === 'tributary') {
        windows.push({
          label: 'GetRecords drain, SDK client',
          from: r.sdk.cpu.monoFrom,
          to: r.sdk.cpu.monoTo,
        })
        windows.push({
          label: 'GetRecords drain, minimal client',
          from: r.raw.cpu.monoFrom,
          to: r.raw.cpu.monoTo,
        })
      }
      return r
    })
  },
  async e2e(targets) {
    results.e2e = await both(targets, async (t, kind) => {
      const r: EndToEndResult = await endToEnd(t, settings.e2eRecords)
      log(`e2e ${kind}: p50 ${r.p50.toFixed(1)} ms, p99 ${r.p99.toFixed(1)} ms, lost ${r.lost}`)
      return r
    })
  },
}

for (const group of GROUPS) {
  if (args.only && args.only !== group) continue
  if (group === 'functions') await functionsGroup()
  else if (group === 'delivery') await deliveryGroup()
  else if (group === 'monitor') await monitorGroup()
  else if (group === 'aws-apis') await awsApisGroup()
  else if (group === 'produce') results.produce = await produceGroup({ quick, log })
  else if (group === 'efo') results.efo = await efoGroup(settings.efo, log)
  else if (group === 'analytics') results.analytics = await analyticsGroup({ quick, log })
  else if (group === 'search') results.search = await searchGroup({ quick, log })
  else await withServers(group, groups[group])
}

if (args.json) writeFileSync(args.json, `${JSON.stringify(results, null, 2)}\n`)
log('done')
process.stdout.write(`${renderMarkdown(results)}\n`)

// npm run bench -- [--quick] [--only put|latency|drain|e2e] [--cpu-prof] [--json FILE] [--tributary DIR]
//   --cpu-prof     profile the Tributary server; print top self-time functions per measured window
//   --cpu-prof-dir DIR  same, and keep the .cpuprofile files (one per group) in DIR
//   --json FILE    also write the raw results as JSON
//   --tributary DIR  run the Tributary checkout in DIR (e.g. a `git worktree` of another commit)
// Runs kinesalite and Tributary side by side as child processes and drives the same SDK
// workload against each from this process. Progress goes to stderr, the Markdown table to stdout.
import './env.ts'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { makeClient } from './client.ts'
import { buildBatches } from './payload.ts'
import { loadProfile, summarize } from './profile.ts'
import { type DrainResult, drain, type EndToEndResult, endToEnd } from './reads.ts'
import { type Pair, type Results, renderMarkdown } from './report.ts'
import { type RunningServer, type ServerKind, startServer } from './servers.ts'
import { type PutCase, type PutResult, putRecordLatency, putThroughput, type Target } from './workloads.ts'

const GROUPS = ['put', 'latency', 'drain', 'e2e'] as const
type Group = (typeof GROUPS)[number]

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    only: { type: 'string' },
    'cpu-prof': { type: 'boolean', default: false },
    'cpu-prof-dir': { type: 'string' },
    json: { type: 'string' },
    tributary: { type: 'string' },
    help: { type: 'boolean', default: false },
  },
})
if (args.help) {
  console.error(
    [
      'npm run bench -- [options]',
      '  --quick              shorter windows, fewer cases (about 30 s)',
      '  --only <group>       put | latency | drain | e2e',
      '  --cpu-prof           profile the Tributary server; print top self-time functions per window',
      '  --cpu-prof-dir <dir> same, and keep the .cpuprofile files (one folder per group)',
      '  --json <file>        also write the raw results as JSON',
      '  --tributary <dir>    run the Tributary checkout in <dir> (e.g. a git worktree of another commit)',
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
  peakRssKiB: {},
  peakRssByGroup: {},
  profiles: [],
}

log('building payloads')
const batches = buildBatches(32)

/** One profile window per labelled measurement, cut out of the Tributary profile afterwards. */
const windows: { label: string; from: number; to: number }[] = []

async function withServers(group: Group, body: (targets: Pair<Target>) => Promise<void>): Promise<void> {
  const keep = args['cpu-prof-dir']
  if (keep) mkdirSync(join(keep, group), { recursive: true })
  const profDir = keep
    ? resolve(keep, group)
    : args['cpu-prof']
      ? mkdtempSync(join(os.tmpdir(), 'tributary-prof-'))
      : undefined
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
    if (!keep) rmSync(profDir, { recursive: true, force: true })
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

const groups: Record<Group, (targets: Pair<Target>) => Promise<void>> = {
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
  await withServers(group, groups[group])
}

if (args.json) writeFileSync(args.json, `${JSON.stringify(results, null, 2)}\n`)
log('done')
process.stdout.write(`${renderMarkdown(results)}\n`)

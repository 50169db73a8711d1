// Renders the results as Markdown (stdout), with ratios and the DESIGN.md §6 targets.

import { type AnalyticsBenchResult, analyticsSection } from './analytics.ts'
import type { AwsApisResult } from './aws-apis.ts'
import type { DeliveryResult } from './delivery.ts'
import { type EfoBenchResult, efoSection } from './efo.ts'
import type { InvokeLatencyResult, NoopThroughputResult, WarmWorkersResult } from './functions.ts'
import type { RuntimesResult } from './functions-runtimes.ts'
import { fix, fix2, int, mark, mb, pct, ratio, table } from './markdown.ts'
import type { MonitorResult } from './monitor.ts'
import { type ProduceBenchResult, produceSection } from './produce.ts'
import type { ProfileSummary } from './profile.ts'
import { type PutHttp2Row, putHttp2Section } from './put-http2.ts'
import type { DrainResult, EndToEndResult } from './reads.ts'
import { awsSection, awsTargets } from './report-aws.ts'
import { deliverySection, deliveryTargets } from './report-delivery.ts'
import { functionsSection, functionsTargets } from './report-functions.ts'
import { monitorSection, monitorTargets } from './report-monitor.ts'
import { runtimesSection, runtimesTargets } from './report-runtimes.ts'
import { type SearchBenchResult, searchSection } from './search.ts'
import type { LatencyResult, PutResult } from './workloads.ts'

export interface Pair<T> {
  kinesalite: T
  tributary: T
}

export interface Results {
  date: string
  machine: string
  node: string
  mode: string
  tributarySync: string
  /** Set when --tributary ran another checkout. */
  tributaryRoot?: string
  put: Pair<PutResult>[]
  /** The put cases again against Tributary over HTTP/2, with its HTTP/1.1 figures. */
  putHttp2: PutHttp2Row[]
  latency?: Pair<LatencyResult>
  drain?: Pair<DrainResult>
  e2e?: Pair<EndToEndResult>
  /** The functions group: `tributary dev` alone, no kinesalite counterpart. */
  invokeLatency: InvokeLatencyResult[]
  noopThroughput?: NoopThroughputResult
  warmWorkers: WarmWorkersResult | undefined
  /** The functions group's Python and custom-runtime cases. */
  runtimes?: RuntimesResult
  /** The delivery group: a filled stream delivered into the lake by `tributary dev`. */
  delivery: DeliveryResult[]
  /** The monitor group: ingest with and without monitoring, alternating (A, B, A, B). */
  monitor: MonitorResult[]
  /** The aws-apis group: S3, DynamoDB and SQS through the SDK, beside s3rver and dynalite. */
  awsApis?: AwsApisResult
  /** The produce group: `tributary produce` and the producer against shard limits. */
  produce?: ProduceBenchResult
  /** The efo group: put → received through SubscribeToShard. */
  efo?: EfoBenchResult
  /** The analytics group: streaming SQL through the operator. */
  analytics?: AnalyticsBenchResult
  /** The search group: the OpenSearch API of a search index. */
  search?: SearchBenchResult
  /** Peak RSS (VmHWM) per server over every group run, in KiB. */
  peakRssKiB: Partial<Pair<number>>
  /** The same per group (each group runs on fresh servers). */
  peakRssByGroup: Record<string, Partial<Pair<number>>>
  profiles: ProfileSummary[]
}

export const TARGETS = {
  putRatio: 8,
  cpuPer1k: 6,
  drainRecordsPerSec: 200_000,
  rssMB: 300,
}

function putTable(put: Pair<PutResult>[]): string {
  const body = put.map(({ kinesalite: k, tributary: t }) => [
    String(t.shards),
    String(t.concurrency),
    int(k.recordsPerSec),
    int(t.recordsPerSec),
    `**${ratio(t.recordsPerSec, k.recordsPerSec)}** ${mark(t.recordsPerSec >= TARGETS.putRatio * k.recordsPerSec)}`,
    `${fix(k.mbPerSec)} / ${fix(t.mbPerSec)}`,
    `${fix(k.callP50)} / ${fix(k.callP99)}`,
    `${fix(t.callP50)} / ${fix(t.callP99)}`,
    `${fix(k.serverCpuPer1k)} / ${fix(t.serverCpuPer1k)} ${mark(t.serverCpuPer1k <= TARGETS.cpuPer1k)}`,
    `${fix(k.cpu.serverCores, 2)} / ${fix(t.cpu.serverCores, 2)}`,
    `${fix(k.cpu.driverCores, 2)} / ${fix(t.cpu.driverCores, 2)}`,
    `${fix(k.cpu.otherCores, 2)} / ${fix(t.cpu.otherCores, 2)}`,
  ])
  return table(
    [
      'shards',
      'conc',
      'kinesalite rec/s',
      'Tributary rec/s',
      'T / k',
      'MB/s k / T',
      'call p50 / p99 ms, k',
      'call p50 / p99 ms, T',
      'server CPU ms per 1k rec, k / T',
      'server cores, k / T',
      'driver cores, k / T',
      'other cores, k / T',
    ],
    body,
  )
}

function otherTable(r: Results): string {
  const rows: string[][] = []
  const add = (label: string, k: number, t: number, fmt: (n: number) => string = int) =>
    rows.push([label, fmt(k), fmt(t), ratio(t, k)])
  if (r.latency) {
    const { kinesalite: k, tributary: t } = r.latency
    add('PutRecord p50, ms (sequential)', k.p50, t.p50, (n) => fix(n, 2))
    add('PutRecord p99, ms', k.p99, t.p99, (n) => fix(n, 2))
    add('PutRecord calls/s', k.callsPerSec, t.callsPerSec)
    add('PutRecord server CPU per call, ms', k.serverCpuPerCall, t.serverCpuPerCall, fix2)
  }
  if (r.drain) {
    const { kinesalite: k, tributary: t } = r.drain
    const n = int(t.records)
    add(`GetRecords drain, rec/s (${n} × 1 KiB, Limit 10000, SDK)`, k.sdk.recordsPerSec, t.sdk.recordsPerSec)
    add('GetRecords drain, MB/s (SDK)', k.sdk.mbPerSec, t.sdk.mbPerSec, fix)
    add('GetRecords call p50, ms (SDK)', k.sdk.callP50, t.sdk.callP50, fix)
    add('GetRecords server CPU per 1k records, ms (SDK)', k.sdk.serverCpuPer1k, t.sdk.serverCpuPer1k, fix2)
    add('GetRecords driver cores (SDK decode)', k.sdk.cpu.driverCores, t.sdk.cpu.driverCores, fix2)
    add('GetRecords drain, rec/s (minimal client)', k.raw.recordsPerSec, t.raw.recordsPerSec)
    add('GetRecords call p50, ms (minimal client)', k.raw.callP50, t.raw.callP50, fix)
    add('GetRecords server CPU per 1k, ms (minimal client)', k.raw.serverCpuPer1k, t.raw.serverCpuPer1k, fix2)
    add('GetRecords records per call', k.sdk.recordsPerCall, t.sdk.recordsPerCall)
    add('fill rate, rec/s (PutRecords c=4, 1 shard)', k.fillRecordsPerSec, t.fillRecordsPerSec)
  }
  if (r.e2e) {
    const { kinesalite: k, tributary: t } = r.e2e
    add('put → visible p50, ms (10 ms poll)', k.p50, t.p50, fix)
    add('put → visible p99, ms', k.p99, t.p99, fix)
    rows.push([
      'put → visible: received / lost / duplicates',
      `${k.received} / ${k.lost} / ${k.duplicates}`,
      `${t.received} / ${t.lost} / ${t.duplicates}`,
      '',
    ])
  }
  for (const [group, peak] of Object.entries(r.peakRssByGroup))
    add(`peak RSS (VmHWM), MB, ${group} servers`, mb(peak.kinesalite), mb(peak.tributary))
  return table(['metric', 'kinesalite', 'Tributary', 'T / k'], rows)
}

function targetTable(r: Results): string {
  const rows: string[][] = []
  if (r.put.length) {
    const best = (key: 'kinesalite' | 'tributary') => Math.max(...r.put.map((p) => p[key].recordsPerSec))
    const ratios = r.put.map((p) => p.tributary.recordsPerSec / p.kinesalite.recordsPerSec)
    const peak = best('tributary') / best('kinesalite')
    rows.push([
      `PutRecords ≥ ${TARGETS.putRatio}× kinesalite, sync always`,
      `peak vs peak ${peak.toFixed(2)}× (${int(best('tributary'))} vs ${int(best('kinesalite'))} rec/s); per case ${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)}×`,
      mark(peak >= TARGETS.putRatio),
    ])
    const cpu = r.put.map((p) => p.tributary.serverCpuPer1k)
    const met = cpu.filter((c) => c <= TARGETS.cpuPer1k).length
    rows.push([
      `server CPU ≤ ${TARGETS.cpuPer1k} ms per 1,000 records`,
      `${fix(Math.min(...cpu))}–${fix(Math.max(...cpu))} ms (${met} of ${cpu.length} cases met)`,
      mark(met === cpu.length),
    ])
  }
  if (r.drain) {
    const { sdk, raw } = r.drain.tributary
    for (const [how, d] of [
      ['SDK client', sdk],
      ['minimal client', raw],
    ] as const) {
      rows.push([
        `GetRecords drain ≥ ${int(TARGETS.drainRecordsPerSec)} rec/s (${how})`,
        `${int(d.recordsPerSec)} rec/s`,
        mark(d.recordsPerSec >= TARGETS.drainRecordsPerSec),
      ])
    }
  }
  rows.push(...functionsTargets(r.invokeLatency, r.noopThroughput, r.warmWorkers))
  rows.push(...runtimesTargets(r.runtimes))
  rows.push(...deliveryTargets(r.delivery))
  rows.push(...monitorTargets(r.monitor))
  rows.push(...awsTargets(r.awsApis))
  const rss = mb(r.peakRssKiB.tributary)
  if (Number.isFinite(rss))
    rows.push([`RSS ≤ ${TARGETS.rssMB} MB`, `${int(rss)} MB peak`, mark(rss <= TARGETS.rssMB)])
  return table(['target (DESIGN.md §6)', 'measured', 'met'], rows)
}

function profileSection(p: ProfileSummary): string {
  const top = table(
    ['#', 'function', 'location', 'self ms', 'share'],
    p.top.map((row, i) => [String(i + 1), `\`${row.name}\``, row.where, fix(row.selfMs, 0), pct(row.share)]),
  )
  const areas = table(
    ['area', 'self ms', 'share'],
    p.byArea.map((row) => [row.name, fix(row.selfMs, 0), pct(row.share)]),
  )
  return [
    `#### ${p.label}: ${fix(p.busyMs, 0)} ms busy in a ${fix(p.windowMs, 0)} ms window`,
    '',
    top,
    '',
    areas,
  ].join('\n')
}

/** The most CPU that processes other than the driver and the server used in any window. */
function otherLoad(r: Results): number {
  const windows = [
    ...r.put.flatMap((p) => [p.kinesalite.cpu, p.tributary.cpu]),
    ...(r.putHttp2 ?? []).flatMap((p) => [p.h2.cpu, p.h2Shared.cpu]),
    ...(r.drain ? [r.drain.kinesalite, r.drain.tributary].flatMap((d) => [d.sdk.cpu, d.raw.cpu]) : []),
    ...r.invokeLatency.map((x) => x.cpu),
    ...(r.noopThroughput ? [r.noopThroughput.cpu] : []),
    ...(r.warmWorkers ? [r.warmWorkers.cpu] : []),
    ...(r.runtimes?.throughput ?? []).map((x) => x.cpu),
    ...r.delivery.map((x) => x.cpu),
    ...r.monitor.map((x) => x.cpu),
    ...(r.awsApis?.cases ?? []).flatMap((c) => [c.tributary.cpu, ...(c.peer ? [c.peer.cpu] : [])]),
  ]
  return Math.max(0, ...windows.map((w) => w.otherCores))
}

export function renderMarkdown(r: Results): string {
  // Only the aws-apis group ran: its section says what it compares with.
  const awsOnly =
    r.awsApis !== undefined &&
    !(
      r.put.length ||
      r.latency ||
      r.drain ||
      r.e2e ||
      r.invokeLatency.length ||
      r.noopThroughput ||
      r.warmWorkers
    ) &&
    !(r.delivery.length || r.monitor.length)
  const out = [
    awsOnly ? `## Tributary vs s3rver and dynalite (${r.mode})` : `## Tributary vs kinesalite (${r.mode})`,
    '',
    `${r.date} · ${r.machine} · Node ${r.node}. ` +
      `Tributary${r.tributaryRoot ? ` (${r.tributaryRoot})` : ''}: ${r.tributarySync}. ` +
      (awsOnly
        ? 'Driver and servers share the machine.'
        : 'kinesalite 3.3.3: in memory, no fsync. One @aws-sdk/client-kinesis driver process; ' +
          'driver and both servers share the machine.'),
    '',
  ]
  if (r.put.length) {
    const p = r.put[0]!.tributary
    out.push(
      `### PutRecords, 500 × 1 KiB per call (${fix(p.cpu.seconds)} s measured window per case)`,
      '',
      putTable(r.put),
      '',
    )
    const errors = r.put.flatMap((pair) =>
      Object.entries(pair)
        .filter(([, x]) => x.errors || x.failedRecords)
        .map(
          ([kind, x]) =>
            `${kind} ${x.shards} shard c=${x.concurrency}: ${x.errors} errors, ` +
            `${x.failedRecords} failed records (${x.firstError ?? 'no exception'})`,
        ),
    )
    if (errors.length) out.push(`Errors: ${errors.join('; ')}`, '')
  }
  out.push(...putHttp2Section(r.putHttp2 ?? []))
  if (r.latency || r.drain || r.e2e || r.peakRssKiB.tributary)
    out.push('### Latency, reads, memory', '', otherTable(r), '')
  if (r.invokeLatency.length || r.noopThroughput || r.warmWorkers)
    out.push(...functionsSection(r.invokeLatency, r.noopThroughput, r.warmWorkers))
  out.push(...runtimesSection(r.runtimes))
  out.push(...deliverySection(r.delivery))
  out.push(...monitorSection(r.monitor))
  out.push(...awsSection(r.awsApis))
  out.push(...produceSection(r.produce))
  out.push(...efoSection(r.efo))
  out.push(...analyticsSection(r.analytics))
  out.push(...searchSection(r.search))
  out.push('### Targets', '', targetTable(r), '')
  const other = otherLoad(r)
  if (other > 0.25) {
    out.push(
      `⚠ Other processes on the machine used up to ${other.toFixed(2)} cores during measured windows ` +
        '("other cores"): throughput on a 2-core box is depressed by that much; CPU per record is not.',
      '',
    )
  }
  if (r.profiles.length) {
    out.push('### Tributary server CPU profile (self time, --cpu-prof; perturbs the numbers above)', '')
    for (const p of r.profiles) out.push(profileSection(p), '')
  }
  return out.join('\n')
}

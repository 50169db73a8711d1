// The functions group in the Markdown report: put → handler invoked latency, no-op handler
// throughput, and their DESIGN.md §6 targets.
import type { DevReport, InvokeLatencyResult, NoopThroughputResult, WarmWorkersResult } from './functions.ts'
import { fix, fix2, int, mark, mb, table } from './markdown.ts'

export const FUNCTION_TARGETS = {
  invokeRate: 10_000,
  invokeP99Ms: 25,
  noopRecordsPerSec: 100_000,
  /** `tributary dev` with four warm workers (issue 12). */
  warmRssMb: 300,
}

export const warmMet = (r: WarmWorkersResult) => r.workers === 4 && mb(r.rssKiB) <= FUNCTION_TARGETS.warmRssMb

/** Every record sent in the window arrived, and the producer kept up with the offered rate. */
const complete = (r: InvokeLatencyResult) =>
  r.sent > 0 && r.delivered === r.sent && r.achievedPerSec >= 0.95 * r.offeredPerSec

export const latencyMet = (r: InvokeLatencyResult) => complete(r) && r.p99 <= FUNCTION_TARGETS.invokeP99Ms

export const noopMet = (r: NoopThroughputResult) =>
  r.delivered >= r.records && r.recordsPerSec >= FUNCTION_TARGETS.noopRecordsPerSec

const cores = (r: DevReport) =>
  `${fix2(r.cpu.serverCores)} / ${fix2(r.cpu.driverCores)} / ${fix2(r.cpu.otherCores)}`

const clientLabel = (r: InvokeLatencyResult) => (r.producer === 'sdk' ? 'SDK client' : 'minimal client')

function latencyTable(rs: InvokeLatencyResult[]): string {
  const row = (label: string, cell: (r: InvokeLatencyResult) => string) => [label, ...rs.map(cell)]
  return table(
    ['', ...rs.map((r) => `${r.recordsPerCall} records per PutRecords call, ${clientLabel(r)}`)],
    [
      row('offered / achieved, rec/s', (r) => `${int(r.offeredPerSec)} / ${int(r.achievedPerSec)}`),
      row('measured window, s', (r) => fix(r.cpu.seconds)),
      row(
        'sent in the window / delivered / duplicates',
        (r) => `${int(r.sent)} / ${int(r.delivered)} / ${int(r.duplicates)} ${mark(r.delivered === r.sent)}`,
      ),
      row('put → invoked p50 / p95, ms', (r) => `${r.p50} / ${r.p95}`),
      row(
        `put → invoked p99, ms (≤ ${FUNCTION_TARGETS.invokeP99Ms})`,
        (r) => `**${r.p99}** ${mark(latencyMet(r))}`,
      ),
      row('put → invoked max, ms', (r) => String(r.max)),
      row('PutRecords call p99, ms (calls sent in the window)', (r) => fix(r.putCallP99)),
      row('failed records / failed calls', (r) => `${r.failedRecords} / ${r.callErrors}`),
      row(
        'invocations, records per invocation',
        (r) => `${int(r.invocations)}, ${fix(r.recordsPerInvocation)}`,
      ),
      row('server CPU per 1,000 records (put + invoke), ms', (r) => fix(r.serverCpuPer1k)),
      row('cores: server / driver / other', cores),
      row('`tributary dev` start (spawn → banner), ms', (r) => int(r.startMs)),
      row('peak RSS (VmHWM), MB', (r) => int(mb(r.peakRssKiB))),
    ],
  )
}

function noopTable(r: NoopThroughputResult): string {
  return table(
    ['', 'no-op handler, BatchSize 1000'],
    [
      [
        'records in the stream (1 KiB, filled beforehand) / delivered',
        `${int(r.records)} / ${int(r.delivered)}`,
      ],
      [
        `records/s, first → last invocation (≥ ${int(FUNCTION_TARGETS.noopRecordsPerSec)})`,
        `**${int(r.recordsPerSec)}** ${mark(noopMet(r))}`,
      ],
      ['invocations, records per invocation', `${int(r.invocations)}, ${fix(r.recordsPerInvocation)}`],
      ['server CPU per 1,000 records, ms', fix(r.serverCpuPer1k)],
      ['cores: server / driver / other', cores(r)],
      [
        '`tributary dev` start (spawn → banner) / banner → first invocation, ms',
        `${int(r.startMs)} / ${int(r.firstInvokeMs)}`,
      ],
      ['fill rate, rec/s (tributary serve, PutRecords c=4)', int(r.fillRecordsPerSec)],
      ['peak RSS (VmHWM), MB', int(mb(r.peakRssKiB))],
    ],
  )
}

function warmTable(r: WarmWorkersResult): string {
  return table(
    ['', 'four workers started together, then idle'],
    [
      ['workers warm / time to warm, ms', `${r.workers} / ${int(r.warmMs)}`],
      ['PutRecords calls meanwhile / slowest, ms', `${r.calls} / ${int(r.putCallMaxMs)}`],
      ['server CPU from the first call to 1 s after warm (all threads), ms', int(r.cpu.serverCpuMs)],
      [
        `RSS once warm (VmRSS), MB (≤ ${FUNCTION_TARGETS.warmRssMb})`,
        `**${int(mb(r.rssKiB))}** ${mark(warmMet(r))}`,
      ],
      ['peak RSS (VmHWM), MB', int(mb(r.peakRssKiB))],
      ['cores: server / driver / other', cores(r)],
      ['`tributary dev` start (spawn → banner), ms', int(r.startMs)],
    ],
  )
}

function devOutput(label: string, r: DevReport): string[] {
  if (r.output.total === 0) return []
  const more = r.output.total > r.output.lines.length ? ` (first ${r.output.lines.length} shown)` : ''
  return [
    `\`tributary dev\` printed ${r.output.total} lines after its banner in "${label}"${more}:`,
    '',
    '```',
    ...r.output.lines,
    '```',
    '',
  ]
}

export function functionsSection(
  rs: InvokeLatencyResult[],
  noop: NoopThroughputResult | undefined,
  warm?: WarmWorkersResult,
): string[] {
  const out = ['### Functions stage (`tributary dev`, 4-shard stream, batching window 0, sync always)', '']
  if (warm)
    out.push(
      '#### Four warm workers (PutRecords of one record per shard every 10 ms)',
      '',
      warmTable(warm),
      '',
    )
  if (rs.length) {
    out.push(
      `#### put → handler invoked at ${int(FUNCTION_TARGETS.invokeRate)} rec/s (BatchSize 100, LATEST)`,
      '',
      latencyTable(rs),
      '',
    )
  }
  if (noop) out.push('#### No-op handler throughput (TRIM_HORIZON)', '', noopTable(noop), '')
  for (const r of rs) {
    const label = `${r.recordsPerCall} per call, ${clientLabel(r)}`
    if (r.firstError) out.push(`First PutRecords error (${label}): ${r.firstError}`, '')
    out.push(...devOutput(label, r))
  }
  if (noop) out.push(...devOutput('no-op', noop))
  return out
}

export function functionsTargets(
  rs: InvokeLatencyResult[],
  noop: NoopThroughputResult | undefined,
  warm?: WarmWorkersResult,
): string[][] {
  const rows = rs.map((r) => [
    `put → handler invoked p99 ≤ ${FUNCTION_TARGETS.invokeP99Ms} ms at ${int(FUNCTION_TARGETS.invokeRate)} rec/s, window 0 (${r.recordsPerCall} per call, ${clientLabel(r)})`,
    `p99 ${r.p99} ms (p50 ${r.p50}), ${int(r.achievedPerSec)} rec/s achieved, ${int(r.delivered)} of ${int(r.sent)} delivered`,
    mark(latencyMet(r)),
  ])
  if (noop)
    rows.push([
      `no-op handler ≥ ${int(FUNCTION_TARGETS.noopRecordsPerSec)} rec/s at BatchSize 1000`,
      `${int(noop.recordsPerSec)} rec/s, ${int(noop.delivered)} of ${int(noop.records)} delivered`,
      mark(noopMet(noop)),
    ])
  if (warm)
    rows.push([
      `\`tributary dev\` with four warm workers ≤ ${FUNCTION_TARGETS.warmRssMb} MB RSS`,
      `${int(mb(warm.rssKiB))} MB (VmRSS once warm; ${warm.workers} workers)`,
      mark(warmMet(warm)),
    ])
  return rows
}

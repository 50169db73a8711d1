// The monitor group in the Markdown report: ingest CPU with and without the metric store and the
// dashboard's event stream, and the monitoring-overhead target.
import { fix, fix2, int, mark, mb, pct, table } from './markdown.ts'
import type { MonitorResult } from './monitor.ts'

export const MONITOR_TARGETS = {
  rate: 50_000,
  /** (on − off) / off of server CPU per record. */
  maxOverhead: 0.05,
}

/** The median, averaging the middle two of an even count (so the median of two runs is their mean). */
export function middle(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN
  const s = [...values].sort((a, b) => a - b)
  const m = Math.floor(s.length / 2)
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2
}

const name = (r: MonitorResult) => `${r.mode === 'off' ? 'A' : 'B'}${r.run}`
const label = (r: MonitorResult) =>
  `${name(r)}: ${r.mode === 'off' ? '`--no-monitor`' : 'monitor on + SSE client'}`

export interface MonitorSummary {
  offPer1k: number
  onPer1k: number
  overhead: number
  /** Overhead of each on run against the off run just before it. */
  pairs: number[]
  offRate: number
  onRate: number
  offRssMB: number
  onRssMB: number
  /** The producer kept up with the offered rate in every run, without failures. */
  atRate: boolean
}

export function summarizeMonitor(rs: MonitorResult[]): MonitorSummary {
  const off = rs.filter((r) => r.mode === 'off')
  const on = rs.filter((r) => r.mode === 'on')
  const offPer1k = middle(off.map((r) => r.serverCpuPer1k))
  const onPer1k = middle(on.map((r) => r.serverCpuPer1k))
  const pairs = on.flatMap((b) => {
    const a = off.find((x) => x.run === b.run)
    return a ? [(b.serverCpuPer1k - a.serverCpuPer1k) / a.serverCpuPer1k] : []
  })
  return {
    offPer1k,
    onPer1k,
    overhead: (onPer1k - offPer1k) / offPer1k,
    pairs,
    offRate: middle(off.map((r) => r.achievedPerSec)),
    onRate: middle(on.map((r) => r.achievedPerSec)),
    offRssMB: middle(off.map((r) => mb(r.peakRssKiB))),
    onRssMB: middle(on.map((r) => mb(r.peakRssKiB))),
    atRate: rs.every(
      (r) => r.achievedPerSec >= 0.95 * r.offeredPerSec && r.failedRecords === 0 && r.callErrors === 0,
    ),
  }
}

const met = (s: MonitorSummary) => s.atRate && s.overhead <= MONITOR_TARGETS.maxOverhead

const signed = (x: number) => (Number.isFinite(x) ? `${x >= 0 ? '+' : ''}${pct(x)}` : '—')

function runsTable(rs: MonitorResult[]): string {
  const row = (title: string, cell: (r: MonitorResult) => string) => [title, ...rs.map(cell)]
  const sse = (r: MonitorResult, f: (s: NonNullable<MonitorResult['sse']>) => string) =>
    r.sse ? f(r.sse) : '—'
  return table(
    ['', ...rs.map(label)],
    [
      row('offered / achieved, rec/s', (r) => `${int(r.offeredPerSec)} / ${int(r.achievedPerSec)}`),
      row('measured window, s', (r) => fix(r.cpu.seconds)),
      row('records acknowledged in the window', (r) => int(r.sent)),
      row('failed records / failed calls', (r) => `${r.failedRecords} / ${r.callErrors}`),
      row('PutRecords call p50 / p99, ms', (r) => `${fix(r.callP50)} / ${fix(r.callP99)}`),
      row('calls that waited for an in-flight slot', (r) => int(r.lateCalls)),
      row('server CPU in the window, ms', (r) => int(r.cpu.serverCpuMs)),
      row('**server CPU per 1,000 records, ms**', (r) => `**${fix2(r.serverCpuPer1k)}**`),
      row(
        'cores: server / driver / other',
        (r) => `${fix2(r.cpu.serverCores)} / ${fix2(r.cpu.driverCores)} / ${fix2(r.cpu.otherCores)}`,
      ),
      row('SSE response', (r) => sse(r, (s) => `${s.status} ${s.contentType.split(';')[0]}`)),
      row('SSE events / bytes, in the window', (r) =>
        sse(r, (s) => `${int(s.windowEvents)} / ${int(s.windowBytes)}`),
      ),
      row('SSE events / bytes, whole run (by event)', (r) =>
        sse(
          r,
          (s) =>
            `${int(s.events)} / ${int(s.bytes)} (${Object.entries(s.byName)
              .map(([k, n]) => `${k} ${n}`)
              .join(', ')})`,
        ),
      ),
      row('`tributary dev` start (spawn → banner), ms', (r) => int(r.startMs)),
      row('peak RSS (VmHWM), MB', (r) => int(mb(r.peakRssKiB))),
    ],
  )
}

function summaryTable(s: MonitorSummary): string {
  return table(
    ['', 'A: `--no-monitor`', 'B: monitor on + SSE client', 'B − A'],
    [
      [
        'server CPU per 1,000 records, ms (median of runs)',
        fix2(s.offPer1k),
        fix2(s.onPer1k),
        `**${signed(s.overhead)}** (pairs: ${s.pairs.map(signed).join(', ')})`,
      ],
      ['achieved rec/s (median)', int(s.offRate), int(s.onRate), signed((s.onRate - s.offRate) / s.offRate)],
      ['peak RSS, MB (median)', int(s.offRssMB), int(s.onRssMB), `${fix(s.onRssMB - s.offRssMB)} MB`],
    ],
  )
}

export function monitorSection(rs: MonitorResult[]): string[] {
  if (rs.length === 0) return []
  const first = rs[0]!
  const out = [
    `### Monitoring overhead (\`tributary dev\`, 4-shard stream only, ${int(first.offeredPerSec)} rec/s of 1 KiB, 500 per call, sync always, shard limits off)`,
    '',
    'A runs `tributary dev --no-monitor` (no metric store, alarms or dashboard); B runs the default ' +
      '`tributary dev` (metric store and dashboard routes on) with one client reading ' +
      '`GET /ui/api/events` from before the load starts until it ends. Each run is a fresh process ' +
      'and data dir; runs alternate A, B, A, B, and the summary takes the median (the mean, for two) ' +
      'of each mode. The load is paced: one PutRecords call of 500 records every 10 ms from the ' +
      'bench process, at most 16 in flight.',
    '',
    runsTable(rs),
    '',
    summaryTable(summarizeMonitor(rs)),
    '',
  ]
  for (const r of rs) {
    if (r.firstError) out.push(`First PutRecords error (${name(r)}): ${r.firstError}`, '')
    if (r.output.total === 0) continue
    const more = r.output.total > r.output.lines.length ? ` (first ${r.output.lines.length} shown)` : ''
    out.push(
      `\`tributary dev\` printed ${r.output.total} lines after its banner in ${name(r)}${more}:`,
      '',
      '```',
      ...r.output.lines,
      '```',
      '',
    )
  }
  return out
}

export function monitorTargets(rs: MonitorResult[]): string[][] {
  if (rs.length === 0) return []
  const s = summarizeMonitor(rs)
  return [
    [
      `metric store + dashboard stream add ≤ ${pct(MONITOR_TARGETS.maxOverhead)} to ingest CPU at ${int(MONITOR_TARGETS.rate)} rec/s`,
      `${signed(s.overhead)}: ${fix2(s.offPer1k)} → ${fix2(s.onPer1k)} CPU-ms/1k (pairs ${s.pairs
        .map(signed)
        .join(
          ', ',
        )}), ${int(s.offRate)} / ${int(s.onRate)} rec/s achieved${s.atRate ? '' : ' (below the offered rate or with failures)'}`,
      mark(met(s)),
    ],
  ]
}

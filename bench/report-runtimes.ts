// Process runtimes in the Markdown report (the functions group): warm invoke overhead, cold start,
// RSS per warm process and no-op drain, next to a Node.js worker thread, with issue 12's targets.
import type {
  ColdStartResult,
  RuntimesResult,
  RuntimeThroughputResult,
  WarmInvokeResult,
} from './functions-runtimes.ts'
import { fix, fix2, int, mark, mb, table } from './markdown.ts'

export const RUNTIME_TARGETS = {
  warmP50Ms: 3,
  warmP99Ms: 15,
  coldBoto3Ms: 1000,
}

const warmMet = (r: WarmInvokeResult) =>
  r.p50 <= RUNTIME_TARGETS.warmP50Ms && r.p99 <= RUNTIME_TARGETS.warmP99Ms
const coldMet = (r: ColdStartResult) => r.max <= RUNTIME_TARGETS.coldBoto3Ms
const rss = (x: number | undefined) => (x === undefined ? '— (shares the engine process)' : `${x}`)

function warmTable(rs: WarmInvokeResult[]): string {
  return table(
    [
      'empty handler',
      'invocations',
      `p50, ms (≤ ${RUNTIME_TARGETS.warmP50Ms})`,
      `p99, ms (≤ ${RUNTIME_TARGETS.warmP99Ms})`,
      'max, ms',
      'RSS of the warm process, MB',
      'cores busy: machine / engine',
      'met',
    ],
    rs.map((r) => [
      r.label,
      int(r.invocations),
      fix2(r.p50),
      fix2(r.p99),
      fix(r.max),
      rss(r.rssMb),
      `${fix2(r.machineCores)} / ${fix2(r.benchCores)}`,
      mark(warmMet(r)),
    ]),
  )
}

function coldTable(rs: ColdStartResult[]): string {
  return table(
    [
      'fresh process / worker',
      'samples',
      'invoke → response p50, ms',
      'max, ms',
      'REPORT Init Duration p50, ms',
      'RSS after the first invocation, MB',
    ],
    rs.map((r) => [r.label, String(r.samples.length), int(r.p50), int(r.max), int(r.initP50), rss(r.rssMb)]),
  )
}

function drainTable(rs: RuntimeThroughputResult[]): string {
  const row = (label: string, cell: (r: RuntimeThroughputResult) => string) => [label, ...rs.map(cell)]
  return table(
    ['no-op handler, BatchSize 1000', ...rs.map((r) => r.label)],
    [
      row('records in the stream / delivered', (r) => `${int(r.records)} / ${int(r.delivered)}`),
      row('records/s, first → last invocation', (r) => `**${int(r.recordsPerSec)}**`),
      row(
        'invocations, records per invocation',
        (r) => `${int(r.invocations)}, ${fix(r.recordsPerInvocation)}`,
      ),
      row('server CPU per 1,000 records, ms (engine only)', (r) => fix(r.serverCpuPer1k)),
      row(
        'cores: server / driver / other',
        (r) => `${fix2(r.cpu.serverCores)} / ${fix2(r.cpu.driverCores)} / ${fix2(r.cpu.otherCores)}`,
      ),
      row('banner → first invocation, ms', (r) => int(r.firstInvokeMs)),
      row('`tributary dev` peak RSS (VmHWM, engine only), MB', (r) => int(mb(r.peakRssKiB))),
    ],
  )
}

export function runtimesSection(r: RuntimesResult | undefined): string[] {
  if (!r) return []
  const py = r.python
  const out = [
    '#### Process runtimes (Python, custom runtime) next to a Node.js worker thread',
    '',
    `Python: ${py ? `${py.interpreter} ${py.version}, boto3 ${py.boto3 ?? 'not installed'}` : 'none'}; ` +
      `curl ${r.curl ?? 'not installed'}. Warm and cold cases invoke the function pool directly, ` +
      'one invocation at a time (the Runtime API on loopback for processes); the drain runs ' +
      '`tributary dev` with a 4-shard stream filled beforehand, as the TypeScript no-op case.',
    '',
  ]
  if (r.warm.length) out.push('Warm invoke overhead:', '', warmTable(r.warm), '')
  if (r.cold.length) out.push('Cold start:', '', coldTable(r.cold), '')
  if (r.throughput.length)
    out.push('No-op drain through a Kinesis mapping:', '', drainTable(r.throughput), '')
  for (const t of r.throughput) {
    if (t.output.total === 0) continue
    out.push(
      `\`tributary dev\` printed ${t.output.total} lines in "${t.label}":`,
      '',
      '```',
      ...t.output.lines,
      '```',
      '',
    )
  }
  if (r.skipped.length) out.push(`Not run: ${r.skipped.join('; ')}.`, '')
  return out
}

export function runtimesTargets(r: RuntimesResult | undefined): string[][] {
  if (!r) return []
  const rows = r.warm
    .filter((w) => w.subject !== 'nodejs')
    .map((w) => [
      `warm invoke, empty handler, p50 ≤ ${RUNTIME_TARGETS.warmP50Ms} ms and p99 ≤ ${RUNTIME_TARGETS.warmP99Ms} ms (${w.label})`,
      `p50 ${fix2(w.p50)} ms, p99 ${fix2(w.p99)} ms`,
      mark(warmMet(w)),
    ])
  for (const c of r.cold.filter((x) => x.subject === 'python'))
    rows.push([
      `cold start including \`import boto3\` ≤ ${RUNTIME_TARGETS.coldBoto3Ms} ms (${c.label})`,
      `p50 ${int(c.p50)} ms, max ${int(c.max)} ms of ${c.samples.length}`,
      mark(coldMet(c)),
    ])
  return rows
}

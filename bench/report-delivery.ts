// The delivery group in the Markdown report: a filled stream delivered into the lake as NDJSON.gz
// and as Parquet, and the delivery targets.
import type { DeliveryResult } from './delivery.ts'
import { fix, fix2, int, mark, mb, table } from './markdown.ts'

export const DELIVERY_TARGETS: Record<DeliveryResult['name'], number> = {
  'ndjson-gzip': 100_000,
  parquet: 50_000,
}
/** The project's memory target (MB), applied to each `tributary dev` run. */
export const DELIVERY_RSS_MB = 300

const complete = (r: DeliveryResult) => r.delivered === r.records && r.errorRecords === 0

export const deliveryMet = (r: DeliveryResult) => complete(r) && r.recordsPerSec >= DELIVERY_TARGETS[r.name]

const rssMet = (r: DeliveryResult) => mb(r.peakRssKiB) <= DELIVERY_RSS_MB

function deliveryTable(rs: DeliveryResult[]): string {
  const row = (label: string, cell: (r: DeliveryResult) => string) => [label, ...rs.map(cell)]
  return table(
    ['', ...rs.map((r) => r.label)],
    [
      row(
        'records in the stream / in data files / in error files',
        (r) => `${int(r.records)} / ${int(r.delivered)} / ${int(r.errorRecords)} ${mark(complete(r))}`,
      ),
      row(
        'records/s, banner → all committed (target)',
        (r) => `**${int(r.recordsPerSec)}** (≥ ${int(DELIVERY_TARGETS[r.name])}) ${mark(deliveryMet(r))}`,
      ),
      row('banner → all committed, s', (r) => fix2(r.deliverMs / 1000)),
      row('banner → first file, s', (r) => fix2(r.firstFileMs / 1000)),
      row('`tributary dev` start (spawn → banner), s', (r) => fix2(r.startMs / 1000)),
      row(
        'end to end: spawn → all committed, s (records/s)',
        (r) => `${fix2(r.endToEndMs / 1000)} (${int(r.endToEndRecordsPerSec)})`,
      ),
      row('server CPU per 1,000 records, ms (banner → committed)', (r) => fix(r.serverCpuPer1k)),
      row(
        'server CPU, s: start-up (spawn → banner) / whole run',
        (r) => `${fix2(r.startupCpuMs / 1000)} / ${fix2(r.totalCpuMs / 1000)}`,
      ),
      row(
        'cores: server / driver / other',
        (r) => `${fix2(r.cpu.serverCores)} / ${fix2(r.cpu.driverCores)} / ${fix2(r.cpu.otherCores)}`,
      ),
      row(
        `peak RSS (VmHWM), MB (≤ ${DELIVERY_RSS_MB})`,
        (r) => `**${int(mb(r.peakRssKiB))}** ${mark(rssMet(r))}`,
      ),
      row('data files / error files', (r) => `${r.dataFiles} / ${r.errorFiles}`),
      row(
        'data file MB (input MB, ratio)',
        (r) => `${fix(r.fileBytes / 1e6)} (${fix(r.inputBytes / 1e6)}, ${fix2(r.inputBytes / r.fileBytes)}×)`,
      ),
      row('fill rate, rec/s (tributary serve, PutRecords c=4)', (r) => int(r.fillRecordsPerSec)),
    ],
  )
}

export function deliverySection(rs: DeliveryResult[]): string[] {
  if (rs.length === 0) return []
  const out = [
    '### Delivery stage (`tributary dev`, 4-shard stream of 1 KiB JSON, TRIM_HORIZON, sizeInMBs 64, intervalInSeconds 60, sync always, shard limits off)',
    '',
    'The stream is filled by `tributary serve` at least 61 s before each `tributary dev` starts, so every ' +
      'buffer of the backlog is already past its interval: the numbers are how fast the backlog reaches ' +
      'the lake, not how long buffers wait. "All committed" is when, for every shard, a data file ' +
      "whose name ends with the shard's last sequence number is in the bucket (the bench lists the " +
      "directory every 25 ms; a shard's files are committed in order). The records of the files are " +
      'counted (gunzipped lines, Parquet footer row counts) after the window, so the check takes no ' +
      'CPU from the server while it is measured. The banner is when the bench saw it (≤ 50 ms late); the delivery runtime starts just before it.',
    '',
    deliveryTable(rs),
    '',
    `Example objects (\`<bucket>/<key>\`): ${rs.flatMap((r) => r.sampleKeys.slice(0, 1).map((k) => `\`${k}\``)).join(', ')}.`,
    '',
  ]
  for (const r of rs) {
    if (r.output.total === 0) continue
    const more = r.output.total > r.output.lines.length ? ` (first ${r.output.lines.length} shown)` : ''
    out.push(
      `\`tributary dev\` printed ${r.output.total} lines after its banner in "${r.label}"${more}:`,
      '',
      '```',
      ...r.output.lines,
      '```',
      '',
    )
  }
  return out
}

export function deliveryTargets(rs: DeliveryResult[]): string[][] {
  return rs.flatMap((r) => [
    [
      `delivery ${r.label} ≥ ${int(DELIVERY_TARGETS[r.name])} rec/s (1 KiB JSON, TRIM_HORIZON backlog)`,
      `${int(r.recordsPerSec)} rec/s banner → committed (${int(r.endToEndRecordsPerSec)} from spawn), ` +
        `${int(r.delivered)} of ${int(r.records)} delivered, ${fix(r.serverCpuPer1k)} CPU-ms/1k`,
      mark(deliveryMet(r)),
    ],
    [`RSS ≤ ${DELIVERY_RSS_MB} MB, delivery ${r.label}`, `${int(mb(r.peakRssKiB))} MB peak`, mark(rssMet(r))],
  ])
}

// The aws-apis group in the Markdown report: each S3 and DynamoDB case against its npm emulator
// (s3rver, dynalite) with the ratio and the issue-11 target, SQS on its own, and peak RSS.
import { type AwsApisResult, type AwsCase, type AwsServer, type OpResult, PEER_OF } from './aws-apis.ts'
import { fix, fix2, int, mark, mb, ratio, table } from './markdown.ts'

export const AWS_TARGETS = {
  /** Tributary ops/s ÷ the emulator's, on every S3 and DynamoDB case (sync always). */
  peerRatio: 2,
  rssMB: 300,
}

const peerName = (c: AwsCase) => (c.service === 'SQS' ? '—' : PEER_OF[c.service])
const caseMet = (c: AwsCase) =>
  !!c.peer && clean(c.tributary) && c.tributary.opsPerSec >= AWS_TARGETS.peerRatio * c.peer.opsPerSec
const clean = (r: OpResult) => r.errors === 0 && r.ops > 0
const lat = (r: OpResult | undefined) => (r ? `${fix2(r.p50)} / ${fix2(r.p99)}` : '—')
const cpu = (r: OpResult | undefined) => (r ? fix(r.serverCpuPerOp, 3) : '—')
const rate = (r: OpResult | undefined) =>
  r ? `${int(r.opsPerSec)}${r.ranDry ? ' (queue ran empty)' : ''}` : '—'

function caseTable(cases: AwsCase[]): string {
  const body = cases.map((c) => [
    c.service,
    c.op,
    String(c.concurrency),
    peerName(c),
    rate(c.peer),
    rate(c.tributary),
    c.peer ? `**${ratio(c.tributary.opsPerSec, c.peer.opsPerSec)}** ${mark(caseMet(c))}` : 'absolute',
    c.op.includes('MiB') ? `${fix(c.peer?.mbPerSec ?? Number.NaN)} / ${fix(c.tributary.mbPerSec)}` : '',
    lat(c.peer),
    lat(c.tributary),
    `${cpu(c.peer)} / ${cpu(c.tributary)}`,
    `${fix2(c.peer?.cpu.driverCores ?? Number.NaN)} / ${fix2(c.tributary.cpu.driverCores)}`,
    `${fix2(c.peer?.cpu.otherCores ?? Number.NaN)} / ${fix2(c.tributary.cpu.otherCores)}`,
  ])
  return table(
    [
      'API',
      'operation',
      'in flight',
      'peer',
      'peer ops/s',
      'Tributary ops/s',
      'T / peer',
      'MB/s peer / T',
      'p50 / p99 ms, peer',
      'p50 / p99 ms, T',
      'server CPU ms/op, peer / T',
      'driver cores, peer / T',
      'other cores, peer / T',
    ],
    body,
  )
}

function rssTable(r: AwsApisResult): string {
  const names: AwsServer[] = ['s3rver', 'dynalite', 'tributary']
  return table(
    ['server', 'peak RSS, MB'],
    names.map((n) => [n === 'tributary' ? 'Tributary (`tributary dev`)' : n, int(mb(r.peakRssKiB[n]))]),
  )
}

export function awsSection(r: AwsApisResult | undefined): string[] {
  if (!r) return []
  const w = r.cases[0]?.tributary.cpu.seconds
  const out = [
    `### AWS APIs through the SDK: Tributary vs s3rver and dynalite (${fix(w ?? Number.NaN)} s measured window per case)`,
    '',
    `Tributary: \`tributary dev\` (${r.tributarySync}: a 200 is fsynced). s3rver 3.7.1 and dynalite 4.0.0 ` +
      'persist to disk (s3rver: files; dynalite: LevelDB) but do not fsync. SQS has no durable npm ' +
      'emulator: absolute figures. One driver process (`@aws-sdk/client-s3`/`-dynamodb`/`-sqs`, ' +
      'keep-alive HTTP/1.1, no retries); S3 clients for both servers with `forcePathStyle` and ' +
      "`requestChecksumCalculation`/`responseChecksumValidation` `'WHEN_REQUIRED'` (what s3rver " +
      'needs). Closed loop: each of the N workers sends its next request when the last is answered.',
    '',
    caseTable(r.cases),
    '',
    rssTable(r),
    '',
  ]
  const errors = r.cases.flatMap((c) =>
    (
      [
        [peerName(c), c.peer],
        ['tributary', c.tributary],
      ] as const
    ).flatMap(([who, x]) =>
      x?.errors
        ? [`${who} ${c.service} ${c.op} c=${c.concurrency}: ${x.errors} errors (${x.firstError})`]
        : [],
    ),
  )
  if (errors.length) out.push(`Errors: ${errors.join('; ')}`, '')
  return out
}

export function awsTargets(r: AwsApisResult | undefined): string[][] {
  if (!r) return []
  const rows: string[][] = []
  for (const service of ['S3', 'DynamoDB'] as const) {
    const cs = r.cases.filter((c) => c.service === service && c.peer)
    if (!cs.length) continue
    const ratios = cs.map((c) => c.tributary.opsPerSec / c.peer!.opsPerSec)
    const worst = cs[ratios.indexOf(Math.min(...ratios))]!
    const met = cs.filter(caseMet).length
    rows.push([
      `${service} ≥ ${AWS_TARGETS.peerRatio}× ${PEER_OF[service]} on every case, sync always (issue 11)`,
      `${met} of ${cs.length} cases met; ${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)}× ` +
        `(lowest: ${worst.op}, ${worst.concurrency} in flight)`,
      mark(met === cs.length),
    ])
  }
  const rss = mb(r.peakRssKiB.tributary)
  if (Number.isFinite(rss))
    rows.push([
      `server RSS ≤ ${AWS_TARGETS.rssMB} MB, aws-apis group (issue 11)`,
      `${int(rss)} MB peak`,
      mark(rss <= AWS_TARGETS.rssMB),
    ])
  return rows
}

// The put workload against Tributary over HTTP/2, beside its HTTP/1.1 figures from the same run
// (kinesalite speaks HTTP/1.1 only, so these cases have no kinesalite counterpart).
import type { PutRecordsRequestEntry } from '@aws-sdk/client-kinesis'
import { type ClientProtocol, makeClient } from './client.ts'
import { fix, int, ratio, table } from './markdown.ts'
import { type PutCase, type PutResult, putThroughput, type Target } from './workloads.ts'

export interface PutHttp2Row extends PutCase {
  http1: PutResult
  /** The SDK's default Kinesis handler: HTTP/2, a session per request. */
  h2: PutResult
  /** HTTP/2 with every request multiplexed on one session. */
  h2Shared: PutResult
}

const VARIANTS = [
  ['h2', 'h2', 'HTTP/2, SDK default'],
  ['h2Shared', 'h2-shared', 'HTTP/2, one session'],
] as const satisfies readonly [keyof PutHttp2Row, ClientProtocol, string][]

/** Runs case `c` over both HTTP/2 variants on Tributary; `http1` is its HTTP/1.1 result from this run. */
export async function putOverHttp2(
  tributary: Target,
  c: PutCase,
  http1: PutResult,
  batches: PutRecordsRequestEntry[][],
  timing: { warmupMs: number; measureMs: number },
  onResult: (label: string, r: PutResult) => void,
): Promise<PutHttp2Row> {
  const row: Partial<PutHttp2Row> = { ...c, http1 }
  for (const [key, protocol, label] of VARIANTS) {
    const client = makeClient(tributary.server.endpoint, protocol)
    try {
      const r = await putThroughput({ server: tributary.server, client }, c, batches, timing)
      onResult(label, r)
      row[key] = r
    } finally {
      client.destroy()
    }
  }
  return row as PutHttp2Row
}

export function putHttp2Section(rows: PutHttp2Row[]): string[] {
  if (!rows.length) return []
  const calls = (r: PutResult) => `${fix(r.callP50)} / ${fix(r.callP99)}`
  const body = rows.map((x) => [
    String(x.shards),
    String(x.concurrency),
    int(x.http1.recordsPerSec),
    `${int(x.h2.recordsPerSec)} (${ratio(x.h2.recordsPerSec, x.http1.recordsPerSec)})`,
    `${int(x.h2Shared.recordsPerSec)} (${ratio(x.h2Shared.recordsPerSec, x.http1.recordsPerSec)})`,
    `${calls(x.http1)} · ${calls(x.h2)} · ${calls(x.h2Shared)}`,
    `${fix(x.http1.serverCpuPer1k)} · ${fix(x.h2.serverCpuPer1k)} · ${fix(x.h2Shared.serverCpuPer1k)}`,
    `${x.h2.errors + x.h2.failedRecords} · ${x.h2Shared.errors + x.h2Shared.failedRecords}`,
  ])
  const errors = rows.flatMap((x) =>
    [x.h2, x.h2Shared]
      .filter((r) => r.errors)
      .map((r) => `${x.shards} shard c=${x.concurrency}: ${r.firstError ?? 'no exception'}`),
  )
  return [
    '### PutRecords over HTTP/2 (Tributary; same cases, same server)',
    '',
    'HTTP/1.1: keep-alive connections, as in the table above. HTTP/2, SDK default: ' +
      '`new KinesisClient({ endpoint, region })` unchanged (Kinesis sets `disableConcurrentStreams`, ' +
      'so each request opens its own session). HTTP/2, one session: `NodeHttp2Handler` multiplexing ' +
      'every request on one connection.',
    '',
    table(
      [
        'shards',
        'conc',
        'HTTP/1.1 rec/s',
        'HTTP/2 SDK default rec/s (÷ 1.1)',
        'HTTP/2 one session rec/s (÷ 1.1)',
        'call p50 / p99 ms: 1.1 · default · one session',
        'server CPU ms per 1k rec: 1.1 · default · one session',
        'errors + failed records: default · one session',
      ],
      body,
    ),
    '',
    ...(errors.length ? [`Errors: ${errors.join('; ')}`, ''] : []),
  ]
}

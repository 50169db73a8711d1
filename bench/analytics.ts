// The analytics group: streaming SQL (a TUMBLE aggregate) through the operator on this process,
// one thread: records per second, how long after the watermark passes a window's end it is out,
// and memory (RSS and open state rows), which should follow open windows, not records.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { AnalyticsOperator, type InputRecord } from '../src/analytics/operator.ts'
import { compileProgram } from '../src/analytics/sql/program.ts'
import { fix, int, mark, table } from './markdown.ts'

export interface AnalyticsBenchResult {
  records: number
  batchRecords: number
  recordsPerSec: number
  cpuCores: number
  /** Per batch that closed windows: ms from the batch's start until its windows were in the outbox. */
  emitP50: number
  emitP99: number
  windowsOut: number
  peakRssMB: number
  /** Open state rows after each batch: the largest seen. */
  maxStateRows: number
}

const SQL = `
CREATE TABLE trips (zone STRING, fare DECIMAL(10,2), ts TIMESTAMP(3),
  WATERMARK FOR ts AS ts - INTERVAL '5' SECOND)
WITH ('connector' = 'kinesis', 'stream' = 'trips', 'scan.stream.initpos' = 'TRIM_HORIZON');
CREATE TABLE stats (window_start TIMESTAMP(3), zone STRING, trips BIGINT, total DECIMAL(16,2), mean DOUBLE)
WITH ('connector' = 'blackhole');
INSERT INTO stats SELECT window_start, zone, COUNT(*), SUM(fare), AVG(fare)
FROM TABLE(TUMBLE(TABLE trips, DESCRIPTOR(ts), INTERVAL '10' SECOND))
GROUP BY window_start, window_end, zone;`

export async function analyticsGroup(options: {
  quick: boolean
  log: (line: string) => void
}): Promise<AnalyticsBenchResult> {
  const records = options.quick ? 200_000 : 1_000_000
  const batchRecords = 10_000
  const dir = mkdtempSync(join(tmpdir(), 'tributary-bench-analytics-'))
  const op = await AnalyticsOperator.open(join(dir, 'state.duckdb'), await compileProgram(SQL), SQL)
  const t0 = Date.UTC(2026, 0, 1)
  const zones = Array.from({ length: 50 }, (_, i) => `zone-${i}`)
  let seed = 7
  const rand = () => {
    seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648
    return seed / 2_147_483_648
  }
  const emits: number[] = []
  let windowsOut = 0
  let maxStateRows = 0
  let peakRss = 0
  let busyMs = 0
  const cpu0 = process.cpuUsage()
  const started = performance.now()
  for (let b = 0; b * batchRecords < records; b++) {
    // 1 ms of event time per record (1,000 records/s of event time), out of order by up to 5 s.
    const input: InputRecord[] = []
    for (let i = 0; i < batchRecords; i++) {
      const n = b * batchRecords + i
      const ts = new Date(t0 + n - Math.floor(rand() * 5_000)).toISOString()
      const line = `{"zone":"${zones[n % zones.length]}","fare":${(2.5 + rand() * 80).toFixed(2)},"ts":"${ts}"}`
      input.push({ shard: 0, ordinal: n, sub: 0, arrivalMs: t0, line })
    }
    const at = performance.now()
    const outcome = await op.process({
      records: new Map([['trips', input]]),
      now: t0,
      positions: new Map([['trips/s0', { created: 1, next: (b + 1) * batchRecords }]]),
      shardKeys: new Map([[0, 'trips/s0']]),
      activeShards: new Map([['trips', ['trips/s0']]]),
    })
    const pending = await op.pending()
    if (pending.length > 0) await op.acknowledge(pending[pending.length - 1]!.seq)
    const took = performance.now() - at
    busyMs += took
    if (outcome.emitted > 0) {
      emits.push(took)
      windowsOut += pending.filter((e) => e.kind === 'rows').length
    }
    if (b % 10 === 0) {
      maxStateRows = Math.max(maxStateRows, await op.stateRows())
      peakRss = Math.max(peakRss, process.memoryUsage().rss)
    }
  }
  const seconds = (performance.now() - started) / 1000
  const cpu = process.cpuUsage(cpu0)
  op.close()
  rmSync(dir, { recursive: true, force: true })
  emits.sort((a, b) => a - b)
  const q = (p: number) => emits[Math.min(emits.length - 1, Math.floor(p * emits.length))] ?? Number.NaN
  const r: AnalyticsBenchResult = {
    records,
    batchRecords,
    recordsPerSec: records / (busyMs / 1000),
    cpuCores: (cpu.user + cpu.system) / 1e6 / seconds,
    emitP50: q(0.5),
    emitP99: q(0.99),
    windowsOut,
    peakRssMB: peakRss / 1e6,
    maxStateRows,
  }
  options.log(
    `analytics: ${int(r.recordsPerSec)} rec/s, emit p50 ${fix(r.emitP50)} / p99 ${fix(r.emitP99)} ms, RSS ${fix(r.peakRssMB)} MB, state rows ≤ ${int(r.maxStateRows)}`,
  )
  return r
}

export function analyticsSection(r: AnalyticsBenchResult | undefined): string[] {
  if (!r) return []
  return [
    '### Streaming SQL: a TUMBLE aggregate (10 s windows, 50 zones, 5 s out of order)',
    '',
    `${int(r.records)} records in micro-batches of ${int(r.batchRecords)}, through the operator on one thread (record decoding, the DuckDB transaction per batch with its fsync, the outbox).`,
    '',
    table(
      ['case', 'result', 'target'],
      [
        [
          'records per second (time in batches)',
          int(r.recordsPerSec),
          `${mark(r.recordsPerSec >= 50_000)} ≥ 50,000`,
        ],
        ['CPU while running', `${fix(r.cpuCores, 2)} cores`, `${mark(r.cpuCores <= 1.05)} ≤ 1 core`],
        [
          'windows out after the watermark passes their end, p50 / p99',
          `${fix(r.emitP50)} / ${fix(r.emitP99)} ms (${int(r.windowsOut)} windows)`,
          `${mark(r.emitP99 <= 1000)} p99 ≤ 1 s`,
        ],
        ['peak RSS', `${fix(r.peakRssMB)} MB`, ''],
        ['open state rows, largest', int(r.maxStateRows), 'bounded by open windows × zones'],
      ],
    ),
    '',
  ]
}

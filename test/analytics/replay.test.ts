import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DuckDBInstance } from '@duckdb/node-api'
import { describe, expect, it } from 'vitest'
import { AnalyticsOperator, type InputRecord } from '../../src/analytics/operator.ts'
import { compileProgram } from '../../src/analytics/sql/program.ts'
import { sinkValue } from '../../src/analytics/values.ts'
import { Prng } from '../helpers/prng.ts'
import { T0 } from './harness.ts'

const N = Number(process.env.TRIBUTARY_ANALYTICS_REPLAY ?? 100_000)
const SHARDS = 2
/** Records a batch takes from a shard, at most (each batch takes a random number up to it). */
const PER_SHARD_BATCH = 5_000
const WINDOW_MS = 60_000
const BOUND_MS = 3_000
const DISORDER_MS = 5_000
const ZONES = ['JFK', 'LGA', 'Midtown', 'Harlem', 'SoHo', 'Astoria', 'Flushing']

const SQL = `
CREATE TABLE trips (zone STRING, fare DECIMAL(10,2), ts TIMESTAMP(3),
  WATERMARK FOR ts AS ts - INTERVAL '${BOUND_MS / 1000}' SECOND)
WITH ('connector' = 'kinesis', 'stream' = 'trips', 'scan.stream.initpos' = 'TRIM_HORIZON');
CREATE TABLE stats (window_start TIMESTAMP(3), zone STRING, trips BIGINT, total DECIMAL(16,2),
  low DECIMAL(10,2), high DECIMAL(10,2), mean DOUBLE) WITH ('connector' = 'blackhole');
INSERT INTO stats
SELECT window_start, zone, COUNT(*), SUM(fare), MIN(fare), MAX(fare), AVG(fare)
FROM TABLE(TUMBLE(TABLE trips, DESCRIPTOR(ts), INTERVAL '1' MINUTE))
GROUP BY window_start, window_end, zone;`

interface Trip {
  shard: number
  ordinal: number
  et: number
  zone: string
  cents: number
}

/** Trips per shard in arrival order, their event times behind arrival by up to DISORDER_MS. */
function trips(prng: Prng): Trip[][] {
  const perShard = Math.ceil(N / SHARDS)
  return Array.from({ length: SHARDS }, (_, shard) =>
    Array.from({ length: perShard }, (_, ordinal) => ({
      shard,
      ordinal,
      et: T0 + ordinal * 20 + shard * 7 - prng.int(0, DISORDER_MS),
      zone: ZONES[prng.int(0, ZONES.length - 1)]!,
      cents: prng.int(250, 25_000),
    })),
  )
}

describe('a replay of out-of-order records', () => {
  it(`gives exactly the windows a batch DuckDB query gives over the same ${N.toLocaleString('en')} records, and the right late count`, async () => {
    const prng = new Prng(Number(process.env.SEED ?? 20261206))
    const shards = trips(prng)
    const dir = mkdtempSync(join(tmpdir(), 'tributary-replay-'))
    const op = await AnalyticsOperator.open(join(dir, 'state.duckdb'), await compileProgram(SQL), SQL)
    const reference = await DuckDBInstance.create(':memory:')
    const db = await reference.connect()
    try {
      await db.run('CREATE TABLE trips (et BIGINT, zone VARCHAR, fare DECIMAL(10,2), late BOOLEAN)')
      const appender = await db.createAppender('trips')
      // The model of time the results must follow, kept here independently of the operator:
      // the watermark moves after each batch to min over shards of (max event time) − bound; a
      // record is late when its window's end is at or before the watermark it arrives under.
      const maxEt = new Array<number>(SHARDS).fill(Number.NEGATIVE_INFINITY)
      let watermark = Number.NEGATIVE_INFINITY
      let expectedLate = 0
      const output: Record<string, unknown>[] = []
      let late = 0
      const offsets = new Array<number>(SHARDS).fill(0)
      while (offsets.some((o, s) => o < shards[s]!.length)) {
        const records: InputRecord[] = []
        const positions = new Map<string, { created: number; next: number }>()
        for (const [s, shard] of shards.entries()) {
          // Batches cut anywhere, and shards read at different paces, as live reads are.
          const slice = shard.slice(offsets[s], offsets[s]! + prng.int(100, PER_SHARD_BATCH))
          offsets[s]! += slice.length
          for (const t of slice) {
            const line = JSON.stringify({
              zone: t.zone,
              fare: t.cents / 100,
              ts: new Date(t.et).toISOString(),
            })
            records.push({ shard: t.shard, ordinal: t.ordinal, sub: 0, arrivalMs: T0, line })
            const isLate = Math.floor((t.et - T0) / WINDOW_MS) * WINDOW_MS + T0 + WINDOW_MS <= watermark
            if (isLate) expectedLate++
            appender.appendBigInt(BigInt(t.et))
            appender.appendVarchar(t.zone)
            appender.appendVarchar((t.cents / 100).toFixed(2))
            appender.appendBoolean(isLate)
            appender.endRow()
            maxEt[t.shard] = Math.max(maxEt[t.shard]!, t.et)
          }
          positions.set(`trips/s${s}`, { created: 1, next: offsets[s]! })
        }
        watermark = Math.max(watermark, Math.min(...maxEt) - BOUND_MS)
        const outcome = await op.process({
          records: new Map([['trips', records]]),
          now: T0,
          positions,
          shardKeys: new Map(shards.map((_, s) => [s, `s${s}`])),
          activeShards: new Map([['trips', shards.map((_, s) => `s${s}`)]]),
        })
        late += outcome.late.get(0) ?? 0
        const pending = await op.pending()
        for (const e of pending) if (e.kind === 'rows') for (const r of e.rows) output.push(JSON.parse(r))
        if (pending.length > 0) await op.acknowledge(pending[pending.length - 1]!.seq)
      }
      appender.flushSync()
      appender.closeSync()
      const T = (column: string) => `strftime(make_timestamp((${column}) * 1000), '%Y-%m-%d %H:%M:%S.%g')`
      const expected = (
        await db.runAndReadAll(`
          SELECT ${T('ws')} AS window_start, zone, count(*) AS trips, CAST(sum(fare) AS DECIMAL(16,2)) AS total,
                 min(fare) AS low, max(fare) AS high, avg(fare) AS mean
          FROM (SELECT *, et // ${WINDOW_MS} * ${WINDOW_MS} AS ws FROM trips WHERE NOT late)
          WHERE ws + ${WINDOW_MS} <= ${watermark}
          GROUP BY ws, zone ORDER BY ws, zone`)
      )
        .getRows()
        .map((row) => {
          const [window_start, zone, n, total, low, high, mean] = row.map(sinkValue)
          return { window_start, zone, trips: n, total, low, high, mean }
        })
      expect(expectedLate).toBeGreaterThan(0)
      expect(late).toBe(expectedLate)
      expect(output.length).toBe(expected.length)
      expect(output).toEqual(expected)
      console.log(`replay: ${N} records, ${expected.length} window rows, ${late} late`)
    } finally {
      db.closeSync()
      reference.closeSync()
      op.close()
      rmSync(dir, { recursive: true, force: true })
    }
  }, 600_000)
})

/**
 * The dashboard's Analytics API over plain HTTP, against a running pipeline on the manual clock:
 * each query's watermark, lag, counts and open state, the newest rows it output, and the
 * `analytics` event of the live stream.
 */
import { describe, expect, it, onTestFinished } from 'vitest'
import type { AnalyticsStatus, QueryResults } from '../../src/analytics/status.ts'
import { ManualClock, startPipeline, type TestPipeline } from '../../src/testing/index.ts'
import { dashboardSourceFromRuntime } from '../../src/web/runtime-source.ts'
import { at, PER_ZONE_INSERT, T0, TRIPS_DDL } from '../analytics/harness.ts'
import { type Served, serveDashboard } from './fake-source.ts'
import { openSse } from './sse-client.ts'

/** The engine clock stands two minutes after the first trip: lags are exact. */
const NOW = T0 + 120_000

const FARES_SQL = `${TRIPS_DDL}CREATE TABLE zone_totals (zone STRING, trips BIGINT) WITH ('connector' = 'blackhole');
${PER_ZONE_INSERT}INSERT INTO zone_totals SELECT zone, COUNT(*) FROM trips GROUP BY zone;
`

async function served(definition: Record<string, unknown>): Promise<{ p: TestPipeline; s: Served }> {
  const p = await startPipeline(definition as never, {
    clock: new ManualClock(NOW),
    teardown: onTestFinished,
  })
  const source = dashboardSourceFromRuntime(p.runtime, { metrics: p.runtime.metricStore })
  onTestFinished(() => source.close())
  // The feed ticks when the test says (a day is never reached).
  return { p, s: await serveDashboard(source, { tickMs: 86_400_000 }) }
}

const taxi = () =>
  served({
    name: 'taxi',
    streams: { trips: { shardCount: 1 } },
    tables: { 'zone-stats': { partitionKey: 'zone', sortKey: 'window_start' } },
    queues: { late: {} },
    analytics: { fares: { sql: FARES_SQL, lateRecords: { queue: 'late' } } },
  })

async function get<T>(url: string): Promise<{ status: number; body: T }> {
  const res = await fetch(url)
  return { status: res.status, body: (await res.json()) as T }
}
const list = async (url: string) =>
  (await get<{ analytics: AnalyticsStatus[] }>(`${url}/ui/api/analytics`)).body.analytics

describe('the dashboard’s Analytics API', () => {
  it('gives each query’s watermark, lag, counts and open state, and the rows it output', async () => {
    const { p, s } = await taxi()
    await p.put('trips', [
      { zone: 'A', fare: 10.5, ts: at(1_000) },
      { zone: 'B', fare: 3, ts: at(2_000) },
      { zone: 'A', fare: 4.25, ts: at(59_000) },
      // Past 10:01 + 5 s: the watermark (10:01:01) closes [10:00, 10:01).
      { zone: 'A', fare: 1, ts: at(66_000) },
    ])
    await expect.poll(async () => (await list(s.url))[0]?.queries[0]?.rowsOut).toBe(2)
    const [fares] = await list(s.url)
    expect(fares).toMatchObject({
      name: 'fares',
      state: 'running',
      now: NOW,
      lastBatchAt: NOW,
      recordsIn: 4,
      rowsOut: 2 + fares!.queries[1]!.rowsOut,
      late: 0,
      invalid: 0,
    })
    expect(fares!.error).toBeUndefined()
    const [windowed, totals] = fares!.queries
    expect(windowed).toEqual({
      index: 0,
      sql: expect.stringMatching(
        /^INSERT INTO per_zone\s+SELECT window_start, zone.*GROUP BY window_start, window_end, zone$/s,
      ),
      sink: { table: 'per_zone', connector: 'table zone-stats' },
      source: 'trips',
      window: 'TUMBLE 1 min',
      mode: 'window',
      time: 'event',
      watermark: T0 + 61_000,
      watermarkLagMs: NOW - (T0 + 61_000),
      shards: [{ shard: 'trips/shardId-000000000000', watermark: T0 + 61_000, idle: false }],
      recordsIn: 4,
      rowsOut: 2,
      late: 0,
      // [10:01, 10:02) is open with zone A's one trip.
      openWindows: 1,
      stateRows: 1,
      columns: ['window_start', 'zone', 'trips', 'total'],
      resultsSeq: 2,
    })
    // An update-mode query has no windows: its groups are its state; each change is a row.
    expect(totals).toMatchObject({
      index: 1,
      sink: { table: 'zone_totals', connector: 'blackhole' },
      mode: 'update',
      time: 'event',
      stateRows: 2,
      late: 0,
      columns: ['zone', 'trips'],
    })
    expect(totals!.window).toBeUndefined()
    expect(totals!.openWindows).toBeUndefined()
    expect(totals!.resultsSeq).toBe(totals!.rowsOut)

    const results = await get<{ name: string; queries: QueryResults[] }>(
      `${s.url}/ui/api/analytics/fares/results`,
    )
    expect(results.status).toBe(200)
    expect(results.body.queries[0]).toEqual({
      index: 0,
      columns: ['window_start', 'zone', 'trips', 'total'],
      total: 2,
      rows: [
        { window_start: '2026-01-01 10:00:00.000', zone: 'A', trips: 2, total: 14.75 },
        { window_start: '2026-01-01 10:00:00.000', zone: 'B', trips: 1, total: 3 },
      ],
    })
    // The update query's newest rows: the last for each zone holds its count.
    const updates = results.body.queries[1]!.rows
    const latest = Object.fromEntries(updates.map((r) => [r.zone, r.trips]))
    expect(latest).toEqual({ A: 3, B: 1 })

    // A trip too late for its window is counted against the query it was late for.
    await p.put('trips', [{ zone: 'B', fare: 9, ts: at(30_000) }])
    await expect.poll(async () => (await list(s.url))[0]?.queries[0]?.late).toBe(1)
    const after = (await list(s.url))[0]!
    expect(after.late).toBe(1)
    expect(after.queries[0]).toMatchObject({ recordsIn: 5, rowsOut: 2, watermark: T0 + 61_000 })
    // Not late for a query without windows: it counts the trip.
    expect(after.queries[1]).toMatchObject({ late: 0, recordsIn: 5 })

    // The clock moves: the lag grows with it, the watermark does not.
    p.clock.set(NOW + 30_000)
    const moved = (await list(s.url))[0]!.queries[0]!
    expect(moved).toMatchObject({ watermark: T0 + 61_000, watermarkLagMs: NOW + 30_000 - (T0 + 61_000) })
  })

  it('sends the progress on the live stream when it changes, and limits and refuses results reads', async () => {
    const { p, s } = await taxi()
    const events = await openSse(`${s.url}/ui/api/events`)
    const first = await events.next((e) => e.event === 'analytics')
    expect((first.data as { analytics: AnalyticsStatus[] }).analytics.map((a) => a.name)).toEqual(['fares'])
    await p.put('trips', [
      { zone: 'A', fare: 1, ts: at(1_000) },
      { zone: 'B', fare: 1, ts: at(2_000) },
      { zone: 'C', fare: 1, ts: at(3_000) },
      { zone: 'A', fare: 2, ts: at(70_000) },
    ])
    await expect.poll(async () => (await list(s.url))[0]?.queries[0]?.rowsOut).toBe(3)
    s.dashboard.tick()
    const update = await events.next(
      (e) =>
        e.event === 'analytics' && (e.data as { analytics: AnalyticsStatus[] }).analytics[0]!.rowsOut > 0,
    )
    expect((update.data as { analytics: AnalyticsStatus[] }).analytics[0]!.queries[0]).toMatchObject({
      rowsOut: 3,
      resultsSeq: 3,
      watermark: T0 + 65_000,
    })

    const limited = await get<{ queries: QueryResults[] }>(`${s.url}/ui/api/analytics/fares/results?limit=1`)
    expect(limited.body.queries[0]).toMatchObject({
      total: 3,
      rows: [{ window_start: '2026-01-01 10:00:00.000', zone: 'C', trips: 1 }],
    })
    expect(await get(`${s.url}/ui/api/analytics/nope/results`)).toEqual({
      status: 404,
      body: { error: "No analytics resource named 'nope'." },
    })
    expect((await get(`${s.url}/ui/api/analytics/fares/results?limit=0`)).status).toBe(400)
  })

  it('says a job failed, and why, when a sink refuses its rows', async () => {
    // The table is keyed by a column the query does not output: DynamoDB refuses every put.
    const { p, s } = await served({
      name: 'taxi',
      streams: { trips: { shardCount: 1 } },
      tables: { 'zone-stats': { partitionKey: 'zone_id' } },
      analytics: { fares: { sql: FARES_SQL } },
    })
    await p.put('trips', [
      { zone: 'A', fare: 1, ts: at(1_000) },
      { zone: 'A', fare: 2, ts: at(70_000) },
    ])
    await expect.poll(async () => (await list(s.url))[0]?.state).toBe('failed')
    const [fares] = await list(s.url)
    expect(fares!.error).toBe(
      'One or more parameter values were invalid: Missing the key zone_id in the item',
    )
  })

  it('lists none for a pipeline without analytics', async () => {
    const { s } = await served({ name: 'plain', streams: { trips: { shardCount: 1 } } })
    expect(await get(`${s.url}/ui/api/analytics`)).toEqual({ status: 200, body: { analytics: [] } })
    expect((await get(`${s.url}/ui/api/analytics/fares/results`)).status).toBe(404)
  })
})

/**
 * The Analytics panel in Chromium over a running pipeline on the manual clock (see
 * browser-helpers.ts): queries with their watermarks and counts, live results as a table and a
 * chart, and the panel of a pipeline without analytics.
 */
import { createHash } from 'node:crypto'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ManualClock, startPipeline, type TestPipeline } from '../../src/testing/index.ts'
import { dashboardSourceFromRuntime } from '../../src/web/runtime-source.ts'
import { at, PER_ZONE_INSERT, T0, TRIPS_DDL } from '../analytics/harness.ts'
import { launch, needChromium, open, shot } from './browser-helpers.ts'
import { fakeSource, type Served, serveDashboard } from './fake-source.ts'

const NOW = T0 + 300_000

const SQL = TRIPS_DDL + PER_ZONE_INSERT

/** A partition key that lands on shard 0 (hash key below 2^127) or shard 1 of a 2-shard stream. */
const keyFor = (shard: 0 | 1) => {
  for (let i = 0; ; i++) {
    const high = Number.parseInt(createHash('md5').update(`k${i}`).digest('hex')[0]!, 16) >= 8
    if (high === (shard === 1)) return `k${i}`
  }
}

let browser: Browser | undefined
let p: TestPipeline
let served: Served
let empty: Served

beforeAll(async () => {
  browser = await launch()
  if (!browser) return
  p = await startPipeline(
    {
      name: 'taxi',
      streams: { trips: { shardCount: 2 } },
      tables: { 'zone-stats': { partitionKey: 'zone', sortKey: 'window_start' } },
      queues: { late: {} },
      analytics: { fares: { sql: SQL, lateRecords: { queue: 'late' } } },
    },
    { clock: new ManualClock(NOW) },
  )
  const source = dashboardSourceFromRuntime(p.runtime, { metrics: p.runtime.metricStore })
  served = await serveDashboard(
    Object.assign(source, { dispose: () => void source.close() }),
    { tickMs: 100 },
    true,
  )
  empty = await serveDashboard(fakeSource(), { tickMs: 100 }, true)
})

afterAll(async () => {
  await browser?.close()
  await served?.close()
  await empty?.close()
  await p?.dispose()
})

const text = (page: Page, testid: string) => page.textContent(`[data-testid="${testid}"]`)
const rows = (page: Page) =>
  page.$$eval('[data-testid="analytics-row"]', (trs) =>
    trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent).join(' | ')),
  )

describe('the Analytics panel in Chromium', () => {
  it('shows the queries’ watermarks and counts, and their results live as a table and a chart', async (ctx) => {
    if (!needChromium(ctx)) return
    const { page, problems } = await open(browser!, served.url, '#analytics')
    await page.waitForSelector('[data-testid="analytics-state-fares"]:has-text("running")')
    await page.waitForSelector('[data-testid="analytics-query-0"]')
    expect(await page.textContent('[data-testid="query-watermark"] > span')).toBe('none yet')
    expect(
      await page.$$eval('[data-testid="shard-watermark"]', (lis) => lis.map((li) => li.textContent)),
    ).toEqual(['shard 0: –', 'shard 1: –'])
    expect(await text(page, 'analytics-results-status')).toBe('no rows yet')
    expect(await page.textContent('[data-testid="analytics-query-0"] summary')).toBe(
      '#1 → per_zone (table zone-stats)',
    )

    // Two windows close (the watermark, the lower shard's, reaches 10:02:05): five result rows.
    const [a, b] = [keyFor(0), keyFor(1)]
    await p.put(
      'trips',
      [
        { zone: 'A', fare: 10, ts: at(1_000) },
        { zone: 'A', fare: 5, ts: at(59_000) },
      ],
      {
        partitionKey: a,
      },
    )
    await p.put('trips', [{ zone: 'B', fare: 3, ts: at(2_000) }], { partitionKey: b })
    await p.put('trips', [{ zone: 'A', fare: 1, ts: at(61_000) }], { partitionKey: a })
    await p.put(
      'trips',
      [
        { zone: 'B', fare: 2, ts: at(62_000) },
        { zone: 'C', fare: 4, ts: at(90_000) },
      ],
      {
        partitionKey: b,
      },
    )
    await p.put('trips', [{ zone: 'A', fare: 7, ts: at(130_000) }], { partitionKey: a })
    await p.put('trips', [{ zone: 'C', fare: 7, ts: at(140_000) }], { partitionKey: b })

    // No reload: the live stream brings the counts, then the rows.
    await page.waitForSelector('[data-testid="query-out"]:has-text("5")')
    await page.waitForSelector('[data-testid="analytics-results-status"]:has-text("5 rows out")')
    const wm = T0 + 125_000
    expect(await page.getAttribute('[data-testid="query-watermark"] [data-ms]', 'data-ms')).toBe(String(wm))
    expect(
      await page.$$eval('[data-testid="shard-watermark"]', (lis) => lis.map((li) => li.textContent)),
    ).toEqual([expect.stringMatching(/^shard 0: .*:02:05$/), expect.stringMatching(/^shard 1: .*:02:15$/)])
    // 175 s behind the engine clock; [10:02, 10:03) is open with A's and C's trips.
    expect(await text(page, 'query-lag')).toBe('3 min')
    expect(await text(page, 'query-windows')).toBe('1')
    expect(await text(page, 'query-state')).toBe('2')
    expect((await rows(page)).sort()).toEqual([
      '2026-01-01 10:00:00.000 | A | 2 | 15',
      '2026-01-01 10:00:00.000 | B | 1 | 3',
      '2026-01-01 10:01:00.000 | A | 1 | 1',
      '2026-01-01 10:01:00.000 | B | 1 | 2',
      '2026-01-01 10:01:00.000 | C | 1 | 4',
    ])
    // The chart: trips per window, a line per zone, the busiest first.
    const chart = '[data-testid="chart-analytics"]'
    await page.waitForSelector(`${chart}[data-points="2"]`)
    const plot = await page.$eval(chart, (el) => {
      const u = (el as unknown as { uplot: { series: { label: string }[]; data: unknown[][] } }).uplot
      return { labels: u.series.slice(1).map((s) => s.label), data: u.data }
    })
    expect(plot.labels).toEqual(['A', 'B', 'C'])
    expect(plot.data).toEqual([
      [T0 / 1000, T0 / 1000 + 60],
      [2, 1],
      [1, 1],
      [null, 1],
    ])
    expect(await text(page, 'analytics-value')).toBe('tripstotal')
    await page.selectOption('[data-testid="analytics-value"]', 'total')
    const firstLine = () =>
      page.$eval(chart, (el) => (el as unknown as { uplot: { data: unknown[][] } }).uplot.data[1])
    await expect.poll(firstLine).toEqual([15, 1])

    // The statement, opened, stays open while the table updates.
    await page.click('[data-testid="analytics-query-0"] summary')
    expect(await page.textContent('[data-testid="analytics-query-0"] details[open] pre')).toMatch(
      /^INSERT INTO per_zone\s+SELECT window_start/,
    )
    // A late trip shows up as it is counted.
    await p.put('trips', [{ zone: 'B', fare: 9, ts: at(30_000) }], { partitionKey: a })
    await page.waitForSelector('[data-testid="query-late"]:has-text("1")')
    expect(await text(page, 'analytics-late')).toBe('1 late')
    expect(await page.isVisible('[data-testid="analytics-query-0"] details[open] pre')).toBe(true)
    expect(problems.errors).toEqual([])
    await shot(page, 'analytics')
    await page.close()
  })

  it('charts the latest row of each window and group, the groups with the largest totals', async (ctx) => {
    if (!needChromium(ctx)) return
    const { page } = await open(browser!, empty.url, '#analytics')
    // The page's own module (a string: vitest would rewrite an import() in a function).
    await page.evaluate("import('/ui/assets/analytics.js').then((m) => { window.analyticsModule = m })")
    const series = await page.evaluate(() => {
      type Row = Record<string, unknown>
      const { chartColumns, chartSeries } = (
        globalThis as unknown as {
          analyticsModule: {
            chartColumns(c: string[], r: Row[]): { x: string; numeric: string[]; keys: string[] }
            chartSeries(r: Row[], x: string, v: string, k: string[]): unknown
          }
        }
      ).analyticsModule
      const w = (m: number) => `2026-01-01 10:0${m}:00.000`
      // Ten zones over two windows; zone 0's first window is output twice (an update): 1, then 50.
      const rows = [
        ...Array.from({ length: 10 }, (_, z) => ({
          window_start: w(0),
          window_end: w(1),
          zone: `z${z}`,
          trips: z + 1,
        })),
        ...Array.from({ length: 10 }, (_, z) => ({
          window_start: w(1),
          window_end: w(2),
          zone: `z${z}`,
          trips: z + 1,
        })),
        { window_start: w(0), window_end: w(1), zone: 'z0', trips: 50 },
      ]
      const columns = chartColumns(['window_start', 'window_end', 'zone', 'trips'], rows)
      // A numeric id groups rows: sessions per vendor are charted by their trips, a line per vendor.
      const sessions = chartColumns(
        ['vendor_id', 'session_start', 'session_end', 'trips', 'revenue'],
        [{ vendor_id: 2, session_start: w(0), session_end: w(1), trips: 3, revenue: 41.5 }],
      )
      return { columns, sessions, series: chartSeries(rows, columns.x, 'trips', columns.keys) }
    })
    expect(series.columns).toEqual({ x: 'window_start', numeric: ['trips'], keys: ['zone'] })
    expect(series.sessions).toEqual({
      x: 'session_start',
      numeric: ['trips', 'revenue'],
      keys: ['vendor_id'],
    })
    const t = Date.UTC(2026, 0, 1, 10, 0, 0) / 1000
    expect(series.series).toEqual({
      t: [t, t + 60],
      // z0: 50 + 1; then z9 … z3 by their totals (z2, z1 left out).
      lines: {
        z0: [50, 1],
        z9: [10, 10],
        z8: [9, 9],
        z7: [8, 8],
        z6: [7, 7],
        z5: [6, 6],
        z4: [5, 5],
        z3: [4, 4],
      },
      groups: 10,
    })
    await page.close()
  })

  it('says so, with where to read on, when the pipeline has no analytics', async (ctx) => {
    if (!needChromium(ctx)) return
    const { page, problems } = await open(browser!, empty.url, '#analytics')
    await page.waitForSelector('[data-testid="analytics-empty"]:visible')
    expect(await text(page, 'analytics-empty')).toContain('docs/analytics.md')
    expect(await text(page, 'analytics-list')).toBe('no analytics resources')
    expect(await page.isHidden('#analytics-detail')).toBe(true)
    expect(problems.errors).toEqual([])
    await page.close()
  })
})

/** The dashboard in Chromium: every tab, alarms, redrive, SQL, tail and lake (see browser-helpers.ts). */
import { parquetWriteBuffer } from 'hyparquet-writer'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type LakeQuery, openLakeQuery } from '../../src/query/lake-query.ts'
import { tempDir } from '../helpers/tmp.ts'
import { DATE_FORMAT, launch, needChromium, open, shot } from './browser-helpers.ts'
import { type FakeSource, fakeSource, type Served, serveDashboard } from './fake-source.ts'

let browser: Browser | undefined
let served: Served
let source: FakeSource
let duckdb: LakeQuery | undefined

describe('dashboard in Chromium', () => {
  beforeAll(async () => {
    browser = await launch()
    if (!browser) return
    source = fakeSource()
    served = await serveDashboard(source, { tickMs: 100 }, true)
  })

  afterAll(async () => {
    await browser?.close()
    await served?.close()
    await duckdb?.close()
  })

  it('loads at / and shows the pipeline graph', async (ctx) => {
    if (!needChromium(ctx)) return
    const page = await browser!.newPage({ viewport: { width: 1400, height: 900 } })
    await page.goto(`${served.url}/`)
    expect(new URL(page.url()).pathname).toBe('/ui/')
    await page.waitForSelector('body[data-ready="true"]')
    expect(await page.textContent('[data-testid="pipeline-name"]')).toBe('telemetry')
    for (const id of [
      'stream-ingest',
      'function-enrich',
      'delivery-archive',
      'bucket-lake',
      'queue-work-dlq',
    ])
      await page.waitForSelector(`[data-testid="node-${id}"]`)
    await page.waitForSelector('[data-testid="edge-stream:ingest-function:enrich"]')
    await shot(page, 'overview')
    await page.close()
  })

  it('opens every tab without a console error or a failed request', async (ctx) => {
    if (!needChromium(ctx)) return
    const { page, problems } = await open(browser!, served.url)
    for (const tab of await page.$$eval('#tabs button', (bs) => bs.map((b) => b.getAttribute('data-tab')!))) {
      await page.click(`[data-testid="tab-${tab}"]`)
      await page.waitForSelector(`[data-panel="${tab}"]:not([hidden])`)
      // What each tab loads when shown.
      await page.waitForLoadState('networkidle')
    }
    // The browser asks for an icon once the page has loaded.
    await page.waitForLoadState('networkidle')
    expect(problems.errors).toEqual([])
    await page.close()
  })

  it('draws live chart data', async (ctx) => {
    if (!needChromium(ctx)) return
    const { page } = await open(browser!, served.url, '#metrics')
    await page.waitForSelector('[data-testid="chart-throughput"] canvas')
    // History first, then a new point per second over SSE.
    const points = () => page.getAttribute('[data-testid="chart-throughput"]', 'data-points').then(Number)
    const initial = await points()
    await expect.poll(points, { timeout: 10_000 }).toBeGreaterThan(initial)
    expect(await page.$$eval('[data-testid="chart-throughput"] .u-legend .u-series', (s) => s.length)).toBe(2)
    await shot(page, 'metrics')
    await page.close()
  })

  it('turns an alarm red when it fires, and shows its history in the dashboard date format', async (ctx) => {
    if (!needChromium(ctx)) return
    source.setAlarm('EnrichErrors', 'OK')
    const { page } = await open(browser!, served.url, '#alarms')
    const badge = '[data-testid="alarm-state-EnrichErrors"]'
    await page.waitForSelector(`${badge}.state-OK`)
    source.setAlarm('EnrichErrors', 'ALARM', 'Threshold Crossed: 3 datapoints were greater than 0')
    await page.waitForSelector(`${badge}.state-ALARM`)
    const color = await page.evaluate<string>(
      `getComputedStyle(document.querySelector('${badge}')).backgroundColor`,
    )
    const [r, g, b] = color.match(/\d+/g)!.map(Number)
    expect(r).toBeGreaterThan(180)
    expect(g! + b!).toBeLessThan(200)
    await page.click('[data-testid="alarm-EnrichErrors"]')
    await page.waitForSelector('[data-testid="alarm-history"] li')
    for (const text of await page.$$eval('[data-testid="alarm-history"] li time', (ts) =>
      ts.map((t) => t.textContent),
    ))
      expect(text).toMatch(DATE_FORMAT)
    // The alarm's node and the function it watches are outlined in the graph.
    await page.click('[data-testid="tab-overview"]')
    await page.waitForSelector('[data-testid="node-alarm-EnrichErrors"].alarm')
    await page.waitForSelector('[data-testid="node-function-enrich"].alarm')
    await shot(page, 'alarms')
    await page.close()
  })

  it("opens an alarm's history from the link in alert messages (#/alarms/<name>)", async (ctx) => {
    if (!needChromium(ctx)) return
    source.setAlarm('EnrichErrors', 'ALARM', 'Threshold Crossed: 3 datapoints were greater than 0')
    const { page } = await open(browser!, served.url, '#/alarms/EnrichErrors')
    await page.waitForSelector('[data-testid="alarm-history"] li')
    expect(await page.textContent('#alarm-history-title')).toBe('History: EnrichErrors')
    expect(await page.isVisible('[data-panel="alarms"]')).toBe(true)
    await page.close()
  })

  it('redrives a dead-letter message back to its queue', async (ctx) => {
    if (!needChromium(ctx)) return
    source.addMessage('work-dlq', '{"deviceId":"sensor-9","temp":451}', 'work')
    const { page } = await open(browser!, served.url, '#queues')
    await page.waitForSelector('[data-testid="queues"] [data-testid="queue-visible-work-dlq"]:text("1")')
    await page.click('[data-testid="queue-work-dlq"]')
    await page.waitForSelector('[data-testid="message"]:has-text("sensor-9")')
    for (const text of await page.$$eval('[data-testid="message"] time', (ts) =>
      ts.map((t) => t.textContent),
    ))
      expect(text).toMatch(DATE_FORMAT)
    await shot(page, 'dlq-before-redrive')
    await page.click('[data-testid="redrive"]')
    await page.waitForSelector('[data-testid="redrive-result"]:text("1 moved")')
    await page.waitForSelector('[data-testid="message"]', { state: 'detached' })
    expect(source.messages('work-dlq')).toHaveLength(0)
    expect(source.messages('work').map((m) => m.body)).toEqual(['{"deviceId":"sensor-9","temp":451}'])
    await page.waitForSelector('[data-testid="queues"] [data-testid="queue-visible-work"]:text("1")')
    await shot(page, 'dlq-after-redrive')
    await page.close()
  })

  it('shows each cell of a SQL result under its own column', async (ctx) => {
    if (!needChromium(ctx)) return
    // The SQL box on real DuckDB (no lake files needed for constants).
    duckdb = await openLakeQuery({ dataDir: await tempDir(), lockConfiguration: true })
    source.query = (sql, options) => duckdb!.query(sql, undefined, options)
    const { page } = await open(browser!, served.url, '#sql')
    await page.fill(
      '[data-testid="sql-input"]',
      "SELECT 1 AS a, 2 AS b, 'x' AS c UNION ALL SELECT 3, 4, NULL ORDER BY a",
    )
    await page.click('[data-testid="sql-run"]')
    await page.waitForSelector('[data-testid="sql-result"] tbody tr')
    const cells = await page.$$eval('[data-testid="sql-result"] tbody tr', (rows) =>
      rows.map((r) => [...r.querySelectorAll('td')].map((td) => td.textContent)),
    )
    expect(cells).toEqual([
      ['1', '2', 'x'],
      ['3', '4', 'NULL'],
    ])
    expect(
      await page.$$eval('[data-testid="sql-result"] th', (ths) => ths.map((th) => th.textContent)),
    ).toEqual(['a INTEGER', 'b INTEGER', 'c VARCHAR'])
    expect(await page.textContent('[data-testid="sql-status"]')).toContain('2 rows')
    await shot(page, 'sql')
    await page.close()
  })

  it('tails a stream and browses the lake', async (ctx) => {
    if (!needChromium(ctx)) return
    source.objects.set(
      'raw/2025/01/part-0.json',
      Buffer.from('{"deviceId":"sensor-1"}\n{"deviceId":"sensor-2"}\n'),
    )
    const { page } = await open(browser!, served.url, '#tail')
    await page.waitForSelector('[data-testid="tail-stream"] option[value="ingest"]', { state: 'attached' })
    await page.click('[data-testid="tail-toggle"]')
    await expect.poll(() => source.tailListeners()).toBe(1)
    source.emit('ingest', [
      {
        shardId: 'shardId-000000000001',
        sequenceNumber: '49',
        partitionKey: 'sensor-1',
        data: Buffer.from('{"temp":21.5}').toString('base64'),
        arrival: Date.now(),
      },
    ])
    await page.waitForSelector('[data-testid="tail-record"]:has-text("21.5")')
    expect(await page.textContent('[data-testid="tail-record"] time')).toMatch(DATE_FORMAT)
    await shot(page, 'tail')
    await page.click('[data-testid="tab-lake"]')
    await page.click('[data-testid="bucket-lake"]')
    await page.click('[data-testid="lake-prefix"]:has-text("raw/")')
    await page.click('[data-testid="lake-prefix"]:has-text("2025/")')
    await page.click('[data-testid="lake-prefix"]:has-text("01/")')
    await page.click('[data-testid="lake-object"]')
    await page.waitForSelector('[data-testid="preview-text"]:has-text("sensor-2")')
    expect((await page.textContent('[data-testid="preview-meta"]'))!.split(' · ').at(-1)).toMatch(DATE_FORMAT)
    await shot(page, 'lake')
    await page.close()
  })

  it('previews a Parquet file with each value under its own column', async (ctx) => {
    if (!needChromium(ctx)) return
    source.objects.set(
      'curated/part-0.parquet',
      Buffer.from(
        parquetWriteBuffer({
          columnData: [
            { name: 'device', data: ['sensor-1', 'sensor-2', 'sensor-3'] },
            { name: 'temp', data: [21.5, 22, 19.25] },
            { name: 'ok', data: [true, false, true] },
          ],
        }),
      ),
    )
    const { page } = await open(browser!, served.url, '#lake')
    await page.click('[data-testid="bucket-lake"]')
    await page.click('[data-testid="lake-prefix"]:has-text("curated/")')
    await page.click('[data-testid="lake-object"]:has-text("part-0.parquet")')
    await page.waitForSelector('[data-testid="preview-table"] tbody tr')
    const cells = await page.$$eval('[data-testid="preview-table"] tbody tr', (rows) =>
      rows.map((r) => [...r.querySelectorAll('td')].map((td) => td.textContent)),
    )
    expect(cells).toEqual([
      ['sensor-1', '21.5', 'true'],
      ['sensor-2', '22', 'false'],
      ['sensor-3', '19.25', 'true'],
    ])
    await shot(page, 'lake-parquet')
    await page.close()
  })
})

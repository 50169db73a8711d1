/**
 * The dashboard in a real browser: playwright-core driving Debian's Chromium (`.ci/run` installs
 * it with apt). Without /usr/bin/chromium every test skips and says why. Screenshots go to
 * test-results/screenshots/.
 */
import { existsSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { type Browser, chromium, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it, type TestContext } from 'vitest'
import { type FakeSource, fakeSource, type Served, serveDashboard } from './fake-source.ts'

const CHROMIUM = '/usr/bin/chromium'
const missing = existsSync(CHROMIUM) ? undefined : `${CHROMIUM} not found (apt-get install chromium)`
const SHOTS = join(process.cwd(), 'test-results', 'screenshots')

let browser: Browser | undefined
let served: Served
let source: FakeSource

function needChromium(ctx: TestContext): boolean {
  if (!missing) return true
  console.warn(`skipped: ${missing}`)
  ctx.skip(missing)
  return false
}

async function open(hash = ''): Promise<Page> {
  const page = await browser!.newPage({ viewport: { width: 1400, height: 900 } })
  const errors: string[] = []
  page.on('pageerror', (e) => errors.push(e.message))
  await page.goto(`${served.url}/ui/${hash}`)
  await page.waitForSelector('body[data-ready="true"]')
  expect(errors).toEqual([])
  return page
}

async function shot(page: Page, name: string) {
  mkdirSync(SHOTS, { recursive: true })
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true })
}

describe('dashboard in Chromium', () => {
  beforeAll(async () => {
    if (missing) return
    source = fakeSource()
    served = await serveDashboard(source, { tickMs: 100 }, true)
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
    })
  })

  afterAll(async () => {
    await browser?.close()
    await served?.close()
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

  it('draws live chart data', async (ctx) => {
    if (!needChromium(ctx)) return
    const page = await open('#metrics')
    await page.waitForSelector('[data-testid="chart-throughput"] canvas')
    // History first, then a new point per second over SSE.
    const points = () => page.getAttribute('[data-testid="chart-throughput"]', 'data-points').then(Number)
    const initial = await points()
    await expect.poll(points, { timeout: 10_000 }).toBeGreaterThan(initial)
    expect(await page.$$eval('[data-testid="chart-throughput"] .u-legend .u-series', (s) => s.length)).toBe(2)
    await shot(page, 'metrics')
    await page.close()
  })

  it('turns an alarm red when it fires', async (ctx) => {
    if (!needChromium(ctx)) return
    source.setAlarm('EnrichErrors', 'OK')
    const page = await open('#alarms')
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
    await shot(page, 'alarms')
    await page.close()
  })

  it("opens an alarm's history from the link in alert messages (#/alarms/<name>)", async (ctx) => {
    if (!needChromium(ctx)) return
    source.setAlarm('EnrichErrors', 'ALARM', 'Threshold Crossed: 3 datapoints were greater than 0')
    const page = await open('#/alarms/EnrichErrors')
    await page.waitForSelector('[data-testid="alarm-history"] li')
    expect(await page.textContent('#alarm-history-title')).toBe('History: EnrichErrors')
    expect(await page.isVisible('[data-panel="alarms"]')).toBe(true)
    await page.close()
  })

  it('redrives a dead-letter message back to its queue', async (ctx) => {
    if (!needChromium(ctx)) return
    source.addMessage('work-dlq', '{"deviceId":"sensor-9","temp":451}', 'work')
    const page = await open('#queues')
    await page.waitForSelector('[data-testid="queues"] [data-testid="queue-visible-work-dlq"]:text("1")')
    await page.click('[data-testid="queue-work-dlq"]')
    await page.waitForSelector('[data-testid="message"]:has-text("sensor-9")')
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

  it('runs a query and shows its rows', async (ctx) => {
    if (!needChromium(ctx)) return
    const page = await open('#sql')
    await page.fill('[data-testid="sql-input"]', 'SELECT device, count(*) AS n FROM sensors GROUP BY 1')
    await page.click('[data-testid="sql-run"]')
    await page.waitForSelector('[data-testid="sql-result"] tbody tr')
    expect(await page.$$eval('[data-testid="sql-result"] tbody tr', (rows) => rows.length)).toBe(2)
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
    const page = await open('#tail')
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
    await shot(page, 'tail')
    await page.click('[data-testid="tab-lake"]')
    await page.click('[data-testid="bucket-lake"]')
    await page.click('[data-testid="lake-prefix"]:has-text("raw/")')
    await page.click('[data-testid="lake-prefix"]:has-text("2025/")')
    await page.click('[data-testid="lake-prefix"]:has-text("01/")')
    await page.click('[data-testid="lake-object"]')
    await page.waitForSelector('[data-testid="preview-text"]:has-text("sensor-2")')
    await shot(page, 'lake')
    await page.close()
  })
})

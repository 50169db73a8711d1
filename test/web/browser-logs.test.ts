/** The Logs panel in Chromium, over a running pipeline (see browser-helpers.ts). */
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startPipeline, type TestPipeline } from '../../src/testing/index.ts'
import { dashboardSourceFromRuntime } from '../../src/web/runtime-source.ts'
import { launch, needChromium, open, shot } from './browser-helpers.ts'
import { type Served, serveDashboard } from './fake-source.ts'

const dir = new URL('./fixture-logs/', import.meta.url).pathname
const STREAM = /^\d{4}\/\d\d\/\d\d\/\[\$LATEST\][0-9a-f]{32}$/

let browser: Browser | undefined
let p: TestPipeline
let served: Served

beforeAll(async () => {
  browser = await launch()
  if (!browser) return
  p = await startPipeline({ name: 'logs-ui', functions: { orders: { handler: 'orders.handler' } } }, { dir })
  const source = dashboardSourceFromRuntime(p.runtime, { metrics: p.runtime.metricStore })
  served = await serveDashboard(
    Object.assign(source, { dispose: () => void source.close() }),
    { tickMs: 100 },
    true,
  )
})

afterAll(async () => {
  await browser?.close()
  await served?.close()
  await p?.dispose()
})

async function invoke(n: number) {
  expect((await p.runtime.pool.invoke('orders', { n })).kind).toBe('ok')
  // The log store's batch timer (200 ms on the pipeline's clock): the followers read then.
  p.clock.advance(200)
}

const messages = (page: Page) =>
  page.$$eval('[data-testid="log-message"]', (tds) => tds.map((td) => td.textContent ?? ''))

/** A line without its time and request id; START/END/REPORT by their first word. */
const shape = (m: string) =>
  /^(START|END|REPORT) /.test(m) ? m.split(' ')[0] : m.split('\t').slice(2).join('\t')

describe('the Logs panel in Chromium', () => {
  it('shows a function’s lines with their stream, newest at the bottom, following live, and filters them', async (ctx) => {
    if (!needChromium(ctx)) return
    await invoke(1)
    const { page, problems } = await open(browser!, served.url, '#logs/orders')
    await page.waitForSelector('[data-testid="log-message"]:has-text("processing order 1")')
    expect(await page.inputValue('[data-testid="logs-function"]')).toBe('orders')
    expect(await page.textContent('[data-testid="logs-group"]')).toBe('/aws/lambda/orders')
    expect((await messages(page)).map(shape)).toEqual(['START', 'INFO\tprocessing order 1', 'END', 'REPORT'])
    const streams = await page.$$eval('[data-testid="log-stream"]', (tds) => tds.map((td) => td.textContent))
    expect(streams).toHaveLength(4)
    expect(streams[0]).toMatch(STREAM)
    await page.waitForSelector('[data-testid="logs-status"]:has-text("following")')

    // Following: the next invocation's lines arrive below the others.
    await invoke(2)
    await page.waitForSelector('[data-testid="log-message"]:has-text("order 2 is even")')
    // Counted from here (a string predicate would be eval'd in the page, which the dashboard's CSP refuses).
    await expect.poll(() => page.locator('[data-testid="log-line"]').count()).toBe(9)
    const all = (await messages(page)).map(shape)
    expect(all.slice(4)).toEqual([
      'START',
      'INFO\tprocessing order 2',
      'WARN\torder 2 is even',
      'END',
      'REPORT',
    ])
    expect(all.at(-1)).toBe('REPORT')

    // The filter box takes FilterLogEvents' patterns; a filtered view follows with its filter.
    await page.fill('[data-testid="logs-filter"]', 'order -processing')
    await page.press('[data-testid="logs-filter"]', 'Enter')
    await expect.poll(() => page.locator('[data-testid="log-line"]').count()).toBe(1)
    expect((await messages(page)).map(shape)).toEqual(['WARN\torder 2 is even'])
    await page.waitForSelector('[data-testid="logs-status"]:has-text("matching the filter, following")')
    await invoke(3)
    await invoke(4)
    await page.waitForSelector('[data-testid="log-message"]:has-text("order 4 is even")')
    expect((await messages(page)).map(shape)).toEqual(['WARN\torder 2 is even', 'WARN\torder 4 is even'])
    expect(problems.errors).toEqual([])
    await shot(page, 'logs-panel')
    await page.close()
  })

  it('opens a function’s logs from its node in the graph', async (ctx) => {
    if (!needChromium(ctx)) return
    await invoke(5)
    const { page, problems } = await open(browser!, served.url, '#overview')
    await page.click('[data-testid="node-function-orders"]')
    await page.waitForSelector('[data-panel="logs"]:not([hidden])')
    await page.waitForSelector('[data-testid="log-message"]:has-text("processing order 5")')
    expect(await page.textContent('[data-testid="logs-group"]')).toBe('/aws/lambda/orders')
    expect(page.url()).toMatch(/#logs\/orders$/)
    // The newest line is the last one: order 5's REPORT.
    const last = (await messages(page)).at(-1)!
    expect(last).toMatch(/^REPORT RequestId: /)
    expect(problems.errors).toEqual([])
    await page.close()
  })
})

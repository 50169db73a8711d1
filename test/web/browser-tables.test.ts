/** The Tables panel and dead-letter queues in Chromium (see browser-helpers.ts). */
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { launch, needChromium, open, shot } from './browser-helpers.ts'
import { type FakeSource, fakeSource, type Served, serveDashboard } from './fake-source.ts'

let browser: Browser | undefined
let served: Served
let source: FakeSource

beforeAll(async () => {
  browser = await launch()
  if (!browser) return
  source = fakeSource()
  const readings = source.table('readings')
  for (let ts = 1; ts <= 25; ts++) readings.put({ device: 'd-1', ts, temp: 20 + ts / 10 })
  readings.put({ device: 'd-2', ts: 1, temp: 18, note: 'the other device' })
  source.table('metadata').put({ id: 'raw/a.json', status: 'PROCESSED', records: 12 })
  served = await serveDashboard(source, { tickMs: 100 }, true)
})

afterAll(async () => {
  await browser?.close()
  await served?.close()
})

const rows = (page: Page) =>
  page.$$eval('[data-testid="table-items"] tbody tr', (trs) =>
    trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent)),
  )

describe('the Tables panel in Chromium', () => {
  it('lists the tables, scans one page by page, and shows an item in full', async (ctx) => {
    if (!needChromium(ctx)) return
    const { page, problems } = await open(browser!, served.url, '#tables')
    await page.waitForSelector('[data-testid="table-readings"]:has-text("26 items")')
    await page.waitForSelector('[data-testid="table-metadata"]:has-text("1 item")')
    await page.selectOption('[data-testid="table-limit"]', '10')
    await page.click('[data-testid="table-readings"]')
    await page.waitForSelector('[data-testid="table-status"]:has-text("Scan: page 1, 10 items, more after")')
    expect(
      await page.$$eval('[data-testid="table-items"] th', (ths) => ths.map((th) => th.textContent)),
    ).toEqual(['device', 'ts', 'temp'])
    expect((await rows(page))[0]).toEqual(['d-1', '1', '20.1'])
    await page.click('[data-testid="table-next"]')
    await page.waitForSelector('[data-testid="table-status"]:has-text("Scan: page 2, 10 items")')
    expect((await rows(page))[0]).toEqual(['d-1', '11', '21.1'])
    await page.click('[data-testid="table-next"]')
    await page.waitForSelector('[data-testid="table-status"]:has-text("Scan: page 3, 6 items")')
    expect(await page.isVisible('[data-testid="table-next"]')).toBe(false)
    // The other device's item has an attribute the first page did not: it gets a column.
    expect((await rows(page)).at(-1)).toEqual(['d-2', '1', '18', 'the other device'])
    await page.click('[data-testid="table-row"]:has-text("the other device")')
    await page.waitForSelector('[data-testid="table-item"]:has-text("the other device")')
    expect(JSON.parse((await page.textContent('[data-testid="table-item"]'))!)).toEqual({
      device: 'd-2',
      ts: 1,
      temp: 18,
      note: 'the other device',
    })
    expect(await page.textContent('[data-testid="table-item"]')).toContain('\n  "device": "d-2"')
    await page.click('[data-testid="table-first"]')
    await page.waitForSelector('[data-testid="table-status"]:has-text("Scan: page 1")')
    expect(problems.errors).toEqual([])
    await shot(page, 'tables-scan')
    await page.close()
  })

  it('queries one partition with a sort key condition, and shows a bad condition as an error', async (ctx) => {
    if (!needChromium(ctx)) return
    const { page } = await open(browser!, served.url, '#tables')
    await page.click('[data-testid="table-readings"]')
    await page.waitForSelector('[data-testid="table-status"]:has-text("Scan")')
    await page.fill('[data-testid="table-pk"]', 'd-1')
    await page.selectOption('[data-testid="table-sk-op"]', 'between')
    await page.fill('[data-testid="table-sk-value"]', '5')
    await page.fill('[data-testid="table-sk-value2"]', '7')
    await page.selectOption('[data-testid="table-sk-type"]', 'number')
    await page.click('[data-testid="table-run"]')
    await page.waitForSelector('[data-testid="table-status"]:has-text("Query: page 1, 3 items")')
    expect((await rows(page)).map((r) => r[1])).toEqual(['5', '6', '7'])
    // Bounds the wrong way round: DynamoDB's error, in the panel.
    await page.fill('[data-testid="table-sk-value"]', '9')
    await page.click('[data-testid="table-run"]')
    await page.waitForSelector(
      '[data-testid="table-error"]:has-text("BETWEEN operator requires upper bound")',
    )
    // Not a number where the type says number: said before anything is sent.
    await page.fill('[data-testid="table-sk-value"]', 'abc')
    await page.click('[data-testid="table-run"]')
    await page.waitForSelector(`[data-testid="table-error"]:has-text("'abc' is not a number.")`)
    await shot(page, 'tables-query-error')
    await page.close()
  })
})

describe('dead-letter queues in Chromium', () => {
  it('offers redrive only on a queue that is the dead-letter queue of another queue', async (ctx) => {
    if (!needChromium(ctx)) return
    source.addMessage('enrich-failures', '{"requestContext":{"condition":"RetryAttemptsExhausted"}}')
    const { page } = await open(browser!, served.url, '#queues')
    await page.click('[data-testid="queue-enrich-failures"]')
    await page.waitForSelector('[data-testid="message"]')
    expect(await page.isVisible('[data-testid="redrive"]')).toBe(false)
    expect(await page.isVisible('[data-testid="redrive-note"]')).toBe(true)
    await page.click('[data-testid="queue-work-dlq"]')
    await page.waitForSelector('[data-testid="redrive"]:visible')
    expect(await page.textContent('[data-testid="redrive"]')).toBe('Redrive to work')
    expect(await page.isVisible('[data-testid="redrive-note"]')).toBe(false)
    await page.close()
  })

  it('shows a long body truncated, and in full (pretty JSON) when expanded', async (ctx) => {
    if (!needChromium(ctx)) return
    const record = {
      requestContext: { condition: 'RetryAttemptsExhausted', approximateInvokeCount: 3 },
      KinesisBatchInfo: {
        shardId: 'shardId-000000000001',
        startSequenceNumber: '4'.repeat(56),
        batchSize: 100,
      },
      note: 'x'.repeat(200),
    }
    source.addMessage('enrich-failures', JSON.stringify(record))
    const { page } = await open(browser!, served.url, '#queues')
    await page.click('[data-testid="queue-enrich-failures"]')
    const cell = page.locator('[data-testid="message-body"]', { hasText: 'KinesisBatchInfo' })
    await cell.waitFor()
    expect((await cell.textContent())!.length).toBeLessThan(200)
    await cell.locator('[data-testid="message-expand"]').click()
    const full = await cell.locator('[data-testid="message-full"]').textContent()
    expect(JSON.parse(full!)).toEqual(record)
    expect(full).toContain('\n  "requestContext": {\n    "condition": "RetryAttemptsExhausted"')
    await shot(page, 'dlq-expanded')
    await cell.locator('[data-testid="message-expand"]').click()
    expect(await cell.locator('[data-testid="message-full"]').count()).toBe(0)
    await page.close()
  })
})

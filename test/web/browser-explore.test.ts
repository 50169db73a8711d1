/** The Explore panel in Chromium over a real search index (see browser-helpers.ts). */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { SearchIndexes } from '../../src/search/indexes.ts'
import { ManualClock } from '../../src/util/clock.ts'
import { searchOver } from '../../src/web/runtime-search.ts'
import { launch, needChromium, open, shot } from './browser-helpers.ts'
import { fakeSource, type Served, serveDashboard } from './fake-source.ts'

const START = Date.UTC(2024, 4, 1, 10, 0, 0)
let browser: Browser | undefined
let served: Served
let indexes: SearchIndexes
let dir: string

beforeAll(async () => {
  browser = await launch()
  if (!browser) return
  dir = mkdtempSync(join(tmpdir(), 'explore-'))
  const clock = new ManualClock(START)
  indexes = SearchIndexes.open({
    dir,
    clock,
    declared: {
      trips: {
        mappings: {
          properties: { zone: { type: 'keyword' }, payment: { type: 'keyword' }, pickup: { type: 'date' } },
        },
        timeField: 'pickup',
      },
    },
  })
  // 60 trips over an hour: zones A (30), B (20), C (10); every 6th paid in cash; notes on a few.
  await indexes.bulkUpsert(
    'trips',
    Array.from({ length: 60 }, (_, i) => ({
      id: `trip-${String(i).padStart(2, '0')}`,
      source: {
        zone: i % 2 === 0 ? 'A' : i % 3 === 0 ? 'C' : 'B',
        payment: i % 6 === 0 ? 'cash' : 'card',
        fare: 10 + i,
        pickup: new Date(START + i * 60_000).toISOString(),
        ...(i % 20 === 5 ? { note: 'left an umbrella in the cab' } : {}),
      },
    })),
  )
  const source = fakeSource()
  source.search = searchOver(
    () => indexes,
    () => clock.now(),
  )
  served = await serveDashboard(source, { tickMs: 100 }, true)
})

afterAll(async () => {
  await browser?.close()
  await served?.close()
  indexes?.close()
  if (dir) rmSync(dir, { recursive: true, force: true })
})

const hitIds = (page: Page) =>
  page.$$eval('[data-testid="explore-hit"]', (trs) => trs.map((tr) => tr.querySelector('td')!.textContent))
const bars = (page: Page) =>
  page.$$eval('[data-testid="explore-bar"]', (rects) =>
    rects.map((r) => Number(r.getAttribute('data-count'))),
  )

describe('the Explore panel in Chromium', () => {
  it('lists the indexes, shows the newest hits, a time histogram and the fields top values', async (ctx) => {
    if (!needChromium(ctx)) return
    const { page, problems } = await open(browser!, served.url, '#explore')
    await page.waitForSelector('[data-testid="explore-index-trips"]:has-text("60 docs")')
    await page.waitForSelector('[data-testid="explore-status"]:has-text("60 hits, newest 50 shown")')
    expect((await hitIds(page)).slice(0, 2)).toEqual(['trip-59', 'trip-58'])
    // 60 minutes in 5-minute bars: 12 bars of 5.
    await page.waitForSelector('[data-testid="explore-bar"]', { state: 'attached' })
    expect(await bars(page)).toEqual(Array(12).fill(5))
    expect(await page.textContent('[data-testid="explore-field-zone"]')).toBe('zoneA30B20C10')
    expect(await page.textContent('[data-testid="explore-field-payment"]')).toBe('paymentcard50cash10')
    expect(problems.errors).toEqual([])
    await shot(page, 'explore')
    await page.close()
  })

  it('searches with a query string, filters by a field value and a histogram bar, and shows a bad query', async (ctx) => {
    if (!needChromium(ctx)) return
    const { page, problems } = await open(browser!, served.url, '#explore')
    await page.waitForSelector('[data-testid="explore-status"]:has-text("60 hits")')
    await page.fill('[data-testid="explore-query"]', 'note:umbrella')
    await page.click('[data-testid="explore-run"]')
    await page.waitForSelector('[data-testid="explore-status"]:has-text("3 hits")')
    expect(await hitIds(page)).toEqual(['trip-45', 'trip-25', 'trip-05'])
    await page.fill('[data-testid="explore-query"]', '')
    await page.click('[data-testid="explore-field-zone"] [data-testid="explore-value"]:has-text("C")')
    await page.waitForSelector('[data-testid="explore-status"]:has-text("10 hits")')
    expect(await page.textContent('[data-testid="explore-filters"]')).toContain('zone: C')
    await page.click('[data-testid="explore-bar"] >> nth=0')
    await page.waitForSelector('[data-testid="explore-filter"] >> nth=1')
    // Zone C in the first five minutes: trips 3 (minute 3) only.
    await page.waitForSelector('[data-testid="explore-status"]:has-text("1 hit")')
    expect(await hitIds(page)).toEqual(['trip-03'])
    await page.click('[data-testid="explore-filter"] >> nth=1 >> button')
    await page.waitForSelector('[data-testid="explore-status"]:has-text("10 hits")')
    await page.fill('[data-testid="explore-query"]', 'zone:(')
    await page.click('[data-testid="explore-run"]')
    await page.waitForSelector('[data-testid="explore-error"]:has-text("Failed to parse query")')
    // The bad query's 400 is the test's doing; nothing else went wrong.
    expect(problems.errors.filter((e) => !e.includes('/search'))).toEqual([])
    await page.close()
  })
})

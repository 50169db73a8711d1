/** The Overview's Faults card in Chromium, over a running pipeline (see browser-helpers.ts). */
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startPipeline, type TestPipeline } from '../../src/testing/index.ts'
import { dashboardSourceFromRuntime } from '../../src/web/runtime-source.ts'
import { launch, needChromium, open, shot } from './browser-helpers.ts'
import { type Served, serveDashboard } from './fake-source.ts'

let browser: Browser | undefined
let p: TestPipeline
let served: Served

beforeAll(async () => {
  browser = await launch()
  if (!browser) return
  p = await startPipeline({
    name: 'faults-ui',
    streams: { events: { shardCount: 1 } },
    buckets: { lake: {} },
  })
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

describe('the Faults card in Chromium', () => {
  it('shows each active fault while it is active, and hides when none is', async (ctx) => {
    if (!needChromium(ctx)) return
    const { page, problems } = await open(browser!, served.url)
    expect(await page.isHidden('[data-testid="faults-card"]')).toBe(true)
    const faults = p.runtime.engine.faults
    faults.add({ stream: 'events', effect: 'throttle', rate: 0.25, seed: 4 })
    const expiring = faults.add({ bucket: 'lake', effect: 'slow-down', for: '30s' })
    await page.waitForSelector('[data-testid="faults-card"]:not([hidden])')
    await page.waitForSelector('[data-testid="fault-f2"]')
    expect(await page.textContent('[data-testid="fault-f1"]')).toBe(
      'FAULTf1: throttle on 25% of put and get calls to stream events (seed 4, 0 hit)',
    )
    expect(await page.textContent('[data-testid="fault-f2"]')).toContain(
      `SlowDown (503) on 100% of writes to bucket lake (seed 1, 0 hit, until ${new Date(expiring.expiresAt!).toISOString()})`,
    )
    await shot(page, 'faults')
    // Expired on the engine clock: gone from the card.
    p.clock.advance(30_000)
    await page.waitForSelector('[data-testid="fault-f2"]', { state: 'detached' })
    faults.clear()
    await page.waitForSelector('[data-testid="faults-card"]', { state: 'hidden' })
    expect(problems.errors).toEqual([])
    await page.close()
  })
})

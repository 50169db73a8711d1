/**
 * The Overview graph and the Metrics charts in Chromium: the data path with declared and observed
 * binding edges, alarm actions, columns by data flow, labels that do not overlap as drawn, live
 * rates; chart markers for lone points, "no data yet", and readable time axes.
 */
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { launch, needChromium, open, shot } from './browser-helpers.ts'
import { type FakeSource, fakeSource, type Served, serveDashboard } from './fake-source.ts'

let browser: Browser | undefined

beforeAll(async () => {
  browser = await launch()
})
afterAll(async () => {
  await browser?.close()
})

/** The parts of SVG elements the checks read (the test code is compiled without the DOM library). */
type Rect = { x: number; y: number; width: number; height: number }
type Drawn = { getBBox(): Rect; textContent: string | null; getAttribute(name: string): string | null }

/** Every drawn edge label text and node box, in SVG coordinates, and the label box a text belongs in. */
async function drawnBoxes(page: Page) {
  return page.$$eval('[data-testid="graph"] svg', ([svg]) => {
    const box = (b: Rect, dx = 0, dy = 0) => ({ x: b.x + dx, y: b.y + dy, w: b.width, h: b.height })
    const texts = [...svg!.querySelectorAll('text')]
      .filter((t) => !t.closest('.node') && t.textContent !== '')
      .map((t) => {
        const rect = t.parentElement?.querySelector('rect') as unknown as Drawn | null
        return {
          name: t.textContent!,
          box: box((t as unknown as Drawn).getBBox()),
          inside: rect ? box(rect.getBBox()) : undefined,
        }
      })
    const nodes = [...svg!.querySelectorAll('.node')].map((g) => {
      const [, x, y] = /translate\(([\d.]+),([\d.]+)\)/.exec(g.getAttribute('transform')!)!.map(Number)
      return {
        name: g.getAttribute('data-testid')!,
        box: box((g.querySelector('rect') as unknown as Drawn).getBBox(), x, y),
      }
    })
    return { texts, nodes }
  })
}

const overlap = (a: { x: number; y: number; w: number; h: number }, b: typeof a) =>
  a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h

describe('the Overview graph in Chromium', () => {
  let served: Served
  let source: FakeSource
  beforeAll(async () => {
    if (!browser) return
    source = fakeSource()
    served = await serveDashboard(source, { tickMs: 100 }, true)
  })
  afterAll(() => served?.close())

  it('draws the data path: declared binding edges, alarm → topic, sources left and sinks right', async (ctx) => {
    if (!needChromium(ctx)) return
    const { page } = await open(browser!, served.url)
    const declared = page.locator('[data-testid="edge-function:generate-stream:ingest"]')
    expect(await declared.getAttribute('data-declared')).toBe('true')
    expect(await declared.getAttribute('data-observed')).toBe('false')
    await page.waitForSelector('[data-testid="edge-function:enrich-table:metadata"]')
    await page.waitForSelector('[data-testid="edge-alarm:EnrichErrors-topic:alerts"]')
    await page.waitForSelector('[data-testid="edge-function:enrich-alarm:EnrichErrors"]')
    const x = async (id: string) =>
      Number((await page.getAttribute(`[data-testid="node-${id}"]`, 'data-layer'))!)
    const path = ['schedule-tick', 'function-generate', 'stream-ingest', 'function-enrich', 'table-metadata']
    const layers = await Promise.all(path.map(x))
    expect(layers).toEqual([...layers].sort((a, b) => a - b))
    expect(new Set(layers).size).toBe(path.length)
    expect(await x('bucket-lake')).toBeGreaterThan(await x('delivery-archive'))
    expect(await x('topic-alerts')).toBeGreaterThan(await x('alarm-EnrichErrors'))
    await page.close()
  })

  it('draws no label over another label or a node, and every label inside its box', async (ctx) => {
    if (!needChromium(ctx)) return
    const { page } = await open(browser!, served.url)
    const { texts, nodes } = await drawnBoxes(page)
    expect(texts.length).toBeGreaterThan(8)
    const problems: string[] = []
    for (const [i, t] of texts.entries()) {
      const { box, inside } = t
      if (!inside) problems.push(`'${t.name}' has no box`)
      else if (
        box.x < inside.x ||
        box.y < inside.y ||
        box.x + box.w > inside.x + inside.w ||
        box.y + box.h > inside.y + inside.h
      )
        problems.push(`'${t.name}' spills out of its box`)
      for (const other of texts.slice(i + 1))
        if (overlap(box, other.box)) problems.push(`'${t.name}' × '${other.name}'`)
      for (const n of nodes) if (overlap(box, n.box)) problems.push(`'${t.name}' × ${n.name}`)
    }
    for (const [i, n] of nodes.entries())
      for (const m of nodes.slice(i + 1)) if (overlap(n.box, m.box)) problems.push(`${n.name} × ${m.name}`)
    expect(problems).toEqual([])
    await page.close()
  })

  it('shows live rates on edges: from metrics, and from observed binding calls', async (ctx) => {
    if (!needChromium(ctx)) return
    const { page } = await open(browser!, served.url)
    const rate = (edge: string) => page.locator(`[data-edge="${edge}"][data-testid="edge-label"] .rate`)
    // 5 a second in one second of the last minute.
    await expect.poll(() => rate('schedule:tick>function:generate>trigger').textContent()).toBe('5 inv/min')
    await expect.poll(() => rate('stream:ingest>delivery:archive>source').textContent()).toBe('5 rec/min')
    source.uses = [
      {
        function: 'generate',
        kind: 'stream',
        resource: 'ingest',
        access: 'write',
        firstAt: Date.now(),
        count: 0,
        recent: 0,
      },
    ]
    await page.waitForSelector('[data-testid="edge-function:generate-stream:ingest"][data-observed="true"]', {
      state: 'attached',
    })
    // 600 records in the last minute: 10 a second.
    source.uses[0]!.recent = 600
    await expect.poll(() => rate('function:generate>stream:ingest>writes').textContent()).toBe('10 rec/s')
    await shot(page, 'graph-rates')
    await page.close()
  })

  it('draws a binding a function used without declaring it, dashed, as soon as it is used', async (ctx) => {
    if (!needChromium(ctx)) return
    const { page } = await open(browser!, served.url)
    expect(await page.$('[data-testid="edge-function:generate-bucket:lake"]')).toBeNull()
    source.uses = [
      ...source.uses,
      {
        function: 'generate',
        kind: 'bucket',
        resource: 'lake',
        access: 'write',
        firstAt: Date.now(),
        count: 1,
        recent: 1,
      },
    ]
    const edge = await page.waitForSelector('[data-testid="edge-function:generate-bucket:lake"].undeclared', {
      state: 'attached',
    })
    const style = await page.evaluate<string>(
      `getComputedStyle(document.querySelector('[data-testid="edge-function:generate-bucket:lake"]')).strokeDasharray`,
    )
    expect(style).not.toBe('none')
    expect(await edge.evaluate((e) => e.querySelector('title')!.textContent)).toContain(
      'without declaring it in writes: on AWS it would lack the permission',
    )
    await shot(page, 'graph-observed')
    await page.close()
  })
})

describe('the Metrics charts in Chromium', () => {
  let served: Served
  beforeAll(async () => {
    if (!browser) return
    const source = fakeSource()
    // A once-a-minute gauge (iterator age), a count every second, and nothing at all for the rest.
    source.metrics = {
      series: (): ReturnType<FakeSource['metrics']['series']> => [
        { namespace: 'AWS/Kinesis', name: 'IncomingRecords', dimensions: { StreamName: 'ingest' } },
        { namespace: 'AWS/Lambda', name: 'IteratorAge', dimensions: { FunctionName: 'enrich' } },
      ],
      query: (q) =>
        q.name !== 'IteratorAge'
          ? [{ timestamp: q.start, value: 3 }]
          : q.start % 60_000 === 0
            ? [{ timestamp: q.start, value: 1500 }]
            : [],
    }
    let now = Math.floor(Date.now() / 60_000) * 60_000 - 200_000
    served = await serveDashboard(source, { tickMs: 3_600_000, now: () => now }, true)
    for (let i = 0; i < 200; i++) {
      now += 1000
      served.dashboard.tick()
    }
  })
  afterAll(() => served?.close())

  it('marks a lone point, which a line cannot draw', async (ctx) => {
    if (!needChromium(ctx)) return
    const { page } = await open(browser!, served.url, '#metrics')
    await page.waitForSelector('[data-testid="chart-iterator-age"][data-state="data"] canvas')
    // Whether the canvas is painted where each value of the line is (uPlot draws on a canvas).
    const painted = await page.evaluate<boolean[]>(`(() => {
      const u = document.querySelector('[data-testid="chart-iterator-age"]').uplot
      return u.data[1].flatMap((v, i) => {
        if (v === null) return []
        const x = Math.round(u.valToPos(u.data[0][i], 'x', true))
        const y = Math.round(u.valToPos(v, 'y', true))
        const pixels = u.ctx.getImageData(x - 1, y - 1, 3, 3).data
        return [pixels.some((p, k) => k % 4 === 3 && p > 0)]
      })
    })()`)
    expect(painted.length).toBeGreaterThanOrEqual(3)
    expect(painted.every(Boolean)).toBe(true)
    await shot(page, 'charts')
    await page.close()
  })

  it('says "no data yet" on a chart with nothing to draw', async (ctx) => {
    if (!needChromium(ctx)) return
    const { page } = await open(browser!, served.url, '#metrics')
    const empty = page.locator('[data-testid="chart-lake-files"]')
    expect(await empty.getAttribute('data-state')).toBe('empty')
    expect(await empty.locator('[data-testid="no-data"]').isVisible()).toBe(true)
    expect(await empty.locator('[data-testid="no-data"]').textContent()).toBe('No data yet')
    expect(await page.locator('[data-testid="chart-throughput"] [data-testid="no-data"]').isVisible()).toBe(
      false,
    )
    await page.close()
  })

  it('labels the time axis in the dashboard format, every label whole and apart', async (ctx) => {
    if (!needChromium(ctx)) return
    const { page } = await open(browser!, served.url, '#metrics')
    await page.waitForSelector('[data-testid="chart-throughput"] canvas')
    // A chart with lines, and an empty one (no y axis: its plot reaches the canvas's left edge).
    for (const [chart, width] of ['throughput', 'lake-files'].flatMap((c) =>
      [1400, 900, 600].map((w) => [c, w] as const),
    )) {
      await page.setViewportSize({ width, height: 900 })
      await expect
        .poll(() =>
          page.evaluate<number>(`document.querySelector('[data-testid="chart-${chart}"] canvas').width`),
        )
        .toBeLessThanOrEqual(width)
      // Each time label uPlot drew: its text, centre and width on the canvas.
      const axis = await page.evaluate<
        Array<{ text: string; at: number; width: number; canvas: number }>
      >(`(() => {
        const u = document.querySelector('[data-testid="chart-${chart}"]').uplot
        const measure = document.createElement('canvas').getContext('2d')
        measure.font = u.axes[0].font[0]
        return u.axes[0]._values.flatMap((v, i) => v === null ? [] : [{
          text: String(v),
          at: u.valToPos(u.axes[0]._splits[i], 'x', true),
          width: Math.max(...String(v).split('\\n').map((line) => measure.measureText(line).width)),
          canvas: u.ctx.canvas.width,
        }])
      })()`)
      expect(axis.length).toBeGreaterThanOrEqual(2)
      for (const [i, label] of axis.entries()) {
        expect(label.text).toMatch(/^\d{2}:\d{2}(:\d{2})?$/)
        expect(label.at - label.width / 2, label.text).toBeGreaterThanOrEqual(0)
        expect(label.at + label.width / 2, label.text).toBeLessThanOrEqual(label.canvas)
        const next = axis[i + 1]
        if (next)
          expect(next.at - next.width / 2, `${label.text} / ${next.text}`).toBeGreaterThan(
            label.at + label.width / 2,
          )
      }
    }
    await page.close()
  })
})

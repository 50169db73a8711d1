/**
 * The dashboard's function logs over plain HTTP, against a running pipeline: the JSON of a
 * function's newest lines and the event stream that follows them.
 */
import { describe, expect, it, onTestFinished } from 'vitest'
import { startPipeline, type TestPipeline } from '../../src/testing/index.ts'
import { dashboardSourceFromRuntime } from '../../src/web/runtime-source.ts'
import { serveDashboard } from './fake-source.ts'
import { openSse } from './sse-client.ts'

const dir = new URL('./fixture-logs/', import.meta.url).pathname
const STREAM = /^\d{4}\/\d\d\/\d\d\/\[\$LATEST\][0-9a-f]{32}$/

interface Line {
  id: number
  timestamp: number
  stream: string
  message: string
}

/** A line without its time and request id; START/END/REPORT by their first word. */
const shape = (l: Line) =>
  /^(START|END|REPORT) /.test(l.message) ? l.message.split(' ')[0] : l.message.split('\t').slice(2).join('\t')

async function served(): Promise<{ p: TestPipeline; url: string }> {
  const p = await startPipeline(
    { name: 'logs-ui', functions: { orders: { handler: 'orders.handler' } } },
    { dir, teardown: onTestFinished },
  )
  const source = dashboardSourceFromRuntime(p.runtime, { metrics: p.runtime.metricStore })
  onTestFinished(() => source.close())
  const { url } = await serveDashboard(source)
  return { p, url }
}

async function invoke(p: TestPipeline, ...ns: number[]) {
  for (const n of ns) expect((await p.runtime.pool.invoke('orders', { n })).kind).toBe('ok')
}

const get = async (url: string) => {
  const res = await fetch(url)
  return { status: res.status, body: (await res.json()) as Record<string, unknown> }
}

describe('the dashboard’s function logs (JSON and event stream)', () => {
  it('lists the functions and gives a function’s newest lines, oldest first, with their streams', async () => {
    const { p, url } = await served()
    await invoke(p, 1, 2)
    expect((await get(`${url}/ui/api/functions`)).body).toEqual({ functions: ['orders'] })

    const { status, body } = await get(`${url}/ui/api/functions/orders/logs`)
    expect(status).toBe(200)
    expect(body).toMatchObject({ function: 'orders', logGroup: '/aws/lambda/orders' })
    const lines = body.lines as Line[]
    expect(lines.map(shape)).toEqual([
      'START',
      'INFO\tprocessing order 1',
      'END',
      'REPORT',
      'START',
      'INFO\tprocessing order 2',
      'WARN\torder 2 is even',
      'END',
      'REPORT',
    ])
    expect(new Set(lines.map((l) => l.stream)).size).toBe(1)
    expect(lines[0]!.stream).toMatch(STREAM)
    expect(body.position).toBe(lines.at(-1)!.id)

    // The newest two; and FilterLogEvents' filter pattern.
    const last = await get(`${url}/ui/api/functions/orders/logs?limit=2`)
    expect((last.body.lines as Line[]).map(shape)).toEqual(['END', 'REPORT'])
    const even = await get(
      `${url}/ui/api/functions/orders/logs?filter=${encodeURIComponent('order -processing')}`,
    )
    expect((even.body.lines as Line[]).map(shape)).toEqual(['WARN\torder 2 is even'])

    // A function no longer declared is listed while its log group is kept.
    p.runtime.logs.append('/aws/lambda/archived', '2026/12/05/[$LATEST]tributary', 1, 'from before')
    expect((await get(`${url}/ui/api/functions`)).body).toEqual({ functions: ['archived', 'orders'] })
    const archived = await get(`${url}/ui/api/functions/archived/logs`)
    expect((archived.body.lines as Line[]).map((l) => [l.stream, l.message])).toEqual([
      ['2026/12/05/[$LATEST]tributary', 'from before'],
    ])
  })

  it('answers an unknown function with 404', async () => {
    const { url } = await served()
    expect(await get(`${url}/ui/api/functions/nope/logs`)).toEqual({
      status: 404,
      body: { error: "No function named 'nope'." },
    })
    const res = await fetch(`${url}/ui/api/functions/nope/logs/follow`)
    expect(res.status).toBe(404)
    expect(await res.json()).toEqual({ error: "No function named 'nope'." })
  })

  it('follows the lines written after a position, as the log store writes its batches', async () => {
    const { p, url } = await served()
    await invoke(p, 1)
    const { body } = await get(`${url}/ui/api/functions/orders/logs`)
    const sse = await openSse(`${url}/ui/api/functions/orders/logs/follow?after=${body.position}`)
    expect(sse.res.headers['content-type']).toContain('text/event-stream')
    await sse.next((e) => e.event === 'ready')
    await invoke(p, 2)
    // The batch timer (200 ms on the pipeline's clock) writes them; the follower reads them then.
    p.clock.advance(200)
    const seen: Line[] = []
    while (seen.length < 5) {
      const e = await sse.next((x) => x.event === 'lines')
      seen.push(...(e.data as { lines: Line[] }).lines)
    }
    expect(seen.map(shape)).toEqual([
      'START',
      'INFO\tprocessing order 2',
      'WARN\torder 2 is even',
      'END',
      'REPORT',
    ])

    // A filtered follower gets only what matches.
    const filtered = await openSse(
      `${url}/ui/api/functions/orders/logs/follow?after=${seen.at(-1)!.id}&filter=REPORT`,
    )
    await filtered.next((e) => e.event === 'ready')
    await invoke(p, 3)
    p.clock.advance(200)
    const reports = await filtered.next((x) => x.event === 'lines')
    expect((reports.data as { lines: Line[] }).lines.map(shape)).toEqual(['REPORT'])
  })
})

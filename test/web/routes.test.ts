/**
 * The dashboard's HTTP surface over real loopback HTTP: the browser-only redirect from `/` on the
 * real TributaryServer (AWS clients' answers unchanged), static assets, the JSON API and the
 * event streams, with a fake source whose state each test sets.
 */
import { gzipSync } from 'node:zlib'
import { describe, expect, it } from 'vitest'
import { TributaryServer } from '../../src/api/server.ts'
import { StreamEngine } from '../../src/engine/engine.ts'
import { ManualClock } from '../../src/util/clock.ts'
import { createDashboardRoutes } from '../../src/web/index.ts'
import { tempDir } from '../helpers/tmp.ts'
import { fakeSource, serveDashboard } from './fake-source.ts'
import { openSse } from './sse-client.ts'

const BROWSER_ACCEPT = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8'

async function startTributary(withDashboard: boolean) {
  const engine = await StreamEngine.open({ dataDir: await tempDir(), clock: new ManualClock(Date.now()) })
  const source = withDashboard ? fakeSource() : undefined
  const dashboard = source ? createDashboardRoutes(source) : undefined
  const server = await TributaryServer.start({ engine, port: 0, routes: dashboard?.routes ?? [] })
  return {
    url: server.url,
    async close() {
      dashboard?.close()
      source?.dispose()
      await server.close()
      await engine.close()
    },
  }
}

async function answer(url: string, headers: Record<string, string> = {}) {
  const res = await fetch(url, { headers, redirect: 'manual' })
  return {
    status: res.status,
    type: res.headers.get('content-type'),
    location: res.headers.get('location'),
    body: await res.text(),
  }
}

// biome-ignore lint/suspicious/noExplicitAny: response bodies are checked by the assertions
const json = async (res: Promise<Response> | Response): Promise<any> => (await res).json()

const post = (url: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  })

describe('GET / on the Tributary server', () => {
  it('redirects browsers to /ui/ and answers AWS-style requests exactly as without the dashboard', async () => {
    const plain = await startTributary(false)
    const withUi = await startTributary(true)
    try {
      expect(await answer(`${withUi.url}/`, { accept: BROWSER_ACCEPT })).toMatchObject({
        status: 302,
        location: '/ui/',
      })
      const awsLike: Array<Record<string, string>> = [
        {},
        { accept: '*/*' },
        { accept: BROWSER_ACCEPT, authorization: 'AWS4-HMAC-SHA256 Credential=x' },
        { accept: BROWSER_ACCEPT, 'x-amz-target': 'Kinesis_20131202.ListStreams' },
        { accept: BROWSER_ACCEPT, 'x-amz-date': '20250101T000000Z' },
      ]
      for (const headers of awsLike) {
        const expected = await answer(`${plain.url}/`, headers)
        expect(await answer(`${withUi.url}/`, headers)).toEqual(expected)
        expect(expected.status).toBe(403)
      }
      // The Kinesis API itself is untouched.
      const listStreams = async (url: string) => {
        const res = await fetch(`${url}/`, {
          method: 'POST',
          headers: {
            'content-type': 'application/x-amz-json-1.1',
            'x-amz-target': 'Kinesis_20131202.ListStreams',
          },
          body: '{}',
        })
        return { status: res.status, body: await res.text() }
      }
      expect(await listStreams(withUi.url)).toEqual(await listStreams(plain.url))
      expect((await answer(`${withUi.url}/health`)).status).toBe(200)
      const page = await answer(`${withUi.url}/ui/`)
      expect(page).toMatchObject({ status: 200, type: 'text/html; charset=utf-8' })
    } finally {
      await plain.close()
      await withUi.close()
    }
  })
})

describe('static assets', () => {
  it.each([
    ['/ui/', 'text/html; charset=utf-8', '<title>Tributary</title>'],
    ['/ui/assets/app.js', 'text/javascript; charset=utf-8', 'EventSource'],
    ['/ui/assets/app.css', 'text/css; charset=utf-8', 'prefers-color-scheme'],
    ['/ui/vendor/uPlot.iife.min.js', 'text/javascript; charset=utf-8', 'uPlot'],
    ['/ui/vendor/uPlot.min.css', 'text/css; charset=utf-8', '.uplot'],
  ])('serves %s as %s', async (path, type, contains) => {
    const { url } = await serveDashboard(fakeSource())
    const res = await answer(`${url}${path}`)
    expect(res).toMatchObject({ status: 200, type })
    expect(res.body).toContain(contains)
  })

  it('sends a strict CSP with the page, 304s on a matching ETag, 404s anything else under /ui/', async () => {
    const { url } = await serveDashboard(fakeSource())
    const page = await fetch(`${url}/ui/`)
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'")
    const again = await fetch(`${url}/ui/`, { headers: { 'if-none-match': page.headers.get('etag')! } })
    expect(again.status).toBe(304)
    for (const path of [
      '/ui/assets/%2e%2e/source.ts',
      '/ui/assets/nope.js',
      '/ui/index.html',
      '/ui/vendor/x',
    ])
      expect((await fetch(`${url}${path}`)).status).toBe(404)
    expect((await answer(`${url}/ui`)).location).toBe('/ui/')
    // Paths outside /ui/ are passed on to the next route.
    expect((await fetch(`${url}/metrics`)).status).toBe(418)
  })
})

describe('JSON API', () => {
  it('describes the pipeline as a laid-out graph, with the unit of each edge rate it can measure', async () => {
    const { url } = await serveDashboard(fakeSource())
    const body = await json(fetch(`${url}/ui/api/pipeline`))
    expect(body.name).toBe('telemetry')
    expect(body.graph.nodes).toContainEqual(
      expect.objectContaining({ id: 'stream:ingest', kind: 'stream', layer: 2, width: 168, height: 52 }),
    )
    expect(body.graph.edges).toContainEqual(
      expect.objectContaining({
        id: 'stream:ingest>function:enrich>mapping',
        type: 'config',
        rate: 'rec',
        path: expect.stringMatching(/^M/),
        labelBox: expect.objectContaining({ width: expect.any(Number) }),
      }),
    )
    // Declared but never used: nothing to count yet.
    const declared = body.graph.edges.find(
      (e: { id: string }) => e.id === 'function:generate>stream:ingest>writes',
    )
    expect(declared).toMatchObject({ type: 'binding', declared: true, observed: false })
    expect(declared.rate).toBeUndefined()
    expect(body.graph.width).toBeGreaterThan(0)
  })

  it('lists alarms and their history, queues and their messages', async () => {
    const source = fakeSource()
    source.setAlarm('HighErrors', 'ALARM')
    source.addMessage('work-dlq', '{"id":1}', 'work')
    const { url } = await serveDashboard(source)
    const alarms = await json(fetch(`${url}/ui/api/alarms`))
    expect(alarms).toMatchObject({ configured: true, alarms: [{ name: 'HighErrors', state: 'ALARM' }] })
    const history = await json(fetch(`${url}/ui/api/alarms/HighErrors/history`))
    expect(history.history[0]).toMatchObject({ newState: 'ALARM', type: 'StateUpdate' })
    const queues = await json(fetch(`${url}/ui/api/queues`))
    expect(queues.queues).toEqual([
      { name: 'work', depth: expect.any(Object), deadLetterSourceQueues: [] },
      {
        name: 'work-dlq',
        depth: { visible: 1, inFlight: 0, delayed: 0, oldestAgeMs: 0 },
        deadLetterSourceQueues: ['work'],
      },
      { name: 'enrich-failures', depth: expect.any(Object), deadLetterSourceQueues: [] },
    ])
    const messages = await json(fetch(`${url}/ui/api/queues/work-dlq/messages?limit=10`))
    expect(messages.messages).toMatchObject([{ body: '{"id":1}', sourceQueue: 'work' }])
    const missing = await fetch(`${url}/ui/api/queues/nope/messages`)
    expect(missing.status).toBe(404)
    expect(await json(missing)).toEqual({ error: 'The specified queue does not exist.' })
  })

  it('redrives a dead-letter queue, only for same-origin JSON requests', async () => {
    const source = fakeSource()
    source.addMessage('work-dlq', 'failed', 'work')
    const { url } = await serveDashboard(source)
    const form = await fetch(`${url}/ui/api/queues/work-dlq/redrive`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: '{}',
    })
    expect(form.status).toBe(415)
    const foreign = await post(`${url}/ui/api/queues/work-dlq/redrive`, {}, { origin: 'http://evil.example' })
    expect(foreign.status).toBe(403)
    const crossSite = await post(
      `${url}/ui/api/queues/work-dlq/redrive`,
      {},
      { 'sec-fetch-site': 'cross-site' },
    )
    expect(crossSite.status).toBe(403)
    expect(source.messages('work-dlq')).toHaveLength(1)
    const res = await post(`${url}/ui/api/queues/work-dlq/redrive`, {}, { origin: url })
    expect(await json(res)).toEqual({ moved: 1, skipped: 0 })
    expect(source.messages('work-dlq')).toHaveLength(0)
    expect(source.messages('work').map((m) => m.body)).toEqual(['failed'])
    expect((await fetch(`${url}/ui/api/queues/work-dlq/redrive`)).status).toBe(405)
  })

  it('runs SQL and reports DuckDB errors with their detail', async () => {
    const { url } = await serveDashboard(fakeSource())
    const ok = await json(post(`${url}/ui/api/query`, { sql: 'SELECT device, count(*) n FROM t GROUP BY 1' }))
    expect(ok).toMatchObject({
      columns: [
        { name: 'device', type: 'VARCHAR' },
        { name: 'n', type: 'BIGINT' },
      ],
      rows: [
        ['sensor-1', 3],
        ['sensor-2', 7],
      ],
      rowCount: 2,
      truncated: false,
    })
    expect(typeof ok.elapsedMs).toBe('number')
    const bad = await post(`${url}/ui/api/query`, { sql: 'SELECT syntax error' })
    expect(bad.status).toBe(400)
    expect(await json(bad)).toEqual({
      error: 'Parser Error: syntax error',
      detail: 'Parser Error: syntax error at "error"',
    })
    expect((await post(`${url}/ui/api/query`, {})).status).toBe(400)
    expect((await post(`${url}/ui/api/query`, { sql: 'x'.repeat(70_000) })).status).toBe(413)
  })

  it('browses the lake: prefixes, files, and previews of gzip text', async () => {
    const source = fakeSource()
    source.objects.set('raw/2025/a.json.gz', gzipSync('{"a":1}\n{"a":2}\n'))
    source.objects.set('raw/2025/b.json', Buffer.from('{"b":1}\n'))
    source.objects.set('top.txt', Buffer.from('hello'))
    const { url } = await serveDashboard(source)
    expect(await json(fetch(`${url}/ui/api/lake/buckets`))).toEqual({ buckets: ['lake'] })
    const root = await json(fetch(`${url}/ui/api/lake/objects?bucket=lake`))
    expect(root).toMatchObject({ commonPrefixes: ['raw/'], objects: [{ key: 'top.txt', size: 5 }] })
    const inner = await json(fetch(`${url}/ui/api/lake/objects?bucket=lake&prefix=raw/2025/`))
    expect(inner.objects.map((o: { key: string }) => o.key)).toEqual([
      'raw/2025/a.json.gz',
      'raw/2025/b.json',
    ])
    const preview = await json(fetch(`${url}/ui/api/lake/preview?bucket=lake&key=raw/2025/a.json.gz`))
    expect(preview.preview).toEqual({ format: 'text', lines: ['{"a":1}', '{"a":2}'], truncated: false })
    expect((await fetch(`${url}/ui/api/lake/preview?bucket=lake&key=missing`)).status).toBe(404)
    expect((await fetch(`${url}/ui/api/lake/preview?bucket=lake`)).status).toBe(400)
    expect((await fetch(`${url}/ui/api/lake/objects?bucket=other`)).status).toBe(404)
  })

  it('refuses to redrive a queue no queue sends its dead letters to', async () => {
    const source = fakeSource()
    source.addMessage('enrich-failures', '{"requestContext":{}}')
    const { url } = await serveDashboard(source)
    const res = await post(`${url}/ui/api/queues/enrich-failures/redrive`, {})
    expect(res.status).toBe(400)
    expect(await json(res)).toEqual({
      error:
        "Queue 'enrich-failures' is not the dead-letter queue of any queue: there is nothing to redrive its messages to.",
    })
    expect(source.messages('enrich-failures')).toHaveLength(1)
  })

  it('lists tables, scans and queries them a page at a time, and reads one item', async () => {
    const source = fakeSource()
    for (let ts = 1; ts <= 5; ts++) source.table('readings').put({ device: 'd-1', ts, temp: ts })
    source.table('readings').put({ device: 'd-2', ts: 1, temp: 9 })
    const { url } = await serveDashboard(source)
    expect(await json(fetch(`${url}/ui/api/tables`))).toEqual({
      tables: [
        { name: 'metadata', partitionKey: 'id', itemCount: 0 },
        { name: 'readings', partitionKey: 'device', sortKey: 'ts', itemCount: 6 },
      ],
    })
    const items = (q: string) => json(fetch(`${url}/ui/api/tables/readings/items?${q}`))
    const first = await items('limit=4')
    expect(first).toEqual({
      operation: 'scan',
      items: [1, 2, 3, 4].map((ts) => ({ device: 'd-1', ts, temp: ts })),
      lastKey: { device: 'd-1', ts: 4 },
    })
    const second = await items(`limit=4&startAfter=${encodeURIComponent(JSON.stringify(first.lastKey))}`)
    expect(second).toEqual({
      operation: 'scan',
      items: [
        { device: 'd-1', ts: 5, temp: 5 },
        { device: 'd-2', ts: 1, temp: 9 },
      ],
    })
    const query = await items(
      `partitionKey=${encodeURIComponent('"d-1"')}&sortKey=${encodeURIComponent('{"greaterThan":3}')}&forward=false`,
    )
    expect(query).toEqual({
      operation: 'query',
      items: [
        { device: 'd-1', ts: 5, temp: 5 },
        { device: 'd-1', ts: 4, temp: 4 },
      ],
    })
    const paged = await items(`partitionKey=${encodeURIComponent('"d-1"')}&limit=2`)
    expect(paged.lastKey).toEqual({ device: 'd-1', ts: 2 })
    expect(
      await json(
        fetch(`${url}/ui/api/tables/readings/item?key=${encodeURIComponent('{"device":"d-2","ts":1}')}`),
      ),
    ).toEqual({ item: { device: 'd-2', ts: 1, temp: 9 } })
  })

  it.each([
    ['items?partitionKey=d-1', 400, `'partitionKey' must be JSON: a string in double quotes or a number.`],
    ['items?partitionKey=%7B%7D', 400, "'partitionKey' must be a string or a number."],
    [
      'items?sortKey=%7B%22equals%22%3A1%7D',
      400,
      'A sort key condition needs a partition key value: a query reads one partition.',
    ],
    ['items?startAfter=%5B1%5D', 400, `'startAfter' must be an object of key attributes, e.g. {"id":"d-1"}.`],
    ['items?limit=0', 400, "'limit' must be a positive integer."],
    [
      'items?partitionKey=%22d-1%22&sortKey=%7B%22between%22%3A%5B9%2C2%5D%7D',
      400,
      'Invalid KeyConditionExpression: The BETWEEN operator requires upper bound to be greater than or equal to lower bound; lower bound operand: AttributeValue: {N:9}, upper bound operand: AttributeValue: {N:2}',
    ],
    [
      'items?partitionKey=%22d-1%22&sortKey=%7B%22near%22%3A1%7D',
      400,
      expect.stringContaining('Invalid KeyConditionExpression'),
    ],
    ['item?key=%7B%22device%22%3A%22d-1%22%7D', 400, 'The provided key element does not match the schema'],
    ['item?key=%7B%22device%22%3A%22nope%22%2C%22ts%22%3A1%7D', 404, 'No item with this key.'],
    ['item', 400, "Missing parameter 'key'."],
  ])('answers a bad table request %s with %i and a clear error', async (path, status, error) => {
    const { url } = await serveDashboard(fakeSource())
    const res = await fetch(`${url}/ui/api/tables/readings/${path}`)
    expect({ status: res.status, body: await json(res) }).toEqual({ status, body: { error } })
  })

  it('404s a table the pipeline does not have', async () => {
    const { url } = await serveDashboard(fakeSource())
    const res = await fetch(`${url}/ui/api/tables/nope/items`)
    expect(res.status).toBe(404)
    expect(await json(res)).toEqual({ error: 'Requested resource not found' })
  })

  it('lists streams for the tail and 404s unknown API paths', async () => {
    const { url } = await serveDashboard(fakeSource())
    expect(await json(fetch(`${url}/ui/api/streams`))).toEqual({ streams: ['ingest'] })
    expect((await fetch(`${url}/ui/api/nothing`)).status).toBe(404)
  })
})

describe('event streams', () => {
  it('sends alarm and queue state on connect, a metrics frame per second, and changes as they happen', async () => {
    const source = fakeSource()
    let now = 1_700_000_000_000
    const { url, dashboard } = await serveDashboard(source, { tickMs: 60_000, now: () => now })
    const sse = await openSse(`${url}/ui/api/events`)
    expect(sse.res.headers['content-type']).toBe('text/event-stream; charset=utf-8')
    expect((await sse.next((e) => e.event === 'alarms')).data).toEqual({ configured: true, alarms: [] })
    expect((await sse.next((e) => e.event === 'queues')).data).toMatchObject({
      queues: [
        { name: 'work' },
        { name: 'work-dlq', deadLetterSourceQueues: ['work'] },
        { name: 'enrich-failures' },
      ],
    })

    dashboard.tick()
    const frame = await sse.next((e) => e.event === 'metrics')
    expect(frame.data).toEqual({
      t: now / 1000 - 1,
      charts: {
        throughput: { ingest: 5 },
        'iterator-age': {},
        errors: { enrich: 5 },
        latency: { enrich: 5 },
        'queue-depth': { work: 0, 'work-dlq': 0, 'enrich-failures': 0 },
        'lake-files': {},
      },
    })

    source.setAlarm('HighErrors', 'ALARM')
    now += 1000
    dashboard.tick()
    const alarms = await sse.next((e) => e.event === 'alarms')
    expect(alarms.data).toMatchObject({ alarms: [{ name: 'HighErrors', state: 'ALARM' }] })

    const history = await json(fetch(`${url}/ui/api/charts`))
    const throughput = history.charts.find((c: { id: string }) => c.id === 'throughput')
    expect(throughput).toMatchObject({
      labels: ['ingest'],
      t: [now / 1000 - 2, now / 1000 - 1],
      values: [[5, 5]],
    })
  })

  it('sends edge rates each second, and the graph again when a function uses a binding for the first time', async () => {
    const source = fakeSource()
    let now = 1_700_000_000_000
    const { url, dashboard } = await serveDashboard(source, { tickMs: 60_000, now: () => now })
    const sse = await openSse(`${url}/ui/api/events`)
    type Rates = { edges: Record<string, number | null> }
    const rated = (e: { event: string; data: unknown }) =>
      e.event === 'rates' ? (e.data as Rates).edges : undefined
    dashboard.tick()
    const rates = rated(await sse.next((e) => e.event === 'rates'))
    // The fake metric store answers 5 for any second: 5 in the last minute.
    expect(rates).toMatchObject({
      'schedule:tick>function:generate>trigger': 5 / 60,
      'stream:ingest>function:enrich>mapping': 5 / 60,
    })
    expect(rates).not.toHaveProperty(['function:generate>stream:ingest>writes'])

    source.uses = [
      {
        function: 'generate',
        kind: 'stream',
        resource: 'ingest',
        access: 'write',
        firstAt: now,
        count: 100,
        recent: 30,
      },
    ]
    now += 1000
    dashboard.tick()
    const graph = await sse.next((e) => e.event === 'graph')
    expect((graph.data as { edges: unknown[] }).edges).toContainEqual(
      expect.objectContaining({ id: 'function:generate>stream:ingest>writes', observed: true, rate: 'rec' }),
    )
    // The calls of the last minute, per second.
    const edge = 'function:generate>stream:ingest>writes'
    expect(rated(await sse.next((e) => rated(e)?.[edge] !== undefined))?.[edge]).toBe(0.5)
    source.uses[0]!.recent = 120
    now += 1000
    dashboard.tick()
    expect(rated(await sse.next((e) => (rated(e)?.[edge] ?? 0.5) !== 0.5))?.[edge]).toBe(2)
  })

  it('tails a stream and unsubscribes when the page goes away', async () => {
    const source = fakeSource()
    const { url, dashboard } = await serveDashboard(source)
    expect((await fetch(`${url}/ui/api/tail?stream=nope`)).status).toBe(404)
    const sse = await openSse(`${url}/ui/api/tail?stream=ingest`)
    await sse.next((e) => e.event === 'ready')
    expect(source.tailListeners()).toBe(1)
    const record = {
      shardId: 'shardId-000000000000',
      sequenceNumber: '1',
      partitionKey: 'k',
      data: Buffer.from('héllo').toString('base64'),
      arrival: 1,
    }
    source.emit('ingest', [record])
    expect((await sse.next((e) => e.event === 'records')).data).toEqual({
      records: [{ ...record, size: 6 }],
      dropped: 0,
    })
    sse.close()
    await expect.poll(() => source.tailListeners()).toBe(0)
    await expect.poll(() => dashboard.stats().streams).toBe(0)
  })

  it('holds a bounded amount for a client that stops reading, and drops the oldest batches', async () => {
    const source = fakeSource()
    const { url, dashboard } = await serveDashboard(source, {
      sse: { highWaterBytes: 16 * 1024, maxPending: 8 },
    })
    const sse = await openSse(`${url}/ui/api/tail?stream=ingest`)
    await sse.next((e) => e.event === 'ready')
    sse.res.pause()
    const big = Buffer.alloc(3000, 'x').toString('base64')
    const batch = Array.from({ length: 50 }, (_, i) => ({
      shardId: 's',
      sequenceNumber: String(i),
      partitionKey: 'k',
      data: big,
      arrival: i,
    }))
    // ~100 KB per batch after trimming; 400 batches is far more than the socket buffers hold.
    for (let i = 0; i < 400; i++) source.emit('ingest', batch)
    const stats = dashboard.stats()
    expect(stats.pending).toBeLessThanOrEqual(8)
    expect(stats.dropped).toBeGreaterThan(0)
    // At most one frame over the high-water mark sits in the response's own buffer.
    expect(stats.bufferedBytes).toBeLessThan(16 * 1024 + 200 * 1024)
    sse.close()
    await expect.poll(() => dashboard.stats().streams).toBe(0)
  })

  it('refuses event streams past the limit', async () => {
    const { url } = await serveDashboard(fakeSource(), { maxStreams: 1 })
    await openSse(`${url}/ui/api/events`)
    expect((await fetch(`${url}/ui/api/events`)).status).toBe(503)
  })
})

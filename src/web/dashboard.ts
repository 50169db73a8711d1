import type { IncomingMessage, ServerResponse } from 'node:http'
import type { WebRoute } from '../api/server.ts'
import { apiRoutes, queueViews, serveApi } from './api.ts'
import { CHARTS, type ChartSpec, chartHistory, FrameRing, sampleFrame } from './charts.ts'
import { GraphFeed } from './graph-feed.ts'
import { looksLikeBrowser, sendJson } from './http.ts'
import { followLogs } from './logs-api.ts'
import type { DashboardSource, TailRecord } from './source.ts'
import { type SseOptions, SseStream } from './sse.ts'
import { loadAssets, serveAsset } from './static.ts'

export interface DashboardOptions {
  /** How often the live feed samples (default 1000 ms; one chart point per second either way). */
  tickMs?: number
  /** Seconds of chart history kept and shown (default 300). */
  windowSeconds?: number
  /** Open event streams at most (default 32); more get 503. */
  maxStreams?: number
  /** Per-stream buffering limits. */
  sse?: SseOptions
  now?: () => number
  charts?: ChartSpec[]
}

export interface DashboardRoutes {
  routes: WebRoute[]
  /** Samples the live feed now (the timer does it every `tickMs`). */
  tick(): void
  /** Open event streams and what they hold: what a test checks to see memory stay bounded. */
  stats(): { streams: number; pending: number; bufferedBytes: number; dropped: number }
  /** Stops the feed and ends every event stream. */
  close(): void
}

/** Records per `records` event of a tail, and bytes of base64 data kept per record. */
const TAIL_BATCH = 50
/** A function's log lines as they are written (see logs-api.ts). */
const FOLLOW = /^\/ui\/api\/functions\/([^/]+)\/logs\/follow$/
const TAIL_DATA_CHARS = 2048

function trimRecord(r: TailRecord): TailRecord & { size: number } {
  const size = Math.floor((r.data.length * 3) / 4)
  return { ...r, data: r.data.length > TAIL_DATA_CHARS ? r.data.slice(0, TAIL_DATA_CHARS) : r.data, size }
}

/**
 * The dashboard's HTTP routes for {@link TributaryServer}'s `routes` option: the page under `/ui/`,
 * its JSON API and event streams under `/ui/api/`, and a redirect from `/` for browsers only
 * (AWS clients keep getting AWS's answer there).
 *
 * @example
 * const dashboard = createDashboardRoutes(dashboardSourceFromRuntime(runtime, { metrics: store }))
 * const server = await TributaryServer.start({ engine, routes: dashboard.routes })
 * // ... on shutdown:
 * dashboard.close()
 */
export function createDashboardRoutes(
  source: DashboardSource,
  options: DashboardOptions = {},
): DashboardRoutes {
  const assets = loadAssets()
  const now = options.now ?? Date.now
  const charts = options.charts ?? CHARTS
  const ring = new FrameRing(options.windowSeconds ?? 300)
  const streams = new Set<SseStream>()
  /** Tail and log-follow streams get only their records or lines, not the broadcast feed. */
  const tails = new Set<SseStream>()
  const maxStreams = options.maxStreams ?? 32
  const last = { second: 0, alarms: '', queues: '', faults: '', graph: '', rates: '', analytics: '' }
  const graph = new GraphFeed(source)
  const api = apiRoutes(source, {
    charts: () => chartHistory(ring.toArray(), charts),
    graph: () => graph.current().layout,
  })

  const broadcast = (event: string, data: string) => {
    for (const s of streams) if (!s.closed && !tails.has(s)) s.send(event, data)
  }
  const snapshot = (read: () => unknown) => {
    try {
      return JSON.stringify(read())
    } catch (error) {
      return JSON.stringify({ error: (error as Error).message })
    }
  }
  const alarmsJson = () =>
    snapshot(() => ({ configured: source.alarms !== undefined, alarms: source.alarms?.list() ?? [] }))
  const queuesJson = () => snapshot(() => ({ queues: queueViews(source) }))
  const faultsJson = () => snapshot(() => ({ faults: source.faults?.() ?? [] }))

  const tick = () => {
    const second = Math.floor(now() / 1000) * 1000 - 1000
    if (second > last.second) {
      last.second = second
      const frame = sampleFrame(source, second, charts)
      ring.push(frame)
      broadcast('metrics', JSON.stringify(frame))
      graphTick(second)
    }
    // Alarm and queue states go out as soon as they change, not once per second.
    const alarms = alarmsJson()
    if (alarms !== last.alarms) {
      last.alarms = alarms
      broadcast('alarms', alarms)
    }
    const queues = queuesJson()
    if (queues !== last.queues) {
      last.queues = queues
      broadcast('queues', queues)
    }
    const faults = faultsJson()
    if (faults !== last.faults) {
      last.faults = faults
      broadcast('faults', faults)
    }
    analyticsTick()
  }
  // The analytics resources' progress is read from their state (a query each): one read at a time,
  // and only while a page listens.
  let readingAnalytics = false
  const analyticsTick = () => {
    if (!source.analytics || readingAnalytics || streams.size === tails.size) return
    readingAnalytics = true
    source.analytics
      .list()
      .then(
        (analytics) => JSON.stringify({ analytics }),
        (error: Error) => JSON.stringify({ error: error.message }),
      )
      .then((json) => {
        if (json === last.analytics) return
        last.analytics = json
        broadcast('analytics', json)
      })
      .finally(() => {
        readingAnalytics = false
      })
  }
  // The graph is redrawn when observed binding use or the pipeline changes; its rates every second.
  const graphTick = (second: number) => {
    try {
      const { json } = graph.current()
      if (last.graph !== '' && json !== last.graph) broadcast('graph', json)
      last.graph = json
      const rates = JSON.stringify({ edges: graph.rates(second) })
      if (rates !== last.rates) broadcast('rates', rates)
      last.rates = rates
    } catch {
      // A pipeline being reloaded: the next second draws it.
    }
  }
  const timer = setInterval(tick, options.tickMs ?? 1000)
  timer.unref()

  const open = (req: IncomingMessage, res: ServerResponse): SseStream | undefined => {
    if (streams.size >= maxStreams) {
      sendJson(res, 503, { error: 'Too many open event streams.' })
      return undefined
    }
    const stream = new SseStream(req, res, options.sse)
    streams.add(stream)
    stream.onClose(() => {
      streams.delete(stream)
      tails.delete(stream)
    })
    return stream
  }

  const events = (req: IncomingMessage, res: ServerResponse) => {
    const stream = open(req, res)
    if (!stream) return
    last.alarms ||= alarmsJson()
    last.queues ||= queuesJson()
    last.faults ||= faultsJson()
    stream.send('alarms', last.alarms)
    stream.send('queues', last.queues)
    stream.send('faults', last.faults)
    if (last.rates) stream.send('rates', last.rates)
    if (last.analytics) stream.send('analytics', last.analytics)
    else analyticsTick()
  }

  const tail = (req: IncomingMessage, res: ServerResponse, url: URL) => {
    const name = url.searchParams.get('stream') ?? ''
    const known = source.streams?.() ?? Object.keys(source.pipeline().streams)
    if (!known.includes(name)) return sendJson(res, 404, { error: `No stream named '${name}'.` })
    const stream = open(req, res)
    if (!stream) return
    tails.add(stream)
    let batch = 0
    const unsubscribe = source.tail(name, (records) => {
      for (let i = 0; i < records.length; i += TAIL_BATCH) {
        const data = {
          records: records.slice(i, i + TAIL_BATCH).map(trimRecord),
          dropped: stream.stats().dropped,
        }
        // Distinct keys: batches queue (bounded) rather than replace one another.
        stream.send('records', JSON.stringify(data), `records:${batch++}`)
      }
    })
    stream.onClose(unsubscribe)
    stream.send('ready', JSON.stringify({ stream: name }))
  }

  const route: WebRoute = async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://dashboard')
    const path = url.pathname
    if (path === '/' && req.method === 'GET' && looksLikeBrowser(req)) {
      res.writeHead(302, { location: '/ui/', 'content-length': 0, 'cache-control': 'no-store' }).end()
      return true
    }
    if (path === '/ui') {
      res.writeHead(301, { location: '/ui/', 'content-length': 0 }).end()
      return true
    }
    if (!path.startsWith('/ui/')) return false
    if (path === '/ui/api/events' && req.method === 'GET') events(req, res)
    else if (path === '/ui/api/tail' && req.method === 'GET') tail(req, res, url)
    else if (FOLLOW.test(path) && req.method === 'GET') {
      let name: string
      try {
        name = decodeURIComponent(FOLLOW.exec(path)![1]!)
      } catch {
        sendJson(res, 400, { error: 'Malformed function name.' })
        return true
      }
      followLogs(source, name, url, res, () => {
        const stream = open(req, res)
        if (stream) tails.add(stream)
        return stream
      })
    } else if (path.startsWith('/ui/api/')) {
      if (!(await serveApi(api, req, res, url))) sendJson(res, 404, { error: `No API at ${path}.` })
    } else if ((req.method === 'GET' || req.method === 'HEAD') && serveAsset(assets, req, res, path)) {
      // served
    } else {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('Not found.\n')
    }
    return true
  }

  return {
    routes: [route],
    tick,
    stats() {
      const all = [...streams].map((s) => s.stats())
      return {
        streams: streams.size,
        pending: all.reduce((n, s) => n + s.pending, 0),
        bufferedBytes: all.reduce((n, s) => n + s.bufferedBytes, 0),
        dropped: all.reduce((n, s) => n + s.dropped, 0),
      }
    },
    close() {
      clearInterval(timer)
      for (const s of [...streams]) s.close()
    },
  }
}

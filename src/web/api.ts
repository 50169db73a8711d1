import type { IncomingMessage, ServerResponse } from 'node:http'
import { analyticsRoutes } from './analytics-api.ts'
import type { GraphLayout } from './graph-layout.ts'
import { type ApiRoute, HttpError, intParam, readJson, sendJson, stringParam } from './http.ts'
import { logRoutes } from './logs-api.ts'
import { MAX_PREVIEW_OBJECT_BYTES, previewObject } from './preview.ts'
import { searchRoutes } from './search-api.ts'
import type { DashboardSource } from './source.ts'
import { tableRoutes } from './tables-api.ts'

/** Rows the SQL box returns at most (the result says when there were more). */
export const MAX_QUERY_ROWS = 1000

function streamNames(source: DashboardSource): string[] {
  return source.streams?.() ?? Object.keys(source.pipeline().streams)
}

/**
 * The queues that send their dead letters to `queue` (SQS's ListDeadLetterSourceQueues): a
 * redrive (StartMessageMoveTask) applies to a queue only when there is one. A queue that is only
 * a failure destination (of a Kinesis mapping, say) holds records, not messages of a source queue.
 */
function deadLetterSources(source: DashboardSource, queue: string): string[] {
  return Object.entries(source.pipeline().queues)
    .filter(([, q]) => q.deadLetterQueue?.queue === queue)
    .map(([name]) => name)
}

/** Every queue with its depth and the queues it is the dead-letter queue of. */
export function queueViews(source: DashboardSource) {
  return source.queues
    .list()
    .map((q) => ({ ...q, deadLetterSourceQueues: deadLetterSources(source, q.name) }))
}

/** The JSON API under `/ui/api/`, as data: method, path pattern, handler. */
export function apiRoutes(
  source: DashboardSource,
  views: { charts: () => unknown; graph: () => GraphLayout },
): ApiRoute[] {
  return [
    {
      method: 'GET',
      pattern: /^\/ui\/api\/pipeline$/,
      handle: () => {
        const pipeline = source.pipeline()
        return { name: pipeline.name, graph: views.graph(), pipeline }
      },
    },
    { method: 'GET', pattern: /^\/ui\/api\/charts$/, handle: () => ({ charts: views.charts() }) },
    {
      method: 'GET',
      pattern: /^\/ui\/api\/alarms$/,
      handle: () => ({ configured: source.alarms !== undefined, alarms: source.alarms?.list() ?? [] }),
    },
    {
      method: 'GET',
      pattern: /^\/ui\/api\/alarms\/([^/]+)\/history$/,
      handle: ({ match, params }) => ({
        history: source.alarms?.history(match[0]!, intParam(params, 'limit', 50, 500)) ?? [],
      }),
    },
    { method: 'GET', pattern: /^\/ui\/api\/queues$/, handle: () => ({ queues: queueViews(source) }) },
    {
      method: 'GET',
      pattern: /^\/ui\/api\/queues\/([^/]+)\/messages$/,
      handle: ({ match, params }) =>
        source.queues.peek(match[0]!, {
          limit: intParam(params, 'limit', 50, 1000),
          ...(params.get('after') ? { after: params.get('after')! } : {}),
        }),
    },
    {
      method: 'POST',
      pattern: /^\/ui\/api\/queues\/([^/]+)\/redrive$/,
      handle: async ({ req, match }) => {
        const body = await readJson(req)
        const destination = body.destination
        if (destination !== undefined && (typeof destination !== 'string' || destination === ''))
          throw new HttpError(400, "'destination' must be a queue name.")
        if (deadLetterSources(source, match[0]!).length === 0)
          throw new HttpError(
            400,
            `Queue '${match[0]}' is not the dead-letter queue of any queue: there is nothing to redrive its messages to.`,
          )
        return source.queues.redrive(match[0]!, destination === undefined ? {} : { destination })
      },
    },
    { method: 'GET', pattern: /^\/ui\/api\/streams$/, handle: () => ({ streams: streamNames(source) }) },
    {
      method: 'GET',
      pattern: /^\/ui\/api\/lake\/buckets$/,
      handle: () => ({ buckets: source.lake.buckets() }),
    },
    {
      method: 'GET',
      pattern: /^\/ui\/api\/lake\/objects$/,
      handle: async ({ params }) => {
        const bucket = stringParam(params, 'bucket')!
        const token = params.get('continuationToken')
        return source.lake.listObjects(bucket, {
          prefix: params.get('prefix') ?? '',
          delimiter: '/',
          maxKeys: intParam(params, 'maxKeys', 200, 1000),
          ...(token ? { continuationToken: token } : {}),
        })
      },
    },
    {
      method: 'GET',
      pattern: /^\/ui\/api\/lake\/preview$/,
      handle: async ({ params }) => {
        const bucket = stringParam(params, 'bucket')!
        const key = stringParam(params, 'key')!
        const object = await source.lake.getObject(bucket, key)
        const head = {
          bucket,
          key,
          size: object.size,
          contentType: object.contentType,
          lastModified: object.lastModified,
        }
        if (object.size > MAX_PREVIEW_OBJECT_BYTES)
          return {
            ...head,
            preview: { format: 'too-large', message: 'Too large to preview: query it with SQL.' },
          }
        return { ...head, preview: await previewObject(key, object) }
      },
    },
    {
      method: 'POST',
      pattern: /^\/ui\/api\/query$/,
      handle: async ({ req }) => {
        const body = await readJson(req)
        if (typeof body.sql !== 'string' || body.sql.trim() === '')
          throw new HttpError(400, "'sql' is required.")
        const started = performance.now()
        try {
          const result = await source.query(body.sql, { maxRows: MAX_QUERY_ROWS })
          return { ...result, elapsedMs: Math.round(performance.now() - started) }
        } catch (error) {
          const e = error as Error & { detail?: string }
          throw new HttpError(400, e.message, e.detail)
        }
      },
    },
    ...tableRoutes(source),
    ...logRoutes(source),
    ...searchRoutes(source),
    ...analyticsRoutes(source),
  ]
}

/** Answers an API request, or returns false when no route matches the path. */
export async function serveApi(routes: ApiRoute[], req: IncomingMessage, res: ServerResponse, url: URL) {
  const candidates = routes.filter((r) => r.pattern.test(url.pathname))
  if (candidates.length === 0) return false
  const route = candidates.find((r) => r.method === req.method)
  try {
    if (!route) throw new HttpError(405, `Use ${candidates.map((r) => r.method).join(' or ')}.`)
    const match = (url.pathname.match(route.pattern) ?? []).slice(1).map((m) => decodeURIComponent(m))
    const body = await route.handle({ req, res, params: url.searchParams, match })
    if (body !== undefined && !res.headersSent) sendJson(res, 200, body)
  } catch (error) {
    if (res.headersSent) throw error
    if (error instanceof HttpError)
      sendJson(res, error.status, { error: error.message, ...(error.detail ? { detail: error.detail } : {}) })
    else sendJson(res, errorStatus(error), { error: (error as Error).message })
  }
  return true
}

/** Service errors (unknown queue, missing object, bad prefix) are the caller's mistake: 4xx. */
function errorStatus(error: unknown): number {
  const e = error as { code?: unknown; name?: unknown; statusCode?: unknown }
  if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) return e.statusCode
  const code = String(e.code ?? e.name ?? '')
  if (/NoSuch|NotFound|DoesNotExist/.test(code)) return 404
  if (/Invalid|Missing|TooLong|Validation|Conflict/.test(code)) return 400
  return 500
}

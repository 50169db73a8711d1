import type { ServerResponse } from 'node:http'
import { type ApiRoute, HttpError, intParam, sendJson } from './http.ts'
import type { DashboardLogs, DashboardSource } from './source.ts'
import type { SseStream } from './sse.ts'

/** Lines the panel shows at first unless it asks for another number (at most 2,000). */
export const RECENT_LOG_LINES = 200
/** Lines per `lines` event of a follow. */
const FOLLOW_BATCH = 200

function logsOf(source: DashboardSource): DashboardLogs {
  if (!source.logs) throw new HttpError(404, 'This dashboard has no function logs.')
  return source.logs
}

function knownFunction(logs: DashboardLogs, name: string): string {
  if (!logs.has(name)) throw new HttpError(404, `No function named '${name}'.`)
  return name
}

/** The filter box's text: FilterLogEvents' filter pattern (empty: every line). */
function filterOf(params: URLSearchParams): { filter?: string } {
  const filter = params.get('filter') ?? ''
  return filter.trim() === '' ? {} : { filter }
}

/**
 * The Logs panel's routes: the functions with logs, and a function's newest lines (in time order,
 * newest last) with the position to follow from.
 */
export function logRoutes(source: DashboardSource): ApiRoute[] {
  return [
    {
      method: 'GET',
      pattern: /^\/ui\/api\/functions$/,
      handle: () => ({ functions: source.logs?.functions() ?? [] }),
    },
    {
      method: 'GET',
      pattern: /^\/ui\/api\/functions\/([^/]+)\/logs$/,
      handle: ({ match, params }) => {
        const logs = logsOf(source)
        const fn = knownFunction(logs, match[0]!)
        const limit = intParam(params, 'limit', RECENT_LOG_LINES, 2000)
        const { lines, position } = logs.recent(fn, { limit, ...filterOf(params) })
        return { function: fn, logGroup: `/aws/lambda/${fn}`, lines, position }
      },
    },
  ]
}

/**
 * `GET /ui/api/functions/<name>/logs/follow?after=<position>&filter=...`: an event stream of the
 * lines written after `after` (a `lines` event per batch, in order), as they are written. Reads
 * happen after each batch the log store writes, never more than one at a time per follower.
 */
export function followLogs(
  source: DashboardSource,
  name: string,
  url: URL,
  res: ServerResponse,
  open: () => SseStream | undefined,
): void {
  let logs: DashboardLogs
  let fn: string
  try {
    logs = logsOf(source)
    fn = knownFunction(logs, name)
  } catch (error) {
    const e = error as HttpError
    sendJson(res, e.status ?? 500, { error: e.message })
    return
  }
  const after = Number(url.searchParams.get('after') ?? 'NaN')
  const filter = filterOf(url.searchParams)
  const stream = open()
  if (!stream) return
  let position = Number.isSafeInteger(after) && after >= 0 ? after : logs.recent(fn, { limit: 0 }).position
  let batch = 0
  let scheduled = false
  const read = () => {
    scheduled = false
    if (stream.closed) return
    try {
      for (let more = true; more; ) {
        const page = logs.after(fn, position, { limit: FOLLOW_BATCH, ...filter })
        position = page.position
        more = page.more
        if (page.lines.length > 0)
          // Distinct keys: batches queue (bounded) rather than replace one another.
          stream.send(
            'lines',
            JSON.stringify({ lines: page.lines, position, dropped: stream.stats().dropped }),
            `lines:${batch++}`,
          )
      }
    } catch (error) {
      stream.send('failed', JSON.stringify({ error: (error as Error).message }))
    }
  }
  // Off the writer's call stack: the log store calls watchers right after it writes a batch.
  const wake = () => {
    if (scheduled) return
    scheduled = true
    setImmediate(read)
  }
  stream.onClose(logs.watch(wake))
  stream.send('ready', JSON.stringify({ function: fn, position }))
  read()
}

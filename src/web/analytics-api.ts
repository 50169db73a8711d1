import { RESULT_ROWS } from '../analytics/status.ts'
import { type ApiRoute, HttpError, intParam } from './http.ts'
import type { DashboardSource } from './source.ts'

/**
 * The Analytics panel's routes: every analytics resource's progress (the same JSON as the
 * `analytics` event of `/ui/api/events`), and the newest rows a resource's queries output.
 */
export function analyticsRoutes(source: DashboardSource): ApiRoute[] {
  return [
    {
      method: 'GET',
      pattern: /^\/ui\/api\/analytics$/,
      handle: async () => ({ analytics: (await source.analytics?.list()) ?? [] }),
    },
    {
      method: 'GET',
      pattern: /^\/ui\/api\/analytics\/([^/]+)\/results$/,
      handle: ({ match, params }) => {
        const name = match[0]!
        const queries = source.analytics?.results(name, intParam(params, 'limit', RESULT_ROWS, RESULT_ROWS))
        if (!queries) throw new HttpError(404, `No analytics resource named '${name}'.`)
        return { name, queries }
      },
    },
  ]
}

import { type ApiRoute, HttpError, readJson } from './http.ts'
import type { DashboardSearch, DashboardSource } from './source.ts'

function search(source: DashboardSource): DashboardSearch {
  if (!source.search) throw new HttpError(404, 'This pipeline has no search indexes.')
  return source.search
}

/**
 * The Explore panel's routes: list the search indexes (with their fields), and run an OpenSearch
 * `_search` body on one (the panel builds its query string, filters, histogram and field values as
 * OpenSearch queries and aggregations). An OpenSearch error comes back as its status and reason.
 */
export function searchRoutes(source: DashboardSource): ApiRoute[] {
  return [
    {
      method: 'GET',
      pattern: /^\/ui\/api\/indexes$/,
      handle: () => ({ indexes: source.search?.indexes() ?? [] }),
    },
    {
      method: 'POST',
      pattern: /^\/ui\/api\/indexes\/([^/]+)\/search$/,
      handle: async ({ req, match }) => {
        const body = await readJson(req)
        try {
          return search(source).search(match[0]!, body)
        } catch (error) {
          const e = error as { status?: unknown; reason?: unknown; type?: unknown }
          if (typeof e.status === 'number' && typeof e.reason === 'string')
            throw new HttpError(e.status, e.reason, typeof e.type === 'string' ? e.type : undefined)
          throw error
        }
      },
    },
  ]
}

import type { TableKey } from '../bindings/index.ts'
import { keyFromPlainJson, toPlainJson } from '../services/tables/plain-json.ts'
import { type ApiRoute, HttpError, intParam } from './http.ts'
import type { DashboardSource, DashboardTables } from './source.ts'

/** Items per page unless the page asks for another number (at most 1,000). */
export const TABLE_PAGE_ITEMS = 25

/** A query parameter holding JSON (typed key values and conditions travel as JSON). */
function jsonParam(params: URLSearchParams, name: string, what: string): unknown {
  const raw = params.get(name)
  if (raw === null || raw === '') return undefined
  try {
    return JSON.parse(raw)
  } catch {
    throw new HttpError(400, `'${name}' must be JSON: ${what}.`)
  }
}

function keyParam(params: URLSearchParams, name: string): TableKey | undefined {
  const key = jsonParam(params, name, 'an object of key attributes, e.g. {"id":"d-1"}')
  if (key !== undefined && (key === null || typeof key !== 'object' || Array.isArray(key)))
    throw new HttpError(400, `'${name}' must be an object of key attributes, e.g. {"id":"d-1"}.`)
  // B key values travel as {"B": "<base64>"}, as the pages' items and lastKey show them.
  return key === undefined ? undefined : (keyFromPlainJson(key as Record<string, unknown>) as TableKey)
}

function tables(source: DashboardSource): DashboardTables {
  if (!source.tables) throw new HttpError(404, 'This pipeline has no tables.')
  return source.tables
}

/**
 * The Tables panel's routes: list the tables; read a page of items (a Query when a partition key
 * value is given, optionally narrowed by a sort key condition, else a Scan), continuing after
 * `startAfter` (the previous page's `lastKey`); read one item by its key.
 */
export function tableRoutes(source: DashboardSource): ApiRoute[] {
  return [
    {
      method: 'GET',
      pattern: /^\/ui\/api\/tables$/,
      handle: () => ({ tables: source.tables?.list() ?? [] }),
    },
    {
      method: 'GET',
      pattern: /^\/ui\/api\/tables\/([^/]+)\/items$/,
      handle: ({ match, params }) => {
        const limit = intParam(params, 'limit', TABLE_PAGE_ITEMS, 1000)
        const startAfter = keyParam(params, 'startAfter')
        const partitionKey = jsonParam(params, 'partitionKey', 'a string in double quotes or a number')
        const sortKey = jsonParam(params, 'sortKey', 'a condition such as {"beginsWith":"2025-"}')
        const page = { limit, ...(startAfter ? { startAfter } : {}) }
        if (partitionKey === undefined) {
          if (sortKey !== undefined)
            throw new HttpError(
              400,
              'A sort key condition needs a partition key value: a query reads one partition.',
            )
          return {
            operation: 'scan',
            ...(toPlainJson(tables(source).scan(match[0]!, page) as never) as object),
          }
        }
        if (typeof partitionKey !== 'string' && typeof partitionKey !== 'number')
          throw new HttpError(400, "'partitionKey' must be a string or a number.")
        const forward = params.get('forward') !== 'false'
        const query = {
          partitionKey,
          ...page,
          scanForward: forward,
          ...(sortKey === undefined ? {} : { sortKey }),
        }
        return {
          operation: 'query',
          ...(toPlainJson(
            tables(source).query(match[0]!, query as Parameters<DashboardTables['query']>[1]) as never,
          ) as object),
        }
      },
    },
    {
      method: 'GET',
      pattern: /^\/ui\/api\/tables\/([^/]+)\/item$/,
      handle: ({ match, params }) => {
        const key = keyParam(params, 'key')
        if (!key) throw new HttpError(400, "Missing parameter 'key'.")
        const item = tables(source).get(match[0]!, key)
        if (!item) throw new HttpError(404, 'No item with this key.')
        return { item: toPlainJson(item as never) }
      },
    },
  ]
}

import { SearchError } from '../../search/errors.ts'
import type { SearchIndex } from '../../search/index-store.ts'
import { type SearchHit, type SearchResponse, searchIndex } from '../../search/search.ts'

/**
 * A search body with the URI parameters folded in (`q`, `size`, `from`, `sort`, `_source`,
 * `_source_includes`, `_source_excludes`, `track_total_hits`, `df`, `default_operator`), which
 * take precedence over the body's, as in OpenSearch.
 */
export function searchBody(body: Record<string, unknown>, params: URLSearchParams): Record<string, unknown> {
  const out = { ...body }
  const q = params.get('q')
  if (q !== null)
    out.query = {
      query_string: {
        query: q,
        ...(params.has('df') ? { default_field: params.get('df') } : {}),
        ...(params.has('default_operator') ? { default_operator: params.get('default_operator') } : {}),
      },
    }
  for (const key of ['size', 'from'] as const) if (params.has(key)) out[key] = Number(params.get(key))
  if (params.has('sort')) out.sort = params.get('sort')!.split(',')
  if (params.has('_source')) {
    const v = params.get('_source')!
    out._source = v === 'false' ? false : v === 'true' ? true : v.split(',')
  }
  const includes = params.get('_source_includes')
  const excludes = params.get('_source_excludes')
  if (includes !== null || excludes !== null)
    out._source = { includes: includes?.split(',') ?? [], excludes: excludes?.split(',') ?? [] }
  if (params.has('track_total_hits')) {
    const v = params.get('track_total_hits')!
    out.track_total_hits = v === 'true' ? true : v === 'false' ? false : Number(v)
  }
  return out
}

/**
 * A search over several indexes: each returns its first `from + size` hits, merged by score (or
 * by the sort values), then paged. Aggregations need a single index here.
 */
export function searchMany(
  indexes: SearchIndex[],
  body: Record<string, unknown>,
  now: number,
): SearchResponse {
  if (body.aggs !== undefined || body.aggregations !== undefined)
    throw new SearchError(
      'illegal_argument_exception',
      'aggregations over several indexes are not supported; search one index',
      400,
    )
  const size = typeof body.size === 'number' ? body.size : 10
  const from = typeof body.from === 'number' ? body.from : 0
  const parts = indexes.map((index) => searchIndex(index, { ...body, size: from + size, from: 0 }, now))
  const sorted = body.sort !== undefined
  const hits: SearchHit[] = parts.flatMap((p) => p.hits.hits)
  hits.sort((a, b) =>
    sorted ? compareSort(a.sort ?? [], b.sort ?? [], body.sort) : (b._score ?? 0) - (a._score ?? 0),
  )
  const total = parts.reduce(
    (t, p) => ({
      value: t.value + (p.hits.total?.value ?? 0),
      relation: p.hits.total?.relation === 'gte' ? 'gte' : t.relation,
    }),
    { value: 0, relation: 'eq' as 'eq' | 'gte' },
  )
  return {
    took: parts.reduce((t, p) => t + p.took, 0),
    timed_out: false,
    _shards: { total: indexes.length, successful: indexes.length, skipped: 0, failed: 0 },
    hits: {
      total,
      max_score: sorted ? null : (hits[0]?._score ?? null),
      hits: hits.slice(from, from + size),
    },
  }
}

function compareSort(a: unknown[], b: unknown[], spec: unknown): number {
  const list = Array.isArray(spec) ? spec : [spec]
  for (let i = 0; i < a.length; i++) {
    const s = list[i]
    const text = typeof s === 'string' ? s : JSON.stringify(s ?? '')
    const desc = /desc/.test(text) || (text.includes('_score') && !/asc/.test(text))
    const [x, y] = [a[i] as number | string | null, b[i] as number | string | null]
    if (x === y) continue
    if (x === null) return 1
    if (y === null) return -1
    const c = x < y ? -1 : 1
    return desc ? -c : c
  }
  return 0
}

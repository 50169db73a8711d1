import { runAggregations } from './aggregations.ts'
import { fielddataDisabled, parsingError, SearchError } from './errors.ts'
import type { SearchIndex } from './index-store.ts'
import { type CompiledQuery, compileQuery, MatchTables } from './query.ts'
import { filterSource, type SourceFilter, sourceFilter } from './source-filter.ts'
import type { Sql } from './sql.ts'

/** `from + size` may not pass this (OpenSearch's `index.max_result_window`). */
export const MAX_RESULT_WINDOW = 10_000
/** Hits counted exactly up to this many unless `track_total_hits` says otherwise (as OpenSearch). */
export const TRACK_TOTAL_HITS = 10_000

/** Keys of a search body that are accepted and have no effect here. */
const IGNORED = new Set([
  'timeout',
  'terminate_after',
  'highlight',
  'profile',
  'explain',
  'stored_fields',
  'docvalue_fields',
  'indices_boost',
  'stats',
  'batched_reduce_size',
  'fields',
])
const KNOWN = new Set([
  'query',
  'size',
  'from',
  'sort',
  '_source',
  'track_total_hits',
  'aggs',
  'aggregations',
  'track_scores',
  'version',
  'seq_no_primary_term',
  'min_score',
  'search_after',
  'post_filter',
])

export interface SearchHit {
  _index: string
  _id: string
  _score: number | null
  _source?: unknown
  _version?: number
  _seq_no?: number
  _primary_term?: number
  sort?: unknown[]
}

export interface SearchResponse {
  took: number
  timed_out: false
  _shards: { total: number; successful: number; skipped: 0; failed: 0 }
  hits: {
    total?: { value: number; relation: 'eq' | 'gte' }
    max_score: number | null
    hits: SearchHit[]
  }
  aggregations?: Record<string, unknown>
}

interface SortKey {
  /** SQL of the value (for `_score`: the score). */
  expr: Sql
  desc: boolean
  missingFirst: boolean
  kind: 'score' | 'doc' | 'field'
}

/**
 * Runs a search body (`query`, `size`, `from`, `sort`, `_source`, `track_total_hits`,
 * `aggregations`, `search_after`, `post_filter`, `min_score`, `version`, `seq_no_primary_term`)
 * against one index. `now` anchors date math (`now-1h`); `matches` holds its full-text matches
 * (tests pass one that says how they were scored).
 */
export function searchIndex(
  index: SearchIndex,
  body: Record<string, unknown>,
  now: number,
  matches: MatchTables = new MatchTables(index),
): SearchResponse {
  const started = performance.now()
  for (const key of Object.keys(body))
    if (!KNOWN.has(key) && !IGNORED.has(key))
      throw parsingError(`Unknown key for a START_OBJECT in [${key}].`)
  const size = intOption(body.size, 'size', 10)
  const from = intOption(body.from, 'from', 0)
  if (from + size > MAX_RESULT_WINDOW)
    throw new SearchError(
      'illegal_argument_exception',
      `Result window is too large, from + size must be less than or equal to: [${MAX_RESULT_WINDOW}] but was [${from + size}]. See the scroll api for a more efficient way to request large data sets. This limit can be set by changing the [index.max_result_window] index level setting.`,
      400,
    )
  const query = compileQuery(index, body.query, now, matches)
  const sort = sortKeys(index, body.sort, query)
  const source = sourceFilter(body._source)
  const filtered =
    body.post_filter === undefined ? query : withPostFilter(index, query, body.post_filter, now, matches)
  const where = [filtered.where]
  if (typeof body.min_score === 'number')
    where.push({ sql: `(${query.score.sql}) >= ?`, params: [...query.score.params, body.min_score] })
  if (body.search_after !== undefined) where.push(searchAfter(sort, body.search_after))
  const hits = size === 0 ? [] : fetchHits(index, filtered, where, sort, size, from, source, body)
  const total = totalHits(
    index,
    where.slice(0, body.search_after === undefined ? where.length : -1),
    body.track_total_hits,
  )
  const scored = sort[0]?.kind === 'score'
  const response: SearchResponse = {
    took: 0,
    timed_out: false,
    _shards: { total: 1, successful: 1, skipped: 0, failed: 0 },
    hits: {
      ...(total ? { total } : {}),
      max_score: scored ? (hits.length > 0 ? Math.max(...hits.map((h) => h._score ?? 0)) : null) : null,
      hits,
    },
  }
  const aggs = body.aggregations ?? body.aggs
  if (aggs !== undefined) response.aggregations = runAggregations(index, query, aggs, now, matches)
  response.took = Math.round(performance.now() - started)
  return response
}

/** The number of documents a query matches (`_count`). */
export function countIndex(index: SearchIndex, query: unknown, now: number): number {
  const q = compileQuery(index, query, now, new MatchTables(index))
  return (
    index.db.prepare(`SELECT count(*) AS n FROM docs d WHERE ${q.where.sql}`).get(...q.where.params) as {
      n: number
    }
  ).n
}

function fetchHits(
  index: SearchIndex,
  query: CompiledQuery,
  where: Sql[],
  sort: SortKey[],
  size: number,
  from: number,
  source: SourceFilter,
  body: Record<string, unknown>,
): SearchHit[] {
  const needScore = sort.some((s) => s.kind === 'score') || body.track_scores === true
  const select = [
    `d.id, d.source, d.version, d.seq_no`,
    needScore ? `(${query.score.sql}) AS score` : 'NULL AS score',
  ]
  const selectParams = needScore ? query.score.params : []
  sort.forEach((s, i) => {
    if (s.kind === 'field') {
      select.push(`${s.expr.sql} AS s${i}`)
      selectParams.push(...s.expr.params)
    }
  })
  const order = sort.flatMap((s, i) => {
    const x = s.kind === 'score' ? 'score' : s.kind === 'doc' ? 'd.rid' : `s${i}`
    // Missing values sort last either way, as in OpenSearch (written so an index on the column serves).
    const nulls = s.kind !== 'field' ? '' : s.missingFirst ? ' NULLS FIRST' : ' NULLS LAST'
    return [`${x} ${s.desc ? 'DESC' : 'ASC'}${nulls}`]
  })
  if (!sort.some((s) => s.kind === 'doc')) order.push('d.rid ASC')
  const text = `SELECT ${select.join(', ')} FROM docs d WHERE ${where.map((w) => w.sql).join(' AND ')} ORDER BY ${order.join(', ')} LIMIT ? OFFSET ?`
  const rows = index.db
    .prepare(text)
    .all(...selectParams, ...where.flatMap((w) => w.params), size, from) as Row[]
  return rows.map((row) => {
    const hit: SearchHit = {
      _index: index.name,
      _id: row.id,
      _score: needScore ? (row.score as number) : null,
    }
    if (body.version === true) hit._version = row.version
    if (body.seq_no_primary_term === true) {
      hit._seq_no = row.seq_no
      hit._primary_term = 1
    }
    if (source !== false) hit._source = filterSource(JSON.parse(row.source), source)
    if (body.sort !== undefined)
      hit.sort = sort.map((s, i) =>
        s.kind === 'score' ? hit._score : s.kind === 'doc' ? 0 : (row[`s${i}`] ?? null),
      )
    return hit
  })
}

interface Row {
  id: string
  source: string
  version: number
  seq_no: number
  score: number | null
  [sortValue: string]: unknown
}

function totalHits(index: SearchIndex, where: Sql[], track: unknown) {
  if (track === false) return undefined
  const cap = track === true ? undefined : typeof track === 'number' ? track : TRACK_TOTAL_HITS
  const cond = where.map((w) => w.sql).join(' AND ')
  const inner = `SELECT 1 FROM docs d WHERE ${cond}${cap === undefined ? '' : ` LIMIT ${cap + 1}`}`
  const { n } = index.db
    .prepare(`SELECT count(*) AS n FROM (${inner})`)
    .get(...where.flatMap((w) => w.params)) as { n: number }
  return cap !== undefined && n > cap
    ? { value: cap, relation: 'gte' as const }
    : { value: n, relation: 'eq' as const }
}

function withPostFilter(
  index: SearchIndex,
  query: CompiledQuery,
  filter: unknown,
  now: number,
  matches: MatchTables,
): CompiledQuery {
  const post = compileQuery(index, filter, now, matches)
  return {
    where: {
      sql: `(${query.where.sql}) AND (${post.where.sql})`,
      params: [...query.where.params, ...post.where.params],
    },
    score: query.score,
  }
}

function sortKeys(index: SearchIndex, raw: unknown, query: CompiledQuery): SortKey[] {
  const score: SortKey = { expr: query.score, desc: true, missingFirst: false, kind: 'score' }
  if (raw === undefined) return [score]
  const list = Array.isArray(raw) ? raw : [raw]
  return list.map((item): SortKey => {
    let field: string
    let options: Record<string, unknown> = {}
    if (typeof item === 'string') {
      const [name, order] = item.split(':')
      field = name!
      if (order) options = { order }
    } else if (item && typeof item === 'object' && Object.keys(item).length === 1) {
      const [name, o] = Object.entries(item as Record<string, unknown>)[0]!
      field = name
      options = typeof o === 'string' ? { order: o } : ((o ?? {}) as Record<string, unknown>)
    } else throw parsingError('[sort] malformed: expected a field name or an object with one field')
    const order = String(options.order ?? (field === '_score' ? 'desc' : 'asc')).toLowerCase()
    if (order !== 'asc' && order !== 'desc')
      throw parsingError(`[sort] unknown order [${String(options.order)}]: expected [asc] or [desc]`)
    const desc = order === 'desc'
    if (field === '_score') return { ...score, desc }
    if (field === '_doc')
      return { expr: { sql: 'd.rid', params: [] }, desc, missingFirst: false, kind: 'doc' }
    const missingFirst = options.missing === '_first'
    if (field === '_id') return { expr: { sql: 'd.id', params: [] }, desc, missingFirst, kind: 'field' }
    const f = index.field(field)
    if (!f) {
      if (options.unmapped_type !== undefined)
        return { expr: { sql: 'NULL', params: [] }, desc, missingFirst, kind: 'field' }
      throw new SearchError(
        'query_shard_exception',
        `No mapping found for [${field}] in order to sort on`,
        400,
        {
          index: index.name,
          index_uuid: index.uuid,
        },
      )
    }
    if (f.storage === 'text') throw fielddataDisabled(field)
    const mode = String(options.mode ?? (desc ? 'max' : 'min'))
    const expr = f.multi
      ? {
          sql: `(SELECT ${mode === 'max' ? 'max' : 'min'}(v) FROM multi WHERE rid = d.rid AND slot = ${f.slot})`,
          params: [],
        }
      : { sql: `d.c${f.slot}`, params: [] }
    return { expr, desc, missingFirst, kind: 'field' }
  })
}

/** `search_after`: the rows after the given sort values (every sort key must be given). */
function searchAfter(sort: SortKey[], after: unknown): Sql {
  if (!Array.isArray(after) || after.length !== sort.length)
    throw parsingError(
      `search_after has ${Array.isArray(after) ? after.length : 0} value(s) but sort has ${sort.length}.`,
    )
  // (a, b) > (x, y) as nested ORs, honouring each key's direction.
  const parts: Sql[] = []
  sort.forEach((s, i) => {
    const eq = sort
      .slice(0, i)
      .map((p, j) => ({ sql: `${p.expr.sql} = ?`, params: [...p.expr.params, after[j]] }))
    const beyond = { sql: `${s.expr.sql} ${s.desc ? '<' : '>'} ?`, params: [...s.expr.params, after[i]] }
    const all = [...eq, beyond]
    parts.push({ sql: `(${all.map((p) => p.sql).join(' AND ')})`, params: all.flatMap((p) => p.params) })
  })
  return { sql: `(${parts.map((p) => p.sql).join(' OR ')})`, params: parts.flatMap((p) => p.params) }
}

function intOption(value: unknown, name: string, fallback: number): number {
  if (value === undefined || value === null) return fallback
  const n = typeof value === 'string' ? Number(value) : value
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0)
    throw new SearchError(
      'illegal_argument_exception',
      `[${name}] parameter cannot be negative, found [${String(value)}]`,
      400,
    )
  return n
}

import { dateMath } from './date-math.ts'
import { fielddataDisabled, parsingError } from './errors.ts'
import type { SearchIndex, StoredField } from './index-store.ts'
import { type CompiledQuery, compileQuery, type MatchTables } from './query.ts'
import type { Sql } from './sql.ts'

/** The documents an aggregation runs over: the query's, narrowed by the enclosing buckets. */
interface Scope {
  where: Sql[]
  /** Where `filter` aggregations put their full-text matches. */
  matches: MatchTables
}

type AggRunner = (
  index: SearchIndex,
  scope: Scope,
  body: Record<string, unknown>,
  sub: unknown,
  now: number,
) => unknown

/** Metric aggregations: SQL over the field's values, and the reply from the row. */
const METRICS: Record<
  string,
  { sql: (x: string) => string; reply: (r: Record<string, number | null>, date: boolean) => unknown }
> = {
  avg: { sql: (x) => `avg(${x}) AS a`, reply: (r, date) => single(r.a, date) },
  sum: { sql: (x) => `total(${x}) AS a`, reply: (r) => ({ value: r.a ?? 0 }) },
  min: { sql: (x) => `min(${x}) AS a`, reply: (r, date) => single(r.a, date) },
  max: { sql: (x) => `max(${x}) AS a`, reply: (r, date) => single(r.a, date) },
  value_count: { sql: (x) => `count(${x}) AS a`, reply: (r) => ({ value: r.a ?? 0 }) },
  cardinality: { sql: (x) => `count(DISTINCT ${x}) AS a`, reply: (r) => ({ value: r.a ?? 0 }) },
  stats: {
    sql: (x) => `count(${x}) AS n, min(${x}) AS lo, max(${x}) AS hi, avg(${x}) AS a, total(${x}) AS s`,
    reply: (r, date) => ({
      count: r.n ?? 0,
      min: r.lo ?? null,
      max: r.hi ?? null,
      avg: r.a ?? null,
      sum: r.s ?? 0,
      ...(date && r.n ? { min_as_string: iso(r.lo!), max_as_string: iso(r.hi!) } : {}),
    }),
  },
}

function single(value: number | null | undefined, date: boolean) {
  return { value: value ?? null, ...(date && value != null ? { value_as_string: iso(value) } : {}) }
}

/**
 * The aggregations of a search (`aggs`): bucket aggregations `terms`, `date_histogram`,
 * `histogram`, `range`, `filter`, `filters` (with sub-aggregations), and metrics `avg`, `sum`,
 * `min`, `max`, `value_count`, `cardinality`, `stats`, in OpenSearch's reply shapes.
 */
export function runAggregations(
  index: SearchIndex,
  query: CompiledQuery,
  aggs: unknown,
  now: number,
  matches: MatchTables,
): Record<string, unknown> {
  return runAll(index, { where: [query.where], matches }, aggs, now)
}

function runAll(index: SearchIndex, scope: Scope, aggs: unknown, now: number): Record<string, unknown> {
  if (aggs === null || typeof aggs !== 'object' || Array.isArray(aggs))
    throw parsingError('Aggregation definition must be an object')
  const out: Record<string, unknown> = {}
  for (const [name, def] of Object.entries(aggs as Record<string, unknown>)) {
    const entries = Object.entries((def ?? {}) as Record<string, unknown>)
    const sub = entries.find(([k]) => k === 'aggs' || k === 'aggregations')?.[1]
    const types = entries.filter(([k]) => k !== 'aggs' && k !== 'aggregations' && k !== 'meta')
    if (types.length !== 1)
      throw parsingError(
        types.length === 0
          ? `Missing definition for aggregation [${name}]`
          : `Found two aggregation type definitions in [${name}]: [${types[0]![0]}] and [${types[1]![0]}]`,
      )
    const [type, body] = types[0]!
    const metric = METRICS[type]
    if (metric) {
      out[name] = runMetric(index, scope, type, body as Record<string, unknown>)
      continue
    }
    const runner = BUCKETS[type]
    if (!runner) throw parsingError(`Unknown aggregation type [${type}] did you mean [terms]?`)
    out[name] = runner(index, scope, (body ?? {}) as Record<string, unknown>, sub, now)
  }
  return out
}

function fieldOf(index: SearchIndex, body: Record<string, unknown>, agg: string): StoredField | undefined {
  if (typeof body.field !== 'string')
    throw parsingError(`Required one of fields [field, script], but none were specified.`, {
      aggregation: agg,
    })
  const f = index.field(body.field)
  if (f?.storage === 'text') throw fielddataDisabled(body.field)
  return f
}

/** Where a field's values are: its column, or its `multi` rows (joined as `m`). */
function valuesOf(f: StoredField): { join: string; x: string } {
  return f.multi
    ? { join: ` JOIN multi m ON m.rid = d.rid AND m.slot = ${f.slot}`, x: 'm.v' }
    : { join: '', x: `d.c${f.slot}` }
}

function select(
  index: SearchIndex,
  scope: Scope,
  what: string,
  join: string,
  rest = '',
  params: unknown[] = [],
) {
  const where = scope.where.map((w) => `(${w.sql})`).join(' AND ') || '1'
  return index.db
    .prepare(`SELECT ${what} FROM docs d${join} WHERE ${where}${rest}`)
    .all(...scope.where.flatMap((w) => w.params), ...params) as Record<string, unknown>[]
}

function runMetric(index: SearchIndex, scope: Scope, type: string, body: Record<string, unknown>): unknown {
  const metric = METRICS[type]!
  const f = fieldOf(index, body ?? {}, type)
  if (!f) return metric.reply({}, false)
  const { join, x } = valuesOf(f)
  const row = select(index, scope, metric.sql(x), join)[0] as Record<string, number | null>
  return metric.reply(row, f.storage === 'date')
}

const narrowed = (scope: Scope, cond: Sql): Scope => ({ ...scope, where: [...scope.where, cond] })

/** A bucket with its sub-aggregations computed over its documents. */
function bucket(
  index: SearchIndex,
  scope: Scope,
  cond: Sql,
  base: Record<string, unknown>,
  count: number,
  sub: unknown,
  now: number,
) {
  return {
    ...base,
    doc_count: count,
    ...(sub === undefined ? {} : runAll(index, narrowed(scope, cond), sub, now)),
  }
}

/** A condition on a field equal to `key` (a bucket of terms). */
function keyCond(f: StoredField, test: string, params: unknown[]): Sql {
  if (!f.multi) return { sql: test.replaceAll('$x', `d.c${f.slot}`), params }
  return {
    sql: `d.rid IN (SELECT rid FROM multi WHERE slot = ${f.slot} AND ${test.replaceAll('$x', 'v')})`,
    params,
  }
}

/** Documents per group: each has one row unless the field's values live in `multi`. */
const countOf = (f: StoredField) => (f.multi ? 'count(DISTINCT d.rid)' : 'count(*)')

interface InlineMetric {
  name: string
  /** Its columns in the bucket query (aliased `m<i>_<column>`). */
  sql: string
  reply: (row: Record<string, number | null>) => unknown
}

/**
 * Sub-aggregations that are all metrics over single-valued fields, as columns of the buckets'
 * GROUP BY: one pass over the documents instead of one query per bucket. Undefined when they
 * are not (or when one would fail: it then fails as before, only if some bucket exists).
 */
function inlineMetrics(index: SearchIndex, sub: unknown): InlineMetric[] | undefined {
  if (sub === undefined) return []
  if (sub === null || typeof sub !== 'object' || Array.isArray(sub)) return undefined
  const out: InlineMetric[] = []
  for (const [name, def] of Object.entries(sub as Record<string, unknown>)) {
    const entries = Object.entries((def ?? {}) as Record<string, unknown>)
    if (entries.length !== 1) return undefined
    const [type, body] = entries[0]!
    const metric = METRICS[type]
    if (!metric || body === null || typeof body !== 'object') return undefined
    let f: StoredField | undefined
    try {
      f = fieldOf(index, body as Record<string, unknown>, type)
    } catch {
      return undefined
    }
    if (!f) {
      out.push({ name, sql: 'NULL', reply: () => metric.reply({}, false) })
      continue
    }
    if (f.multi) return undefined
    const prefix = `m${out.length}_`
    const date = f.storage === 'date'
    out.push({
      name,
      sql: metric.sql(`d.c${f.slot}`).replace(/ AS (\w+)/g, ` AS ${prefix}$1`),
      reply: (row) => {
        const own: Record<string, number | null> = {}
        for (const [k, v] of Object.entries(row)) if (k.startsWith(prefix)) own[k.slice(prefix.length)] = v
        return metric.reply(own, date)
      },
    })
  }
  return out
}

const BUCKETS: Record<string, AggRunner> = {
  terms(index, scope, body, sub, now) {
    const f = fieldOf(index, body, 'terms')
    const size = typeof body.size === 'number' ? body.size : 10
    const minDocCount = typeof body.min_doc_count === 'number' ? body.min_doc_count : 1
    const empty = { doc_count_error_upper_bound: 0, sum_other_doc_count: 0, buckets: [] }
    if (!f) return empty
    const { join, x } = valuesOf(f)
    const inline = f.multi ? undefined : inlineMetrics(index, sub)
    const rows = select(
      index,
      scope,
      `${x} AS k, ${countOf(f)} AS n${inline?.map((m) => `, ${m.sql}`).join('') ?? ''}`,
      join,
      ` AND ${x} IS NOT NULL GROUP BY k`,
    ) as ({ k: string | number; n: number } & Record<string, number | null>)[]
    const order = termsOrder(body.order)
    const buckets = rows
      .filter((r) => r.n >= minDocCount)
      .map((r) => {
        const base: Record<string, unknown> = { key: r.k }
        if (f.storage === 'date') base.key_as_string = iso(Number(r.k))
        if (f.storage === 'boolean') base.key_as_string = r.k ? 'true' : 'false'
        return { raw: r, base }
      })
    const withSubs: Record<string, unknown>[] = buckets.map(({ raw, base }) =>
      inline
        ? { ...base, doc_count: raw.n, ...Object.fromEntries(inline.map((m) => [m.name, m.reply(raw)])) }
        : bucket(
            index,
            scope,
            keyCond(f, '$x = ?', [raw.k]),
            base,
            raw.n,
            order.by === 'count' || order.by === 'key' ? undefined : sub,
            now,
          ),
    )
    withSubs.sort((a, b) => compareBuckets(a, b, order))
    const kept = withSubs.slice(0, size)
    const result = kept.map((b) =>
      !inline && (order.by === 'count' || order.by === 'key')
        ? bucket(
            index,
            scope,
            keyCond(f, '$x = ?', [b.key]),
            { key: b.key, ...(b.key_as_string === undefined ? {} : { key_as_string: b.key_as_string }) },
            b.doc_count as number,
            sub,
            now,
          )
        : b,
    )
    const other = withSubs.slice(size).reduce((s, b) => s + (b.doc_count as number), 0)
    return { doc_count_error_upper_bound: 0, sum_other_doc_count: other, buckets: result }
  },

  date_histogram(index, scope, body, sub, now) {
    const f = fieldOf(index, body, 'date_histogram')
    const interval = dateInterval(body)
    const buckets = f
      ? histogramBuckets(index, scope, f, interval, body, sub, now, (k) => ({
          key_as_string: iso(k),
          key: k,
        }))
      : []
    return { buckets }
  },

  histogram(index, scope, body, sub, now) {
    const f = fieldOf(index, body, 'histogram')
    const step = Number(body.interval)
    if (!(step > 0)) throw parsingError('[interval] must be >0 for histogram aggregation [histogram]')
    const offset = Number(body.offset ?? 0)
    const interval: Interval = {
      sql: (x) => `(floor((${x} - ${offset}) / ${step}) * ${step} + ${offset})`,
      next: (k) => k + step,
      floor: (v) => Math.floor((v - offset) / step) * step + offset,
    }
    return {
      buckets: f ? histogramBuckets(index, scope, f, interval, body, sub, now, (k) => ({ key: k })) : [],
    }
  },

  range(index, scope, body, sub, now) {
    const f = fieldOf(index, body, 'range')
    if (!Array.isArray(body.ranges)) throw parsingError('[ranges] must be an array of ranges')
    return {
      buckets: (body.ranges as { from?: number; to?: number; key?: string }[]).map((r) => {
        const key = r.key ?? `${r.from ?? '*'}-${r.to ?? '*'}`
        const parts: string[] = []
        const params: unknown[] = []
        if (r.from !== undefined) parts.push('$x >= ?') && params.push(r.from)
        if (r.to !== undefined) parts.push('$x < ?') && params.push(r.to)
        const cond = f
          ? keyCond(f, parts.join(' AND ') || '$x IS NOT NULL', params)
          : { sql: '0', params: [] }
        const n = (select(index, narrowed(scope, cond), 'count(*) AS n', '')[0] as { n: number }).n
        return bucket(
          index,
          scope,
          cond,
          {
            key,
            ...(r.from === undefined ? {} : { from: r.from }),
            ...(r.to === undefined ? {} : { to: r.to }),
          },
          n,
          sub,
          now,
        )
      }),
    }
  },

  filter(index, scope, body, sub, now) {
    const inner = narrowed(scope, compileQuery(index, body, now, scope.matches).where)
    const n = (select(index, inner, 'count(*) AS n', '')[0] as { n: number }).n
    return { doc_count: n, ...(sub === undefined ? {} : runAll(index, inner, sub, now)) }
  },

  filters(index, scope, body, sub, now) {
    const filters = body.filters
    if (filters === null || typeof filters !== 'object')
      throw parsingError('[filters] must be an object or an array')
    const run = (q: unknown) => {
      const inner = narrowed(scope, compileQuery(index, q, now, scope.matches).where)
      const n = (select(index, inner, 'count(*) AS n', '')[0] as { n: number }).n
      return { doc_count: n, ...(sub === undefined ? {} : runAll(index, inner, sub, now)) }
    }
    if (Array.isArray(filters)) return { buckets: filters.map(run) }
    return { buckets: Object.fromEntries(Object.entries(filters).map(([k, q]) => [k, run(q)])) }
  },
}

interface Interval {
  /** SQL of the bucket key of a value. */
  sql: (x: string) => string
  next: (key: number) => number
  floor: (value: number) => number
}

function histogramBuckets(
  index: SearchIndex,
  scope: Scope,
  f: StoredField,
  interval: Interval,
  body: Record<string, unknown>,
  sub: unknown,
  now: number,
  keyOf: (k: number) => Record<string, unknown>,
) {
  const { join, x } = valuesOf(f)
  const rows = select(
    index,
    scope,
    `${interval.sql(x)} AS k, ${countOf(f)} AS n`,
    join,
    ` AND ${x} IS NOT NULL GROUP BY k ORDER BY k`,
  ) as { k: number; n: number }[]
  const minDocCount = typeof body.min_doc_count === 'number' ? body.min_doc_count : 0
  const counts = new Map(rows.map((r) => [Number(r.k), r.n]))
  const keys = rows.map((r) => Number(r.k))
  if (minDocCount === 0) {
    const bounds = body.extended_bounds as { min?: unknown; max?: unknown } | undefined
    const lo = bounds?.min === undefined ? keys[0] : interval.floor(toNumber(bounds.min, f, now))
    const hi = bounds?.max === undefined ? keys.at(-1) : interval.floor(toNumber(bounds.max, f, now))
    if (lo !== undefined && hi !== undefined) {
      const first = Math.min(lo, keys[0] ?? lo)
      const last = Math.max(hi, keys.at(-1) ?? hi)
      keys.length = 0
      for (let k = first; k <= last && keys.length < 65_536; k = interval.next(k)) keys.push(k)
    }
  }
  return keys
    .filter((k) => (counts.get(k) ?? 0) >= minDocCount)
    .map((k) =>
      bucket(
        index,
        scope,
        keyCond(f, '$x >= ? AND $x < ?', [k, interval.next(k)]),
        keyOf(k),
        counts.get(k) ?? 0,
        sub,
        now,
      ),
    )
}

/** A histogram bound: a number, or for dates a date with date math (`now-1d`). */
function toNumber(v: unknown, f: StoredField, now: number): number {
  return f.storage === 'date' ? dateMath(v, now) : Number(v)
}

const FIXED_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }
const CALENDAR: Record<string, string> = {
  minute: 'm',
  '1m': 'm',
  hour: 'h',
  '1h': 'h',
  day: 'd',
  '1d': 'd',
  week: 'w',
  '1w': 'w',
  month: 'M',
  '1M': 'M',
  quarter: 'q',
  '1q': 'q',
  year: 'y',
  '1y': 'y',
}

/** `calendar_interval`, `fixed_interval` or the older `interval`, as SQL over epoch milliseconds. */
function dateInterval(body: Record<string, unknown>): Interval {
  const raw = body.calendar_interval ?? body.fixed_interval ?? body.interval
  if (typeof raw !== 'string')
    throw parsingError(
      'Required one of fields [interval, calendar_interval, fixed_interval], but none were specified.',
    )
  const calendar = body.fixed_interval === undefined ? CALENDAR[raw] : undefined
  if (calendar === 'M' || calendar === 'q' || calendar === 'y') {
    const months = calendar === 'M' ? 1 : calendar === 'q' ? 3 : 12
    return {
      sql: (x) =>
        `(CAST(strftime('%s', ${x} / 1000, 'unixepoch', 'start of year', '+' || ((CAST(strftime('%m', ${x} / 1000, 'unixepoch') AS INTEGER) - 1) / ${months} * ${months}) || ' months') AS INTEGER) * 1000)`,
      next: (k) => {
        const d = new Date(k)
        d.setUTCMonth(d.getUTCMonth() + months)
        return d.getTime()
      },
      floor: (v) => {
        const d = new Date(v)
        return Date.UTC(d.getUTCFullYear(), Math.floor(d.getUTCMonth() / months) * months, 1)
      },
    }
  }
  let step: number
  if (calendar) step = calendar === 'w' ? 604_800_000 : FIXED_UNITS[calendar]!
  else {
    const m = /^(\d+)(ms|s|m|h|d)$/.exec(raw)
    if (!m || body.calendar_interval !== undefined)
      throw parsingError(
        `The supplied ${body.calendar_interval !== undefined ? 'calendar' : 'fixed'} interval [${raw}] could not be parsed as a ${body.calendar_interval !== undefined ? 'calendar' : 'fixed'} interval.`,
      )
    step = Number(m[1]) * FIXED_UNITS[m[2]!]!
  }
  // Weeks start on Monday; epoch day 0 was a Thursday.
  const offset = calendar === 'w' ? -3 * 86_400_000 : 0
  return {
    sql: (x) => `((${x} - ${offset}) - ((${x} - ${offset}) % ${step} + ${step}) % ${step} + ${offset})`,
    next: (k) => k + step,
    floor: (v) => Math.floor((v - offset) / step) * step + offset,
  }
}

type Order = { by: 'count' | 'key' | 'sub'; desc: boolean; path?: string }

function termsOrder(raw: unknown): Order {
  if (raw === undefined) return { by: 'count', desc: true }
  const first = (Array.isArray(raw) ? raw[0] : raw) as Record<string, string>
  const [path, dir] = Object.entries(first ?? {})[0] ?? ['_count', 'desc']
  const desc = String(dir).toLowerCase() === 'desc'
  if (path === '_count') return { by: 'count', desc }
  if (path === '_key' || path === '_term') return { by: 'key', desc }
  return { by: 'sub', desc, path }
}

function compareBuckets(a: Record<string, unknown>, b: Record<string, unknown>, order: Order): number {
  const value = (x: Record<string, unknown>): number | string => {
    if (order.by === 'count') return x.doc_count as number
    if (order.by === 'key') return x.key as number | string
    const [agg, prop = 'value'] = order.path!.split('.')
    return ((x[agg!] as Record<string, number> | undefined)?.[prop] ?? Number.NEGATIVE_INFINITY) as number
  }
  const [va, vb] = [value(a), value(b)]
  const c = va < vb ? -1 : va > vb ? 1 : 0
  if (c !== 0) return order.desc ? -c : c
  // Ties: by key ascending, as OpenSearch breaks them.
  return a.key! < b.key! ? -1 : a.key! > b.key! ? 1 : 0
}

function iso(ms: number): string {
  return new Date(ms).toISOString()
}

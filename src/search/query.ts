import { cheaperByCandidates, scoreCandidates, termsOf, type WordsMatch } from './bm25.ts'
import { dateMath } from './date-math.ts'
import { illegalArgument, parsingError } from './errors.ts'
import { type SearchIndex, type StoredField, TEXT_SLOTS } from './index-store.ts'
import { parseQueryString } from './query-string.ts'
import type { Sql } from './sql.ts'

/** The fields a query can name: the index's mapped leaves. */
export interface FieldSource {
  field(path: string): StoredField | undefined
  fields(): StoredField[]
}

/** A compiled query: the condition on `docs d`, and the score expression (when scoring). */
export interface CompiledQuery {
  where: Sql
  score: Sql
}

/**
 * The full-text matches of one search, materialized in temporary tables (`temp.m0`, ...) keyed by
 * document with their BM25 score, so a query reads them by primary key (as a condition and as a
 * score) whatever else it combines them with. A table is filled when the query is compiled
 * ({@link fill}), and reused by the next search on the connection.
 *
 * A match required next to selective conditions (`bool` with `must: match` and `filter: term`)
 * is filled only with the documents those conditions keep: FTS5 still walks the terms' documents,
 * but BM25 is computed and stored for a few thousand instead of hundreds of thousands. The
 * table then says "matches and meets the conditions", which is all a query asks of it there
 * (see {@link Compiler.bool}). A match of words is then scored without FTS5 when that is
 * cheaper ({@link scoreCandidates}): FTS5 walks every document of each term, however few the
 * conditions keep.
 */
export class MatchTables {
  #next = 0
  readonly #pending = new Map<
    string,
    { select: (restrict: string) => string; params: unknown[]; within: Sql[]; words?: WordsMatch | undefined }
  >()
  /** The tables filled by {@link scoreCandidates} (not by FTS5), for tests and `EXPLAIN`-like checks. */
  readonly byCandidates: string[] = []
  /**
   * @param fullText how a narrowed match of words is scored: by cost (`auto`), always by FTS5, or
   * always from its candidates (tests compare them).
   */
  constructor(
    readonly index: SearchIndex,
    readonly fullText: 'auto' | 'fts5' | 'candidates' = 'auto',
  ) {}

  /**
   * A fresh table for `select` (rows of `rid, s`, with `restrict` spliced into the FTS query's
   * condition), filled by {@link fill}; returns its name. `words`: the match `select` runs, when
   * it is one of words on one field.
   */
  add(select: (restrict: string) => string, params: unknown[], words?: WordsMatch): string {
    const name = `temp.m${this.#next++}`
    this.#pending.set(name, { select, params, within: [], words })
    return name
  }

  /** Only documents meeting `cond` (on `docs d`, using no match table) need be in `name`. */
  restrict(name: string, cond: Sql): void {
    this.#pending.get(name)?.within.push(cond)
  }

  /** Fills the tables added since the last call. */
  fill(): void {
    const db = this.index.db
    for (const [name, { select, params, within, words }] of this.#pending) {
      db.exec(
        `CREATE TABLE IF NOT EXISTS ${name} (rid INTEGER PRIMARY KEY, s REAL NOT NULL); DELETE FROM ${name}`,
      )
      const cond = within.length === 0 ? undefined : joinSql(within, ' AND ')
      const candidates = cond === undefined ? NARROW_BELOW : this.#candidates(cond)
      const narrow = cond !== undefined && candidates < NARROW_BELOW
      const terms = narrow && words && this.fullText !== 'fts5' ? termsOf(this.index, words) : undefined
      if (terms && (this.fullText === 'candidates' || cheaperByCandidates(this.index, terms, candidates))) {
        scoreCandidates(this.index, words!, terms, cond!, name)
        this.byCandidates.push(name)
        continue
      }
      const restrict = narrow
        ? ` AND rowid / ${TEXT_SLOTS} IN (SELECT d.rid FROM docs d WHERE ${cond.sql})`
        : ''
      db.prepare(`INSERT INTO ${name} (rid, s) ${select(restrict)}`).run(
        ...params,
        ...(narrow ? cond.params : []),
      )
    }
    this.#pending.clear()
  }

  /**
   * How many documents meet `cond`, counted up to {@link NARROW_BELOW}: fewer, and the match is
   * narrowed to them (a condition most documents meet would only add a large lookup table to the
   * full-text walk).
   */
  #candidates(cond: Sql): number {
    const { n } = this.index.db
      .prepare(`SELECT count(*) AS n FROM (SELECT 1 FROM docs d WHERE ${cond.sql} LIMIT ${NARROW_BELOW})`)
      .get(...cond.params) as { n: number }
    return n
  }
}

/** A match is narrowed to its conditions' documents when fewer than this many meet them. */
const NARROW_BELOW = 50_000

/** Whether a condition reads a match table (their names are the only `temp.m<n>` in the SQL). */
const usesMatches = (where: Sql) => /\btemp\.m\d+\b/.test(where.sql)

interface Clause {
  where: Sql
  score: Sql
  /** A full-text match's table (the clause is the match itself). */
  table?: string
}

const sql = (text: string, params: unknown[] = []): Sql => ({ sql: text, params })
const TRUE = sql('1')
const FALSE = sql('0')
const ONE = sql('1.0')
const ZERO = sql('0.0')

/** Tokens as FTS5's unicode61 tokenizer finds them. */
export function tokens(text: string): string[] {
  return text.match(/[\p{L}\p{N}\p{Mn}]+/gu) ?? []
}

/**
 * Compiles the query DSL (`match`, `match_phrase`, `multi_match`, `term`, `terms`, `range`,
 * `exists`, `prefix`, `wildcard`, `ids`, `bool`, `constant_score`, `query_string`,
 * `simple_query_string`, `match_all`, `match_none`) to SQL over one index. Scores: a full-text
 * clause scores FTS5's BM25, any other matching clause its boost (1.0); a bool sums its `must` and
 * `should` clauses, as Lucene does (without its normalizations, so values differ from OpenSearch's;
 * the order of a single match's hits is BM25's).
 */
export function compileQuery(
  fields: FieldSource,
  query: unknown,
  now: number,
  matches: MatchTables,
): CompiledQuery {
  const compiled = new Compiler(fields, now, matches).clause(query ?? { match_all: {} })
  matches.fill()
  return { where: compiled.where, score: compiled.score }
}

class Compiler {
  constructor(
    readonly fields: FieldSource,
    readonly now: number,
    readonly matches: MatchTables,
  ) {}

  clause(query: unknown): Clause {
    if (query === null || typeof query !== 'object' || Array.isArray(query))
      throw parsingError('query malformed, must start with start_object')
    const entries = Object.entries(query as Record<string, unknown>)
    if (entries.length !== 1)
      throw parsingError(
        entries.length === 0
          ? 'query malformed, empty clause found'
          : `[${entries[1]![0]}] malformed query, expected [END_OBJECT] but found [FIELD_NAME]`,
      )
    const [type, body] = entries[0]!
    const handler = this.handlers[type]
    if (!handler) throw parsingError(`unknown query [${type}]`)
    return handler(body)
  }

  readonly handlers: Record<string, (body: unknown) => Clause> = {
    match_all: (b) => ({ where: TRUE, score: boosted(b) }),
    match_none: () => ({ where: FALSE, score: ZERO }),
    match: (b) => {
      const [field, o] = fieldBody(b, 'match', 'query')
      return this.match(field, o.query, { operator: o.operator, phrase: false, boost: o.boost })
    },
    match_phrase: (b) => {
      const [field, o] = fieldBody(b, 'match_phrase', 'query')
      return this.match(field, o.query, { phrase: true, boost: o.boost })
    },
    match_phrase_prefix: (b) => {
      const [field, o] = fieldBody(b, 'match_phrase_prefix', 'query')
      return this.match(field, o.query, { phrase: true, prefix: true, boost: o.boost })
    },
    multi_match: (b) => {
      const o = b as {
        query?: unknown
        fields?: unknown
        operator?: unknown
        type?: unknown
        boost?: unknown
      }
      if (o?.query === undefined) throw parsingError('[multi_match] requires query')
      const phrase = o.type === 'phrase' || o.type === 'phrase_prefix'
      const names = this.expandFields(Array.isArray(o.fields) ? (o.fields as string[]) : ['*'])
      return this.or(
        names.map((f) => this.match(f, o.query, { operator: o.operator, phrase, boost: o.boost })),
      )
    },
    term: (b) => {
      const [field, o] = fieldBody(b, 'term', 'value')
      return this.scored(this.equals(field, [o.value]), o.boost)
    },
    terms: (b) => {
      const entries = Object.entries((b ?? {}) as Record<string, unknown>).filter(([k]) => k !== 'boost')
      if (entries.length !== 1 || !Array.isArray(entries[0]![1]))
        throw parsingError('[terms] query requires one field and an array of values')
      return this.scored(
        this.equals(entries[0]![0], entries[0]![1] as unknown[]),
        (b as { boost?: unknown }).boost,
      )
    },
    ids: (b) => {
      const values = (b as { values?: unknown })?.values
      if (!Array.isArray(values)) throw parsingError('[ids] query requires values')
      return { where: this.idsIn(values), score: ONE }
    },
    range: (b) => {
      const [field, o] = fieldBody(b, 'range', undefined)
      return this.scored(this.range(field, o), o.boost)
    },
    exists: (b) => {
      const field = (b as { field?: unknown })?.field
      if (typeof field !== 'string') throw parsingError('[exists] must be provided with a [field]')
      return { where: this.exists(field), score: ONE }
    },
    prefix: (b) => {
      const [field, o] = fieldBody(b, 'prefix', 'value')
      return this.scored(this.prefix(field, String(o.value)), o.boost)
    },
    wildcard: (b) => {
      const [field, o] = fieldBody(b, 'wildcard', 'value')
      return this.scored(this.wildcard(field, String(o.value ?? o.wildcard)), o.boost)
    },
    bool: (b) => this.bool(b),
    constant_score: (b) => {
      const o = b as { filter?: unknown; boost?: unknown }
      if (!o?.filter) throw parsingError("[constant_score] requires a 'filter' element")
      return { where: this.clause(o.filter).where, score: boosted(o) }
    },
    query_string: (b) => this.queryString(b, false),
    simple_query_string: (b) => this.queryString(b, true),
  }

  /** Non-text clauses score their boost when they match. */
  scored(where: Sql, boost: unknown): Clause {
    return { where, score: boosted({ boost }) }
  }

  bool(b: unknown): Clause {
    const o = (b ?? {}) as Record<string, unknown>
    const list = (key: string): unknown[] =>
      o[key] === undefined ? [] : Array.isArray(o[key]) ? (o[key] as unknown[]) : [o[key]]
    for (const key of Object.keys(o))
      if (!['must', 'filter', 'should', 'must_not', 'minimum_should_match', 'boost', '_name'].includes(key))
        throw parsingError(`[bool] query does not support [${key}]`)
    const must = list('must').map((q) => this.clause(q))
    const filter = list('filter').map((q) => this.clause(q).where)
    const mustNot = list('must_not').map((q) => this.clause(q).where)
    const should = list('should').map((q) => this.clause(q))
    const conditions = [
      ...must.map((c) => c.where),
      ...filter,
      ...mustNot.map((w) => sql(`NOT (${w.sql})`, w.params)),
    ]
    // A required match needs only the documents the other required conditions keep: the bool
    // is false elsewhere, and a clause's score is read only where the clause holds (a must's in
    // its bool, a should's under CASE WHEN), so narrowing the match's table changes no answer.
    for (const c of must) {
      if (c.table === undefined) continue
      const others = conditions.filter((w) => w !== c.where && !usesMatches(w))
      if (others.length > 0) this.matches.restrict(c.table, joinSql(others, ' AND '))
    }
    const minimum = minimumShouldMatch(o.minimum_should_match, should.length, must.length + filter.length > 0)
    if (minimum > 0) {
      if (minimum > should.length) conditions.push(FALSE)
      else if (minimum === 1)
        conditions.push(
          joinSql(
            should.map((c) => c.where),
            ' OR ',
          ),
        )
      else {
        const count = joinSql(
          should.map((c) => sql(`(CASE WHEN ${c.where.sql} THEN 1 ELSE 0 END)`, c.where.params)),
          ' + ',
        )
        conditions.push(sql(`(${count.sql}) >= ${minimum}`, count.params))
      }
    }
    const scores = [
      ...must.map((c) => c.score),
      ...should.map((c) =>
        sql(`(CASE WHEN ${c.where.sql} THEN ${c.score.sql} ELSE 0.0 END)`, [
          ...c.where.params,
          ...c.score.params,
        ]),
      ),
    ]
    return {
      where: conditions.length === 0 ? TRUE : joinSql(conditions, ' AND '),
      score: scores.length === 0 ? (filter.length + mustNot.length > 0 ? ZERO : ONE) : joinSql(scores, ' + '),
    }
  }

  or(clauses: Clause[]): Clause {
    if (clauses.length === 0) return { where: FALSE, score: ZERO }
    if (clauses.length === 1) return clauses[0]!
    return {
      where: joinSql(
        clauses.map((c) => c.where),
        ' OR ',
      ),
      score: joinSql(
        clauses.map((c) =>
          sql(`(CASE WHEN ${c.where.sql} THEN ${c.score.sql} ELSE 0.0 END)`, [
            ...c.where.params,
            ...c.score.params,
          ]),
        ),
        ' + ',
      ),
    }
  }

  /** Field names with `*` wildcards and `^boost` suffixes, as multi_match and query_string take them. */
  expandFields(names: string[]): string[] {
    const out: string[] = []
    for (const raw of names) {
      const name = raw.replace(/\^[\d.]+$/, '')
      if (!name.includes('*')) out.push(name)
      else {
        const re = new RegExp(`^${name.split('*').map(escapeRegExp).join('.*')}$`)
        for (const f of this.fields.fields())
          if (re.test(f.path) && (f.storage === 'text' || f.storage === 'keyword')) out.push(f.path)
      }
    }
    return [...new Set(out)]
  }

  match(
    path: string,
    query: unknown,
    o: { operator?: unknown; phrase: boolean; prefix?: boolean; boost?: unknown },
  ): Clause {
    if (query === undefined || query === null) throw parsingError('[match] requires query')
    const field = this.fields.field(path)
    if (!field) return { where: FALSE, score: ZERO }
    if (field.storage !== 'text') return this.scored(this.equals(path, [query]), o.boost)
    const words = tokens(String(query))
    if (words.length === 0) return { where: FALSE, score: ZERO }
    const quoted = words.map((w) => `"${w}"`)
    const operator = String(o.operator ?? 'or').toLowerCase()
    let fts: string
    if (o.phrase) fts = `"${words.join(' ')}"${o.prefix ? ' *' : ''}`
    else fts = quoted.join(operator === 'and' ? ' AND ' : ' OR ')
    const plain = o.phrase ? undefined : { field, words, all: operator === 'and' }
    return this.fullText(fts, [field.slot], o.boost, plain)
  }

  /** A full-text match over some text fields: a table of the matching documents and their BM25. */
  fullText(fts: string, slots: number[] | undefined, boost: unknown, words?: WordsMatch): Clause {
    const inSlots = slots === undefined ? '' : ` AND rowid % ${TEXT_SLOTS} IN (${slots.join(',')})`
    const rows = (restrict: string) =>
      `SELECT rowid / ${TEXT_SLOTS} AS rid, -bm25(fts) AS s FROM fts WHERE fts MATCH ?${inSlots}${restrict}`
    // One FTS row per document and field: several fields' rows of a document are summed.
    const name = this.matches.add(
      slots?.length === 1 ? rows : (restrict) => `SELECT rid, sum(s) FROM (${rows(restrict)}) GROUP BY rid`,
      [fts],
      words,
    )
    const b = boostOf(boost)
    return {
      where: sql(`d.rid IN (SELECT rid FROM ${name})`),
      score: sql(
        `coalesce((SELECT s FROM ${name} WHERE ${name}.rid = d.rid), 0.0)${b === 1 ? '' : ` * ${b}`}`,
      ),
      table: name,
    }
  }

  /** `field` equals one of `values` (term, terms, match on a non-text field). */
  equals(path: string, values: unknown[]): Sql {
    if (path === '_id') return this.idsIn(values)
    const field = this.fields.field(path)
    if (!field || values.length === 0) return FALSE
    if (field.storage === 'text') {
      const words = values.flatMap((v) => tokens(String(v)))
      return words.length === 0
        ? FALSE
        : this.fullText(words.map((w) => `"${w}"`).join(' OR '), [field.slot], 1).where
    }
    const stored = values.map((v) => this.value(field, v)).filter((v) => v !== undefined)
    if (stored.length === 0) return FALSE
    const test = stored.length === 1 ? '= ?' : `IN (${stored.map(() => '?').join(', ')})`
    return onField(field, (x) => `${x} ${test}`, stored)
  }

  idsIn(values: unknown[]): Sql {
    if (values.length === 0) return FALSE
    return sql(`d.id IN (${values.map(() => '?').join(', ')})`, values.map(String))
  }

  range(path: string, o: Record<string, unknown>): Sql {
    const field = this.fields.field(path)
    if (!field) return FALSE
    if (field.storage === 'text')
      throw illegalArgument(
        `Text fields are not optimised for range queries; use a keyword field instead of [${path}]`,
      )
    const parts: string[] = []
    const params: unknown[] = []
    const bound = (key: string, op: string, roundUp: boolean) => {
      const raw = o[key]
      if (raw === undefined || raw === null) return
      const format = typeof o.format === 'string' ? o.format : field.format
      const v = field.storage === 'date' ? dateMath(raw, this.now, roundUp, format) : this.value(field, raw)
      if (v === undefined || (typeof v === 'number' && Number.isNaN(v)))
        throw parsingError(
          `failed to parse [${String(raw)}] for range on field [${path}] of type [${field.type}]`,
        )
      parts.push(op)
      params.push(v)
    }
    bound('gte', '>= ?', false)
    bound('gt', '> ?', true)
    bound('lte', '<= ?', true)
    bound('lt', '< ?', false)
    bound('from', o.include_lower === false ? '> ?' : '>= ?', o.include_lower === false)
    bound('to', o.include_upper === false ? '< ?' : '<= ?', o.include_upper !== false)
    if (parts.length === 0) return onField(field, (x) => `${x} IS NOT NULL`, [])
    return onField(field, (x) => parts.map((p) => `${x} ${p}`).join(' AND '), params)
  }

  exists(path: string): Sql {
    const field = this.fields.field(path)
    if (path === '_id') return TRUE
    if (!field) return FALSE
    if (field.storage === 'text') {
      const keyword = this.fields
        .fields()
        .find((f) => f.path.startsWith(`${path}.`) && f.storage === 'keyword')
      if (keyword) return this.exists(keyword.path)
      return sql(`json_extract(d.source, ?) IS NOT NULL`, [`$.${path}`])
    }
    return onField(field, (x) => `${x} IS NOT NULL`, [])
  }

  prefix(path: string, value: string): Sql {
    const field = this.fields.field(path)
    if (!field) return FALSE
    if (field.storage === 'text') {
      const words = tokens(value)
      return words.length === 1 ? this.fullText(`"${words[0]}" *`, [field.slot], 1).where : FALSE
    }
    return onField(field, (x) => `${x} >= ? AND ${x} < ?`, [value, `${value}\u{10FFFF}`])
  }

  wildcard(path: string, pattern: string): Sql {
    const field = this.fields.field(path)
    if (!field) return FALSE
    if (field.storage === 'text') {
      const m = /^([\p{L}\p{N}]+)\*$/u.exec(pattern)
      if (!m) throw illegalArgument(`[wildcard] on text field [${path}] supports only a trailing '*'`)
      return this.fullText(`"${m[1]!.toLowerCase()}" *`, [field.slot], 1).where
    }
    const glob = pattern.replace(/[[\]]/g, (c) => `[${c}]`)
    return onField(field, (x) => `${x} GLOB ?`, [glob])
  }

  queryString(b: unknown, simple: boolean): Clause {
    const o = (b ?? {}) as Record<string, unknown>
    if (typeof o.query !== 'string')
      throw parsingError(`[${simple ? 'simple_query_string' : 'query_string'}] requires query`)
    const defaults = Array.isArray(o.fields)
      ? this.expandFields(o.fields as string[])
      : typeof o.default_field === 'string' && o.default_field !== '*'
        ? this.expandFields([o.default_field])
        : undefined
    const and = String(o.default_operator ?? 'or').toLowerCase() === 'and'
    return this.clause(parseQueryString(o.query, { and, simple }, (text) => this.anyField(defaults, text)))
  }

  /** A bare word or phrase of a query string: any text field (or the default fields) as a match query. */
  anyField(fields: string[] | undefined, text: { phrase: string } | { word: string }): unknown {
    const query = 'phrase' in text ? text.phrase : text.word
    const names =
      fields ??
      this.fields
        .fields()
        .filter((f) => f.storage === 'text' || f.storage === 'keyword')
        .map((f) => f.path)
    const kind = 'phrase' in text ? 'match_phrase' : 'match'
    return { bool: { should: names.map((f) => ({ [kind]: { [f]: query } })) } }
  }

  /** A query value as the field stores it (undefined: it can match nothing). */
  value(field: StoredField, v: unknown): string | number | undefined {
    switch (field.storage) {
      case 'keyword':
      case 'text':
        return typeof v === 'object' ? undefined : String(v)
      case 'boolean':
        return v === true || v === 'true' ? 1 : v === false || v === 'false' ? 0 : undefined
      case 'date': {
        const t = dateMath(v, this.now)
        return Number.isNaN(t) ? undefined : t
      }
      case 'number': {
        const n =
          typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : Number.NaN
        return Number.isFinite(n) ? n : undefined
      }
    }
  }
}

/** A condition on a field's values: its column, or (several values per document) its `multi` rows. */
export function onField(field: StoredField, test: (x: string) => string, params: unknown[]): Sql {
  if (!field.multi) return sql(test(`d.c${field.slot}`), params)
  return sql(`d.rid IN (SELECT rid FROM multi WHERE slot = ${field.slot} AND ${test('v')})`, params)
}

/** `{field: value}` or `{field: {query|value: ..., ...}}`, as the leaf queries take them. */
function fieldBody(
  b: unknown,
  type: string,
  valueKey: string | undefined,
): [string, Record<string, unknown>] {
  if (b === null || typeof b !== 'object')
    throw parsingError(`[${type}] query malformed, no start_object after query name`)
  const entries = Object.entries(b as Record<string, unknown>).filter(([k]) => k !== 'boost' && k !== '_name')
  if (entries.length !== 1)
    throw parsingError(
      `[${type}] query doesn't support multiple fields, found [${entries.map(([k]) => k).join('] and [')}]`,
    )
  const [field, v] = entries[0]!
  if (v !== null && typeof v === 'object' && !Array.isArray(v)) return [field, v as Record<string, unknown>]
  if (valueKey === undefined)
    throw parsingError(`[${type}] query malformed, no start_object after query name`)
  return [field, { [valueKey]: v }]
}

function boostOf(boost: unknown): number {
  return typeof boost === 'number' && Number.isFinite(boost) ? boost : 1
}

function boosted(o: unknown): Sql {
  const b = boostOf((o as { boost?: unknown } | undefined)?.boost)
  return sql(b === 1 ? '1.0' : String(b))
}

function joinSql(parts: Sql[], separator: string): Sql {
  return sql(
    `(${parts.map((p) => p.sql).join(separator)})`,
    parts.flatMap((p) => p.params),
  )
}

function minimumShouldMatch(raw: unknown, count: number, hasRequired: boolean): number {
  if (raw === undefined || raw === null) return hasRequired || count === 0 ? 0 : 1
  const text = String(raw)
  const percent = /^(-?\d+)%$/.exec(text)
  const n = percent ? Math.trunc((count * Number(percent[1])) / 100) : Number(text)
  if (!Number.isFinite(n)) throw parsingError(`Invalid minimum_should_match [${text}]`)
  return n < 0 ? Math.max(0, count + n) : n
}

function escapeRegExp(s: string): string {
  return s.replace(/[.+?^${}()|[\]\\]/g, '\\$&')
}

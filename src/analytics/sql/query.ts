import type { TableDef } from './catalog.ts'
import { identName } from './catalog.ts'
import { AGGREGATES, intervalMs } from './expressions.ts'
import { closing, errorAt, isWord, SqlError, splitCommas, type Token } from './lexer.ts'

export type WindowShape =
  | { kind: 'tumble'; sizeMs: number; offsetMs: number }
  | { kind: 'hop'; sizeMs: number; slideMs: number; offsetMs: number }
  | { kind: 'cumulate'; sizeMs: number; stepMs: number; offsetMs: number }
  | { kind: 'session'; gapMs: number }

export type WindowSpec = WindowShape & {
  /** The time attribute the window is over. */
  column: string
  time: 'event' | 'processing'
  /** `tvf`: window_start/window_end/window_time columns; `legacy`: GROUP BY TUMBLE(…) and TUMBLE_START(…). */
  form: 'tvf' | 'legacy'
}

export interface SelectItem {
  tokens: Token[]
  /** The output name (alias, column name or `EXPR$n`). */
  name: string
}

/**
 * One continuous query, taken apart: what it reads, how it windows and groups, what it selects.
 * Expressions stay tokens here; the plan translates them for the stage that evaluates them.
 *
 * - `append`: no aggregate; each input row gives output rows at once.
 * - `window`: a windowed aggregate; a window's rows are output once, when the watermark passes its end.
 * - `update`: a non-windowed aggregate; an updated row per changed group (upserts).
 */
export interface QuerySpec {
  /** The sink of `INSERT INTO`, undefined for a `SELECT` (the CLI prints it). */
  sink?: TableDef
  at: { line: number; column: number }
  source: TableDef
  sourceAlias: string
  join?: { table: TableDef; alias: string; on: Token[]; left: boolean }
  where?: Token[]
  window?: WindowSpec
  groupBy: Token[][]
  select: SelectItem[]
  having?: Token[]
  mode: 'append' | 'window' | 'update'
}

/** Analyzes `INSERT INTO sink SELECT …` or `SELECT …` against the tables declared before it. */
export function analyzeQuery(tokens: readonly Token[], tables: ReadonlyMap<string, TableDef>): QuerySpec {
  let i = 0
  let sink: TableDef | undefined
  if (isWord(tokens[0], 'INSERT')) {
    if (!isWord(tokens[1], 'INTO')) fail(tokens[1] ?? tokens[0]!, 'INSERT OVERWRITE is not supported')
    sink = table(tokens[2]!, tables)
    i = 3
    if (tokens[i]?.kind === '(')
      fail(
        tokens[i]!,
        'a column list after INSERT INTO is not supported',
        "select the columns in the sink table's order",
      )
  }
  if (isWord(tokens[i], 'WITH')) fail(tokens[i]!, 'WITH (common table expressions) is not supported')
  if (!isWord(tokens[i], 'SELECT')) fail(tokens[i] ?? tokens[0]!, 'expected SELECT')
  const clauses = splitClauses(tokens.slice(i))
  const from = clauses.get('FROM')
  if (!from) fail(tokens[i]!, 'the query needs FROM')
  const spec = fromClause(from, tables)
  const window = spec.window
  const groupTokens = clauses.get('GROUP BY')
  let groupBy = groupTokens ? splitCommas(groupTokens) : []
  let legacy: WindowSpec | undefined
  groupBy = groupBy.filter((g) => {
    const w = legacyWindow(g, spec.source)
    if (!w) return true
    if (legacy || window) fail(g[0]!, 'only one window per query')
    legacy = w
    return false
  })
  const selectTokens = clauses.get('SELECT')!
  if (isWord(selectTokens[0], 'DISTINCT'))
    fail(selectTokens[0]!, 'SELECT DISTINCT is not supported', 'use GROUP BY')
  const select = selectItems(selectTokens, spec, window)
  const aggregated = select.some((s) => hasAggregate(s.tokens)) || groupTokens !== undefined
  const effective = window ?? legacy
  if (effective && !aggregated && effective.kind === 'session')
    fail(from[0]!, 'a SESSION window needs an aggregate')
  if (window && aggregated) {
    const names = groupBy.map((g) => (g.length === 1 ? g[0]!.value : ''))
    if (!names.includes('WINDOW_START') || !names.includes('WINDOW_END'))
      fail(groupTokens?.[0] ?? from[0]!, 'a window aggregate must GROUP BY window_start, window_end')
  }
  if (clauses.has('HAVING') && !aggregated) fail(clauses.get('HAVING')![0]!, 'HAVING needs GROUP BY')
  const query: QuerySpec = {
    at: errorAt(tokens as Token[]),
    ...spec,
    groupBy,
    select,
    mode: aggregated ? (effective ? 'window' : 'update') : 'append',
  }
  if (legacy) query.window = legacy
  if (sink) query.sink = sink
  const where = clauses.get('WHERE')
  if (where) query.where = where
  const having = clauses.get('HAVING')
  if (having) query.having = having
  if (sink && sink.physical.length !== select.length)
    fail(
      tokens[2]!,
      `the query has ${select.length} columns and sink '${sink.name}' has ${sink.physical.length}`,
      'INSERT INTO maps columns by position',
    )
  if (
    sink &&
    (sink.connector.kind === 'stream' ||
      sink.connector.kind === 'table' ||
      sink.connector.kind === 'index') &&
    sink.computed.length > 0
  )
    fail(tokens[2]!, 'a sink table cannot have computed columns')
  // Flink's search sinks take an updating result only as upserts by key: without one, every
  // update would be a new document.
  if (sink?.connector.kind === 'index' && query.mode === 'update' && !sink.primaryKey)
    fail(
      tokens[2]!,
      `sink '${sink.name}' takes an updating result (an aggregate without a window) only with a PRIMARY KEY`,
      'add PRIMARY KEY (the grouping columns) NOT ENFORCED: each group is then one document, updated in place',
    )
  return query
}

const CLAUSES = ['SELECT', 'FROM', 'WHERE', 'GROUP BY', 'HAVING']
const REFUSED_CLAUSES: Record<string, string> = {
  ORDER: 'ORDER BY is not supported in a continuous query',
  LIMIT: 'LIMIT is not supported in a continuous query',
  UNION: 'UNION is not supported',
  INTERSECT: 'INTERSECT is not supported',
  EXCEPT: 'EXCEPT is not supported',
  WINDOW: 'a WINDOW clause is not supported',
  QUALIFY: 'QUALIFY is not supported',
}

function splitClauses(tokens: readonly Token[]): Map<string, Token[]> {
  const out = new Map<string, Token[]>()
  let current = ''
  let depth = 0
  for (let k = 0; k < tokens.length; k++) {
    const t = tokens[k]!
    if (t.kind === '(') depth++
    if (t.kind === ')') depth--
    if (depth === 0 && t.kind === 'ident') {
      const word = isWord(t, 'GROUP') && isWord(tokens[k + 1], 'BY') ? 'GROUP BY' : t.value
      if (REFUSED_CLAUSES[word]) fail(t, REFUSED_CLAUSES[word]!)
      if (CLAUSES.includes(word) && !(word === 'SELECT' && current !== '')) {
        if (out.has(word)) fail(t, `${word} twice`)
        current = word
        out.set(word, [])
        if (word === 'GROUP BY') k++
        continue
      }
    }
    out.get(current)?.push(t)
  }
  return out
}

function table(t: Token, tables: ReadonlyMap<string, TableDef>): TableDef {
  const found = tables.get(identName(t))
  if (!found)
    fail(
      t,
      `Object '${identName(t)}' not found`,
      `declare it with CREATE TABLE first (declared: ${[...tables.keys()].join(', ') || 'none'})`,
    )
  return found
}

type FromSpec = Pick<QuerySpec, 'source' | 'sourceAlias' | 'join' | 'window'>

function fromClause(tokens: Token[], tables: ReadonlyMap<string, TableDef>): FromSpec {
  const first = tokens[0]!
  if (isWord(first, 'TABLE') && tokens[1]?.kind === '(') {
    const close = closing(tokens, 1)
    const { source, window } = windowTvf(tokens.slice(2, close), tables, first)
    const rest = tokens.slice(close + 1)
    const alias = aliasOf(rest, 0) ?? { name: source.name, next: 0 }
    if (alias.next < rest.length) fail(rest[alias.next]!, 'a window table function cannot be joined here')
    return { source, sourceAlias: alias.name, window }
  }
  if (first.kind === '(') fail(first, 'subqueries in FROM are not supported')
  const source = table(first, tables)
  if (source.connector.kind !== 'stream')
    fail(first, `'${source.name}' is not a stream table (connector 'kinesis')`)
  const alias = aliasOf(tokens, 1) ?? { name: source.name, next: 1 }
  let k = alias.next
  if (k >= tokens.length) return { source, sourceAlias: alias.name }
  let left = false
  if (isWord(tokens[k], 'LEFT')) {
    left = true
    k++
    if (isWord(tokens[k], 'OUTER')) k++
  } else if (isWord(tokens[k], 'INNER')) k++
  if (!isWord(tokens[k], 'JOIN'))
    fail(
      tokens[k]!,
      `${tokens[k]!.text} is not supported in FROM`,
      'a stream can be joined with one table: FROM s JOIN t ON …',
    )
  const dim = table(tokens[k + 1]!, tables)
  if (dim.connector.kind !== 'table')
    fail(
      tokens[k + 1]!,
      `'${dim.name}' cannot be joined: only a table (connector 'dynamodb') is looked up`,
      'joins of two streams are not supported',
    )
  k += 2
  if (isWord(tokens[k], 'FOR')) {
    // FOR SYSTEM_TIME AS OF s.proc: a lookup join, which is what every join here is.
    k += 4
    while (tokens[k]?.kind === '.' || (tokens[k - 1]?.kind === '.' && tokens[k])) k++
  }
  const dimAlias = aliasOf(tokens, k) ?? { name: dim.name, next: k }
  k = dimAlias.next
  if (!isWord(tokens[k], 'ON')) fail(tokens[k] ?? tokens[k - 1]!, 'a join needs ON')
  return {
    source,
    sourceAlias: alias.name,
    join: { table: dim, alias: dimAlias.name, on: tokens.slice(k + 1), left },
  }
}

function aliasOf(tokens: Token[], k: number): { name: string; next: number } | undefined {
  if (isWord(tokens[k], 'AS')) return { name: identName(tokens[k + 1]!), next: k + 2 }
  const t = tokens[k]
  if (
    t &&
    (t.kind === 'quoted' ||
      (t.kind === 'ident' && !isWord(t, 'JOIN', 'LEFT', 'INNER', 'ON', 'FOR', 'CROSS', 'RIGHT', 'FULL')))
  )
    return { name: identName(t), next: k + 1 }
  return undefined
}

function windowTvf(
  tokens: Token[],
  tables: ReadonlyMap<string, TableDef>,
  at: Token,
): { source: TableDef; window: WindowSpec } {
  const fn = tokens[0]
  if (!fn || tokens[1]?.kind !== '(') fail(at, 'expected a window function: TUMBLE, HOP or CUMULATE')
  const args = splitCommas(tokens.slice(2, closing(tokens, 1)))
  if (args.some((a) => a.some((t) => t.text === '=>')))
    fail(fn, 'named arguments of window functions are not supported')
  const [data, descriptor, ...intervals] = args
  if (!data || !isWord(data[0], 'TABLE') || data.length !== 2)
    fail(fn, `${fn.text} takes TABLE t as its first argument`)
  const source = table(data[1]!, tables)
  if (source.connector.kind !== 'stream')
    fail(data[1]!, `'${source.name}' is not a stream table (connector 'kinesis')`)
  if (!descriptor || !isWord(descriptor[0], 'DESCRIPTOR'))
    fail(fn, `${fn.text} takes DESCRIPTOR(time column) as its second argument`)
  const column = identName(descriptor[2]!)
  const time = timeAttribute(source, column, descriptor[2]!)
  const ms = intervals.map(intervalMs)
  const shape = windowShape(fn, ms, 'tvf')
  return { source, window: { ...shape, column, time, form: 'tvf' } }
}

function windowShape(fn: Token, ms: number[], form: 'tvf' | 'legacy'): WindowShape {
  const positive = (v: number | undefined, what: string): number => {
    if (v === undefined || v <= 0) fail(fn, `${fn.text} needs a positive ${what}`)
    return v
  }
  switch (fn.value) {
    case 'TUMBLE':
      if (ms.length > (form === 'tvf' ? 2 : 1)) fail(fn, 'TUMBLE takes a size (and an offset)')
      return { kind: 'tumble', sizeMs: positive(ms[0], 'size'), offsetMs: ms[1] ?? 0 }
    case 'HOP': {
      const [slideMs, sizeMs] = [positive(ms[0], 'slide'), positive(ms[1], 'size')]
      if (sizeMs % slideMs !== 0) fail(fn, 'HOP size must be an integral multiple of its slide')
      return { kind: 'hop', slideMs, sizeMs, offsetMs: ms[2] ?? 0 }
    }
    case 'CUMULATE': {
      const [stepMs, sizeMs] = [positive(ms[0], 'step'), positive(ms[1], 'size')]
      if (sizeMs % stepMs !== 0) fail(fn, 'CUMULATE max size must be an integral multiple of its step')
      return { kind: 'cumulate', stepMs, sizeMs, offsetMs: ms[2] ?? 0 }
    }
    case 'SESSION':
      if (form === 'tvf')
        fail(
          fn,
          'the SESSION window table function is not supported',
          'use GROUP BY SESSION(ts, INTERVAL …), k',
        )
      return { kind: 'session', gapMs: positive(ms[0], 'gap') }
    default:
      fail(fn, `${fn.text} is not a window function (TUMBLE, HOP, CUMULATE)`)
  }
}

function timeAttribute(source: TableDef, column: string, at: Token): 'event' | 'processing' {
  if (source.watermark?.column === column) return 'event'
  if (source.proctime === column) return 'processing'
  fail(
    at,
    `column '${column}' is not a time attribute of '${source.name}'`,
    'declare WATERMARK FOR it, or make it a PROCTIME() column',
  )
}

const LEGACY = new Set(['TUMBLE', 'HOP', 'SESSION'])

function legacyWindow(group: Token[], source: TableDef): WindowSpec | undefined {
  const fn = group[0]
  if (!fn || !LEGACY.has(fn.value) || fn.kind !== 'ident' || group[1]?.kind !== '(') return undefined
  if (closing(group, 1) !== group.length - 1) return undefined
  const [col, ...intervals] = splitCommas(group.slice(2, -1))
  if (col?.length !== 1) fail(fn, `${fn.text} takes the time column first`)
  const column = identName(col[0]!)
  const time = timeAttribute(source, column, col[0]!)
  return { ...windowShape(fn, intervals.map(intervalMs), 'legacy'), column, time, form: 'legacy' }
}

function selectItems(tokens: Token[], from: FromSpec, window: WindowSpec | undefined): SelectItem[] {
  const items = splitCommas(tokens)
  if (items.length === 1 && items[0]!.length === 1 && items[0]![0]!.text === '*') {
    const names = [...from.source.physical.map((c) => c.name), ...from.source.computed.map((c) => c.name)]
    if (from.source.proctime) names.push(from.source.proctime)
    if (from.join)
      names.push(...from.join.table.physical.map((c) => c.name).filter((n) => !names.includes(n)))
    if (window) names.push('window_start', 'window_end', 'window_time')
    const star = items[0]![0]!
    return names.map((name) => ({
      name,
      tokens: [{ ...star, kind: 'quoted', text: `\`${name}\``, value: name }],
    }))
  }
  return items.map((item, n) => {
    if (item.some((t) => t.text === '*') && item.length === 1)
      fail(item[0]!, "'*' must be the only select item")
    const last = item[item.length - 1]!
    const before = item[item.length - 2]
    if (isWord(before, 'AS')) return { tokens: item.slice(0, -2), name: identName(last) }
    if (
      item.length > 1 &&
      (last.kind === 'quoted' || (last.kind === 'ident' && !isWord(last, 'END', 'NULL', 'TRUE', 'FALSE'))) &&
      before &&
      before.kind !== '.' &&
      before.kind !== 'op' &&
      !(
        before.kind === 'ident' &&
        isWord(before, 'AND', 'OR', 'NOT', 'IS', 'THEN', 'ELSE', 'INTERVAL', 'DISTINCT')
      )
    )
      return { tokens: item.slice(0, -1), name: identName(last) }
    if (item.length === 1 && (last.kind === 'ident' || last.kind === 'quoted'))
      return { tokens: item, name: identName(last) }
    if (item.length === 3 && item[1]!.kind === '.') return { tokens: item, name: identName(last) }
    return { tokens: item, name: `EXPR$${n}` }
  })
}

export function hasAggregate(tokens: readonly Token[]): boolean {
  return tokens.some((t, k) => t.kind === 'ident' && AGGREGATES.has(t.value) && tokens[k + 1]?.kind === '(')
}

function fail(t: Token, message: string, hint?: string): never {
  throw new SqlError(message, t.line, t.column, hint)
}

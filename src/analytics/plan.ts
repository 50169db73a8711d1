import type { TableDef } from './sql/catalog.ts'
import { type ExpressionContext, translate } from './sql/expressions.ts'
import { isWord, SqlError, type Token } from './sql/lexer.ts'
import type { QuerySpec, WindowSpec } from './sql/query.ts'

/**
 * The DuckDB SQL of one source table: its batch of raw lines (`in_<i>`) decoded into the table's
 * columns (`src_<i>`), with `__et` (event or processing time, ms) and the record's place
 * (`__shard`, `__ord`, `__sub`) for a deterministic order.
 */
export function decodeSql(table: TableDef, input: string, procTimeMs: number): string {
  const fields = table.physical.map((c, i) => {
    const raw = table.format.kind === 'json' ? `__j."${c.name.replaceAll('"', '""')}"` : `__j[${i + 1}]`
    const value = c.type.timestamp ? `__ts(${raw})` : `TRY_CAST(${raw} AS ${c.type.duck})`
    return `${value} AS "${c.name}"`
  })
  const shape =
    table.format.kind === 'json'
      ? `'{${table.physical.map((c) => `"${c.name.replaceAll("'", "''").replaceAll('"', '\\"')}":"VARCHAR"`).join(',')}}'`
      : `'["VARCHAR"]'`
  const computed = table.computed.map((c) => `${c.expr} AS "${c.name}"`)
  if (table.proctime) computed.push(`make_timestamp(${procTimeMs * 1000}) AS "${table.proctime}"`)
  const et = table.watermark
    ? `epoch_ms("${table.watermark.column}")`
    : table.proctime
      ? `${procTimeMs}::BIGINT`
      : 'NULL::BIGINT'
  return `SELECT *, ${et} AS __et, ${procTimeMs}::BIGINT AS __pt FROM (SELECT *${computed.map((c) => `, ${c}`).join('')} FROM (SELECT __shard, __ord, __sub, __arrival, __valid${fields.map((f) => `, ${f}`).join('')} FROM (SELECT *, json_valid(line) AS __valid, CASE WHEN json_valid(line) THEN from_json(line, ${shape}) END AS __j FROM ${input})))`
}

/** Macros the decoding uses: a JSON timestamp is SQL or ISO-8601 text, or epoch milliseconds. */
export const MACROS = [
  `CREATE OR REPLACE TEMP MACRO __ts(v) AS CASE WHEN regexp_full_match(v, '-?[0-9]+') THEN make_timestamp(CAST(v AS BIGINT) * 1000) ELSE make_timestamp(epoch_us(TRY_CAST(v AS TIMESTAMPTZ))) END`,
  ...avgMacros(),
]

/**
 * `__avg(a, b)`: the integer `a` over the integer `b` as DuckDB's `avg` of integers and decimals
 * finalizes it: in `long double` (x87's 64-bit significand), then rounded to a double. That double
 * rounding differs from one correct rounding in about one quotient in 2,000 (by one ulp), so a
 * plain double division would not equal a batch query to the last bit. The correction in exact
 * HUGEINT arithmetic: with `d` = a/b rounded once (mantissa `m`, exponent `e`) and the remainder
 * `r` = a·2^(52−e) − m·b, rounding to 64 bits first lands on the midpoint between `d` and its
 * neighbour exactly when |r|/b ≥ 2047/4096; from a midpoint, ties go to the even mantissa. Outside
 * |a|, b < 2^53 (and for extreme exponents) it falls back to the plain division.
 */
function avgMacros(): string[] {
  const m = (name: string, args: string, body: string) =>
    `CREATE OR REPLACE TEMP MACRO ${name}(${args}) AS ${body}`
  const two53 = '9007199254740992'
  return [
    m('__avg_e0', 'd', 'CAST(floor(log2(d)) AS INTEGER)'),
    m(
      '__avg_exp',
      'd',
      `CASE WHEN d * pow(2.0, 52 - __avg_e0(d)) >= ${two53}.0 THEN __avg_e0(d) + 1 WHEN d * pow(2.0, 52 - __avg_e0(d)) < 4503599627370496.0 THEN __avg_e0(d) - 1 ELSE __avg_e0(d) END`,
    ),
    m(
      '__avg_tie',
      'b, m, n, e, d',
      'CASE WHEN 4096 * abs(n - m * b) >= 2047 * b AND m % 2 = 1 THEN CAST(m + sign(n - m * b) AS DOUBLE) * pow(2.0, e - 52) ELSE d END',
    ),
    m(
      '__avg_pos',
      'a, b, d, e',
      'CASE WHEN e > 52 OR e < -60 THEN d ELSE __avg_tie(b, CAST(d * pow(2.0, 52 - e) AS HUGEINT), a * (CAST(1 AS HUGEINT) << (52 - e)), e, d) END',
    ),
    m(
      '__avg',
      'a, b',
      `CASE WHEN a IS NULL OR b IS NULL OR b = 0 THEN NULL WHEN a = 0 THEN 0.0 WHEN abs(a) >= ${two53} OR b >= ${two53} THEN CAST(a AS DOUBLE) / CAST(b AS DOUBLE) ELSE sign(a) * __avg_pos(abs(a), b, CAST(abs(a) AS DOUBLE) / CAST(b AS DOUBLE), __avg_exp(CAST(abs(a) AS DOUBLE) / CAST(b AS DOUBLE))) END`,
    ),
  ]
}

const WINDOW_COLUMNS =
  'make_timestamp(__ws * 1000) AS window_start, make_timestamp(__we * 1000) AS window_end, make_timestamp(__we * 1000 - 1000) AS window_time'

/** Window assignment over a decoded batch: `__ws`/`__we` per window (a row per window), `__maxend`. */
function windowedSql(w: WindowSpec | undefined, from: string): string {
  const floor = (size: number, offset: number) =>
    `(__et - (((__et - ${offset}) % ${size}) + ${size}) % ${size})`
  if (!w) return `SELECT *, NULL::BIGINT AS __maxend FROM ${from}`
  switch (w.kind) {
    case 'tumble':
      return withColumns(
        `SELECT *, __ws + ${w.sizeMs} AS __we, __ws + ${w.sizeMs} AS __maxend FROM (SELECT *, ${floor(w.sizeMs, w.offsetMs)} AS __ws FROM ${from})`,
      )
    case 'hop':
      return withColumns(
        `SELECT *, __ws + ${w.sizeMs} AS __we FROM (SELECT * EXCLUDE (__last), unnest(generate_series(__last - ${w.sizeMs - w.slideMs}, __last, ${w.slideMs})) AS __ws FROM (SELECT *, ${floor(w.slideMs, w.offsetMs)} AS __last, ${floor(w.slideMs, w.offsetMs)} + ${w.sizeMs} AS __maxend FROM ${from}))`,
      )
    case 'cumulate':
      return withColumns(
        `SELECT * FROM (SELECT * EXCLUDE (__base), __base AS __ws, unnest(generate_series(__base + ${w.stepMs} * ((__et - __base) // ${w.stepMs} + 1), __base + ${w.sizeMs}, ${w.stepMs})) AS __we FROM (SELECT *, ${floor(w.sizeMs, w.offsetMs)} AS __base, ${floor(w.sizeMs, w.offsetMs)} + ${w.sizeMs} AS __maxend FROM ${from}))`,
      )
    case 'session':
      return `SELECT *, __et + ${w.gapMs} AS __maxend FROM ${from}`
  }
}
const withColumns = (sql: string) => `SELECT *, ${WINDOW_COLUMNS} FROM (${sql})`

export type OperatorMode = 'append' | 'partial' | 'raw' | 'session'

interface Aggregate {
  fn: string
  args: string
  /** State columns: one, or AVG's sum and count. */
  columns: string[]
}

/** How one query runs on DuckDB, batch after batch. Tables: `in_q<n>`, state `st_q<n>`. */
export interface QueryPlan {
  index: number
  spec: QuerySpec
  mode: OperatorMode
  /** The query's input over the decoded batch: window columns added, joined, filtered. */
  inputSql: string
  /** Names of the dimension table to load before each batch (a lookup join). */
  /** partial: the per-batch partial aggregate over `kept`. */
  partialSql?: (kept: string) => string
  /** partial: merge expressions by state column, in state column order (keys first). */
  mergeSql?: (rows: string) => string
  /** Group key columns of the state (partial) or group expressions (raw, session). */
  keys: string[]
  /** The output rows from `rows` (state rows or raw rows, already restricted to closed windows). */
  outputSql: (rows: string) => string
  /** session: rows_q with each row's session bounds, from `rows`. */
  sessionSql?: (rows: string) => string
  /** Output column names, in order. */
  columns: string[]
  /** partial: the scale of each DECIMAL (or integer: 0) sum column (set once the state table's types are known). */
  decimalScales?: Map<string, number>
}

const MERGEABLE = new Set(['COUNT', 'SUM', 'MIN', 'MAX', 'AVG'])

export function planQuery(
  spec: QuerySpec,
  index: number,
  sourceTable: string,
  dimTable: string | undefined,
): QueryPlan {
  const aliases = new Set([spec.sourceAlias.toLowerCase(), spec.source.name.toLowerCase()])
  if (spec.join) aliases.add(spec.join.alias.toLowerCase()).add(spec.join.table.name.toLowerCase())
  const w = spec.window
  // Input: windows assigned, the join, then WHERE (which sees window columns, as Flink's TVF output).
  let input = `SELECT "${spec.sourceAlias}".*`
  if (spec.join) {
    const own = new Set([...spec.source.physical, ...spec.source.computed].map((c) => c.name.toLowerCase()))
    if (spec.source.proctime) own.add(spec.source.proctime.toLowerCase())
    for (const c of spec.join.table.physical)
      if (!own.has(c.name.toLowerCase())) input += `, "${spec.join.alias}"."${c.name}"`
  }
  // A processing-time window places each record at the batch's time.
  const timed =
    w?.time === 'processing' ? `(SELECT * REPLACE (__pt AS __et) FROM ${sourceTable})` : sourceTable
  input += ` FROM (${windowedSql(w, timed)}) AS "${spec.sourceAlias}"`
  if (spec.join)
    input += ` ${spec.join.left ? 'LEFT ' : ''}JOIN ${dimTable} AS "${spec.join.alias}" ON ${translate(spec.join.on, {})}`
  if (spec.where) input += ` WHERE ${translate(spec.where, {})}`

  const columns = spec.sink ? spec.sink.physical.map((c) => c.name) : spec.select.map((s) => s.name)
  const cast = (expr: string, i: number) => {
    const type = spec.sink?.physical[i]?.type.duck
    return `${type ? `CAST(${expr} AS ${type})` : expr} AS "${columns[i]!.replaceAll('"', '""')}"`
  }
  const legacy: ExpressionContext['special'] =
    w?.form === 'legacy'
      ? (fn) => {
          const m = /^(TUMBLE|HOP|SESSION)_(START|END|ROWTIME|PROCTIME)$/.exec(fn)
          if (!m) return undefined
          return m[2] === 'START' ? 'window_start' : m[2] === 'END' ? 'window_end' : 'window_time'
        }
      : undefined
  const base: ExpressionContext = { unqualify: aliases, aggregatesAllowed: true }
  if (legacy) base.special = legacy

  if (spec.mode === 'append') {
    const select = spec.select.map((s, i) =>
      cast(translate(s.tokens, { ...base, aggregatesAllowed: false }), i),
    )
    return {
      index,
      spec,
      mode: 'append',
      inputSql: input,
      keys: [],
      columns,
      outputSql: (rows) =>
        `SELECT ${w && w.kind !== 'session' ? '__ws, __we' : 'NULL::BIGINT AS __ws, NULL::BIGINT AS __we'}, ${select.join(', ')} FROM ${rows} ORDER BY __shard, __ord, __sub${w ? ', __ws, __we' : ''}`,
    }
  }

  const windowNames = new Set(['WINDOW_START', 'WINDOW_END', 'WINDOW_TIME'])
  const groups = spec.groupBy.filter((g) => !(g.length === 1 && windowNames.has(g[0]!.value)))
  const aggregates: Aggregate[] = []
  let mergeable = w?.kind !== 'session'
  const collect: ExpressionContext = {
    ...base,
    aggregate(fn, _args, distinct) {
      if (distinct || !MERGEABLE.has(fn)) mergeable = false
      return undefined
    },
  }
  for (const s of spec.select) translate(s.tokens, collect)
  if (spec.having) translate(spec.having, collect)

  if (!mergeable) {
    if (spec.mode === 'update')
      throw new SqlError(
        'this aggregate needs every row kept, which a non-windowed query would keep forever',
        spec.at.line,
        spec.at.column,
        'use COUNT, SUM, MIN, MAX or AVG here, or aggregate over a window',
      )
    const keyExprs = groups.map((g) => translate(g, base))
    const select = spec.select.map((s, i) => cast(translate(s.tokens, base), i))
    const having = spec.having ? ` HAVING ${translate(spec.having, base)}` : ''
    const groupBy = ['__ws', '__we', 'window_start', 'window_end', 'window_time', ...keyExprs].join(', ')
    const output = (rows: string) =>
      `SELECT __ws, __we, ${select.join(', ')} FROM (${w?.kind === 'session' ? `SELECT *, ${WINDOW_COLUMNS} FROM ${rows}` : `SELECT * FROM ${rows}`}) GROUP BY ${groupBy}${having} ORDER BY ALL`
    if (w?.kind === 'session') {
      const partition = keyExprs.length > 0 ? `PARTITION BY ${keyExprs.join(', ')} ` : ''
      const order = 'ORDER BY __et, __shard, __ord, __sub'
      const sessionSql = (rows: string) =>
        `SELECT * EXCLUDE (__new), min(__et) OVER (${partition.length > 0 ? `${partition.trim()}, __sid` : 'PARTITION BY __sid'}) AS __ws, max(__et) OVER (${partition.length > 0 ? `${partition.trim()}, __sid` : 'PARTITION BY __sid'}) + ${w.gapMs} AS __we FROM (SELECT *, sum(__new) OVER (${partition}${order} ROWS UNBOUNDED PRECEDING) AS __sid FROM (SELECT *, CASE WHEN __et - lag(__et) OVER (${partition}${order}) < ${w.gapMs} THEN 0 ELSE 1 END AS __new FROM ${rows}))`
      return {
        index,
        spec,
        mode: 'session',
        inputSql: input,
        keys: keyExprs,
        columns,
        outputSql: output,
        sessionSql,
      }
    }
    return { index, spec, mode: 'raw', inputSql: input, keys: keyExprs, columns, outputSql: output }
  }

  // Partial aggregates: one state row per window and group, merged batch after batch.
  const keyNames = groups.map((g, i) => simpleName(g) ?? `__k${i}`)
  const keyExprs = groups.map((g) => translate(g, base))
  const find = (fn: string, args: string): Aggregate => {
    let found = aggregates.find((a) => a.fn === fn && a.args === args)
    if (!found) {
      const n = aggregates.reduce((sum, a) => sum + a.columns.length, 0)
      found = { fn, args, columns: fn === 'AVG' ? [`__a${n}`, `__a${n + 1}`] : [`__a${n}`] }
      aggregates.push(found)
    }
    return found
  }
  const final: ExpressionContext = {
    ...base,
    aggregate(fn, args) {
      const a = find(fn, args)
      if (fn === 'AVG') return `__AVG(${a.columns[0]},${a.columns[1]})`
      return a.columns[0]
    },
  }
  const select = spec.select.map((s, i) =>
    cast(translate(substitute(s.tokens, groups, keyNames, aliases), final), i),
  )
  const having = spec.having
    ? ` WHERE ${translate(substitute(spec.having, groups, keyNames, aliases), final)}`
    : ''
  const partials = aggregates.flatMap((a) =>
    a.fn === 'AVG'
      ? [`sum(${a.args}) AS ${a.columns[0]}`, `count(${a.args}) AS ${a.columns[1]}`]
      : [`${a.fn.toLowerCase()}(${a.args}) AS ${a.columns[0]}`],
  )
  const merges = aggregates.flatMap((a) =>
    a.columns.map((c) => `${a.fn === 'MIN' ? 'min' : a.fn === 'MAX' ? 'max' : 'sum'}(${c}) AS ${c}`),
  )
  const keyCols = keyNames.map((k) => `"${k}"`)
  const keySelect = keyExprs.map((e, i) => `${e} AS ${keyCols[i]}`)
  const windowCols = spec.mode === 'window' ? '__ws, __we' : '0::BIGINT AS __ws, 0::BIGINT AS __we'
  return {
    index,
    spec,
    mode: 'partial',
    inputSql: input,
    keys: keyCols,
    columns,
    partialSql: (kept) =>
      `SELECT ${[windowCols, ...keySelect, ...partials].join(', ')} FROM ${kept} GROUP BY ALL`,
    mergeSql: (rows) =>
      `SELECT ${['__ws', '__we', ...keyCols, ...merges].join(', ')} FROM ${rows} GROUP BY ALL`,
    decimalScales: new Map(),
    outputSql(rows) {
      // AVG as DuckDB's avg computes it, so results equal a batch query's to the last bit: an
      // integer or DECIMAL sum's unscaled integer over count × 10^scale, as avg's long double
      // division rounds it (__avg); a floating-point sum over the count.
      const avg = (text: string) =>
        text.replace(/__AVG\((__a\d+),(__a\d+)\)/g, (_, sum: string, count: string) => {
          const scale = this.decimalScales?.get(sum)
          if (scale === undefined) return `(CAST(${sum} AS DOUBLE) / NULLIF(${count}, 0))`
          return `__avg(CAST(${sum} * ${10 ** scale} AS HUGEINT), CAST(${count} AS HUGEINT) * ${10 ** scale})`
        })
      return avg(
        `SELECT __ws, __we, ${select.join(', ')} FROM (SELECT *, ${WINDOW_COLUMNS} FROM ${rows})${having} ORDER BY ALL`,
      )
    },
  }
}

function simpleName(g: Token[]): string | undefined {
  const last = g[g.length - 1]!
  if (g.length === 1 && (last.kind === 'ident' || last.kind === 'quoted'))
    return last.kind === 'quoted' ? last.value : last.text
  if (g.length === 3 && g[1]!.kind === '.' && (last.kind === 'ident' || last.kind === 'quoted'))
    return last.kind === 'quoted' ? last.value : last.text
  return undefined
}

/** A token's identity for matching expressions: qualifiers dropped, case folded. */
function normal(tokens: readonly Token[], aliases: ReadonlySet<string>): string[] {
  const out: string[] = []
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!
    if (
      (t.kind === 'ident' || t.kind === 'quoted') &&
      tokens[i + 1]?.kind === '.' &&
      aliases.has(t.value.toLowerCase())
    ) {
      i++
      continue
    }
    out.push(t.kind === 'ident' ? t.value : t.kind === 'quoted' ? t.value.toUpperCase() : t.text)
  }
  return out
}

/** Replaces each occurrence of a GROUP BY expression in `tokens` by its state column. */
function substitute(
  tokens: Token[],
  groups: Token[][],
  names: string[],
  aliases: ReadonlySet<string>,
): Token[] {
  const patterns = groups.map((g) => normal(g, aliases))
  const out: Token[] = []
  for (let i = 0; i < tokens.length; i++) {
    let replaced = false
    for (let g = 0; g < groups.length; g++) {
      const pattern = patterns[g]!
      if (groups[g]!.length === 1 || (groups[g]!.length === 3 && groups[g]![1]!.kind === '.')) continue
      for (let len = pattern.length; len <= pattern.length + 4 && i + len <= tokens.length; len++) {
        const candidate = normal(tokens.slice(i, i + len), aliases)
        if (candidate.length === pattern.length && candidate.every((v, k) => v === pattern[k])) {
          out.push({ ...tokens[i]!, kind: 'quoted', text: names[g]!, value: names[g]! })
          i += len - 1
          replaced = true
          break
        }
      }
      if (replaced) break
    }
    if (!replaced) out.push(tokens[i]!)
  }
  return out
}

export { isWord }

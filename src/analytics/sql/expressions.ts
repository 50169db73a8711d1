import { closing, errorAt, isWord, SqlError, splitCommas, type Token } from './lexer.ts'
import { columnType } from './types.ts'

/** Aggregate functions, Flink's names. Those in MERGEABLE are kept as partial aggregates. */
export const AGGREGATES = new Set([
  'COUNT',
  'SUM',
  'MIN',
  'MAX',
  'AVG',
  'STDDEV_POP',
  'STDDEV_SAMP',
  'VAR_POP',
  'VAR_SAMP',
])

type Rewrite = (args: string[], at: Token) => string

const same =
  (name: string): Rewrite =>
  (args) =>
    `${name}(${args.join(', ')})`

/**
 * Scalar functions Tributary runs, by Flink name: each is DuckDB's function of the same meaning, or
 * a rewrite where the two differ (DAYOFWEEK counts from 1 in Flink, from 0 in DuckDB). A function
 * not here is refused rather than handed to DuckDB under a name that might mean something else.
 */
const FUNCTIONS: Record<string, Rewrite> = {
  UPPER: same('upper'),
  LOWER: same('lower'),
  TRIM: same('trim'),
  LTRIM: same('ltrim'),
  RTRIM: same('rtrim'),
  CHAR_LENGTH: same('length'),
  CHARACTER_LENGTH: same('length'),
  CONCAT: same('concat'),
  CONCAT_WS: same('concat_ws'),
  SUBSTRING: same('substring'),
  SUBSTR: same('substring'),
  REPLACE: same('replace'),
  POSITION: same('position'),
  INITCAP: same('initcap'),
  ABS: same('abs'),
  ROUND: same('round'),
  FLOOR: same('floor'),
  CEIL: same('ceil'),
  CEILING: same('ceil'),
  MOD: same('mod'),
  POWER: same('power'),
  SQRT: same('sqrt'),
  LN: same('ln'),
  LOG10: same('log10'),
  EXP: same('exp'),
  SIGN: same('sign'),
  COALESCE: same('coalesce'),
  NULLIF: same('nullif'),
  GREATEST: same('greatest'),
  LEAST: same('least'),
  IF: (a) => `(CASE WHEN ${a[0]} THEN ${a[1]} ELSE ${a[2]} END)`,
  EXTRACT: same('extract'),
  YEAR: same('year'),
  QUARTER: same('quarter'),
  MONTH: same('month'),
  WEEK: same('week'),
  DAYOFYEAR: same('dayofyear'),
  DAYOFMONTH: same('dayofmonth'),
  // Flink: 1 = Sunday … 7 = Saturday; DuckDB's dayofweek: 0 = Sunday … 6.
  DAYOFWEEK: (a) => `(dayofweek(${a[0]}) + 1)`,
  HOUR: same('hour'),
  MINUTE: same('minute'),
  SECOND: same('second'),
  // Flink's TIMESTAMPDIFF counts whole units between the two, as DuckDB's date_sub does (date_diff
  // counts unit boundaries crossed instead).
  TIMESTAMPDIFF: (a) => `date_sub('${a[0]!.toLowerCase()}', ${a[1]}, ${a[2]})`,
  TO_TIMESTAMP_LTZ: (a, at) => {
    const precision = a[1] ?? '3'
    if (precision === '3') return `make_timestamp(CAST(${a[0]} AS BIGINT) * 1000)`
    if (precision === '0') return `make_timestamp(CAST(${a[0]} AS BIGINT) * 1000000)`
    throw new SqlError('TO_TIMESTAMP_LTZ takes precision 0 or 3', at.line, at.column)
  },
  TO_TIMESTAMP: (a, at) => {
    if (a.length === 1) return `TRY_CAST(${a[0]} AS TIMESTAMP)`
    return `try_strptime(${a[0]}, ${javaFormat(a[1]!, at)})`
  },
  DATE_FORMAT: (a, at) => `strftime(${a[0]}, ${javaFormat(a[1]!, at)})`,
}

// Java's SimpleDateFormat letters (as Flink takes them) → strftime's.
const JAVA_FORMAT: [string, string][] = [
  ['yyyy', '%Y'],
  ['MM', '%m'],
  ['dd', '%d'],
  ['HH', '%H'],
  ['mm', '%M'],
  ['ss', '%S'],
  ['SSS', '%g'],
]

function javaFormat(literal: string, at: Token): string {
  const m = /^'(.*)'$/s.exec(literal)
  if (!m) throw new SqlError('the format must be a string literal', at.line, at.column)
  let text = m[1]!
  let out = ''
  while (text.length > 0) {
    const hit = JAVA_FORMAT.find(([j]) => text.startsWith(j))
    if (hit) {
      out += hit[1]
      text = text.slice(hit[0].length)
      continue
    }
    const c = text[0]!
    if (/[A-Za-z]/.test(c))
      throw new SqlError(
        `format letter '${c}' is not supported (yyyy MM dd HH mm ss SSS are)`,
        at.line,
        at.column,
      )
    out += c === '%' ? '%%' : c
    text = text.slice(1)
  }
  return `'${out}'`
}

/** What an expression's translation needs to know. */
export interface ExpressionContext {
  /** Table aliases whose qualifier is dropped (`t.col` → `col`): the query stage's columns are unqualified. */
  unqualify?: ReadonlySet<string>
  /**
   * Replaces an aggregate call (the partial-aggregate plan reads merged state instead); undefined
   * keeps the call as DuckDB's aggregate.
   */
  aggregate?(name: string, args: string, distinct: boolean, at: Token): string | undefined
  /** Replaces a function call before the scalar functions are looked at (legacy group windows). */
  special?(name: string, argTokens: Token[], at: Token): string | undefined
  /** Whether aggregates may appear here (not in WHERE). */
  aggregatesAllowed?: boolean
}

const REFUSED_WORDS: Record<string, string> = {
  SELECT: 'subqueries are not supported in expressions',
  OVER: 'OVER aggregations are not supported',
  MATCH_RECOGNIZE: 'MATCH_RECOGNIZE is not supported',
  CURRENT_WATERMARK: 'CURRENT_WATERMARK is not supported',
  CURRENT_TIMESTAMP: 'CURRENT_TIMESTAMP is not supported (results would differ on every replay)',
  NOW: 'NOW() is not supported (results would differ on every replay)',
  PROCTIME: 'PROCTIME() is only supported as a computed column of a source table',
}

/** Translates a Flink expression (its tokens) to DuckDB SQL. */
export function translate(tokens: readonly Token[], ctx: ExpressionContext = {}): string {
  const out: string[] = []
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!
    if (t.kind === 'ident' && REFUSED_WORDS[t.value])
      throw new SqlError(
        REFUSED_WORDS[t.value]!,
        t.line,
        t.column,
        'see docs/analytics.md for the SQL supported',
      )
    const next = tokens[i + 1]
    if (
      t.kind === 'ident' &&
      next?.kind === '(' &&
      !isWord(t, 'IN', 'AS', 'AND', 'OR', 'NOT', 'THEN', 'ELSE', 'WHEN', 'EXISTS')
    ) {
      const close = closing(tokens, i + 1)
      out.push(call(t, tokens.slice(i + 2, close), ctx))
      i = close
      continue
    }
    if (isWord(t, 'EXISTS'))
      throw new SqlError('subqueries are not supported in expressions', t.line, t.column)
    if (t.kind === 'ident' && next?.kind === '.' && ctx.unqualify?.has(t.value.toLowerCase())) {
      i++ // drop `alias.`
      continue
    }
    if (t.kind === 'quoted') {
      if (next?.kind === '.' && ctx.unqualify?.has(t.value.toLowerCase())) {
        i++
        continue
      }
      out.push(`"${t.value.replaceAll('"', '""')}"`)
      continue
    }
    if (t.kind === 'op' && t.text === '::')
      throw new SqlError("'::' casts are not Flink SQL: use CAST", t.line, t.column)
    out.push(t.kind === '.' ? '.' : t.text)
  }
  // Tokens joined by single spaces, except around dots and parentheses.
  return out.join(' ').replaceAll(' . ', '.').replaceAll('( ', '(').replaceAll(' )', ')')
}

function call(name: Token, argTokens: Token[], ctx: ExpressionContext): string {
  const fn = name.value
  const special = ctx.special?.(fn, argTokens, name)
  if (special !== undefined) return special
  if (fn === 'CAST' || fn === 'TRY_CAST') {
    const as = argTokens.findIndex((t, k) => isWord(t, 'AS') && depthAt(argTokens, k) === 0)
    if (as < 0) throw new SqlError(`${fn} needs AS and a type`, name.line, name.column)
    const type = columnType(argTokens.slice(as + 1), '')
    return `${fn}(${translate(argTokens.slice(0, as), ctx)} AS ${type.duck})`
  }
  if (AGGREGATES.has(fn)) {
    if (!ctx.aggregatesAllowed)
      throw new SqlError(`aggregate ${fn} is not allowed here`, name.line, name.column)
    const distinct = isWord(argTokens[0], 'DISTINCT')
    const inner = distinct ? argTokens.slice(1) : argTokens
    const args =
      inner.length === 1 && inner[0]!.text === '*'
        ? '*'
        : translate(inner, { ...ctx, aggregatesAllowed: false })
    const replaced = ctx.aggregate?.(fn, args, distinct, name)
    if (replaced !== undefined) return replaced
    return `${fn.toLowerCase()}(${distinct ? 'DISTINCT ' : ''}${args})`
  }
  const rewrite = FUNCTIONS[fn]
  if (!rewrite) {
    const at = errorAt([name])
    throw new SqlError(
      `function ${name.text} is not supported`,
      at.line,
      at.column,
      'see docs/analytics.md for the functions Tributary runs',
    )
  }
  const args = argTokens.length === 0 ? [] : splitCommas(argTokens).map((a) => translate(a, ctx))
  return rewrite(args, name)
}

function depthAt(tokens: readonly Token[], index: number): number {
  let depth = 0
  for (let k = 0; k < index; k++) {
    if (tokens[k]!.kind === '(') depth++
    if (tokens[k]!.kind === ')') depth--
  }
  return depth
}

/** An `INTERVAL 'n' UNIT` literal's length in milliseconds. */
export function intervalMs(tokens: readonly Token[]): number {
  const [kw, value, unit, ...rest] = tokens
  const at = errorAt(tokens)
  if (!isWord(kw, 'INTERVAL') || value?.kind !== 'string' || unit?.kind !== 'ident' || rest.length > 0)
    throw new SqlError("expected an interval such as INTERVAL '1' MINUTE", at.line, at.column)
  const n = Number(value.value.trim())
  const scale = UNITS[unit.value]
  if (!Number.isFinite(n) || n < 0 || scale === undefined)
    throw new SqlError(
      `interval ${tokens.map((t) => t.text).join(' ')} is not supported (SECOND, MINUTE, HOUR or DAY, a plain number)`,
      at.line,
      at.column,
    )
  return Math.round(n * scale)
}

const UNITS: Record<string, number> = {
  MILLISECOND: 1,
  SECOND: 1000,
  SECONDS: 1000,
  MINUTE: 60_000,
  MINUTES: 60_000,
  HOUR: 3_600_000,
  HOURS: 3_600_000,
  DAY: 86_400_000,
  DAYS: 86_400_000,
}

/**
 * A small SQL tokenizer for the Flink dialect: enough to split statements, find the clauses of a
 * query and rewrite expressions token by token. The grammar itself is checked by dt-sql-parser
 * first (see validate.ts); this never has to decide whether SQL is well formed, only to take
 * apart SQL that is.
 */

export type TokenKind = 'ident' | 'quoted' | 'string' | 'number' | 'op' | '(' | ')' | ',' | ';' | '.'

export interface Token {
  kind: TokenKind
  /** The token's text as written (a quoted identifier or string without its quotes: see `value`). */
  text: string
  /** For `quoted` and `string`: the unquoted, unescaped value. For `ident`: the upper-case text. */
  value: string
  /** Offset in the whole SQL text. */
  start: number
  end: number
  /** 1-based line and column of the first character. */
  line: number
  column: number
}

/** A problem found in SQL text, at a 1-based line and column (of the whole text). */
export class SqlError extends Error {
  override readonly name = 'SqlError'
  constructor(
    message: string,
    readonly line: number,
    readonly column: number,
    readonly hint?: string,
  ) {
    super(message)
  }

  /** `SQL validation failed at line 3, column 8: ...`, the way Flink words its errors. */
  describe(): string {
    return `SQL validation failed at line ${this.line}, column ${this.column}: ${this.message}`
  }
}

const OPS = ['<>', '<=', '>=', '!=', '||', '=>', '::', '+', '-', '*', '/', '%', '=', '<', '>']

export function tokenize(sql: string): Token[] {
  const tokens: Token[] = []
  let i = 0
  let line = 1
  let lineStart = 0
  const advanceLines = (from: number, to: number) => {
    for (let k = from; k < to; k++) {
      if (sql.charCodeAt(k) === 10) {
        line++
        lineStart = k + 1
      }
    }
  }
  while (i < sql.length) {
    const c = sql[i]!
    if (c === ' ' || c === '\t' || c === '\r' || c === '\n') {
      advanceLines(i, i + 1)
      i++
      continue
    }
    if (c === '-' && sql[i + 1] === '-') {
      while (i < sql.length && sql[i] !== '\n') i++
      continue
    }
    if (c === '/' && sql[i + 1] === '*') {
      const close = sql.indexOf('*/', i + 2)
      const end = close < 0 ? sql.length : close + 2
      advanceLines(i, end)
      i = end
      continue
    }
    const start = i
    const at = { line, column: i - lineStart + 1 }
    const push = (kind: TokenKind, end: number, value: string) => {
      tokens.push({ kind, text: sql.slice(start, end), value, start, end, ...at })
      advanceLines(start, end)
      i = end
    }
    if (c === "'" || c === '`' || c === '"') {
      let j = i + 1
      let value = ''
      for (;;) {
        if (j >= sql.length)
          throw new SqlError(`unterminated ${c === "'" ? 'string' : 'identifier'}`, at.line, at.column)
        if (sql[j] === c) {
          if (sql[j + 1] === c) {
            value += c
            j += 2
            continue
          }
          break
        }
        value += sql[j]
        j++
      }
      // Flink quotes identifiers with backticks; double quotes are not identifiers there either.
      push(c === "'" ? 'string' : 'quoted', j + 1, value)
      continue
    }
    if (/[0-9]/.test(c) || (c === '.' && /[0-9]/.test(sql[i + 1] ?? ''))) {
      const m = /^(?:[0-9]*\.?[0-9]+|[0-9]+\.)(?:[eE][+-]?[0-9]+)?/.exec(sql.slice(i))!
      push('number', i + m[0].length, m[0])
      continue
    }
    if (/[A-Za-z_$]/.test(c)) {
      const m = /^[A-Za-z_$][A-Za-z0-9_$]*/.exec(sql.slice(i))!
      push('ident', i + m[0].length, m[0].toUpperCase())
      continue
    }
    if (c === '(' || c === ')' || c === ',' || c === ';' || c === '.') {
      push(c, i + 1, c)
      continue
    }
    const op = OPS.find((o) => sql.startsWith(o, i))
    if (op) {
      push('op', i + op.length, op)
      continue
    }
    throw new SqlError(`unexpected character '${c}'`, at.line, at.column)
  }
  return tokens
}

/** Splits tokens into statements at top-level semicolons (empty statements dropped). */
export function splitStatements(tokens: readonly Token[]): Token[][] {
  const out: Token[][] = []
  let current: Token[] = []
  let depth = 0
  for (const t of tokens) {
    if (t.kind === '(') depth++
    if (t.kind === ')') depth--
    if (t.kind === ';' && depth === 0) {
      if (current.length > 0) out.push(current)
      current = []
      continue
    }
    current.push(t)
  }
  if (current.length > 0) out.push(current)
  return out
}

/** Whether `t` is the keyword `word` (an unquoted identifier, any case). */
export function isWord(t: Token | undefined, ...words: string[]): boolean {
  return t !== undefined && t.kind === 'ident' && words.includes(t.value)
}

/** The index of the `)` matching the `(` at `open`. */
export function closing(tokens: readonly Token[], open: number): number {
  let depth = 0
  for (let i = open; i < tokens.length; i++) {
    if (tokens[i]!.kind === '(') depth++
    else if (tokens[i]!.kind === ')') {
      depth--
      if (depth === 0) return i
    }
  }
  const t = tokens[open]!
  throw new SqlError("missing ')'", t.line, t.column)
}

/** Splits a token list at top-level commas (`angles`: also outside `<…>`, as in `MAP<K, V>`). */
export function splitCommas(tokens: readonly Token[], angles = false): Token[][] {
  const out: Token[][] = []
  let current: Token[] = []
  let depth = 0
  for (const t of tokens) {
    if (t.kind === '(' || (angles && t.text === '<')) depth++
    if (t.kind === ')' || (angles && t.text === '>')) depth--
    if (t.kind === ',' && depth === 0) {
      out.push(current)
      current = []
      continue
    }
    current.push(t)
  }
  if (current.length > 0 || out.length > 0) out.push(current)
  return out
}

/** The source text of a token range, as written. */
export function textOf(sql: string, tokens: readonly Token[]): string {
  if (tokens.length === 0) return ''
  return sql.slice(tokens[0]!.start, tokens[tokens.length - 1]!.end)
}

/** A token range's position for errors: its first token, or `fallback`. */
export function errorAt(tokens: readonly Token[], fallback?: Token): { line: number; column: number } {
  const t = tokens[0] ?? fallback
  return t ? { line: t.line, column: t.column } : { line: 1, column: 1 }
}

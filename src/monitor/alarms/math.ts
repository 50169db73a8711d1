/**
 * A small subset of CloudWatch metric math, evaluated one period timestamp at a time: numbers,
 * metric ids, `+ - * /`, unary minus, parentheses, and the functions `FILL(x, value)`,
 * `ABS(x)`, `MIN(a, b, ...)`, `MAX(a, b, ...)`, `SUM(a, b, ...)` and `AVG(a, b, ...)` (the last
 * four across their arguments at the same timestamp). A missing input, division by zero or a
 * non-finite result yields no datapoint, as in CloudWatch; `FILL` replaces a missing value.
 */
export type Expr =
  | { kind: 'number'; value: number }
  | { kind: 'id'; id: string }
  | { kind: 'neg'; arg: Expr }
  | { kind: 'binary'; op: '+' | '-' | '*' | '/'; left: Expr; right: Expr }
  | { kind: 'call'; fn: MathFunction; args: Expr[] }

export const MATH_FUNCTIONS = ['FILL', 'ABS', 'MIN', 'MAX', 'SUM', 'AVG'] as const
export type MathFunction = (typeof MATH_FUNCTIONS)[number]

export class MathSyntaxError extends Error {
  readonly position: number
  constructor(message: string, position: number) {
    super(`${message} at position ${position}`)
    this.name = 'MathSyntaxError'
    this.position = position
  }
}

type Token =
  | { type: 'num'; value: number; pos: number }
  | { type: 'name'; value: string; pos: number }
  | { type: 'op'; value: string; pos: number }

function tokenize(src: string): Token[] {
  const tokens: Token[] = []
  let i = 0
  while (i < src.length) {
    const c = src[i]!
    if (/\s/.test(c)) {
      i++
    } else if (/[0-9.]/.test(c)) {
      const m = /^(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?/.exec(src.slice(i))
      if (!m) throw new MathSyntaxError(`invalid number`, i)
      tokens.push({ type: 'num', value: Number(m[0]), pos: i })
      i += m[0].length
    } else if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(src.slice(i))!
      tokens.push({ type: 'name', value: m[0], pos: i })
      i += m[0].length
    } else if ('+-*/(),'.includes(c)) {
      tokens.push({ type: 'op', value: c, pos: i })
      i++
    } else {
      throw new MathSyntaxError(`unexpected character '${c}'`, i)
    }
  }
  return tokens
}

/**
 * Parses an expression.
 *
 * @example
 * parseExpression('100 * errors / invocations')
 */
export function parseExpression(src: string): Expr {
  const tokens = tokenize(src)
  let i = 0
  const peek = () => tokens[i]
  const isOp = (v: string) => peek()?.type === 'op' && peek()!.value === v
  const expect = (v: string) => {
    if (!isOp(v)) throw new MathSyntaxError(`expected '${v}'`, peek()?.pos ?? src.length)
    i++
  }
  const expr = (): Expr => {
    let left = term()
    while (isOp('+') || isOp('-')) {
      const op = tokens[i++]!.value as '+' | '-'
      left = { kind: 'binary', op, left, right: term() }
    }
    return left
  }
  const term = (): Expr => {
    let left = unary()
    while (isOp('*') || isOp('/')) {
      const op = tokens[i++]!.value as '*' | '/'
      left = { kind: 'binary', op, left, right: unary() }
    }
    return left
  }
  const unary = (): Expr => {
    if (isOp('-')) {
      i++
      return { kind: 'neg', arg: unary() }
    }
    return primary()
  }
  const primary = (): Expr => {
    const t = peek()
    if (!t) throw new MathSyntaxError('unexpected end of expression', src.length)
    if (t.type === 'num') {
      i++
      return { kind: 'number', value: t.value }
    }
    if (t.type === 'name') {
      i++
      if (!isOp('(')) return { kind: 'id', id: t.value }
      const fn = t.value.toUpperCase() as MathFunction
      if (!MATH_FUNCTIONS.includes(fn)) throw new MathSyntaxError(`unknown function '${t.value}'`, t.pos)
      i++
      const args: Expr[] = []
      if (!isOp(')')) {
        args.push(expr())
        while (isOp(',')) {
          i++
          args.push(expr())
        }
      }
      expect(')')
      if (fn === 'FILL' && args.length !== 2) throw new MathSyntaxError('FILL takes (metric, value)', t.pos)
      if (fn === 'ABS' && args.length !== 1) throw new MathSyntaxError('ABS takes one argument', t.pos)
      if (args.length === 0) throw new MathSyntaxError(`${fn} needs arguments`, t.pos)
      return { kind: 'call', fn, args }
    }
    if (t.value === '(') {
      i++
      const inner = expr()
      expect(')')
      return inner
    }
    throw new MathSyntaxError(`unexpected '${t.value}'`, t.pos)
  }
  const result = expr()
  if (i < tokens.length) throw new MathSyntaxError(`unexpected '${tokens[i]!.value}'`, tokens[i]!.pos)
  return result
}

/** The metric ids an expression reads. */
export function referencedIds(expr: Expr, into = new Set<string>()): Set<string> {
  switch (expr.kind) {
    case 'id':
      into.add(expr.id)
      break
    case 'neg':
      referencedIds(expr.arg, into)
      break
    case 'binary':
      referencedIds(expr.left, into)
      referencedIds(expr.right, into)
      break
    case 'call':
      for (const a of expr.args) referencedIds(a, into)
      break
  }
  return into
}

/** The value at one timestamp, or undefined for no datapoint. */
export function evaluateExpression(
  expr: Expr,
  lookup: (id: string) => number | undefined,
): number | undefined {
  const v = evaluate(expr, lookup)
  return v !== undefined && Number.isFinite(v) ? v : undefined
}

function evaluate(expr: Expr, lookup: (id: string) => number | undefined): number | undefined {
  switch (expr.kind) {
    case 'number':
      return expr.value
    case 'id':
      return lookup(expr.id)
    case 'neg': {
      const v = evaluate(expr.arg, lookup)
      return v === undefined ? undefined : -v
    }
    case 'binary': {
      const l = evaluate(expr.left, lookup)
      const r = evaluate(expr.right, lookup)
      if (l === undefined || r === undefined) return undefined
      if (expr.op === '+') return l + r
      if (expr.op === '-') return l - r
      if (expr.op === '*') return l * r
      return r === 0 ? undefined : l / r
    }
    case 'call': {
      const args = expr.args.map((a) => evaluate(a, lookup))
      if (expr.fn === 'FILL') return args[0] ?? args[1]
      const present = args.filter((a): a is number => a !== undefined)
      if (expr.fn === 'ABS') return present[0] === undefined ? undefined : Math.abs(present[0])
      if (present.length === 0) return undefined
      if (expr.fn === 'MIN') return Math.min(...present)
      if (expr.fn === 'MAX') return Math.max(...present)
      const sum = present.reduce((a, b) => a + b, 0)
      return expr.fn === 'SUM' ? sum : sum / present.length
    }
  }
}

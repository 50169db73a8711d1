/**
 * DynamoDB's expression language (condition, filter, key condition, projection and update
 * expressions): parsed here and evaluated against the table service's JSON items. The table
 * service itself takes conditions as data; the API layer reads the current item, evaluates the
 * expression and writes in one synchronous step, so no other request interleaves.
 */
import { deepEqual, dynamoType, type Item, type JsonValue, setHas } from '../../services/tables/values.ts'
import { validationError } from '../errors.ts'
import { fromAttributeValue } from './attribute-values.ts'
import { RESERVED_WORDS } from './reserved-words.ts'

export type PathElement = string | number
export type Path = PathElement[]

export type Operand =
  | { kind: 'path'; path: Path }
  | { kind: 'value'; name: string; value: JsonValue }
  | { kind: 'size'; path: Path }
  | { kind: 'if_not_exists'; path: Path; fallback: Operand }
  | { kind: 'list_append'; a: Operand; b: Operand }
  | { kind: 'arith'; op: '+' | '-'; a: Operand; b: Operand }

type Comparator = '=' | '<>' | '<' | '<=' | '>' | '>='

export type Condition =
  | { kind: 'cmp'; op: Comparator; a: Operand; b: Operand }
  | { kind: 'between'; a: Operand; low: Operand; high: Operand }
  | { kind: 'in'; a: Operand; list: Operand[] }
  | { kind: 'and' | 'or'; left: Condition; right: Condition }
  | { kind: 'not'; condition: Condition }
  | { kind: 'fn'; name: string; args: Operand[] }

export interface UpdateActions {
  set: Array<{ path: Path; value: Operand }>
  remove: Path[]
  add: Array<{ path: Path; value: Operand }>
  delete: Array<{ path: Path; value: Operand }>
}

/** ExpressionAttributeNames / Values of one request, and which of them its expressions used. */
export class ExpressionScope {
  readonly #names: Record<string, string> | undefined
  readonly #values: Record<string, unknown> | undefined
  readonly #converted = new Map<string, JsonValue>()
  readonly usedNames = new Set<string>()
  readonly usedValues = new Set<string>()

  constructor(names: Record<string, string> | undefined, values: Record<string, unknown> | undefined) {
    if (names !== undefined && Object.keys(names).length === 0) {
      throw validationError('ExpressionAttributeNames must not be empty')
    }
    if (values !== undefined && Object.keys(values).length === 0) {
      throw validationError('ExpressionAttributeValues must not be empty')
    }
    this.#names = names
    this.#values = values
  }

  name(token: string, what: string): string {
    const name = this.#names && Object.hasOwn(this.#names, token) ? this.#names[token] : undefined
    if (name === undefined) {
      throw validationError(
        `Invalid ${what}: An expression attribute name used in the document path is not defined; attribute name: ${token}`,
      )
    }
    this.usedNames.add(token)
    return name
  }

  value(token: string, what: string): JsonValue {
    const raw = this.#values && Object.hasOwn(this.#values, token) ? this.#values[token] : undefined
    if (raw === undefined) {
      throw validationError(
        `Invalid ${what}: An expression attribute value used in expression is not defined; attribute value: ${token}`,
      )
    }
    this.usedValues.add(token)
    let value = this.#converted.get(token)
    if (value === undefined) {
      value = fromAttributeValue(raw)
      this.#converted.set(token, value)
    }
    return value
  }

  /** After every expression of the request is parsed: unused names and values are errors. */
  checkAllUsed(): void {
    if (this.#names) {
      const unused = Object.keys(this.#names).filter((k) => !this.usedNames.has(k))
      if (unused.length > 0) {
        throw validationError(
          `Value provided in ExpressionAttributeNames unused in expressions: keys: {${unused.join(', ')}}`,
        )
      }
    }
    if (this.#values) {
      const unused = Object.keys(this.#values).filter((k) => !this.usedValues.has(k))
      if (unused.length > 0) {
        throw validationError(
          `Value provided in ExpressionAttributeValues unused in expressions: keys: {${unused.join(', ')}}`,
        )
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Tokens

type TokenKind = 'name' | 'placeholder' | 'value' | 'number' | 'punct' | 'eof'
interface Token {
  kind: TokenKind
  text: string
}

const PUNCT = ['<>', '<=', '>=', '(', ')', '[', ']', ',', '.', '=', '<', '>', '+', '-']

function tokenize(text: string, what: string): Token[] {
  const tokens: Token[] = []
  let i = 0
  while (i < text.length) {
    const c = text[i]!
    if (/\s/.test(c)) {
      i++
      continue
    }
    const rest = text.slice(i)
    const word = /^[A-Za-z_][A-Za-z0-9_]*/.exec(rest)
    if (word) {
      tokens.push({ kind: 'name', text: word[0] })
      i += word[0].length
      continue
    }
    const holder = /^[#:][A-Za-z0-9_]+/.exec(rest)
    if (holder) {
      tokens.push({ kind: holder[0][0] === '#' ? 'placeholder' : 'value', text: holder[0] })
      i += holder[0].length
      continue
    }
    const number = /^[0-9]+/.exec(rest)
    if (number) {
      tokens.push({ kind: 'number', text: number[0] })
      i += number[0].length
      continue
    }
    const punct = PUNCT.find((p) => rest.startsWith(p))
    if (punct) {
      tokens.push({ kind: 'punct', text: punct })
      i += punct.length
      continue
    }
    throw validationError(
      `Invalid ${what}: Syntax error; token: "${c}", near: "${text.slice(Math.max(0, i - 5), i + 5)}"`,
    )
  }
  tokens.push({ kind: 'eof', text: '<EOF>' })
  return tokens
}

const CONDITION_FUNCTIONS = new Set([
  'attribute_exists',
  'attribute_not_exists',
  'attribute_type',
  'begins_with',
  'contains',
])
const COMPARATORS = new Set(['=', '<>', '<', '<=', '>', '>='])

class Parser {
  #i = 0
  #reserved: string | undefined
  readonly #tokens: Token[]

  constructor(
    readonly text: string,
    readonly what: string,
    readonly scope: ExpressionScope,
  ) {
    if (text.trim() === '') throw validationError(`Invalid ${what}: The expression can not be empty;`)
    this.#tokens = tokenize(text, what)
  }

  get peek(): Token {
    return this.#tokens[this.#i]!
  }

  next(): Token {
    const t = this.#tokens[this.#i]!
    if (t.kind !== 'eof') this.#i++
    return t
  }

  isKeyword(word: string): boolean {
    return this.peek.kind === 'name' && this.peek.text.toUpperCase() === word
  }

  isPunct(p: string): boolean {
    return this.peek.kind === 'punct' && this.peek.text === p
  }

  syntaxError(): never {
    const t = this.peek
    const near = this.#tokens
      .slice(Math.max(0, this.#i - 1), this.#i + 2)
      .filter((x) => x.kind !== 'eof')
      .map((x) => x.text)
      .join(' ')
    throw validationError(`Invalid ${this.what}: Syntax error; token: "${t.text}", near: "${near}"`)
  }

  expectPunct(p: string): void {
    if (!this.isPunct(p)) this.syntaxError()
    this.next()
  }

  expectKeyword(word: string): void {
    if (!this.isKeyword(word)) this.syntaxError()
    this.next()
  }

  /**
   * The end of the expression. A bare reserved word is reported only once the whole expression
   * has parsed: DynamoDB reports syntax errors (and misused functions) before it.
   */
  done(): void {
    if (this.peek.kind !== 'eof') this.syntaxError()
    if (this.#reserved !== undefined) {
      throw validationError(
        `Invalid ${this.what}: Attribute name is a reserved keyword; reserved keyword: ${this.#reserved}`,
      )
    }
  }

  path(): Path {
    const path: Path = [this.pathName()]
    for (;;) {
      if (this.isPunct('.')) {
        this.next()
        path.push(this.pathName())
      } else if (this.isPunct('[')) {
        this.next()
        const t = this.next()
        if (t.kind !== 'number') this.syntaxError()
        path.push(Number(t.text))
        this.expectPunct(']')
      } else {
        return path
      }
    }
  }

  pathName(): string {
    const t = this.peek
    if (t.kind === 'placeholder') {
      this.next()
      return this.scope.name(t.text, this.what)
    }
    if (t.kind === 'name') {
      if (this.#reserved === undefined && RESERVED_WORDS.has(t.text.toUpperCase())) this.#reserved = t.text
      this.next()
      return t.text
    }
    return this.syntaxError()
  }

  /** A condition operand: a path, a value or size(path). */
  operand(): Operand {
    const t = this.peek
    if (t.kind === 'value') {
      this.next()
      return { kind: 'value', name: t.text, value: this.scope.value(t.text, this.what) }
    }
    if (t.kind === 'name' && this.#tokens[this.#i + 1]?.text === '(') {
      const fn = t.text
      if (fn !== 'size') {
        const known = CONDITION_FUNCTIONS.has(fn) || fn === 'if_not_exists' || fn === 'list_append'
        throw validationError(
          known
            ? `Invalid ${this.what}: The function is not allowed to be used this way in an expression; function: ${fn}`
            : `Invalid ${this.what}: Invalid function name; function: ${fn}`,
        )
      }
      this.next()
      this.next()
      const path = this.path()
      this.expectPunct(')')
      return { kind: 'size', path }
    }
    return { kind: 'path', path: this.path() }
  }

  condition(): Condition {
    let left = this.conjunction()
    while (this.isKeyword('OR')) {
      this.next()
      left = { kind: 'or', left, right: this.conjunction() }
    }
    return left
  }

  conjunction(): Condition {
    let left = this.negation()
    while (this.isKeyword('AND')) {
      this.next()
      left = { kind: 'and', left, right: this.negation() }
    }
    return left
  }

  negation(): Condition {
    if (this.isKeyword('NOT')) {
      this.next()
      return { kind: 'not', condition: this.negation() }
    }
    return this.primary()
  }

  primary(): Condition {
    if (this.isPunct('(')) {
      this.next()
      const inner = this.condition()
      this.expectPunct(')')
      return inner
    }
    const t = this.peek
    if (t.kind === 'name' && CONDITION_FUNCTIONS.has(t.text) && this.#tokens[this.#i + 1]?.text === '(') {
      this.next()
      this.next()
      const args: Operand[] = [this.operand()]
      while (this.isPunct(',')) {
        this.next()
        args.push(this.operand())
      }
      this.expectPunct(')')
      const arity = t.text.startsWith('attribute_') && t.text !== 'attribute_type' ? 1 : 2
      if (args.length !== arity) {
        throw validationError(
          `Invalid ${this.what}: Incorrect number of operands for operator or function; operator or function: ${t.text}, number of operands: ${args.length}`,
        )
      }
      if (args[0]!.kind !== 'path' && t.text !== 'contains' && t.text !== 'begins_with') {
        throw validationError(
          `Invalid ${this.what}: Operator or function requires a document path; operator or function: ${t.text}`,
        )
      }
      return { kind: 'fn', name: t.text, args }
    }
    const a = this.operand()
    if (this.peek.kind === 'punct' && COMPARATORS.has(this.peek.text)) {
      const op = this.next().text as Comparator
      return { kind: 'cmp', op, a, b: this.operand() }
    }
    if (this.isKeyword('BETWEEN')) {
      this.next()
      const low = this.operand()
      this.expectKeyword('AND')
      const high = this.operand()
      if (low.kind === 'value' && high.kind === 'value' && compare(low.value, high.value) === 1) {
        throw validationError(
          `Invalid ${this.what}: The BETWEEN operator requires upper bound to be greater than or equal to lower bound; ` +
            `lower bound operand: AttributeValue: {${dynamoType(low.value)}:${String(low.value)}}, ` +
            `upper bound operand: AttributeValue: {${dynamoType(high.value)}:${String(high.value)}}`,
        )
      }
      return { kind: 'between', a, low, high }
    }
    if (this.isKeyword('IN')) {
      this.next()
      this.expectPunct('(')
      const list = [this.operand()]
      while (this.isPunct(',')) {
        this.next()
        list.push(this.operand())
      }
      this.expectPunct(')')
      if (list.length > 100) {
        throw validationError(
          `Invalid ${this.what}: The expression contains too many operands for the IN operator; the maximum is 100`,
        )
      }
      return { kind: 'in', a, list }
    }
    return this.syntaxError()
  }

  /** An update's value: operand [+|- operand]. */
  updateValue(): Operand {
    const a = this.updateOperand()
    if (this.isPunct('+') || this.isPunct('-')) {
      const op = this.next().text as '+' | '-'
      return { kind: 'arith', op, a, b: this.updateOperand() }
    }
    return a
  }

  updateOperand(): Operand {
    const t = this.peek
    if (t.kind === 'value') {
      this.next()
      return { kind: 'value', name: t.text, value: this.scope.value(t.text, this.what) }
    }
    if (t.kind === 'name' && this.#tokens[this.#i + 1]?.text === '(') {
      this.next()
      this.next()
      let result: Operand
      if (t.text === 'if_not_exists') {
        const path = this.path()
        this.expectPunct(',')
        result = { kind: 'if_not_exists', path, fallback: this.updateOperand() }
      } else if (t.text === 'list_append') {
        const a = this.updateOperand()
        this.expectPunct(',')
        result = { kind: 'list_append', a, b: this.updateOperand() }
      } else {
        throw validationError(
          CONDITION_FUNCTIONS.has(t.text) || t.text === 'size'
            ? `Invalid ${this.what}: The function is not allowed in an update expression; function: ${t.text}`
            : `Invalid ${this.what}: Invalid function name; function: ${t.text}`,
        )
      }
      this.expectPunct(')')
      return result
    }
    return { kind: 'path', path: this.path() }
  }
}

export function parseCondition(text: string, what: string, scope: ExpressionScope): Condition {
  const parser = new Parser(text, what, scope)
  const condition = parser.condition()
  parser.done()
  return condition
}

export function parseProjection(text: string, scope: ExpressionScope): Path[] {
  const what = 'ProjectionExpression'
  const parser = new Parser(text, what, scope)
  const paths = [parser.path()]
  while (parser.isPunct(',')) {
    parser.next()
    paths.push(parser.path())
  }
  parser.done()
  checkOverlap(paths, what)
  return paths
}

const CLAUSE_NAMES = ['SET', 'REMOVE', 'ADD', 'DELETE'] as const

export function parseUpdate(text: string, scope: ExpressionScope): UpdateActions {
  const what = 'UpdateExpression'
  const parser = new Parser(text, what, scope)
  const actions: UpdateActions = { set: [], remove: [], add: [], delete: [] }
  const seen = new Set<string>()
  while (parser.peek.kind !== 'eof') {
    const clause = CLAUSE_NAMES.find((c) => parser.isKeyword(c))
    if (!clause) return parser.syntaxError()
    if (seen.has(clause)) {
      throw validationError(
        `Invalid ${what}: The "${clause}" section can only be used once in an update expression;`,
      )
    }
    seen.add(clause)
    parser.next()
    for (;;) {
      const path = parser.path()
      if (clause === 'SET') {
        parser.expectPunct('=')
        actions.set.push({ path, value: parser.updateValue() })
      } else if (clause === 'REMOVE') {
        actions.remove.push(path)
      } else {
        const t = parser.peek
        if (t.kind !== 'value') parser.syntaxError()
        parser.next()
        const value: Operand = { kind: 'value', name: t.text, value: scope.value(t.text, what) }
        ;(clause === 'ADD' ? actions.add : actions.delete).push({ path, value })
      }
      if (!parser.isPunct(',')) break
      parser.next()
    }
  }
  if (seen.size === 0) parser.syntaxError()
  parser.done()
  checkOverlap(
    [
      ...actions.set.map((a) => a.path),
      ...actions.remove,
      ...actions.add.map((a) => a.path),
      ...actions.delete.map((a) => a.path),
    ],
    what,
  )
  return actions
}

function showPath(path: Path): string {
  return `[${path.join(', ')}]`
}

function checkOverlap(paths: Path[], what: string): void {
  for (let i = 0; i < paths.length; i++) {
    for (let j = i + 1; j < paths.length; j++) {
      const a = paths[i]!
      const b = paths[j]!
      const n = Math.min(a.length, b.length)
      if (a.slice(0, n).every((e, k) => e === b[k])) {
        throw validationError(
          `Invalid ${what}: Two document paths overlap with each other; must remove or rewrite one of these paths; ` +
            `path one: ${showPath(a)}, path two: ${showPath(b)}`,
        )
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Evaluation

export function resolvePath(item: Item | undefined, path: Path): JsonValue | undefined {
  let current: JsonValue | undefined = item
  for (const element of path) {
    if (current === undefined || current === null || typeof current !== 'object') return undefined
    if (current instanceof Uint8Array || current instanceof Set) return undefined
    if (typeof element === 'number') {
      if (!Array.isArray(current)) return undefined
      current = current[element]
    } else {
      if (Array.isArray(current) || !Object.hasOwn(current, element)) return undefined
      current = current[element]
    }
  }
  return current
}

/**
 * -1, 0, 1 for two numbers, two strings (by UTF-8 bytes) or two binary values (by their bytes,
 * unsigned); undefined if incomparable.
 */
function compare(a: JsonValue | undefined, b: JsonValue | undefined): number | undefined {
  if (typeof a === 'number' && typeof b === 'number') return a < b ? -1 : a > b ? 1 : 0
  if (typeof a === 'string' && typeof b === 'string') return Buffer.compare(Buffer.from(a), Buffer.from(b))
  if (a instanceof Uint8Array && b instanceof Uint8Array) return Buffer.compare(a, b)
  return undefined
}

function sizeOf(value: JsonValue | undefined): number | undefined {
  if (typeof value === 'string') return Buffer.byteLength(value, 'utf8')
  if (value instanceof Uint8Array) return value.length
  if (value instanceof Set) return value.size
  if (Array.isArray(value)) return value.length
  if (value !== null && typeof value === 'object') return Object.keys(value).length
  return undefined
}

function operandValue(operand: Operand, item: Item | undefined): JsonValue | undefined {
  switch (operand.kind) {
    case 'path':
      return resolvePath(item, operand.path)
    case 'value':
      return operand.value
    case 'size':
      return sizeOf(resolvePath(item, operand.path))
    default:
      return undefined
  }
}

const TYPE_NAMES = new Set(['S', 'SS', 'N', 'NS', 'B', 'BS', 'BOOL', 'NULL', 'L', 'M'])

/** Whether `condition` holds for `item` (undefined: the item does not exist). */
export function evaluate(condition: Condition, item: Item | undefined): boolean {
  switch (condition.kind) {
    case 'and':
      return evaluate(condition.left, item) && evaluate(condition.right, item)
    case 'or':
      return evaluate(condition.left, item) || evaluate(condition.right, item)
    case 'not':
      return !evaluate(condition.condition, item)
    case 'cmp': {
      const a = operandValue(condition.a, item)
      const b = operandValue(condition.b, item)
      if (condition.op === '=') return a !== undefined && b !== undefined && deepEqual(a, b)
      if (condition.op === '<>') return a === undefined || b === undefined || !deepEqual(a, b)
      const c = compare(a, b)
      if (c === undefined) return false
      return condition.op === '<'
        ? c < 0
        : condition.op === '<='
          ? c <= 0
          : condition.op === '>'
            ? c > 0
            : c >= 0
    }
    case 'between': {
      const a = operandValue(condition.a, item)
      const low = compare(a, operandValue(condition.low, item))
      const high = compare(a, operandValue(condition.high, item))
      return low !== undefined && high !== undefined && low >= 0 && high <= 0
    }
    case 'in': {
      const a = operandValue(condition.a, item)
      return a !== undefined && condition.list.some((o) => deepEqual(a, operandValue(o, item)))
    }
    case 'fn': {
      const [first, second] = condition.args
      const a = operandValue(first!, item)
      switch (condition.name) {
        case 'attribute_exists':
          return a !== undefined
        case 'attribute_not_exists':
          return a === undefined
        case 'attribute_type': {
          const t = second ? operandValue(second, item) : undefined
          if (typeof t !== 'string' || !TYPE_NAMES.has(t)) {
            throw validationError(
              `Invalid ConditionExpression: Invalid attribute type name found; type: ${String(t)}, valid types: {B,NULL,SS,BOOL,L,BS,N,NS,S,M}`,
            )
          }
          return a !== undefined && dynamoType(a) === t
        }
        case 'begins_with': {
          const b = second ? operandValue(second, item) : undefined
          if (a instanceof Uint8Array && b instanceof Uint8Array) {
            return a.length >= b.length && Buffer.compare(a.subarray(0, b.length), b) === 0
          }
          return typeof a === 'string' && typeof b === 'string' && a.startsWith(b)
        }
        case 'contains': {
          const b = second ? operandValue(second, item) : undefined
          if (b === undefined) return false
          if (typeof a === 'string') return typeof b === 'string' && a.includes(b)
          if (a instanceof Uint8Array) {
            return b instanceof Uint8Array && Buffer.from(a).includes(Buffer.from(b))
          }
          if (a instanceof Set) return setHas(a, b)
          if (Array.isArray(a)) return a.some((element) => deepEqual(element, b))
          return false
        }
      }
      return false
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Projection

interface Trie {
  whole: boolean
  children: Map<PathElement, Trie>
}

function project(value: JsonValue, trie: Trie): JsonValue | undefined {
  if (trie.whole) return value
  if (value === null || typeof value !== 'object') return undefined
  if (value instanceof Uint8Array || value instanceof Set) return undefined
  if (Array.isArray(value)) {
    const out: JsonValue[] = []
    const indexes = [...trie.children.keys()]
      .filter((k): k is number => typeof k === 'number')
      .sort((a, b) => a - b)
    for (const index of indexes) {
      const element = value[index]
      if (element === undefined) continue
      const projected = project(element, trie.children.get(index)!)
      if (projected !== undefined) out.push(projected)
    }
    return out.length > 0 ? out : undefined
  }
  const out: Record<string, JsonValue> = {}
  for (const [key, child] of trie.children) {
    if (typeof key !== 'string' || !Object.hasOwn(value, key)) continue
    const projected = project(value[key]!, child)
    if (projected !== undefined)
      Object.defineProperty(out, key, {
        value: projected,
        enumerable: true,
        writable: true,
        configurable: true,
      })
  }
  return Object.keys(out).length > 0 ? out : undefined
}

/** The parts of `item` the paths name, in their document structure (list elements compacted). */
export function projectItem(item: Item, paths: Path[]): Item {
  const root: Trie = { whole: false, children: new Map() }
  for (const path of paths) {
    let node = root
    for (const element of path) {
      let child = node.children.get(element)
      if (!child) {
        child = { whole: false, children: new Map() }
        node.children.set(element, child)
      }
      node = child
    }
    node.whole = true
  }
  return (project(item, root) as Item | undefined) ?? {}
}

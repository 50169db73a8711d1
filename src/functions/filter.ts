/**
 * Lambda event filtering: EventBridge event patterns applied to each record before it is batched.
 * A record is kept when any filter matches it. Supported matchers: exact values (strings,
 * numbers, booleans, null), `prefix`, `suffix`, `equals-ignore-case`, `anything-but` (values,
 * prefix, suffix), `numeric` ranges, `exists`, `wildcard`, `cidr` (IPv4), and `$or`.
 */

type Json = null | boolean | number | string | Json[] | { [k: string]: Json }
export type Pattern = { [k: string]: Json }

const MATCHER_KEYS = new Set([
  'prefix',
  'suffix',
  'equals-ignore-case',
  'anything-but',
  'numeric',
  'exists',
  'wildcard',
  'cidr',
])

/** Parses and checks a pattern; throws an Error with a readable message when it is malformed. */
export function parsePattern(text: string): Pattern {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    throw new Error('is not valid JSON')
  }
  if (!isObject(value)) throw new Error('must be a JSON object')
  checkPattern(value as Pattern, '')
  return value as Pattern
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

function checkPattern(pattern: Pattern, at: string): void {
  for (const [key, value] of Object.entries(pattern)) {
    const here = at ? `${at}.${key}` : key
    if (key === '$or') {
      if (!Array.isArray(value) || value.length < 2 || !value.every(isObject)) {
        throw new Error(`${here} must be an array of at least two patterns`)
      }
      for (const p of value) checkPattern(p as Pattern, here)
    } else if (Array.isArray(value)) {
      for (const m of value) if (isObject(m)) checkMatcher(m, here)
    } else if (isObject(value)) {
      checkPattern(value as Pattern, here)
    } else {
      throw new Error(`${here} must be an array of values or a nested pattern (got ${JSON.stringify(value)})`)
    }
  }
}

function checkMatcher(m: Record<string, unknown>, at: string): void {
  const keys = Object.keys(m)
  if (keys.length !== 1 || !MATCHER_KEYS.has(keys[0]!)) {
    throw new Error(`${at}: unknown matcher ${JSON.stringify(m)}`)
  }
  const numeric = m.numeric
  if (numeric !== undefined) {
    if (!Array.isArray(numeric) || numeric.length % 2 !== 0 || numeric.length === 0) {
      throw new Error(`${at}: numeric takes operator/number pairs, e.g. [">", 0, "<=", 5]`)
    }
    for (let i = 0; i < numeric.length; i += 2) {
      if (!['<', '<=', '=', '>', '>='].includes(numeric[i] as string) || typeof numeric[i + 1] !== 'number') {
        throw new Error(`${at}: numeric takes operator/number pairs, e.g. [">", 0, "<=", 5]`)
      }
    }
  }
}

/** True when `event` matches `pattern`. */
export function matches(pattern: Pattern, event: unknown): boolean {
  for (const [key, value] of Object.entries(pattern)) {
    if (key === '$or') {
      if (!(value as Pattern[]).some((p) => matches(p, event))) return false
      continue
    }
    const present = isObject(event) && Object.hasOwn(event, key)
    const actual = present ? (event as Record<string, unknown>)[key] : undefined
    if (Array.isArray(value)) {
      if (!matchesAny(value, actual, present)) return false
    } else if (!isObject(actual) || !matches(value as Pattern, actual)) {
      return false
    }
  }
  return true
}

function matchesAny(matchers: Json[], actual: unknown, present: boolean): boolean {
  // An array in the event matches when any of its elements does.
  const values = Array.isArray(actual) ? actual : [actual]
  return matchers.some((m) => {
    if (isObject(m) && 'exists' in m) return m.exists === present
    if (!present) return false
    return values.some((v) => matchValue(m, v))
  })
}

function matchValue(m: Json, v: unknown): boolean {
  if (!isObject(m)) return m === v
  const [kind, arg] = Object.entries(m)[0]!
  switch (kind) {
    case 'prefix':
      return (
        typeof v === 'string' &&
        (isObject(arg)
          ? v.toLowerCase().startsWith(String(arg['equals-ignore-case']).toLowerCase())
          : v.startsWith(String(arg)))
      )
    case 'suffix':
      return (
        typeof v === 'string' &&
        (isObject(arg)
          ? v.toLowerCase().endsWith(String(arg['equals-ignore-case']).toLowerCase())
          : v.endsWith(String(arg)))
      )
    case 'equals-ignore-case':
      return typeof v === 'string' && v.toLowerCase() === String(arg).toLowerCase()
    case 'anything-but':
      if (Array.isArray(arg)) return !arg.some((x) => x === v)
      if (isObject(arg)) return !matchValue(arg, v)
      return v !== arg
    case 'numeric':
      return typeof v === 'number' && numeric(arg as Json[], v)
    case 'wildcard':
      return typeof v === 'string' && wildcard(String(arg)).test(v)
    case 'cidr':
      return typeof v === 'string' && inCidr(String(arg), v)
    default:
      return false
  }
}

function numeric(ops: Json[], v: number): boolean {
  for (let i = 0; i < ops.length; i += 2) {
    const n = ops[i + 1] as number
    const ok = { '<': v < n, '<=': v <= n, '=': v === n, '>': v > n, '>=': v >= n }[ops[i] as string]
    if (!ok) return false
  }
  return true
}

function wildcard(pattern: string): RegExp {
  const escaped = pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')
  return new RegExp(`^${escaped}$`, 's')
}

function inCidr(cidr: string, ip: string): boolean {
  const [base, bits] = cidr.split('/')
  const toInt = (s: string) => s.split('.').reduce((n, part) => n * 256 + Number(part), 0)
  if (!base || !/^\d+\.\d+\.\d+\.\d+$/.test(ip)) return false
  const size = Number(bits ?? 32)
  const mask = size === 0 ? 0 : 2 ** 32 - 2 ** (32 - size)
  return (toInt(ip) & mask) >>> 0 === (toInt(base) & mask) >>> 0
}

/** A mapping's filters: keeps a record when any pattern matches. No filters keeps everything. */
export class RecordFilter {
  readonly #patterns: Pattern[]

  constructor(patterns: string[]) {
    this.#patterns = patterns.map(parsePattern)
  }

  get active(): boolean {
    return this.#patterns.length > 0
  }

  keep(view: unknown): boolean {
    return this.#patterns.length === 0 || this.#patterns.some((p) => matches(p, view))
  }
}

/**
 * A `date` field's `format`, as OpenSearch takes it: alternatives joined by `||`, each a built-in
 * name (`strict_date_optional_time`, `epoch_millis`, …) or a Java-style pattern
 * (`yyyy-MM-dd HH:mm:ss.SSS`, `yyyy-MM-dd'T'HH:mm[:ss]`). Patterns take the letters y/u (year),
 * M, d, H, m, s, S (fraction, as many digits as letters), X/Z (a zone offset or `Z`), quoted
 * literals and `[optional]` sections; times without a zone are UTC, as in OpenSearch.
 *
 * @example
 * parseFormatted('2026-01-01 10:00:00.000', 'yyyy-MM-dd HH:mm:ss.SSS||strict_date_optional_time') // 1767261600000
 */

/** Built-in names that read what `strict_date_optional_time` reads. */
const ISO_NAMES = new Set([
  'strict_date_optional_time',
  'date_optional_time',
  'strict_date_optional_time_nanos',
  'strict_date_time',
  'date_time',
  'strict_date_time_no_millis',
  'date_time_no_millis',
])

/** Built-in names that are patterns. */
const NAMED_PATTERNS: Record<string, string> = {
  date: 'yyyy-MM-dd',
  strict_date: 'yyyy-MM-dd',
  date_hour_minute: "yyyy-MM-dd'T'HH:mm",
  strict_date_hour_minute: "yyyy-MM-dd'T'HH:mm",
  date_hour_minute_second: "yyyy-MM-dd'T'HH:mm:ss",
  strict_date_hour_minute_second: "yyyy-MM-dd'T'HH:mm:ss",
  date_hour_minute_second_millis: "yyyy-MM-dd'T'HH:mm:ss.SSS",
  strict_date_hour_minute_second_millis: "yyyy-MM-dd'T'HH:mm:ss.SSS",
  basic_date: 'yyyyMMdd',
}

type Part = 'year' | 'month' | 'day' | 'hour' | 'minute' | 'second' | 'fraction' | 'zone'

interface Compiled {
  re: RegExp
  parts: Part[]
}

const LETTERS: Record<string, Part> = {
  y: 'year',
  u: 'year',
  M: 'month',
  d: 'day',
  H: 'hour',
  m: 'minute',
  s: 'second',
  S: 'fraction',
  X: 'zone',
  Z: 'zone',
}

const compiled = new Map<string, Compiled | string>()

/** A pattern as a regular expression, or the reason it is none. */
function compile(pattern: string): Compiled | string {
  const known = compiled.get(pattern)
  if (known) return known
  let re = ''
  const parts: Part[] = []
  let open = 0
  for (let i = 0; i < pattern.length; ) {
    const c = pattern[i]!
    if (c === "'") {
      const end = pattern.indexOf("'", i + 1)
      if (end < 0) return 'Unterminated quote'
      re += escapeRe(end === i + 1 ? "'" : pattern.slice(i + 1, end))
      i = end + 1
      continue
    }
    if (c === '[' || c === ']') {
      if (c === ']' && open === 0) return 'Unmatched ]'
      re += c === '[' ? '(?:' : ')?'
      open += c === '[' ? 1 : -1
      i++
      continue
    }
    if (/[a-zA-Z]/.test(c)) {
      let n = 1
      while (pattern[i + n] === c) n++
      const part = LETTERS[c]
      if (!part) return `Unknown pattern letter: ${c}`
      parts.push(part)
      re +=
        part === 'zone'
          ? '(Z|[+-]\\d{2}(?::?\\d{2})?)'
          : part === 'year'
            ? `(\\d{${Math.max(n, 4)}})`
            : part === 'fraction'
              ? `(\\d{${n}})`
              : '(\\d{2})'
      i += n
      continue
    }
    re += escapeRe(c)
    i++
  }
  if (open !== 0) return 'Unmatched ['
  const out = { re: new RegExp(`^${re}$`), parts }
  compiled.set(pattern, out)
  return out
}

function escapeRe(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}

/** Why a `format` is invalid (OpenSearch's reason), or undefined when every alternative is valid. */
export function invalidFormat(format: string): string | undefined {
  for (const alt of format.split('||')) {
    const name = alt.trim()
    if (ISO_NAMES.has(name) || name === 'epoch_millis' || name === 'epoch_second') continue
    const problem = compile(NAMED_PATTERNS[name] ?? name)
    if (typeof problem === 'string') return `Invalid format: [${format}]: ${problem}`
  }
  return undefined
}

/**
 * Epoch milliseconds of `value` read with `format` (the first alternative that reads it), NaN when
 * none does. `iso` reads `strict_date_optional_time` (the caller's default parser).
 */
export function parseFormatted(value: unknown, format: string, iso: (value: string) => number): number {
  for (const alt of format.split('||')) {
    const name = alt.trim()
    let ms = Number.NaN
    if (name === 'epoch_millis' || name === 'epoch_second') {
      const n = typeof value === 'number' ? value : typeof value === 'string' ? Number(value) : Number.NaN
      if (typeof value === 'string' && !/^-?\d+(\.\d+)?$/.test(value)) continue
      ms = name === 'epoch_second' ? n * 1000 : n
      ms = Number.isFinite(ms) ? Math.trunc(ms) : Number.NaN
    } else if (typeof value !== 'string') continue
    else if (ISO_NAMES.has(name)) ms = iso(value)
    else ms = withPattern(value, NAMED_PATTERNS[name] ?? name)
    if (!Number.isNaN(ms)) return ms
  }
  return Number.NaN
}

function withPattern(value: string, pattern: string): number {
  const c = compile(pattern)
  if (typeof c === 'string') return Number.NaN
  const m = c.re.exec(value)
  if (!m) return Number.NaN
  const f = { year: 1970, month: 1, day: 1, hour: 0, minute: 0, second: 0, ms: 0, offset: 0 }
  c.parts.forEach((part, k) => {
    const text = m[k + 1]
    if (text === undefined) return
    if (part === 'fraction') f.ms = Number(text.padEnd(3, '0').slice(0, 3))
    else if (part === 'zone') {
      if (text !== 'Z') {
        const [, sign, hh, mm] = /^([+-])(\d{2}):?(\d{2})?$/.exec(text)!
        f.offset = (sign === '-' ? -1 : 1) * (Number(hh) * 60 + Number(mm ?? 0)) * 60_000
      }
    } else f[part] = Number(text)
  })
  if (f.month < 1 || f.month > 12 || f.day < 1 || f.day > 31 || f.hour > 23 || f.minute > 59 || f.second > 59)
    return Number.NaN
  const ms = Date.UTC(f.year, f.month - 1, f.day, f.hour, f.minute, f.second, f.ms) - f.offset
  // A day past the month's end (02-30) rolls over in Date.UTC; a date parser refuses it.
  return new Date(ms + f.offset).getUTCDate() === f.day ? ms : Number.NaN
}

/**
 * The subset of Java's `DateTimeFormatter.ofPattern` that Firehose's `!{timestamp:...}` namespace
 * accepts, evaluated in UTC (Firehose's default; `CustomTimeZone` is not modelled).
 *
 * Sources:
 * - https://docs.aws.amazon.com/firehose/latest/dev/s3-prefixes.html ("valid Java DateTimeFormatter
 *   strings"; "any character that isn't in single quotes is evaluated")
 * - https://docs.oracle.com/javase/8/docs/api/java/time/format/DateTimeFormatter.html (letters,
 *   counts, quoting, reserved characters)
 *
 * `YYYY` is NOT `yyyy`: in Java it is the week-based year, which differs from the calendar year in
 * the last days of December / first days of January (2018-12-31 formats as `2019`). Firehose runs
 * the JVM formatter, so a user who writes `YYYY` gets that behaviour on AWS; we reproduce it
 * (with the en_US week definition: weeks start on Sunday, week 1 contains 1 January) instead of
 * silently "fixing" it, so local lake layouts match AWS. Firehose's own default prefix uses `yyyy`.
 */

export type TimestampToken =
  | { kind: 'literal'; text: string }
  | { kind: 'field'; letter: string; count: number }

/** A malformed pattern; `message` follows Java's IllegalArgumentException wording where it exists. */
export class TimestampPatternError extends Error {
  override readonly name = 'TimestampPatternError'
}

/** Maximum repeat count per supported letter (Java rejects more with "Too many pattern letters"). */
const MAX_COUNT: Record<string, number> = {
  G: 5,
  u: 19,
  y: 19,
  Y: 19,
  D: 3,
  M: 5,
  L: 5,
  d: 2,
  Q: 5,
  q: 5,
  w: 2,
  E: 5,
  e: 2,
  a: 1,
  h: 2,
  K: 2,
  k: 2,
  H: 2,
  m: 2,
  s: 2,
  S: 9,
  A: 19,
  n: 19,
  N: 19,
  X: 5,
  x: 5,
  Z: 5,
  O: 4,
}

const UNSUPPORTED = new Set(['V', 'v', 'z', 'c', 'F', 'W', 'B', 'p'])

/** Splits a Java DateTimeFormatter pattern into literal text and field tokens. */
export function compileTimestampPattern(pattern: string): TimestampToken[] {
  const tokens: TimestampToken[] = []
  let depth = 0
  let i = 0
  const literal = (text: string): void => {
    const last = tokens.at(-1)
    if (last?.kind === 'literal') last.text += text
    else tokens.push({ kind: 'literal', text })
  }
  while (i < pattern.length) {
    const ch = pattern[i]!
    if (/[A-Za-z]/.test(ch)) {
      let count = 1
      while (pattern[i + count] === ch) count++
      tokens.push(field(ch, count))
      i += count
    } else if (ch === "'") {
      const start = i
      let text = ''
      i++
      for (;;) {
        if (i >= pattern.length) {
          throw new TimestampPatternError(
            `Pattern ends with an incomplete string literal: ${pattern.slice(start)}`,
          )
        }
        if (pattern[i] === "'") {
          if (pattern[i + 1] === "'") {
            text += "'"
            i += 2
            continue
          }
          i++
          break
        }
        text += pattern[i]
        i++
      }
      literal(i - start === 2 ? "'" : text)
    } else if (ch === '[') {
      depth++
      i++
    } else if (ch === ']') {
      if (depth === 0) throw new TimestampPatternError('Pattern invalid as it contains ] without previous [')
      depth--
      i++
    } else if (ch === '{' || ch === '}' || ch === '#') {
      throw new TimestampPatternError(`Pattern includes reserved character: '${ch}'`)
    } else {
      literal(ch)
      i++
    }
  }
  return tokens
}

function field(letter: string, count: number): TimestampToken {
  if (UNSUPPORTED.has(letter)) {
    throw new TimestampPatternError(`Pattern letter '${letter}' is not supported by Tributary`)
  }
  const max = MAX_COUNT[letter]
  if (max === undefined) throw new TimestampPatternError(`Unknown pattern letter: ${letter}`)
  if (count > max) throw new TimestampPatternError(`Too many pattern letters: ${letter}`)
  return { kind: 'field', letter, count }
}

const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
]
const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday']
const DAY_MS = 86_400_000

/** Formats `epochMs` (UTC) with compiled tokens. */
export function formatTimestamp(tokens: readonly TimestampToken[], epochMs: number): string {
  const date = new Date(epochMs)
  let out = ''
  for (const token of tokens) {
    out += token.kind === 'literal' ? token.text : formatField(token.letter, token.count, date)
  }
  return out
}

function pad(value: number, width: number): string {
  return String(value).padStart(width, '0')
}

function text(full: string, count: number): string {
  if (count === 4) return full
  if (count === 5) return full.slice(0, 1)
  return full.slice(0, 3)
}

function formatField(letter: string, count: number, date: Date): string {
  const year = date.getUTCFullYear()
  const month = date.getUTCMonth()
  const hour = date.getUTCHours()
  const msOfDay = date.getTime() - Date.UTC(year, month, date.getUTCDate())
  switch (letter) {
    case 'G':
      return count === 4 ? 'Anno Domini' : count === 5 ? 'A' : 'AD'
    case 'u':
    case 'y':
      return count === 2 ? pad(year % 100, 2) : pad(year, count)
    case 'Y': {
      const weekYear = weekBasedYear(date)
      return count === 2 ? pad(weekYear % 100, 2) : pad(weekYear, count)
    }
    case 'D':
      return pad(
        Math.floor((Date.UTC(year, month, date.getUTCDate()) - Date.UTC(year, 0, 1)) / DAY_MS) + 1,
        count,
      )
    case 'M':
    case 'L':
      return count <= 2 ? pad(month + 1, count) : text(MONTHS[month]!, count)
    case 'd':
      return pad(date.getUTCDate(), count)
    case 'Q':
    case 'q': {
      const quarter = Math.floor(month / 3) + 1
      if (count <= 2) return pad(quarter, count)
      return count === 3
        ? `Q${quarter}`
        : count === 4
          ? `${['1st', '2nd', '3rd', '4th'][quarter - 1]} quarter`
          : String(quarter)
    }
    case 'w':
      return pad(weekOfWeekBasedYear(date), count)
    case 'E':
      return text(DAYS[date.getUTCDay()]!, count)
    case 'e':
      return pad(date.getUTCDay() + 1, count)
    case 'a':
      return hour < 12 ? 'AM' : 'PM'
    case 'h':
      return pad(hour % 12 === 0 ? 12 : hour % 12, count)
    case 'K':
      return pad(hour % 12, count)
    case 'k':
      return pad(hour === 0 ? 24 : hour, count)
    case 'H':
      return pad(hour, count)
    case 'm':
      return pad(date.getUTCMinutes(), count)
    case 's':
      return pad(date.getUTCSeconds(), count)
    case 'S':
      return pad(date.getUTCMilliseconds() * 1_000_000, 9).slice(0, count)
    case 'A':
      return pad(msOfDay, count)
    case 'n':
      return pad((msOfDay % 1000) * 1_000_000, count)
    case 'N':
      return pad(msOfDay * 1_000_000, count)
    case 'X':
      return 'Z'
    case 'x':
      return count === 1 ? '+00' : count === 3 || count === 5 ? '+00:00' : '+0000'
    case 'Z':
      return count <= 3 ? '+0000' : count === 4 ? 'GMT' : 'Z'
    default:
      // 'O'
      return 'GMT'
  }
}

/** Start (UTC midnight, ms) of the Sunday-to-Saturday week containing `ms`. */
function weekStart(ms: number): number {
  const midnight = Math.floor(ms / DAY_MS) * DAY_MS
  return midnight - new Date(midnight).getUTCDay() * DAY_MS
}

/** en_US week-based year: the year of the week's Saturday (week 1 is the week containing 1 January). */
function weekBasedYear(date: Date): number {
  return new Date(weekStart(date.getTime()) + 6 * DAY_MS).getUTCFullYear()
}

function weekOfWeekBasedYear(date: Date): number {
  const firstWeek = weekStart(Date.UTC(weekBasedYear(date), 0, 1))
  return Math.round((weekStart(date.getTime()) - firstWeek) / (7 * DAY_MS)) + 1
}

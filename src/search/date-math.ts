import { parseDate } from './mapping.ts'

const UNITS: Record<string, number> = {
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  H: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
}

/**
 * A date in a query, with ES date math: `now-1h`, `now/d`, `2024-05-01||+1M/d`, epoch millis, or
 * as the field's `format` reads it.
 * Rounding (`/d`) goes down, or up to the unit's last millisecond when `roundUp` (what `lte` and
 * `gt` do in a range). Month and year steps are calendar steps (UTC). NaN when unreadable.
 */
export function dateMath(value: unknown, now: number, roundUp = false, format?: string): number {
  if (typeof value === 'number') return Math.trunc(value)
  if (typeof value !== 'string') return Number.NaN
  let rest: string
  let t: number
  if (value.startsWith('now')) {
    t = now
    rest = value.slice(3)
  } else {
    const at = value.indexOf('||')
    const text = at < 0 ? value : value.slice(0, at)
    // The field's (or the query's) format first; ISO and epoch millis as well, so that the
    // dashboard's range filters work on any date field.
    t = format === undefined ? Number.NaN : parseDate(text, format)
    if (Number.isNaN(t)) t = parseDate(text)
    rest = at < 0 ? '' : value.slice(at + 2)
  }
  if (Number.isNaN(t)) return t
  const step = /^([+-])(\d+)([yMwdhHms])|^\/([yMwdhHms])/
  while (rest !== '') {
    const m = step.exec(rest)
    if (!m) return Number.NaN
    rest = rest.slice(m[0].length)
    if (m[4] !== undefined) t = round(t, m[4], roundUp)
    else t = add(t, m[3]!, (m[1] === '-' ? -1 : 1) * Number(m[2]))
  }
  return t
}

function add(t: number, unit: string, n: number): number {
  if (unit === 'y' || unit === 'M') {
    const d = new Date(t)
    if (unit === 'y') d.setUTCFullYear(d.getUTCFullYear() + n)
    else d.setUTCMonth(d.getUTCMonth() + n)
    return d.getTime()
  }
  return t + n * UNITS[unit]!
}

/** The start of `t`'s unit (or its last millisecond). Weeks start on Monday, as in ES. */
export function round(t: number, unit: string, up = false): number {
  let start: number
  const d = new Date(t)
  if (unit === 'y') start = Date.UTC(d.getUTCFullYear(), 0, 1)
  else if (unit === 'M') start = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1)
  else if (unit === 'w') {
    const day = Math.floor(t / 86_400_000)
    start = (day - ((day + 3) % 7)) * 86_400_000
  } else start = Math.floor(t / UNITS[unit]!) * UNITS[unit]!
  return up ? add(start, unit === 'H' ? 'h' : unit, 1) - 1 : start
}

/*
 * The six fields of an EventBridge cron expression, each parsed into the values (or day rules) it
 * selects. Syntax: https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-cron-expressions.html
 * Problems are thrown as SyntaxProblem (a reason only); parseSchedule adds the expression.
 */

/** Why an expression is invalid, before parseSchedule names the expression. */
export class SyntaxProblem extends Error {}

interface FieldSpec {
  name: string
  min: number
  max: number
  /** Names for min, min + 1, ... (JAN-DEC, SUN-SAT). */
  names?: readonly string[]
}

export const MINUTES: FieldSpec = { name: 'minutes', min: 0, max: 59 }
export const HOURS: FieldSpec = { name: 'hours', min: 0, max: 23 }
export const DAY_OF_MONTH: FieldSpec = { name: 'day-of-month', min: 1, max: 31 }
export const MONTH: FieldSpec = {
  name: 'month',
  min: 1,
  max: 12,
  names: ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'],
}
/** EventBridge numbers weekdays 1 = SUN ... 7 = SAT (not cron's 0 = Sunday). */
export const DAY_OF_WEEK: FieldSpec = {
  name: 'day-of-week',
  min: 1,
  max: 7,
  names: ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'],
}
export const YEAR: FieldSpec = { name: 'year', min: 1970, max: 2199 }

function fail(spec: FieldSpec, reason: string): never {
  throw new SyntaxProblem(`${spec.name}: ${reason}`)
}

function value(spec: FieldSpec, token: string): number {
  let n: number | undefined
  if (/^\d+$/.test(token)) n = Number(token)
  else if (spec.names) {
    const index = spec.names.indexOf(token.toUpperCase())
    if (index >= 0) n = spec.min + index
  }
  if (n === undefined) {
    const named = spec.names ? ` or a name ${spec.names[0]}-${spec.names.at(-1)}` : ''
    fail(spec, `'${token}' is not a number${named}`)
  }
  if (n < spec.min || n > spec.max) fail(spec, `${n} is out of range ${spec.min}-${spec.max}`)
  return n
}

/**
 * One list item of `,` `-` `*` `/` syntax: `*`, `5`, `1-5`, `*\/15`, `3/10`, `1-30/7`. A range
 * whose start is after its end wraps around (`FRI-MON`, `22-2`), as Quartz-style crons do.
 */
function standardItem(spec: FieldSpec, item: string): number[] {
  const parts = item.split('/')
  if (parts.length > 2) fail(spec, `'${item}' has more than one '/'`)
  const [base, stepText] = parts as [string, string | undefined]
  let step = 1
  if (stepText !== undefined) {
    if (!/^\d+$/.test(stepText) || Number(stepText) < 1) {
      fail(spec, `the increment in '${item}' must be a whole number of at least 1`)
    }
    step = Number(stepText)
  }
  let start: number
  let end: number
  if (base === '*') {
    start = spec.min
    end = spec.max
  } else if (base.includes('-')) {
    const bounds = base.split('-')
    if (bounds.length !== 2 || bounds[0] === '' || bounds[1] === '') fail(spec, `'${base}' is not a range`)
    start = value(spec, bounds[0]!)
    end = value(spec, bounds[1]!)
  } else {
    start = value(spec, base)
    end = stepText === undefined ? start : spec.max
  }
  const sequence: number[] = []
  if (start <= end) {
    for (let v = start; v <= end; v++) sequence.push(v)
  } else {
    for (let v = start; v <= spec.max; v++) sequence.push(v)
    for (let v = spec.min; v <= end; v++) sequence.push(v)
  }
  return sequence.filter((_, i) => i % step === 0)
}

function checkCharacters(spec: FieldSpec, field: string): void {
  if (field.includes('?')) fail(spec, "'?' is only allowed in day-of-month and day-of-week")
  if (field.includes('#')) fail(spec, "'#' is only allowed in day-of-week")
  if (spec.names) return
  if (/L/i.test(field)) fail(spec, "'L' is only allowed in day-of-month and day-of-week")
  if (/W/i.test(field)) fail(spec, "'W' is only allowed in day-of-month")
}

const sortedUnique = (values: number[]) => [...new Set(values)].sort((a, b) => a - b)

/** Minutes, hours, month or year: the values it selects, ascending. */
export function parseValues(spec: FieldSpec, field: string): number[] {
  checkCharacters(spec, field)
  return sortedUnique(field.split(',').flatMap((item) => standardItem(spec, item)))
}

/** A rule selecting days of one month. */
export type DayRule =
  | { kind: 'days'; days: number[] }
  /** `L` (offset 0) or `L-3`: the last day of the month, less `offset` days. */
  | { kind: 'last'; offset: number }
  /** `LW`: the last weekday (Monday-Friday) of the month. */
  | { kind: 'lastWeekday' }
  /** `15W`: the weekday nearest the 15th, within the month. */
  | { kind: 'nearestWeekday'; day: number }
  | { kind: 'weekdays'; weekdays: number[] }
  /** `5L`: the last Thursday (5) of the month. */
  | { kind: 'lastOfWeekday'; weekday: number }
  /** `3#2`: the second Tuesday (3) of the month. */
  | { kind: 'nth'; weekday: number; n: number }

function dayOfMonthItem(item: string): DayRule {
  const upper = item.toUpperCase()
  if (upper === 'L') return { kind: 'last', offset: 0 }
  if (upper === 'LW') return { kind: 'lastWeekday' }
  const lastOffset = /^L-(\d+)$/.exec(upper)
  if (lastOffset) {
    const offset = Number(lastOffset[1])
    if (offset < 1 || offset > 30) fail(DAY_OF_MONTH, `the offset in '${item}' must be 1-30`)
    return { kind: 'last', offset }
  }
  const nearest = /^(\d+)W$/.exec(upper)
  if (nearest) return { kind: 'nearestWeekday', day: value(DAY_OF_MONTH, nearest[1]!) }
  if (/[LW]/.test(upper)) fail(DAY_OF_MONTH, `'${item}' is not valid: use L, L-n, LW or nW (1-31) alone`)
  return { kind: 'days', days: standardItem(DAY_OF_MONTH, item) }
}

export function parseDayOfMonth(field: string): DayRule[] {
  if (field.includes('#')) fail(DAY_OF_MONTH, "'#' is only allowed in day-of-week")
  return field.split(',').map(dayOfMonthItem)
}

function dayOfWeekItem(item: string): DayRule {
  const upper = item.toUpperCase()
  // `L` alone is the last day of the week: Saturday.
  if (upper === 'L') return { kind: 'weekdays', weekdays: [7] }
  const nth = /^([^#]+)#(\d+)$/.exec(upper)
  if (nth) {
    const n = Number(nth[2])
    if (n < 1 || n > 5) fail(DAY_OF_WEEK, `the occurrence in '${item}' must be 1-5`)
    return { kind: 'nth', weekday: value(DAY_OF_WEEK, nth[1]!), n }
  }
  if (upper.includes('#'))
    fail(DAY_OF_WEEK, `'${item}' is not valid: use weekday#n, e.g. 3#2 (second Tuesday)`)
  const last = /^(.+)L$/.exec(upper)
  if (last && !upper.includes('-') && !upper.includes('/')) {
    return { kind: 'lastOfWeekday', weekday: value(DAY_OF_WEEK, last[1]!) }
  }
  if (upper.includes('W') && !DAY_OF_WEEK.names!.some((n) => upper.includes(n))) {
    fail(DAY_OF_WEEK, "'W' is only allowed in day-of-month")
  }
  return { kind: 'weekdays', weekdays: standardItem(DAY_OF_WEEK, item) }
}

export function parseDayOfWeek(field: string): DayRule[] {
  const items = field.split(',')
  // "If you use the '#' character, you can define only one expression in the day-of-week field."
  if (items.length > 1 && field.includes('#')) {
    fail(DAY_OF_WEEK, "an expression with '#' must be the only one in the field")
  }
  return items.map(dayOfWeekItem)
}

export function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate()
}

/** EventBridge weekday of a date: 1 = Sunday ... 7 = Saturday. */
export function weekday(year: number, month: number, day: number): number {
  return new Date(Date.UTC(year, month - 1, day)).getUTCDay() + 1
}

function nearestWeekday(year: number, month: number, day: number, last: number): number | undefined {
  if (day > last) return undefined
  const wd = weekday(year, month, day)
  // Saturday moves back to Friday, Sunday forward to Monday, never out of the month.
  if (wd === 7) return day === 1 ? 3 : day - 1
  if (wd === 1) return day === last ? day - 2 : day + 1
  return day
}

function ruleDays(rule: DayRule, year: number, month: number, last: number): number[] {
  switch (rule.kind) {
    case 'days':
      return rule.days
    case 'last':
      return [last - rule.offset]
    case 'lastWeekday': {
      const wd = weekday(year, month, last)
      return [wd === 7 ? last - 1 : wd === 1 ? last - 2 : last]
    }
    case 'nearestWeekday': {
      const day = nearestWeekday(year, month, rule.day, last)
      return day === undefined ? [] : [day]
    }
    case 'weekdays': {
      const first = weekday(year, month, 1)
      const days: number[] = []
      for (let day = 1; day <= last; day++) {
        if (rule.weekdays.includes(((first - 1 + day - 1) % 7) + 1)) days.push(day)
      }
      return days
    }
    case 'lastOfWeekday':
      return [last - ((weekday(year, month, last) - rule.weekday + 7) % 7)]
    case 'nth': {
      const firstMatch = 1 + ((rule.weekday - weekday(year, month, 1) + 7) % 7)
      return [firstMatch + 7 * (rule.n - 1)]
    }
  }
}

/** The days of a month the rules select, ascending. */
export function matchingDays(rules: readonly DayRule[], year: number, month: number): number[] {
  const last = daysInMonth(year, month)
  const days = rules.flatMap((rule) => ruleDays(rule, year, month, last)).filter((d) => d >= 1 && d <= last)
  return sortedUnique(days)
}

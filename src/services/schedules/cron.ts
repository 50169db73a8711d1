import {
  type DayRule,
  HOURS,
  MINUTES,
  MONTH,
  matchingDays,
  parseDayOfMonth,
  parseDayOfWeek,
  parseValues,
  SyntaxProblem,
  YEAR,
} from './cron-fields.ts'

/** A parsed `cron(Minutes Hours Day-of-month Month Day-of-week Year)`, in UTC. */
export interface CronSchedule {
  kind: 'cron'
  minutes: readonly number[]
  hours: readonly number[]
  /** Day-of-month rules, or day-of-week rules: exactly one of the two fields is `?`. */
  days: readonly DayRule[]
  months: readonly number[]
  years: readonly number[]
}

const FIELD_NAMES = 'Minutes Hours Day-of-month Month Day-of-week Year'

/** Parses the inside of `cron(...)`; throws SyntaxProblem when invalid. */
export function parseCronFields(inner: string): CronSchedule {
  const fields = inner.trim().split(/\s+/)
  if (fields.length !== 6 || fields[0] === '') {
    throw new SyntaxProblem(
      `cron takes 6 fields (${FIELD_NAMES}), got ${fields[0] === '' ? 0 : fields.length}`,
    )
  }
  const [minutes, hours, dayOfMonth, month, dayOfWeek, year] = fields as [
    string,
    string,
    string,
    string,
    string,
    string,
  ]
  const monthAny = dayOfMonth === '?'
  const weekAny = dayOfWeek === '?'
  if (monthAny && weekAny) throw new SyntaxProblem("day-of-month and day-of-week cannot both be '?'")
  if (!monthAny && !weekAny) {
    throw new SyntaxProblem(
      "one of day-of-month and day-of-week must be '?' (EventBridge does not combine them)",
    )
  }
  const other = monthAny ? dayOfWeek : dayOfMonth
  if (other.includes('?'))
    throw new SyntaxProblem(`'?' must stand alone in ${monthAny ? 'day-of-week' : 'day-of-month'}`)
  return {
    kind: 'cron',
    minutes: parseValues(MINUTES, minutes),
    hours: parseValues(HOURS, hours),
    days: monthAny ? parseDayOfWeek(dayOfWeek) : parseDayOfMonth(dayOfMonth),
    months: parseValues(MONTH, month),
    years: parseValues(YEAR, year),
  }
}

const MINUTE_MS = 60_000

/**
 * The first time strictly after `afterMs` that the schedule selects (whole minutes, UTC), or
 * undefined when none is left before the end of 2199. Walks years, months, days, hours and
 * minutes in order, so sparse schedules cost no more than dense ones.
 */
export function nextCronFire(cron: CronSchedule, afterMs: number): number | undefined {
  const from = new Date(Math.floor(afterMs / MINUTE_MS) * MINUTE_MS + MINUTE_MS)
  const start = [
    from.getUTCFullYear(),
    from.getUTCMonth() + 1,
    from.getUTCDate(),
    from.getUTCHours(),
    from.getUTCMinutes(),
  ] as const
  for (const year of cron.years) {
    if (year < start[0]) continue
    const inFirstYear = year === start[0]
    for (const month of cron.months) {
      if (inFirstYear && month < start[1]) continue
      const inFirstMonth = inFirstYear && month === start[1]
      for (const day of matchingDays(cron.days, year, month)) {
        if (inFirstMonth && day < start[2]) continue
        const time = firstTimeOfDay(cron, inFirstMonth && day === start[2] ? start : undefined)
        if (time) return Date.UTC(year, month - 1, day, time[0], time[1])
      }
    }
  }
  return undefined
}

/** The first [hour, minute] of a selected day, at or after `start`'s time on the starting day. */
function firstTimeOfDay(
  cron: CronSchedule,
  start: readonly [number, number, number, number, number] | undefined,
): [number, number] | undefined {
  for (const hour of cron.hours) {
    if (start && hour < start[3]) continue
    const firstHour = start !== undefined && hour === start[3]
    const minute = cron.minutes.find((m) => !firstHour || m >= start[4])
    if (minute !== undefined) return [hour, minute]
  }
  return undefined
}

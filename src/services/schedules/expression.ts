import { type CronSchedule, nextCronFire, parseCronFields } from './cron.ts'
import { SyntaxProblem } from './cron-fields.ts'
import { ScheduleExpressionError } from './errors.ts'

/** A parsed `rate(value unit)`: fires every `periodMs`, the first time one period after it starts. */
export interface RateSchedule {
  kind: 'rate'
  value: number
  unit: 'minute' | 'hour' | 'day'
  periodMs: number
}

export type Schedule = RateSchedule | CronSchedule

const UNIT_MS = { minute: 60_000, hour: 3_600_000, day: 86_400_000 } as const

function parseRate(inner: string): RateSchedule {
  const match = /^(\S+) (\S+)$/.exec(inner)
  if (!match) throw new SyntaxProblem('expected rate(value unit), e.g. rate(5 minutes)')
  const [, valueText, unitText] = match as unknown as [string, string, string]
  if (!/^\d+$/.test(valueText) || Number(valueText) < 1) {
    throw new SyntaxProblem(`the rate value must be a whole number of at least 1, got '${valueText}'`)
  }
  const value = Number(valueText)
  const unit = unitText.replace(/s$/, '')
  if (!Object.hasOwn(UNIT_MS, unit)) {
    throw new SyntaxProblem(`unknown rate unit '${unitText}'; use minute(s), hour(s) or day(s)`)
  }
  // EventBridge: "If the value is equal to 1, then the unit must be singular. If the value is
  // greater than 1, the unit must be plural."
  const plural = unitText.endsWith('s')
  if (value === 1 && plural) throw new SyntaxProblem(`a value of 1 takes the singular unit '${unit}'`)
  if (value > 1 && !plural) throw new SyntaxProblem(`a value greater than 1 takes the plural unit '${unit}s'`)
  const periodMs = value * UNIT_MS[unit as keyof typeof UNIT_MS]
  if (!Number.isSafeInteger(periodMs)) throw new SyntaxProblem(`the rate value ${value} is too large`)
  return { kind: 'rate', value, unit: unit as RateSchedule['unit'], periodMs }
}

/**
 * Parses an EventBridge schedule expression, `rate(...)` or `cron(...)`, exactly as EventBridge
 * rules accept them (UTC, one-minute resolution).
 *
 * @throws ScheduleExpressionError naming the expression and the problem.
 * @example
 * parseSchedule('rate(5 minutes)') // { kind: 'rate', value: 5, unit: 'minute', periodMs: 300000 }
 * parseSchedule('cron(0 12 ? * MON-FRI *)')
 */
export function parseSchedule(expression: string): Schedule {
  const fail = (reason: string): never => {
    throw new ScheduleExpressionError(expression, reason)
  }
  if (typeof expression !== 'string') return fail('expected a string, rate(...) or cron(...)')
  const match = /^(rate|cron|at)\((.*)\)$/s.exec(expression)
  if (!match)
    return fail('expected rate(value unit) or cron(Minutes Hours Day-of-month Month Day-of-week Year)')
  if (match[1] === 'at')
    return fail('at(...) is for one-time EventBridge Scheduler schedules; rules take rate(...) or cron(...)')
  try {
    return match[1] === 'rate' ? parseRate(match[2]!) : parseCronFields(match[2]!)
  } catch (error) {
    if (error instanceof SyntaxProblem) return fail(error.message)
    throw error
  }
}

/**
 * When a schedule fires next, strictly after `afterMs`: for a rate, one period later; for a cron,
 * the next selected minute (undefined once no time is left before 2200).
 *
 * @example
 * nextFire('cron(0 10 * * ? *)', Date.UTC(2026, 0, 1, 10, 0)) // Date.UTC(2026, 0, 2, 10, 0)
 */
export function nextFire(expression: string | Schedule, afterMs: number): number | undefined {
  const schedule = typeof expression === 'string' ? parseSchedule(expression) : expression
  return schedule.kind === 'rate' ? afterMs + schedule.periodMs : nextCronFire(schedule, afterMs)
}

import { describe, expect, it } from 'vitest'
import { nextFire, parseSchedule, ScheduleExpressionError } from '../../../src/services/schedules/index.ts'

const at = (iso: string) => Date.parse(`${iso}Z`)
const iso = (ms: number | undefined) =>
  ms === undefined ? undefined : new Date(ms).toISOString().slice(0, 16)

/** The next `count` fire times after `after`, as YYYY-MM-DDTHH:MM (stops at undefined). */
function fires(expression: string, after: string, count: number): Array<string | undefined> {
  const out: Array<string | undefined> = []
  let t = at(after)
  for (let i = 0; i < count; i++) {
    const next = nextFire(expression, t)
    out.push(iso(next))
    if (next === undefined) break
    t = next
  }
  return out
}

describe('rate expressions', () => {
  it.each([
    ['rate(1 minute)', 60_000],
    ['rate(5 minutes)', 300_000],
    ['rate(1 hour)', 3_600_000],
    ['rate(2 hours)', 7_200_000],
    ['rate(1 day)', 86_400_000],
    ['rate(7 days)', 604_800_000],
    ['rate(90 minutes)', 5_400_000],
  ])('%s fires every %i ms', (expression, periodMs) => {
    expect(parseSchedule(expression)).toMatchObject({ kind: 'rate', periodMs })
    expect(nextFire(expression, at('2026-01-01T00:00:30'))).toBe(at('2026-01-01T00:00:30') + periodMs)
  })
})

describe('cron expressions: next fire times (UTC)', () => {
  it.each([
    // Every day, every hour, steps
    ['cron(0 10 * * ? *)', '2026-01-01T10:00', ['2026-01-02T10:00', '2026-01-03T10:00', '2026-01-04T10:00']],
    ['cron(15 12 * * ? *)', '2026-01-01T00:00', ['2026-01-01T12:15', '2026-01-02T12:15']],
    [
      'cron(0/15 * * * ? *)',
      '2026-01-01T00:07',
      ['2026-01-01T00:15', '2026-01-01T00:30', '2026-01-01T00:45', '2026-01-01T01:00'],
    ],
    [
      'cron(1/10 * * * ? *)',
      '2026-01-01T00:00',
      ['2026-01-01T00:01', '2026-01-01T00:11', '2026-01-01T00:21'],
    ],
    ['cron(*/20 * * * ? *)', '2026-01-01T00:40', ['2026-01-01T01:00', '2026-01-01T01:20']],
    ['cron(* * * * ? *)', '2026-01-01T00:00', ['2026-01-01T00:01', '2026-01-01T00:02']],
    [
      'cron(5,10-12,50/5 * * * ? *)',
      '2026-01-01T00:00',
      [
        '2026-01-01T00:05',
        '2026-01-01T00:10',
        '2026-01-01T00:11',
        '2026-01-01T00:12',
        '2026-01-01T00:50',
        '2026-01-01T00:55',
        '2026-01-01T01:05',
      ],
    ],
    [
      'cron(0 */6 * * ? *)',
      '2026-01-01T05:59',
      ['2026-01-01T06:00', '2026-01-01T12:00', '2026-01-01T18:00', '2026-01-02T00:00'],
    ],
    [
      'cron(30 9-17/4 * * ? *)',
      '2026-01-01T10:00',
      ['2026-01-01T13:30', '2026-01-01T17:30', '2026-01-02T09:30'],
    ],
    // Weekdays (1 = SUN ... 7 = SAT), names, ranges, wrap-around ranges, steps
    [
      'cron(0 18 ? * MON-FRI *)',
      '2026-01-02T18:00',
      ['2026-01-05T18:00', '2026-01-06T18:00', '2026-01-07T18:00'],
    ],
    [
      'cron(0/10 * ? * MON-FRI *)',
      '2026-01-02T23:55',
      ['2026-01-05T00:00', '2026-01-05T00:10', '2026-01-05T00:20'],
    ],
    [
      'cron(0/5 8-17 ? * MON-FRI *)',
      '2026-01-02T17:55',
      ['2026-01-05T08:00', '2026-01-05T08:05', '2026-01-05T08:10'],
    ],
    ['cron(0 0 ? * 1 *)', '2026-01-01T00:00', ['2026-01-04T00:00', '2026-01-11T00:00']],
    ['cron(0 0 ? * 7 *)', '2026-01-01T00:00', ['2026-01-03T00:00', '2026-01-10T00:00']],
    [
      'cron(0 0 ? * sun,Sat *)',
      '2026-01-01T00:00',
      ['2026-01-03T00:00', '2026-01-04T00:00', '2026-01-10T00:00'],
    ],
    [
      'cron(0 0 ? * FRI-MON *)',
      '2026-01-01T00:00',
      ['2026-01-02T00:00', '2026-01-03T00:00', '2026-01-04T00:00', '2026-01-05T00:00', '2026-01-09T00:00'],
    ],
    [
      'cron(0 22-2 * * ? *)',
      '2026-01-01T02:00',
      [
        '2026-01-01T22:00',
        '2026-01-01T23:00',
        '2026-01-02T00:00',
        '2026-01-02T01:00',
        '2026-01-02T02:00',
        '2026-01-02T22:00',
      ],
    ],
    ['cron(0 0 ? * 2/2 *)', '2026-01-01T00:00', ['2026-01-02T00:00', '2026-01-05T00:00', '2026-01-07T00:00']],
    // Nth weekday (#), last weekday of the month (xL), L alone (Saturday)
    ['cron(0 9 ? * 2#1 *)', '2026-01-01T00:00', ['2026-01-05T09:00', '2026-02-02T09:00', '2026-03-02T09:00']],
    ['cron(0 0 ? * 3#2 *)', '2026-01-01T00:00', ['2026-01-13T00:00', '2026-02-10T00:00']],
    [
      'cron(0 0 ? * FRI#5 *)',
      '2026-01-01T00:00',
      ['2026-01-30T00:00', '2026-05-29T00:00', '2026-07-31T00:00', '2026-10-30T00:00'],
    ],
    ['cron(0 0 ? * 6L *)', '2026-01-01T00:00', ['2026-01-30T00:00', '2026-02-27T00:00', '2026-03-27T00:00']],
    ['cron(0 0 ? * friL *)', '2026-01-01T00:00', ['2026-01-30T00:00', '2026-02-27T00:00']],
    ['cron(0 0 ? * L *)', '2026-01-01T00:00', ['2026-01-03T00:00', '2026-01-10T00:00', '2026-01-17T00:00']],
    // Days of the month, L, L-n, LW, nW, month ends and leap years
    ['cron(0 8 1 * ? *)', '2026-01-15T00:00', ['2026-02-01T08:00', '2026-03-01T08:00', '2026-04-01T08:00']],
    [
      'cron(0 0 */10 * ? *)',
      '2026-01-01T00:00',
      ['2026-01-11T00:00', '2026-01-21T00:00', '2026-01-31T00:00', '2026-02-01T00:00'],
    ],
    [
      'cron(0 0 31 * ? *)',
      '2026-01-31T00:00',
      ['2026-03-31T00:00', '2026-05-31T00:00', '2026-07-31T00:00', '2026-08-31T00:00'],
    ],
    ['cron(0 0 L * ? *)', '2024-01-31T00:00', ['2024-02-29T00:00', '2024-03-31T00:00', '2024-04-30T00:00']],
    ['cron(0 0 L 2 ? *)', '2023-03-01T00:00', ['2024-02-29T00:00', '2025-02-28T00:00', '2026-02-28T00:00']],
    ['cron(0 0 L 2 ? 2100)', '2026-01-01T00:00', ['2100-02-28T00:00', undefined]],
    ['cron(0 0 29 2 ? *)', '2024-03-01T00:00', ['2028-02-29T00:00', '2032-02-29T00:00']],
    ['cron(0 0 29 2 ? *)', '2096-03-01T00:00', ['2104-02-29T00:00']],
    ['cron(0 0 30 2 ? *)', '2026-01-01T00:00', [undefined]],
    [
      'cron(30 2 L-2 * ? *)',
      '2026-01-01T00:00',
      ['2026-01-29T02:30', '2026-02-26T02:30', '2026-03-29T02:30'],
    ],
    ['cron(0 0 LW * ? *)', '2026-01-01T00:00', ['2026-01-30T00:00', '2026-02-27T00:00', '2026-03-31T00:00']],
    ['cron(0 0 15W * ? *)', '2026-01-01T00:00', ['2026-01-15T00:00', '2026-02-16T00:00', '2026-03-16T00:00']],
    [
      'cron(0 0 1W * ? *)',
      '2025-10-15T00:00',
      ['2025-11-03T00:00', '2025-12-01T00:00', '2026-01-01T00:00', '2026-02-02T00:00'],
    ],
    [
      'cron(0 0 30W * ? *)',
      '2025-11-01T00:00',
      ['2025-11-28T00:00', '2025-12-30T00:00', '2026-01-30T00:00', '2026-03-30T00:00'],
    ],
    ['cron(0 0 31W * ? *)', '2025-05-01T00:00', ['2025-05-30T00:00', '2025-07-31T00:00', '2025-08-29T00:00']],
    ['cron(0 0 1,L * ? *)', '2026-01-15T00:00', ['2026-01-31T00:00', '2026-02-01T00:00', '2026-02-28T00:00']],
    // Months (numbers and names, any case), years
    [
      'cron(0 12 1 jan,Jul ? *)',
      '2026-01-01T12:00',
      ['2026-07-01T12:00', '2027-01-01T12:00', '2027-07-01T12:00'],
    ],
    ['cron(0 0 1 1/3 ? *)', '2026-01-01T00:00', ['2026-04-01T00:00', '2026-07-01T00:00', '2026-10-01T00:00']],
    [
      'cron(0 0 1 NOV-FEB ? *)',
      '2026-03-01T00:00',
      ['2026-11-01T00:00', '2026-12-01T00:00', '2027-01-01T00:00', '2027-02-01T00:00', '2027-11-01T00:00'],
    ],
    [
      'cron(0 0 1 1 ? 2027-2029)',
      '2026-06-01T00:00',
      ['2027-01-01T00:00', '2028-01-01T00:00', '2029-01-01T00:00', undefined],
    ],
    [
      'cron(0 0 1 1 ? 2030/10)',
      '2026-01-01T00:00',
      ['2030-01-01T00:00', '2040-01-01T00:00', '2050-01-01T00:00'],
    ],
    ['cron(0 0 1 1 ? 2020)', '2026-01-01T00:00', [undefined]],
    ['cron(59 23 31 12 ? 2199)', '2199-12-31T23:58', ['2199-12-31T23:59', undefined]],
    ['cron(0 0 1 1 ? *)', '2199-06-01T00:00', [undefined]],
  ])('%s after %s', (expression, after, expected) => {
    expect(fires(expression, after, expected.length)).toEqual(expected)
  })

  it('fires strictly after the given time, at whole minutes', () => {
    expect(iso(nextFire('cron(* * * * ? *)', at('2026-01-01T00:00:00')))).toBe('2026-01-01T00:01')
    expect(iso(nextFire('cron(* * * * ? *)', at('2026-01-01T00:00:59.999')))).toBe('2026-01-01T00:01')
    expect(nextFire('cron(0 10 * * ? *)', at('2026-01-01T09:59:59.999'))).toBe(at('2026-01-01T10:00'))
  })

  it('takes a parsed schedule as well as its text', () => {
    const schedule = parseSchedule('cron(0 10 * * ? *)')
    expect(nextFire(schedule, at('2026-01-01T00:00'))).toBe(at('2026-01-01T10:00'))
    expect(nextFire(parseSchedule('rate(2 hours)'), 0)).toBe(7_200_000)
  })

  it('accepts any white space between fields', () => {
    expect(fires('cron(0  10\t* * ? *)', '2026-01-01T00:00', 1)).toEqual(['2026-01-01T10:00'])
  })
})

describe('invalid expressions', () => {
  it.each([
    ['', 'expected rate(value unit) or cron(Minutes Hours Day-of-month Month Day-of-week Year)'],
    ['0 10 * * ? *', 'expected rate(value unit) or cron(Minutes Hours Day-of-month Month Day-of-week Year)'],
    [
      'Rate(5 minutes)',
      'expected rate(value unit) or cron(Minutes Hours Day-of-month Month Day-of-week Year)',
    ],
    [
      'at(2026-01-01T00:00:00)',
      'at(...) is for one-time EventBridge Scheduler schedules; rules take rate(...) or cron(...)',
    ],
    ['rate(1 minutes)', "a value of 1 takes the singular unit 'minute'"],
    ['rate(1 hours)', "a value of 1 takes the singular unit 'hour'"],
    ['rate(5 hour)', "a value greater than 1 takes the plural unit 'hours'"],
    ['rate(2 day)', "a value greater than 1 takes the plural unit 'days'"],
    ['rate(0 minutes)', "the rate value must be a whole number of at least 1, got '0'"],
    ['rate(-5 minutes)', "the rate value must be a whole number of at least 1, got '-5'"],
    ['rate(1.5 hours)', "the rate value must be a whole number of at least 1, got '1.5'"],
    ['rate(30 seconds)', "unknown rate unit 'seconds'; use minute(s), hour(s) or day(s)"],
    ['rate(2 weeks)', "unknown rate unit 'weeks'; use minute(s), hour(s) or day(s)"],
    ['rate(5)', 'expected rate(value unit), e.g. rate(5 minutes)'],
    ['rate(999999999999 days)', 'the rate value 999999999999 is too large'],
    ['rate(5  minutes)', 'expected rate(value unit), e.g. rate(5 minutes)'],
    ['cron(0 10 * * ?)', 'cron takes 6 fields (Minutes Hours Day-of-month Month Day-of-week Year), got 5'],
    [
      'cron(0 0 10 * * ? *)',
      'cron takes 6 fields (Minutes Hours Day-of-month Month Day-of-week Year), got 7',
    ],
    ['cron()', 'cron takes 6 fields (Minutes Hours Day-of-month Month Day-of-week Year), got 0'],
    [
      'cron(0 10 * * * *)',
      "one of day-of-month and day-of-week must be '?' (EventBridge does not combine them)",
    ],
    [
      'cron(0 10 1 * MON *)',
      "one of day-of-month and day-of-week must be '?' (EventBridge does not combine them)",
    ],
    ['cron(0 10 ? * ? *)', "day-of-month and day-of-week cannot both be '?'"],
    [
      'cron(0 10 ?,1 * * *)',
      "one of day-of-month and day-of-week must be '?' (EventBridge does not combine them)",
    ],
    ['cron(0 10 ? * MON,? *)', "'?' must stand alone in day-of-week"],
    ['cron(60 10 * * ? *)', 'minutes: 60 is out of range 0-59'],
    ['cron(0 24 * * ? *)', 'hours: 24 is out of range 0-23'],
    ['cron(0 0 0 * ? *)', 'day-of-month: 0 is out of range 1-31'],
    ['cron(0 0 32 * ? *)', 'day-of-month: 32 is out of range 1-31'],
    ['cron(0 0 1 13 ? *)', 'month: 13 is out of range 1-12'],
    ['cron(0 0 1 JANUARY ? *)', "month: 'JANUARY' is not a number or a name JAN-DEC"],
    ['cron(0 0 ? * 0 *)', 'day-of-week: 0 is out of range 1-7'],
    ['cron(0 0 ? * 8 *)', 'day-of-week: 8 is out of range 1-7'],
    ['cron(0 0 ? * MONDAY *)', "day-of-week: 'MONDAY' is not a number or a name SUN-SAT"],
    ['cron(0 0 1 1 ? 1969)', 'year: 1969 is out of range 1970-2199'],
    ['cron(0 0 1 1 ? 2200)', 'year: 2200 is out of range 1970-2199'],
    ['cron(0/0 * * * ? *)', "minutes: the increment in '0/0' must be a whole number of at least 1"],
    ['cron(0/x * * * ? *)', "minutes: the increment in '0/x' must be a whole number of at least 1"],
    ['cron(0/5/2 * * * ? *)', "minutes: '0/5/2' has more than one '/'"],
    ['cron(1-2-3 * * * ? *)', "minutes: '1-2-3' is not a range"],
    ['cron(5- * * * ? *)', "minutes: '5-' is not a range"],
    ['cron(a * * * ? *)', "minutes: 'a' is not a number"],
    ['cron(0 L * * ? *)', "hours: 'L' is only allowed in day-of-month and day-of-week"],
    ['cron(0 0 1 1 ? L)', "year: 'L' is only allowed in day-of-month and day-of-week"],
    ['cron(5W 0 * * ? *)', "minutes: 'W' is only allowed in day-of-month"],
    ['cron(0 0 ? * 2W *)', "day-of-week: 'W' is only allowed in day-of-month"],
    ['cron(0 ? * * ? *)', "hours: '?' is only allowed in day-of-month and day-of-week"],
    ['cron(0 0 1#2 * ? *)', "day-of-month: '#' is only allowed in day-of-week"],
    ['cron(0 0 1 1#2 ? *)', "month: '#' is only allowed in day-of-week"],
    ['cron(0 0 ? * 3#6 *)', "day-of-week: the occurrence in '3#6' must be 1-5"],
    ['cron(0 0 ? * 3#0 *)', "day-of-week: the occurrence in '3#0' must be 1-5"],
    ['cron(0 0 ? * 8#1 *)', 'day-of-week: 8 is out of range 1-7'],
    ['cron(0 0 ? * 3#1,6#3 *)', "day-of-week: an expression with '#' must be the only one in the field"],
    ['cron(0 0 ? * 2-3#1 *)', "day-of-week: '2-3' is not a number or a name SUN-SAT"],
    ['cron(0 0 32W * ? *)', 'day-of-month: 32 is out of range 1-31'],
    ['cron(0 0 1-5W * ? *)', "day-of-month: '1-5W' is not valid: use L, L-n, LW or nW (1-31) alone"],
    ['cron(0 0 W * ? *)', "day-of-month: 'W' is not valid: use L, L-n, LW or nW (1-31) alone"],
    ['cron(0 0 L-31 * ? *)', "day-of-month: the offset in 'L-31' must be 1-30"],
    ['cron(0 0 L-0 * ? *)', "day-of-month: the offset in 'L-0' must be 1-30"],
  ])('%j: %s', (expression, reason) => {
    let error: unknown
    try {
      parseSchedule(expression)
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(ScheduleExpressionError)
    expect((error as ScheduleExpressionError).reason).toBe(reason)
    expect((error as Error).message).toBe(
      `invalid schedule expression ${JSON.stringify(expression)}: ${reason}`,
    )
  })

  it('is a one-line message naming the expression', () => {
    expect(() => parseSchedule('cron(0 25 * * ? *)')).toThrowErrorMatchingInlineSnapshot(
      `[ScheduleExpressionError: invalid schedule expression "cron(0 25 * * ? *)": hours: 25 is out of range 0-23]`,
    )
  })
})

import { describe, expect, it } from 'vitest'
import type { TreatMissingData } from '../../src/monitor/alarms/config.ts'
import { type AlarmState, evaluateAlarm, formatNumber } from '../../src/monitor/alarms/evaluate.ts'

const T0 = Date.UTC(2026, 0, 1, 10, 0, 0)

/** `0 - X - X`: oldest first; 0 not breaching (value 0), X breaching (value 5), - missing. */
function range(pattern: string) {
  return pattern.split(' ').map((c, i) => ({
    timestamp: T0 + i * 60_000,
    value: c === '-' ? undefined : c === 'X' ? 5 : 0,
  }))
}

function run(pattern: string, m: number, treat: TreatMissingData, current: AlarmState = 'OK'): AlarmState {
  return evaluateAlarm(
    range(pattern),
    {
      evaluationPeriods: 3,
      datapointsToAlarm: m,
      comparisonOperator: 'GreaterThanThreshold',
      threshold: 1,
      treatMissingData: treat,
    },
    current,
  ).state
}

const RETAIN = 'retain'
const modes: TreatMissingData[] = ['missing', 'ignore', 'breaching', 'notBreaching']

type Row = [pattern: string, missing: string, ignore: string, breaching: string, notBreaching: string]

// The two tables of "Configuring how CloudWatch alarms treat missing data" (evaluation range 5).
describe.each<[number, Row[]]>([
  [
    3,
    [
      ['0 - X - X', 'OK', 'OK', 'OK', 'OK'],
      ['0 - - - -', 'OK', 'OK', 'OK', 'OK'],
      ['- - - - -', 'INSUFFICIENT_DATA', RETAIN, 'ALARM', 'OK'],
      ['0 X X - X', 'ALARM', 'ALARM', 'ALARM', 'ALARM'],
      ['- - X - -', 'ALARM', RETAIN, 'ALARM', 'OK'],
    ],
  ],
  [
    2,
    [
      ['0 - X - X', 'ALARM', 'ALARM', 'ALARM', 'ALARM'],
      ['0 0 X 0 X', 'ALARM', 'ALARM', 'ALARM', 'ALARM'],
      ['0 - X - -', 'OK', 'OK', 'ALARM', 'OK'],
      ['- - - - 0', 'OK', 'OK', 'ALARM', 'OK'],
      ['- - - X -', 'ALARM', RETAIN, 'ALARM', 'OK'],
    ],
  ],
])('%i out of 3', (m, rows) => {
  it.each(rows)(
    '%s → missing %s, ignore %s, breaching %s, notBreaching %s',
    (pattern, ...expected: string[]) => {
      modes.forEach((mode, i) => {
        for (const current of ['OK', 'ALARM', 'INSUFFICIENT_DATA'] as const) {
          const want = expected[i] === RETAIN ? current : expected[i]
          expect(run(pattern, m, mode, current), `${mode} from ${current}`).toBe(want)
        }
      })
    },
  )
})

describe('evaluateAlarm', () => {
  it("does not alarm prematurely on a single fresh breaching datapoint ('- - - - X', 3 of 3)", () => {
    expect(run('- - - - X', 3, 'missing')).toBe('OK')
    expect(run('- - - X -', 3, 'missing')).toBe('OK')
  })

  it('explains the transition in CloudWatch words', () => {
    const result = evaluateAlarm(
      [
        { timestamp: T0, value: 0.5 },
        { timestamp: T0 + 60_000, value: 3 },
        { timestamp: T0 + 120_000, value: 5 },
      ],
      {
        evaluationPeriods: 3,
        datapointsToAlarm: 2,
        comparisonOperator: 'GreaterThanThreshold',
        threshold: 1,
        treatMissingData: 'missing',
      },
      'OK',
    )
    expect(result.reason).toMatchInlineSnapshot(
      `"Threshold Crossed: 2 out of the last 3 datapoints [5.0 (01/01/26 10:02:00), 3.0 (01/01/26 10:01:00)] were greater than the threshold (1.0) (minimum 2 datapoints for OK -> ALARM transition)."`,
    )
  })

  it.each([
    [5, '5.0'],
    [0.25, '0.25'],
    [-3, '-3.0'],
    [15_000_000, '1.5E7'],
    [0.0001, '1.0E-4'],
  ])('prints %d as %s', (value, text) => {
    expect(formatNumber(value)).toBe(text)
  })
})

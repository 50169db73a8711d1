import type { ComparisonOperator, TreatMissingData } from './config.ts'

export type AlarmState = 'OK' | 'ALARM' | 'INSUFFICIENT_DATA'

/** One period's value in the evaluation range; `value` undefined when the period had no data. */
export interface PeriodValue {
  timestamp: number
  value: number | undefined
}

export interface EvaluationSettings {
  evaluationPeriods: number
  datapointsToAlarm: number
  comparisonOperator: ComparisonOperator
  threshold: number
  treatMissingData: TreatMissingData
}

export interface EvaluationResult {
  /** The state the data calls for; equal to `current` when missing data is ignored. */
  state: AlarmState
  reason: string
  /** The real datapoints that decided the state, newest first. */
  evaluated: { timestamp: number; value: number }[]
}

/** CloudWatch retrieves more periods than EvaluationPeriods (5 for 3) in case some are missing. */
export function evaluationRange(evaluationPeriods: number): number {
  return evaluationPeriods + 2
}

export function breaches(op: ComparisonOperator, value: number, threshold: number): boolean {
  switch (op) {
    case 'GreaterThanThreshold':
      return value > threshold
    case 'GreaterThanOrEqualToThreshold':
      return value >= threshold
    case 'LessThanThreshold':
      return value < threshold
    case 'LessThanOrEqualToThreshold':
      return value <= threshold
  }
}

/**
 * CloudWatch's M-out-of-N decision over the evaluation range (oldest first), following
 * "Configuring how CloudWatch alarms treat missing data":
 * - at least N real datapoints in the range: the newest N real ones decide, and the missing-data
 *   treatment is not used;
 * - fewer: all real datapoints count and only the shortfall is filled: `breaching` fills count
 *   as breaching, `notBreaching` as not; `missing` goes to INSUFFICIENT_DATA when there is no real
 *   datapoint at all and `ignore` keeps the current state then;
 * - "premature alarm" rule: with `missing`, the alarm goes to ALARM when every real datapoint in
 *   the range breaches and, among the newest N periods, the oldest breaching datapoint is at
 *   least M periods old with every newer period breaching or missing (`ignore` keeps the current
 *   state in that case instead). This reproduces both tables of the AWS page.
 */
export function evaluateAlarm(
  range: readonly PeriodValue[],
  s: EvaluationSettings,
  current: AlarmState,
): EvaluationResult {
  const N = s.evaluationPeriods
  const M = s.datapointsToAlarm
  const isBreaching = (v: number) => breaches(s.comparisonOperator, v, s.threshold)
  const real = range.filter((p): p is { timestamp: number; value: number } => p.value !== undefined)
  const newestFirst = (points: { timestamp: number; value: number }[]) => [...points].reverse()
  const decide = (
    evaluated: { timestamp: number; value: number }[],
    filledBreaching: number,
  ): EvaluationResult => {
    const breaching = evaluated.filter((p) => isBreaching(p.value)).length + filledBreaching
    const state: AlarmState = breaching >= M ? 'ALARM' : 'OK'
    return {
      state,
      reason: thresholdReason(state, current, evaluated, breaching, s),
      evaluated: newestFirst(evaluated),
    }
  }

  if (real.length >= N) return decide(real.slice(-N), 0)
  const shortfall = N - real.length
  switch (s.treatMissingData) {
    case 'breaching':
      return decide(real, shortfall)
    case 'notBreaching':
      return decide(real, 0)
    case 'missing':
    case 'ignore': {
      const retain = s.treatMissingData === 'ignore'
      if (real.length === 0) {
        if (retain) return { state: current, reason: '', evaluated: [] }
        return { state: 'INSUFFICIENT_DATA', reason: insufficientReason(range.length), evaluated: [] }
      }
      if (real.every((p) => isBreaching(p.value)) && prematureAlarm(range.slice(-N), M, isBreaching)) {
        if (retain) return { state: current, reason: '', evaluated: [] }
        const window = range
          .slice(-N)
          .filter((p): p is { timestamp: number; value: number } => p.value !== undefined)
        const reason = thresholdReason('ALARM', current, window, window.length, s)
        return { state: 'ALARM', reason, evaluated: newestFirst(window) }
      }
      return decide(real, 0)
    }
  }
}

function prematureAlarm(
  window: readonly PeriodValue[],
  M: number,
  isBreaching: (v: number) => boolean,
): boolean {
  const oldest = window.findIndex((p) => p.value !== undefined && isBreaching(p.value))
  if (oldest < 0) return false
  const age = window.length - oldest
  return age >= M && window.slice(oldest).every((p) => p.value === undefined || isBreaching(p.value))
}

const OPERATOR_TEXT: Record<ComparisonOperator, string> = {
  GreaterThanThreshold: 'greater than',
  GreaterThanOrEqualToThreshold: 'greater than or equal to',
  LessThanThreshold: 'less than',
  LessThanOrEqualToThreshold: 'less than or equal to',
}

function thresholdReason(
  state: AlarmState,
  from: AlarmState,
  evaluated: readonly { timestamp: number; value: number }[],
  breaching: number,
  s: EvaluationSettings,
): string {
  const alarm = state === 'ALARM'
  const count = alarm ? breaching : s.evaluationPeriods - breaching
  const listed = [...evaluated]
    .reverse()
    .filter((p) => breaches(s.comparisonOperator, p.value, s.threshold) === alarm)
    .map((p) => `${formatNumber(p.value)} (${formatDate(p.timestamp)})`)
  const minimum = alarm ? s.datapointsToAlarm : s.evaluationPeriods - s.datapointsToAlarm + 1
  return (
    `Threshold Crossed: ${count} out of the last ${s.evaluationPeriods} datapoints [${listed.join(', ')}] ` +
    `${count === 1 ? 'was' : 'were'} ${alarm ? '' : 'not '}${OPERATOR_TEXT[s.comparisonOperator]} the threshold ` +
    `(${formatNumber(s.threshold)}) (minimum ${minimum} ${minimum === 1 ? 'datapoint' : 'datapoints'} for ` +
    `${from} -> ${state} transition).`
  )
}

function insufficientReason(unknown: number): string {
  return `Insufficient Data: ${unknown} ${unknown === 1 ? 'datapoint was' : 'datapoints were'} unknown.`
}

/** Numbers as CloudWatch's (Java) reason text prints them: `5.0`, `0.25`, `1.5E7`. */
export function formatNumber(v: number): string {
  const abs = Math.abs(v)
  if (abs !== 0 && (abs >= 1e7 || abs < 1e-3)) {
    const [mantissa, exponent] = v.toExponential().split('e') as [string, string]
    return `${mantissa.includes('.') ? mantissa : `${mantissa}.0`}E${Number(exponent)}`
  }
  return Number.isInteger(v) ? `${v}.0` : String(v)
}

/** `dd/MM/yy HH:mm:ss` in UTC, as in CloudWatch's reason text. */
export function formatDate(ms: number): string {
  const d = new Date(ms)
  const p = (n: number) => String(n).padStart(2, '0')
  return `${p(d.getUTCDate())}/${p(d.getUTCMonth() + 1)}/${p(d.getUTCFullYear() % 100)} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}`
}

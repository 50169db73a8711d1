import { z } from 'zod'
import { statisticSchema } from '../statistics.ts'
import { MathSyntaxError, parseExpression, referencedIds } from './math.ts'

export const COMPARISON_OPERATORS = [
  'GreaterThanThreshold',
  'GreaterThanOrEqualToThreshold',
  'LessThanThreshold',
  'LessThanOrEqualToThreshold',
] as const
export type ComparisonOperator = (typeof COMPARISON_OPERATORS)[number]

export const TREAT_MISSING_DATA = ['missing', 'notBreaching', 'breaching', 'ignore'] as const
export type TreatMissingData = (typeof TREAT_MISSING_DATA)[number]

/**
 * CloudWatch: EvaluationPeriods × Period may not exceed one day, or seven days for periods of an
 * hour or more (PutMetricAlarm's `Period`).
 */
export const MAX_EVALUATION_SECONDS = 86_400
export const MAX_LONG_EVALUATION_SECONDS = 604_800

/** CloudWatch dimensions that name a resource of the pipeline: an alarm on them watches it. */
export const DIMENSION_KINDS: Readonly<Record<string, string>> = {
  StreamName: 'stream',
  FunctionName: 'function',
  QueueName: 'queue',
  DeliveryStreamName: 'delivery',
  TopicName: 'topic',
  RuleName: 'schedule',
}

/** CloudWatch: at most five actions per state. */
export const MAX_ALARM_ACTIONS = 5

export const metricStatSchema = z.object({
  /** The metric's namespace: `AWS/Lambda`, `AWS/Kinesis`, `AWS/SQS`, `AWS/Firehose`, or a custom one. */
  namespace: z.string().min(1).max(255),
  /** The metric's name in AWS's spelling: `Errors`, `IteratorAge`, `ApproximateNumberOfMessagesVisible`. */
  name: z.string().min(1).max(255),
  /** Its dimensions: `{ FunctionName: 'enrich' }`. */
  dimensions: z.record(z.string(), z.string()).default({}),
  /** `Sum`, `Average`, `Minimum`, `Maximum`, `SampleCount` or a percentile such as `p99`. */
  stat: statisticSchema,
})

export const metricDataQuerySchema = z.object({
  /** CloudWatch: starts with a lowercase letter; letters, digits and underscores. */
  id: z.string().regex(/^[a-z][a-zA-Z0-9_]{0,254}$/, 'id must start with a lowercase letter'),
  /** A metric this query reads (or an `expression`). */
  metric: metricStatSchema.optional(),
  /** Metric math over other queries' ids: `100 * errors / invocations`. */
  expression: z.string().min(1).max(1024).optional(),
  /** The series' name in messages and charts. */
  label: z.string().optional(),
  /** Whether this query's values are the ones compared with the threshold. */
  returnData: z.boolean().optional(),
})

/** Topics (by name) notified when the alarm enters the state. */
const topics = z.array(z.string().min(1)).default([])

/**
 * One alarm, CloudWatch's PutMetricAlarm in camelCase: a metric or a metric-math query, period,
 * M out of N, comparison, threshold, missing-data treatment and topic actions per state.
 *
 * @example
 * alarmConfigSchema.parse({
 *   metrics: [
 *     { id: 'errors', metric: { namespace: 'AWS/Lambda', name: 'Errors', dimensions: { FunctionName: 'f' }, stat: 'Sum' } },
 *     { id: 'invocations', metric: { namespace: 'AWS/Lambda', name: 'Invocations', dimensions: { FunctionName: 'f' }, stat: 'Sum' } },
 *     { id: 'rate', expression: '100 * errors / invocations' },
 *   ],
 *   period: 60, evaluationPeriods: 3, comparisonOperator: 'GreaterThanThreshold', threshold: 5,
 *   actions: { alarm: ['alerts'], ok: ['alerts'] },
 * })
 */
export const alarmConfigSchema = z
  .object({
    /** Said in the alarm's notifications. */
    description: z.string().max(1024).optional(),
    /** The one metric the alarm watches (or `metrics`). */
    metric: metricStatSchema.optional(),
    /** Metric math: up to 20 queries, one of them returning the data compared (or `metric`). */
    metrics: z.array(metricDataQuerySchema).min(1).max(20).optional(),
    /** Seconds: 10, 30 or a multiple of 60 in CloudWatch; here any divisor or multiple of 60. */
    period: z.number().int().positive(),
    /** The N of "M out of N": how many recent periods are evaluated. */
    evaluationPeriods: z.number().int().positive(),
    /** The M of "M out of N": breaching periods that make the alarm (default: all N). */
    datapointsToAlarm: z.number().int().positive().optional(),
    /** How the statistic is compared with the threshold. */
    comparisonOperator: z.enum(COMPARISON_OPERATORS),
    /** The value compared against. */
    threshold: z.number(),
    /** How periods without data count, as CloudWatch's TreatMissingData. */
    treatMissingData: z.enum(TREAT_MISSING_DATA).default('missing'),
    /** Topics notified on entering ALARM (`alarm`), OK (`ok`) and INSUFFICIENT_DATA (`insufficientData`). */
    actions: z
      .object({
        /** Topics notified on entering ALARM. */
        alarm: topics,
        /** Topics notified on entering OK. */
        ok: topics,
        /** Topics notified on entering INSUFFICIENT_DATA. */
        insufficientData: topics,
      })
      .default({ alarm: [], ok: [], insufficientData: [] }),
  })
  .superRefine((a, ctx) => {
    const issue = (message: string, path: (string | number)[] = []) =>
      ctx.addIssue({ code: 'custom', message, path })
    if ((a.metric === undefined) === (a.metrics === undefined))
      issue('exactly one of metric and metrics is required')
    if (60 % a.period !== 0 && a.period % 60 !== 0)
      issue('period must divide 60 or be a multiple of 60', ['period'])
    if (a.period < 3600 && a.period * a.evaluationPeriods > MAX_EVALUATION_SECONDS) {
      issue('evaluationPeriods × period must not exceed one day (86400 s)', ['evaluationPeriods'])
    }
    if (a.period * a.evaluationPeriods > MAX_LONG_EVALUATION_SECONDS) {
      issue('evaluationPeriods × period must not exceed seven days (604800 s)', ['evaluationPeriods'])
    }
    if (a.datapointsToAlarm !== undefined && a.datapointsToAlarm > a.evaluationPeriods) {
      issue('datapointsToAlarm must not exceed evaluationPeriods', ['datapointsToAlarm'])
    }
    if (a.metrics) checkMetrics(a.metrics, issue)
  })

export type AlarmConfigInput = z.input<typeof alarmConfigSchema>
export type AlarmConfig = z.output<typeof alarmConfigSchema>
export type MetricStat = z.output<typeof metricStatSchema>
export type MetricDataQuery = z.output<typeof metricDataQuerySchema>

/** Alarms keyed by name, as the pipeline config holds them. */
export const alarmsConfigSchema = z.record(z.string().min(1).max(255), alarmConfigSchema)

/** An alarm with its name. */
export interface AlarmDefinition extends AlarmConfig {
  name: string
  /** PutMetricAlarm's `Unit` (declared alarms have none): kept and described, not a filter. */
  unit?: string
  /** PutMetricAlarm's `EvaluateLowSampleCountPercentile`: kept and described. */
  evaluateLowSampleCountPercentile?: string
  /** PutMetricAlarm's `Tags`: kept. */
  tags?: { key: string; value: string }[]
}

export function alarmDefinitions(alarms: Record<string, AlarmConfig>): AlarmDefinition[] {
  return Object.entries(alarms).map(([name, config]) => ({ name, ...config }))
}

/** The query whose values the alarm compares: explicit `returnData`, else the only expression. */
export function returnedQuery(metrics: readonly MetricDataQuery[]): MetricDataQuery | undefined {
  const explicit = metrics.filter((m) => m.returnData === true)
  if (explicit.length > 0) return explicit.length === 1 ? explicit[0] : undefined
  const candidates = metrics.filter((m) => m.returnData !== false)
  if (candidates.length === 1) return candidates[0]
  const expressions = candidates.filter((m) => m.expression !== undefined)
  return expressions.length === 1 ? expressions[0] : undefined
}

function checkMetrics(
  metrics: MetricDataQuery[],
  issue: (message: string, path?: (string | number)[]) => void,
): void {
  const ids = new Map<string, MetricDataQuery>()
  metrics.forEach((m, i) => {
    if (ids.has(m.id)) issue(`duplicate id '${m.id}'`, ['metrics', i, 'id'])
    ids.set(m.id, m)
    if ((m.metric === undefined) === (m.expression === undefined)) {
      issue('exactly one of metric and expression is required', ['metrics', i])
    }
  })
  if (!returnedQuery(metrics)) issue('exactly one query must have returnData: true', ['metrics'])
  const deps = new Map<string, Set<string>>()
  metrics.forEach((m, i) => {
    if (m.expression === undefined) return
    try {
      const refs = referencedIds(parseExpression(m.expression))
      for (const ref of refs) if (!ids.has(ref)) issue(`unknown id '${ref}'`, ['metrics', i, 'expression'])
      deps.set(m.id, refs)
    } catch (error) {
      if (!(error instanceof MathSyntaxError)) throw error
      issue(error.message, ['metrics', i, 'expression'])
    }
  })
  const visiting = new Set<string>()
  const done = new Set<string>()
  const visit = (id: string): boolean => {
    if (done.has(id)) return false
    if (visiting.has(id)) return true
    visiting.add(id)
    const cyclic = [...(deps.get(id) ?? [])].some(visit)
    visiting.delete(id)
    done.add(id)
    return cyclic
  }
  for (const id of deps.keys())
    if (visit(id)) issue(`expressions refer to each other in a cycle (${id})`, ['metrics'])
}

import { ResourceTags } from '../../storage/state/resource-tags.ts'
import type { StateStore } from '../../storage/state/state-store.ts'
import { type Clock, systemClock, type TimerHandle } from '../../util/clock.ts'
import { type Logger, silentLogger } from '../../util/logger.ts'
import type { Datapoint, MetricQuery, SeriesInfo } from '../metric-store.ts'
import {
  ALARM_HISTORY_RETENTION_MS,
  type AlarmHistoryItem,
  type AlarmStatus,
  AlarmStore,
} from './alarm-store.ts'
import { type AlarmDefinition, type MetricStat, returnedQuery } from './config.ts'
import { type AlarmState, evaluateAlarm, evaluationRange, type PeriodValue } from './evaluate.ts'
import { type Expr, evaluateExpression, parseExpression, referencedIds } from './math.ts'

/** What alarms read: the metric store, or anything answering the same query. */
export interface MetricSource {
  query(q: MetricQuery): Datapoint[]
  /** The series and their units, for alarms with a `Unit` (without it, units are not checked). */
  series?(): SeriesInfo[]
}

export interface AlarmTransition {
  alarm: AlarmDefinition
  from: AlarmState
  to: AlarmState
  reason: string
  /** The newest datapoint that decided the state, if any. */
  value: number | undefined
  /** ms since epoch of the evaluation. */
  timestamp: number
  /** Topics configured for the new state. */
  actions: string[]
  /** What the evaluation saw; for a state set through the API (SetAlarmState), what it gave. */
  reasonData: AlarmReasonData | unknown
}

/** A subset of CloudWatch's StateReasonData. */
export interface AlarmReasonData {
  version: '1.0'
  queryDate: string
  startDate: string
  period: number
  recentDatapoints: number[]
  evaluatedDatapoints: { timestamp: string; value: number }[]
  threshold: number
}

export interface AlarmEvaluatorOptions {
  metrics: MetricSource
  state: StateStore
  alarms: readonly AlarmDefinition[]
  clock?: Clock
  logger?: Logger
  /** Called after each state change is persisted; the lead publishes to the action topics. */
  onTransition?: (transition: AlarmTransition) => void
  /** How long after a period ends it is evaluated, so late datapoints are in (default 1 s). */
  delayMs?: number
}

interface Compiled {
  alarm: AlarmDefinition
  periodMs: number
  nextDue: number
}

/** PutMetricAlarm or DeleteAlarms naming an alarm the pipeline definition declares. */
export class DeclaredAlarmError extends Error {
  override readonly name = 'DeclaredAlarmError'
  constructor(readonly alarm: string) {
    super(`alarm '${alarm}' is declared in the pipeline definition; change or remove it there`)
  }
}

/** TagResource / ListTagsForResource naming an alarm the evaluator does not have. */
export class UnknownAlarmError extends Error {
  override readonly name = 'UnknownAlarmError'
  constructor(readonly alarm: string) {
    super(`alarm '${alarm}' does not exist`)
  }
}

/** Where an alarm's tags are kept in the shared resource-tags table. */
const tagKey = (alarm: string) => `cloudwatch:alarm/${alarm}`

/**
 * Evaluates every alarm just after each of its periods ends, on the injected clock, with
 * CloudWatch's M-out-of-N and missing-data rules; persists state and history, and reports each
 * transition.
 *
 * @example
 * const evaluator = new AlarmEvaluator({ metrics: store, state, clock, alarms, onTransition: publish })
 * evaluator.start()
 */
export class AlarmEvaluator {
  readonly #o: AlarmEvaluatorOptions
  readonly #clock: Clock
  readonly #logger: Logger
  readonly #store: AlarmStore
  readonly #alarms = new Map<string, Compiled>()
  readonly #delayMs: number
  /** The names the pipeline definition declares (the rest came through PutMetricAlarm). */
  readonly #declared = new Set<string>()
  readonly #tags: ResourceTags
  #timer: TimerHandle | undefined
  #started = false

  constructor(options: AlarmEvaluatorOptions) {
    this.#o = options
    this.#clock = options.clock ?? systemClock
    this.#logger = options.logger ?? silentLogger
    this.#delayMs = options.delayMs ?? 1000
    this.#store = new AlarmStore(options.state)
    this.#tags = new ResourceTags(options.state)
    const now = this.#clock.now()
    for (const alarm of options.alarms) {
      this.#store.configure(alarm.name, configOf(alarm), now, 'definition')
      this.#declared.add(alarm.name)
      this.#compile(alarm, now)
    }
    // Alarms created through the API survive restarts and rebuilds: the store holds them.
    for (const status of this.#store.list())
      if (status.origin === 'api' && !this.#declared.has(status.name))
        this.#compile({ ...(status.config as Omit<AlarmDefinition, 'name'>), name: status.name }, now)
  }

  start(): void {
    this.#started = true
    if (!this.#timer) this.#schedule()
  }

  stop(): void {
    this.#started = false
    if (this.#timer) this.#clock.clearTimeout(this.#timer)
    this.#timer = undefined
  }

  /** Whether the pipeline definition declares the alarm (it then belongs to the definition). */
  isDeclared(name: string): boolean {
    return this.#declared.has(name)
  }

  /** The alarm's definition (declared or created through the API), if the evaluator has it. */
  definition(name: string): AlarmDefinition | undefined {
    return this.#alarms.get(name)?.alarm
  }

  /**
   * PutMetricAlarm: creates the alarm (INSUFFICIENT_DATA) or replaces its configuration keeping
   * its state, durably (the state store commits before this returns), and evaluates it from its
   * next period on. A declared alarm is the definition's: DeclaredAlarmError.
   */
  put(alarm: AlarmDefinition, actionsEnabled = true): AlarmStatus {
    if (this.#declared.has(alarm.name)) throw new DeclaredAlarmError(alarm.name)
    const now = this.#clock.now()
    // Tags are taken when the alarm is created; CloudWatch ignores them on an update.
    const created = !this.#alarms.has(alarm.name)
    const status = this.#o.state.transaction(() => {
      const configured = this.#store.configure(alarm.name, configOf(alarm), now, 'api', actionsEnabled)
      if (created) {
        this.#tags.removeAll(tagKey(alarm.name))
        this.#tags.put(
          tagKey(alarm.name),
          Object.fromEntries((alarm.tags ?? []).map((t) => [t.key, t.value])),
        )
      }
      return configured
    })
    this.#compile(alarm, now)
    this.#reschedule()
    return status
  }

  /**
   * DeleteAlarms: deletes the named alarms created through the API, all or none (a declared one
   * among them: DeclaredAlarmError, nothing deleted); unknown names are skipped, as CloudWatch
   * skips them. Their history is kept.
   */
  delete(names: readonly string[]): void {
    const declared = names.find((n) => this.#declared.has(n))
    if (declared !== undefined) throw new DeclaredAlarmError(declared)
    const known = names.filter((n) => this.#alarms.has(n))
    this.#o.state.transaction(() => {
      this.#store.delete(known, this.#clock.now())
      for (const name of known) this.#tags.removeAll(tagKey(name))
    })
    for (const name of known) this.#alarms.delete(name)
    this.#reschedule()
  }

  /** ListTagsForResource: the alarm's tags by key (declared alarms take tags too). */
  tags(name: string): Record<string, string> {
    if (!this.#alarms.has(name)) throw new UnknownAlarmError(name)
    return this.#tags.get(tagKey(name))
  }

  /** TagResource: adds or overwrites tags, committed before it returns. */
  tag(name: string, tags: Readonly<Record<string, string>>): void {
    if (!this.#alarms.has(name)) throw new UnknownAlarmError(name)
    this.#tags.put(tagKey(name), tags)
  }

  /** UntagResource: removes tags by key; keys the alarm lacks are ignored. */
  untag(name: string, keys: readonly string[]): void {
    if (!this.#alarms.has(name)) throw new UnknownAlarmError(name)
    this.#tags.remove(tagKey(name), keys)
  }

  /** EnableAlarmActions / DisableAlarmActions; names the evaluator does not have are skipped. */
  setActionsEnabled(names: readonly string[], enabled: boolean): void {
    for (const name of names) if (this.#alarms.has(name)) this.#store.setActionsEnabled(name, enabled)
  }

  #compile(alarm: AlarmDefinition, now: number): void {
    const periodMs = alarm.period * 1000
    this.#alarms.set(alarm.name, { alarm, periodMs, nextDue: this.#due(periodMs, now) })
  }

  /** After alarms were added or removed: the timer follows the earliest due alarm. */
  #reschedule(): void {
    if (!this.#started) return
    if (this.#timer) this.#clock.clearTimeout(this.#timer)
    this.#timer = undefined
    this.#schedule()
  }

  /** The alarm's actions for `state`, or none while its actions are disabled. */
  #actions(alarm: AlarmDefinition, state: AlarmState): string[] {
    if (this.#store.get(alarm.name)?.actionsEnabled === false) return []
    const actions =
      state === 'ALARM'
        ? alarm.actions.alarm
        : state === 'OK'
          ? alarm.actions.ok
          : alarm.actions.insufficientData
    return [...actions]
  }

  /** Evaluates one alarm (or all) now, whether or not a period just ended. */
  evaluate(name?: string): void {
    const now = this.#clock.now()
    for (const c of this.#alarms.values())
      if (name === undefined || c.alarm.name === name) this.#evaluate(c, now)
    this.#store.pruneHistory(now - ALARM_HISTORY_RETENTION_MS)
  }

  /**
   * SetAlarmState: puts the alarm in `state` now, with `reason` (and `reasonData`, JSON text);
   * a change is recorded and fires the state's actions, as CloudWatch does. The next evaluation
   * sets the state the data says. Throws a RangeError for an alarm it does not have.
   */
  setState(name: string, state: AlarmState, reason: string, reasonData?: unknown): void {
    const c = this.#alarms.get(name)
    if (!c) throw new RangeError(`no alarm named '${name}'`)
    const now = this.#clock.now()
    const current = this.#store.get(name)?.state ?? 'INSUFFICIENT_DATA'
    if (current === state) return
    this.#store.transition(name, current, state, reason, reasonData ?? {}, now)
    const { alarm } = c
    this.#o.onTransition?.({
      alarm,
      from: current,
      to: state,
      reason,
      value: undefined,
      timestamp: now,
      actions: this.#actions(alarm, state),
      reasonData: reasonData ?? {},
    })
  }

  listAlarms(): AlarmStatus[] {
    return this.#store.list().filter((s) => this.#alarms.has(s.name))
  }

  history(name: string, limit?: number): AlarmHistoryItem[] {
    return this.#store.history(name, limit)
  }

  /** Every alarm's history, deleted alarms' included (CloudWatch keeps it), newest first. */
  allHistory(limit?: number): AlarmHistoryItem[] {
    return this.#store.allHistory(limit)
  }

  /** The values the alarm would compare, one per period of its evaluation range (oldest first). */
  values(name: string, now = this.#clock.now()): PeriodValue[] {
    const c = this.#alarms.get(name)
    if (!c) throw new RangeError(`no alarm named '${name}'`)
    const end = Math.floor((now - this.#delayMs) / c.periodMs) * c.periodMs
    const start = end - evaluationRange(c.alarm.evaluationPeriods) * c.periodMs
    return this.#periodValues(c, start, end)
  }

  #schedule(): void {
    const now = this.#clock.now()
    let next = Number.POSITIVE_INFINITY
    for (const c of this.#alarms.values()) next = Math.min(next, c.nextDue)
    if (!Number.isFinite(next)) return
    this.#timer = this.#clock.setTimeout(() => this.#tick(), next - now)
    this.#timer.unref?.()
  }

  #tick(): void {
    const now = this.#clock.now()
    for (const c of this.#alarms.values()) {
      if (c.nextDue > now) continue
      try {
        this.#evaluate(c, now)
      } catch (error) {
        this.#logger.error(`alarm '${c.alarm.name}': evaluation failed: ${(error as Error).message}`)
      }
      c.nextDue = this.#due(c.periodMs, now)
    }
    this.#store.pruneHistory(now - ALARM_HISTORY_RETENTION_MS)
    this.#schedule()
  }

  #due(periodMs: number, now: number): number {
    return (Math.floor((now - this.#delayMs) / periodMs) + 1) * periodMs + this.#delayMs
  }

  #evaluate(c: Compiled, now: number): void {
    const { alarm } = c
    const range = this.values(alarm.name, now)
    const current = this.#store.get(alarm.name)?.state ?? 'INSUFFICIENT_DATA'
    const result = evaluateAlarm(
      range,
      {
        evaluationPeriods: alarm.evaluationPeriods,
        datapointsToAlarm: alarm.datapointsToAlarm ?? alarm.evaluationPeriods,
        comparisonOperator: alarm.comparisonOperator,
        threshold: alarm.threshold,
        treatMissingData: alarm.treatMissingData,
      },
      current,
    )
    if (result.state === current) return
    const iso = (ms: number) => new Date(ms).toISOString().replace('Z', '+0000')
    const reasonData: AlarmReasonData = {
      version: '1.0',
      queryDate: iso(now),
      startDate: iso(range[0]?.timestamp ?? now),
      period: alarm.period,
      recentDatapoints: range.flatMap((p) => (p.value === undefined ? [] : [p.value])),
      evaluatedDatapoints: result.evaluated.map((p) => ({ timestamp: iso(p.timestamp), value: p.value })),
      threshold: alarm.threshold,
    }
    this.#store.transition(alarm.name, current, result.state, result.reason, reasonData, now)
    this.#o.onTransition?.({
      alarm,
      from: current,
      to: result.state,
      reason: result.reason,
      value: result.evaluated[0]?.value,
      timestamp: now,
      actions: this.#actions(alarm, result.state),
      reasonData,
    })
  }

  /**
   * An alarm with a `Unit` reads only datapoints of that unit, as CloudWatch's do; a series keeps
   * the unit of its first datapoint, so the whole series matches or none of it does.
   */
  #unitMatches(m: MetricStat, unit: string | undefined): boolean {
    if (unit === undefined || !this.#o.metrics.series) return true
    const found = this.#o.metrics
      .series()
      .find(
        (s) => s.namespace === m.namespace && s.name === m.name && sameDimensions(s.dimensions, m.dimensions),
      )
    return found?.unit === unit
  }

  #periodValues(c: Compiled, start: number, end: number): PeriodValue[] {
    const { alarm, periodMs } = c
    const fetch = (m: MetricStat, unit: string | undefined) => {
      if (!this.#unitMatches(m, unit)) return new Map<number, number>()
      const points = this.#o.metrics.query({
        namespace: m.namespace,
        name: m.name,
        dimensions: m.dimensions,
        stat: m.stat,
        period: alarm.period,
        start,
        end,
      })
      return new Map(points.map((p) => [p.timestamp, p.value]))
    }
    const timestamps: number[] = []
    for (let t = start; t < end; t += periodMs) timestamps.push(t)
    let series: Map<number, number>
    if (alarm.metric) {
      series = fetch(alarm.metric, alarm.unit)
    } else {
      const queries = alarm.metrics!
      const values = new Map<string, Map<number, number>>()
      const parsed = new Map<string, Expr>()
      for (const q of queries) if (q.expression) parsed.set(q.id, parseExpression(q.expression))
      const resolve = (id: string): Map<number, number> => {
        const known = values.get(id)
        if (known) return known
        const q = queries.find((x) => x.id === id)!
        let out: Map<number, number>
        if (q.metric) {
          out = fetch(q.metric, (q.metric as { unit?: string }).unit)
        } else {
          const expr = parsed.get(id)!
          const inputs = new Map([...referencedIds(expr)].map((ref) => [ref, resolve(ref)]))
          out = new Map()
          for (const t of timestamps) {
            const v = evaluateExpression(expr, (ref) => inputs.get(ref)?.get(t))
            if (v !== undefined) out.set(t, v)
          }
        }
        values.set(id, out)
        return out
      }
      series = resolve(returnedQuery(queries)!.id)
    }
    return timestamps.map((timestamp) => ({ timestamp, value: series.get(timestamp) }))
  }
}

function sameDimensions(a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>): boolean {
  const keys = Object.keys(a)
  return keys.length === Object.keys(b).length && keys.every((k) => a[k] === b[k])
}

function configOf(alarm: AlarmDefinition): unknown {
  const { name: _name, ...config } = alarm
  return config
}

import { randomUUID } from 'node:crypto'
import { Events } from '../../monitor/catalog/events.ts'
import { MetricScope } from '../../monitor/catalog/scope.ts'
import type { MetricSink } from '../../monitor/metrics.ts'
import type { Clock, TimerHandle } from '../../util/clock.ts'
import { type Logger, silentLogger } from '../../util/logger.ts'
import { nextCronFire } from './cron.ts'
import { ScheduleConfigError } from './errors.ts'
import { parseSchedule, type Schedule } from './expression.ts'

/** A scheduled rule with one Lambda target, as the pipeline definition declares it. */
export interface ScheduleSpec {
  /** The rule name: 1-64 of A-Z a-z 0-9 . - _ (EventBridge's rule name rules). */
  name: string
  /** `rate(...)` or `cron(...)`. */
  expression: string
  functionName: string
  /** A constant JSON input sent instead of the scheduled event (the target's Input). */
  input?: unknown
  enabled: boolean
}

export interface SchedulerOptions {
  clock: Clock
  metrics?: MetricSink
  /** Told about events that could not be handed to Lambda. */
  logger?: Logger
  region?: string
  account?: string
  /**
   * Hands each event to Lambda's asynchronous invocation (`AsyncInvocations.enqueue`, the durable
   * event queue): the target function's own retry settings and failure destinations then apply,
   * as on AWS, where EventBridge's part ends once Lambda has accepted the event. A throw counts as
   * a FailedInvocation.
   */
  enqueue: (functionName: string, event: unknown) => void
}

/** The event EventBridge sends for a scheduled rule. */
export interface ScheduledEvent {
  version: '0'
  id: string
  'detail-type': 'Scheduled Event'
  source: 'aws.events'
  account: string
  time: string
  region: string
  resources: string[]
  detail: Record<string, never>
}

export interface ScheduleStatus {
  name: string
  expression: string
  functionName: string
  enabled: boolean
  /** When the rule fires next (ms since epoch); undefined when stopped, disabled or exhausted. */
  nextFireAt: number | undefined
}

/** Timers are re-armed at least daily: setTimeout cannot wait longer than 2^31-1 ms. */
const MAX_TIMER_MS = 24 * 60 * 60 * 1000
const RULE_NAME = /^[.\-_A-Za-z0-9]{1,64}$/

export function scheduledEvent(
  ruleName: string,
  timeMs: number,
  region: string,
  account: string,
  id: string = randomUUID(),
): ScheduledEvent {
  return {
    version: '0',
    id,
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account,
    // EventBridge stamps events to the second: 2026-01-01T10:00:00Z.
    time: `${new Date(timeMs).toISOString().slice(0, 19)}Z`,
    region,
    resources: [`arn:aws:events:${region}:${account}:rule/${ruleName}`],
    detail: {},
  }
}

interface Entry {
  spec: ScheduleSpec
  schedule: Schedule
  nextAt: number | undefined
  timer: TimerHandle | undefined
}

function checked(specs: readonly ScheduleSpec[]): Array<{ spec: ScheduleSpec; schedule: Schedule }> {
  const names = new Set<string>()
  return specs.map((spec) => {
    if (typeof spec.name !== 'string' || !RULE_NAME.test(spec.name)) {
      throw new ScheduleConfigError(
        `schedule name ${JSON.stringify(spec.name)} must be 1-64 characters of A-Z a-z 0-9 . - _`,
      )
    }
    if (names.has(spec.name)) throw new ScheduleConfigError(`schedule name '${spec.name}' is used twice`)
    names.add(spec.name)
    if (typeof spec.functionName !== 'string' || spec.functionName === '') {
      throw new ScheduleConfigError(`schedule '${spec.name}' needs a functionName`)
    }
    if (spec.input !== undefined) {
      try {
        structuredClone(spec.input)
      } catch {
        throw new ScheduleConfigError(`schedule '${spec.name}': input must be plain JSON data`)
      }
    }
    return { spec: { ...spec }, schedule: parseSchedule(spec.expression) }
  })
}

/**
 * Runs EventBridge scheduled rules: each enabled rule fires at its times (a rate first one period
 * after start, a cron at each selected minute, UTC) and hands the scheduled event, or the rule's
 * constant input, to Lambda's asynchronous invocation (`enqueue`), which runs and retries it.
 * Firings are not serialized: a slow function may overlap itself, as on AWS. All timing goes
 * through the clock.
 *
 * Metrics: AWS/Events TriggeredRules, Invocations and FailedInvocations (the event could not be
 * handed to Lambda at all), dimension RuleName.
 *
 * @example
 * const scheduler = new Scheduler(
 *   [{ name: 'generator', expression: 'rate(1 minute)', functionName: 'produce', enabled: true }],
 *   { clock: systemClock, metrics, enqueue: (fn, event) => asyncInvocations.enqueue(fn, event) },
 * )
 * scheduler.start()
 */
export class Scheduler {
  readonly #options: SchedulerOptions
  readonly #logger: Logger
  #entries = new Map<string, Entry>()
  #running = false

  /** @throws ScheduleExpressionError or ScheduleConfigError before anything is scheduled. */
  constructor(schedules: readonly ScheduleSpec[], options: SchedulerOptions) {
    this.#options = options
    this.#logger = options.logger ?? silentLogger
    for (const { spec, schedule } of checked(schedules)) {
      this.#entries.set(spec.name, { spec, schedule, nextAt: undefined, timer: undefined })
    }
  }

  start(): void {
    if (this.#running) return
    this.#running = true
    for (const entry of this.#entries.values()) this.#arm(entry)
  }

  /**
   * Stops firing. Events already handed over are Lambda's (AsyncInvocations.stop ends their
   * invocations and keeps their retries stored).
   */
  async stop(): Promise<void> {
    this.#running = false
    for (const entry of this.#entries.values()) this.#disarm(entry)
  }

  /**
   * Applies a new set of schedules. A rule whose expression and enabled flag are unchanged keeps
   * its timing; a new or changed rule starts afresh (a rate one period from now), as PutRule does.
   */
  update(schedules: readonly ScheduleSpec[]): void {
    const next = new Map<string, Entry>()
    for (const { spec, schedule } of checked(schedules)) {
      const old = this.#entries.get(spec.name)
      if (old && old.spec.expression === spec.expression && old.spec.enabled === spec.enabled) {
        old.spec = spec
        next.set(spec.name, old)
        continue
      }
      if (old) this.#disarm(old)
      const entry: Entry = { spec, schedule, nextAt: undefined, timer: undefined }
      next.set(spec.name, entry)
      this.#arm(entry)
    }
    for (const [name, old] of this.#entries) if (!next.has(name)) this.#disarm(old)
    this.#entries = next
  }

  status(): ScheduleStatus[] {
    return [...this.#entries.values()].map(({ spec, nextAt }) => ({
      name: spec.name,
      expression: spec.expression,
      functionName: spec.functionName,
      enabled: spec.enabled,
      nextFireAt: nextAt,
    }))
  }

  #arm(entry: Entry): void {
    if (!this.#running || !entry.spec.enabled) return
    const now = this.#options.clock.now()
    entry.nextAt =
      entry.schedule.kind === 'rate' ? now + entry.schedule.periodMs : nextCronFire(entry.schedule, now)
    this.#setTimer(entry)
  }

  #disarm(entry: Entry): void {
    if (entry.timer) this.#options.clock.clearTimeout(entry.timer)
    entry.timer = undefined
    entry.nextAt = undefined
  }

  #setTimer(entry: Entry): void {
    if (entry.nextAt === undefined) return
    const delay = Math.min(Math.max(0, entry.nextAt - this.#options.clock.now()), MAX_TIMER_MS)
    entry.timer = this.#options.clock.setTimeout(() => this.#onTimer(entry), delay)
  }

  #onTimer(entry: Entry): void {
    entry.timer = undefined
    const at = entry.nextAt
    if (!this.#running || at === undefined || this.#entries.get(entry.spec.name) !== entry) return
    const now = this.#options.clock.now()
    // Woken early (a long wait in daily steps, or a timer that fired before its time): wait on.
    if (now < at) {
      this.#setTimer(entry)
      return
    }
    try {
      this.#fire(entry.spec, at)
    } catch (error) {
      // Whatever happened to this firing, the rule keeps its schedule.
      this.#logger.error(
        `schedule '${entry.spec.name}': firing failed: ${(error as Error)?.message ?? error}`,
      )
    }
    // After a stall (a suspended laptop), missed times are skipped rather than fired in a burst.
    if (entry.schedule.kind === 'rate') {
      const period = entry.schedule.periodMs
      entry.nextAt = at + period * Math.max(1, Math.ceil((now - at + 1) / period))
    } else {
      entry.nextAt = nextCronFire(entry.schedule, Math.max(at, now))
    }
    this.#setTimer(entry)
  }

  #fire(spec: ScheduleSpec, at: number): void {
    const { metrics } = this.#options
    const region = this.#options.region ?? 'us-east-1'
    const account = this.#options.account ?? '000000000000'
    const event =
      spec.input !== undefined ? structuredClone(spec.input) : scheduledEvent(spec.name, at, region, account)
    const rule = new MetricScope(metrics, { RuleName: spec.name })
    rule.record(Events.TriggeredRules, 1, at)
    rule.record(Events.Invocations, 1, at)
    try {
      this.#options.enqueue(spec.functionName, event)
    } catch (error) {
      rule.record(Events.FailedInvocations, 1, at)
      this.#logger.error(
        `schedule '${spec.name}': could not queue the event for '${spec.functionName}': ${(error as Error)?.message ?? error}`,
      )
    }
  }
}

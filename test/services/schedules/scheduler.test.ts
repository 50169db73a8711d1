import { join } from 'node:path'
import { describe, expect, it, onTestFinished } from 'vitest'
import type { InvokeOptions, InvokeOutcome, Invoker } from '../../../src/contracts/functions.ts'
import {
  AsyncInvocations,
  type AsyncInvokeConfig,
  type DroppedEvent,
} from '../../../src/functions/async/async-invocations.ts'
import { MetricTotals } from '../../../src/monitor/metrics.ts'
import { Scheduler, type SchedulerOptions, type ScheduleSpec } from '../../../src/services/schedules/index.ts'
import { StateStore } from '../../../src/storage/state/state-store.ts'
import { ManualClock } from '../../../src/util/clock.ts'
import type { Logger } from '../../../src/util/logger.ts'
import { tempDir } from '../../helpers/tmp.ts'

const T0 = Date.UTC(2026, 0, 1, 0, 0, 0)
const MIN = 60_000

type Respond = (
  functionName: string,
  event: unknown,
  attempt: number,
) => InvokeOutcome['kind'] | Promise<InvokeOutcome['kind']>

interface Call {
  functionName: string
  event: unknown
  requestId: string
  at: number
}

/**
 * Runs "functions" in-process: `respond` decides each invocation's outcome. The worker pool is
 * the production Invoker; this one records what Lambda's async queue asked for, and when.
 */
class InProcessInvoker implements Invoker {
  readonly calls: Call[] = []

  constructor(
    private readonly clock: ManualClock,
    private readonly respond: Respond = () => 'ok',
  ) {}

  async invoke(functionName: string, event: unknown, options?: InvokeOptions): Promise<InvokeOutcome> {
    const requestId = options?.requestId ?? 'none'
    this.calls.push({ functionName, event, requestId, at: this.clock.now() })
    const attempt = this.calls.filter((c) => c.requestId === requestId).length
    const kind = await this.respond(functionName, event, attempt)
    switch (kind) {
      case 'ok':
        return { kind, result: null, durationMs: 0, requestId }
      case 'error':
        return { kind, errorType: 'Error', errorMessage: 'boom', stackTrace: [], durationMs: 0, requestId }
      case 'timeout':
        return { kind, durationMs: 3000, requestId }
      case 'crash':
        return { kind, errorMessage: 'exit 1', durationMs: 0, requestId }
      case 'throttled':
        return { kind, requestId }
    }
  }
}

class RecordingLogger implements Logger {
  readonly lines: string[] = []
  info(m: string) {
    this.lines.push(`info: ${m}`)
  }
  warn(m: string) {
    this.lines.push(`warn: ${m}`)
  }
  error(m: string) {
    this.lines.push(`error: ${m}`)
  }
}

/** Lets promise callbacks (invocation outcomes, retry scheduling) run. */
const settle = async () => {
  for (let i = 0; i < 3; i++) await new Promise((resolve) => setImmediate(resolve))
}

/** Moves the manual clock forward in steps, letting async work settle at every step. */
async function run(clock: ManualClock, ms: number, step = 1000) {
  await settle()
  for (let done = 0; done < ms; done += step) {
    clock.advance(Math.min(step, ms - done))
    await settle()
  }
}

/**
 * The scheduler as the runtime wires it: each firing goes to Lambda's durable async queue
 * (AsyncInvocations over a real state store), which runs it on the invoker with Lambda's retries.
 * `asyncInvoke` is the target function's asyncInvokeConfig; `dropped` collects what the queue
 * gives up on (the runtime sends it to the function's failure destinations).
 */
async function setup(
  schedules: ScheduleSpec[],
  respond?: Respond,
  options: Partial<SchedulerOptions> & { asyncInvoke?: AsyncInvokeConfig } = {},
  start = T0,
) {
  const { asyncInvoke, ...schedulerOptions } = options
  const clock = new ManualClock(start)
  const invoker = new InProcessInvoker(clock, respond)
  const metrics = new MetricTotals()
  const logger = new RecordingLogger()
  const store = StateStore.open(join(await tempDir(), 'state.db'))
  const dropped: DroppedEvent[] = []
  const asyncInvocations = new AsyncInvocations({
    store,
    invoker,
    clock,
    metrics,
    logger,
    config: () => asyncInvoke,
    onDropped: (event) => dropped.push(event),
  })
  // Lambda's Invoke refuses an unknown function before queueing anything (the runtime's
  // functions are checked when the pipeline is loaded).
  const enqueue = (functionName: string, event: unknown) => {
    if (functionName === 'missing') throw new Error('Function not found: missing')
    asyncInvocations.enqueue(functionName, event)
  }
  const scheduler = new Scheduler(schedules, { clock, metrics, logger, enqueue, ...schedulerOptions })
  /** Stops both, as the runtime does: no more firings, retries cancelled, running ones awaited. */
  const stop = async () => {
    await scheduler.stop()
    await asyncInvocations.stop()
  }
  onTestFinished(async () => {
    await stop()
    store.close()
  })
  asyncInvocations.start()
  return { clock, invoker, metrics, logger, scheduler, dropped, enqueue, stop }
}

const rule = (name: string, expression: string, extra: Partial<ScheduleSpec> = {}): ScheduleSpec => ({
  name,
  expression,
  functionName: 'fn',
  enabled: true,
  ...extra,
})

const times = (calls: Call[]) => calls.map((c) => (c.at - T0) / 1000)
describe('firing', () => {
  it('fires a rate schedule one period after start, then every period, with the scheduled event', async () => {
    const { clock, invoker, scheduler } = await setup([rule('generator', 'rate(5 minutes)')], undefined, {
      region: 'eu-west-1',
      account: '123456789012',
    })
    scheduler.start()
    await run(clock, 16 * MIN)
    expect(times(invoker.calls)).toEqual([300, 600, 900])
    expect(invoker.calls[0]!.event).toEqual({
      version: '0',
      id: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/),
      'detail-type': 'Scheduled Event',
      source: 'aws.events',
      account: '123456789012',
      time: '2026-01-01T00:05:00Z',
      region: 'eu-west-1',
      resources: ['arn:aws:events:eu-west-1:123456789012:rule/generator'],
      detail: {},
    })
    const ids = invoker.calls.map((c) => (c.event as { id: string }).id)
    expect(new Set(ids).size).toBe(3)
    expect(invoker.calls.map((c) => (c.event as { time: string }).time)).toEqual([
      '2026-01-01T00:05:00Z',
      '2026-01-01T00:10:00Z',
      '2026-01-01T00:15:00Z',
    ])
    await scheduler.stop()
  })

  it('stamps events to the second even when started mid-second', async () => {
    const { clock, invoker, scheduler } = await setup([rule('r', 'rate(1 minute)')], undefined, {}, T0 + 1234)
    scheduler.start()
    await run(clock, MIN, 1234)
    expect(invoker.calls.map((c) => (c.event as { time: string }).time)).toEqual(['2026-01-01T00:01:01Z'])
    await scheduler.stop()
  })

  it('fires a cron schedule at each selected minute, in UTC', async () => {
    const start = Date.UTC(2026, 0, 1, 0, 7)
    const { clock, invoker, scheduler } = await setup(
      [rule('quarter', 'cron(0/15 * * * ? *)')],
      undefined,
      {},
      start,
    )
    scheduler.start()
    await run(clock, 40 * MIN, 30_000)
    expect(invoker.calls.map((c) => new Date(c.at).toISOString())).toEqual([
      '2026-01-01T00:15:00.000Z',
      '2026-01-01T00:30:00.000Z',
      '2026-01-01T00:45:00.000Z',
    ])
    await scheduler.stop()
  })

  it('waits a year for a yearly cron, in steps no timer can overflow', async () => {
    const { clock, invoker, scheduler } = await setup([rule('yearly', 'cron(0 0 1 1 ? *)')])
    scheduler.start()
    expect(scheduler.status()[0]!.nextFireAt).toBe(Date.UTC(2027, 0, 1))
    await run(clock, 366 * 24 * 60 * MIN, 6 * 60 * MIN)
    expect(invoker.calls.map((c) => new Date(c.at).toISOString())).toEqual(['2027-01-01T00:00:00.000Z'])
    expect((invoker.calls[0]!.event as { time: string }).time).toBe('2027-01-01T00:00:00Z')
    await scheduler.stop()
  })

  it('sends the configured constant input instead of the event, a fresh copy each time', async () => {
    const input = { job: 'compact', options: { depth: 2 } }
    const { clock, invoker, scheduler } = await setup([rule('compact', 'rate(1 minute)', { input })])
    scheduler.start()
    await run(clock, 2 * MIN)
    expect(invoker.calls.map((c) => c.event)).toEqual([input, input])
    expect(invoker.calls[0]!.event).not.toBe(input)
    expect(invoker.calls[0]!.event).not.toBe(invoker.calls[1]!.event)
    await scheduler.stop()
  })

  it('lets a slow function overlap itself, as EventBridge does', async () => {
    let release = () => {}
    const gate = new Promise<void>((resolve) => {
      release = resolve
    })
    const { clock, invoker, scheduler } = await setup([rule('slow', 'rate(1 minute)')], async () => {
      await gate
      return 'ok' as const
    })
    scheduler.start()
    await run(clock, 3 * MIN)
    expect(times(invoker.calls)).toEqual([60, 120, 180])
    release()
    await scheduler.stop()
  })

  it('never fires a disabled schedule', async () => {
    const { clock, invoker, scheduler } = await setup([rule('off', 'rate(1 minute)', { enabled: false })])
    scheduler.start()
    await run(clock, 5 * MIN)
    expect(invoker.calls).toEqual([])
    expect(scheduler.status()).toEqual([
      {
        name: 'off',
        expression: 'rate(1 minute)',
        functionName: 'fn',
        enabled: false,
        nextFireAt: undefined,
      },
    ])
  })

  it('publishes AWS/Events metrics by rule name', async () => {
    const { clock, metrics, scheduler } = await setup([
      rule('a', 'rate(1 minute)'),
      rule('b', 'rate(2 minutes)'),
    ])
    scheduler.start()
    await run(clock, 4 * MIN)
    const sum = (name: string, rule: string) => metrics.get('AWS/Events', name, { RuleName: rule }).sum
    expect([sum('Invocations', 'a'), sum('TriggeredRules', 'a'), sum('FailedInvocations', 'a')]).toEqual([
      4, 4, 0,
    ])
    expect([sum('Invocations', 'b'), sum('TriggeredRules', 'b')]).toEqual([2, 2])
    await scheduler.stop()
  })
})

describe('Lambda asynchronous retries', () => {
  it('retries a failing function twice, 1 then 2 minutes apart, with one request id, then drops the event', async () => {
    const { clock, invoker, metrics, dropped, scheduler } = await setup(
      [rule('nightly', 'rate(1 day)')],
      () => 'error',
    )
    scheduler.start()
    await run(clock, 24 * 60 * MIN + 10 * MIN, 10_000)
    expect(times(invoker.calls)).toEqual([86_400, 86_460, 86_580])
    expect(new Set(invoker.calls.map((c) => c.requestId)).size).toBe(1)
    expect(new Set(invoker.calls.map((c) => (c.event as { id: string }).id)).size).toBe(1)
    expect(dropped).toEqual([
      expect.objectContaining({
        functionName: 'fn',
        reason: 'RetriesExhausted',
        attempts: 3,
        lastOutcome: expect.objectContaining({ kind: 'error', errorType: 'Error', errorMessage: 'boom' }),
      }),
    ])
    // EventBridge handed the event to Lambda: an invocation, not a failed one.
    expect(metrics.get('AWS/Events', 'Invocations', { RuleName: 'nightly' }).sum).toBe(1)
    expect(metrics.get('AWS/Events', 'FailedInvocations', { RuleName: 'nightly' }).sum).toBe(0)
    expect(metrics.get('AWS/Lambda', 'AsyncEventsReceived', { FunctionName: 'fn' }).sum).toBe(1)
    expect(metrics.get('AWS/Lambda', 'AsyncEventsDropped', { FunctionName: 'fn' }).sum).toBe(1)
    await scheduler.stop()
  })

  it.each(['timeout', 'crash'] as const)('treats a %s as a function error and retries it', async (kind) => {
    const { clock, invoker, scheduler } = await setup([rule('r', 'rate(1 hour)')], (_, __, attempt) =>
      attempt === 1 ? kind : 'ok',
    )
    scheduler.start()
    await run(clock, 62 * MIN, 10_000)
    expect(times(invoker.calls)).toEqual([3600, 3660])
    await scheduler.stop()
  })

  it('stops retrying once an attempt succeeds', async () => {
    const { clock, invoker, logger, dropped, scheduler } = await setup(
      [rule('r', 'rate(1 hour)')],
      (_, __, attempt) => (attempt < 2 ? 'error' : 'ok'),
    )
    scheduler.start()
    await run(clock, 70 * MIN, 10_000)
    expect(times(invoker.calls)).toEqual([3600, 3660])
    expect(logger.lines).toEqual([])
    expect(dropped).toEqual([])
    await scheduler.stop()
  })

  it('honours MaximumRetryAttempts 0', async () => {
    const { clock, invoker, dropped, scheduler } = await setup([rule('r', 'rate(1 hour)')], () => 'error', {
      asyncInvoke: { maximumRetryAttempts: 0, maximumEventAgeInSeconds: 6 * 60 * 60 },
    })
    scheduler.start()
    await run(clock, 70 * MIN, 10_000)
    expect(times(invoker.calls)).toEqual([3600])
    expect(dropped).toHaveLength(1)
    await scheduler.stop()
  })

  it('retries throttles with exponential backoff without using up attempts', async () => {
    const { clock, invoker, scheduler } = await setup([rule('r', 'rate(1 hour)')], (_, __, attempt) =>
      attempt <= 4 ? 'throttled' : attempt === 5 ? 'error' : 'ok',
    )
    scheduler.start()
    await run(clock, 62 * MIN + 30_000, 500)
    // Throttled at +0, +1, +3, +7 s (1, 2, 4 s apart), run and failed at +15 s, retried a minute later.
    expect(times(invoker.calls).map((t) => t - 3600)).toEqual([0, 1, 3, 7, 15, 75])
    await scheduler.stop()
  })

  it('drops an event that is still throttled at the maximum event age', async () => {
    const { clock, invoker, dropped, metrics, scheduler } = await setup(
      [rule('r', 'rate(1 hour)')],
      () => 'throttled',
      {
        asyncInvoke: { maximumRetryAttempts: 2, maximumEventAgeInSeconds: 60 },
      },
    )
    scheduler.start()
    await run(clock, 63 * MIN, 500)
    expect(times(invoker.calls).map((t) => t - 3600)).toEqual([0, 1, 3, 7, 15, 31])
    expect(dropped).toEqual([
      expect.objectContaining({
        functionName: 'fn',
        reason: 'EventAgeExceeded',
        lastOutcome: expect.objectContaining({ kind: 'throttled' }),
      }),
    ])
    expect(metrics.get('AWS/Lambda', 'AsyncEventsDropped', { FunctionName: 'fn' }).sum).toBe(1)
    await scheduler.stop()
  })

  it('counts a FailedInvocation when the function cannot be invoked at all', async () => {
    const { clock, metrics, logger, scheduler } = await setup([
      rule('r', 'rate(1 minute)', { functionName: 'missing' }),
    ])
    scheduler.start()
    await run(clock, 2 * MIN)
    expect(metrics.get('AWS/Events', 'Invocations', { RuleName: 'r' }).sum).toBe(2)
    expect(metrics.get('AWS/Events', 'FailedInvocations', { RuleName: 'r' }).sum).toBe(2)
    expect(logger.lines).toEqual([
      "error: schedule 'r': could not queue the event for 'missing': Function not found: missing",
      "error: schedule 'r': could not queue the event for 'missing': Function not found: missing",
    ])
    await scheduler.stop()
  })
})

describe('start, stop and update', () => {
  it('stop() ends firing and cancels pending retries', async () => {
    const { clock, invoker, scheduler, stop } = await setup([rule('r', 'rate(1 minute)')], () => 'error')
    scheduler.start()
    await run(clock, MIN)
    expect(times(invoker.calls)).toEqual([60])
    await stop()
    await run(clock, 10 * MIN)
    expect(times(invoker.calls)).toEqual([60])
    expect(scheduler.status()[0]!.nextFireAt).toBeUndefined()
  })

  it('stop() waits for running invocations', async () => {
    let release = () => {}
    const gate = new Promise<void>((resolve) => {
      release = resolve
    })
    const { clock, scheduler, stop } = await setup([rule('r', 'rate(1 minute)')], async () => {
      await gate
      return 'ok' as const
    })
    scheduler.start()
    await run(clock, MIN)
    let stopped = false
    const stopping = stop().then(() => {
      stopped = true
    })
    await settle()
    expect(stopped).toBe(false)
    release()
    await stopping
    expect(stopped).toBe(true)
  })

  it('start() after stop() begins a fresh period', async () => {
    const { clock, invoker, scheduler } = await setup([rule('r', 'rate(5 minutes)')])
    scheduler.start()
    await run(clock, 2 * MIN)
    await scheduler.stop()
    scheduler.start()
    await run(clock, 6 * MIN)
    expect(times(invoker.calls)).toEqual([420])
    await scheduler.stop()
  })

  it('update() keeps unchanged rules on time, restarts changed ones, adds and removes', async () => {
    const { clock, invoker, scheduler } = await setup([
      rule('same', 'rate(5 minutes)'),
      rule('retarget', 'rate(5 minutes)'),
      rule('changed', 'rate(5 minutes)'),
      rule('removed', 'rate(5 minutes)'),
    ])
    scheduler.start()
    await run(clock, 2 * MIN)
    scheduler.update([
      rule('same', 'rate(5 minutes)'),
      rule('retarget', 'rate(5 minutes)', { functionName: 'other' }),
      rule('changed', 'rate(10 minutes)'),
      rule('added', 'cron(0/3 * * * ? *)'),
    ])
    await run(clock, 10 * MIN)
    const fired = (name: string) =>
      invoker.calls
        .filter((c) => (c.event as { resources: string[] }).resources[0]!.endsWith(`/${name}`))
        .map((c) => `${c.functionName}@${(c.at - T0) / 1000}`)
    expect(fired('same')).toEqual(['fn@300', 'fn@600'])
    expect(fired('retarget')).toEqual(['other@300', 'other@600'])
    expect(fired('changed')).toEqual(['fn@720'])
    expect(fired('added')).toEqual(['fn@180', 'fn@360', 'fn@540', 'fn@720'])
    expect(fired('removed')).toEqual([])
    expect(scheduler.status().map((s) => s.name)).toEqual(['same', 'retarget', 'changed', 'added'])
    await scheduler.stop()
  })

  it('update() enables and disables rules', async () => {
    const { clock, invoker, scheduler } = await setup([rule('r', 'rate(1 minute)', { enabled: false })])
    scheduler.start()
    await run(clock, 2 * MIN)
    scheduler.update([rule('r', 'rate(1 minute)')])
    await run(clock, 2 * MIN)
    scheduler.update([rule('r', 'rate(1 minute)', { enabled: false })])
    await run(clock, 2 * MIN)
    expect(times(invoker.calls)).toEqual([180, 240])
    await scheduler.stop()
  })

  it('reports when each rule fires next', async () => {
    const { scheduler } = await setup([rule('a', 'rate(5 minutes)'), rule('b', 'cron(0 12 * * ? *)')])
    expect(scheduler.status().map((s) => s.nextFireAt)).toEqual([undefined, undefined])
    scheduler.start()
    expect(scheduler.status().map((s) => s.nextFireAt)).toEqual([T0 + 5 * MIN, Date.UTC(2026, 0, 1, 12)])
    await scheduler.stop()
  })

  it.each([
    [[rule('a', 'rate(1 minute)'), rule('a', 'rate(2 minutes)')], "schedule name 'a' is used twice"],
    [
      [rule('bad name', 'rate(1 minute)')],
      'schedule name "bad name" must be 1-64 characters of A-Z a-z 0-9 . - _',
    ],
    [
      [rule('x'.repeat(65), 'rate(1 minute)')],
      `schedule name "${'x'.repeat(65)}" must be 1-64 characters of A-Z a-z 0-9 . - _`,
    ],
    [[rule('a', 'rate(1 minute)', { functionName: '' })], "schedule 'a' needs a functionName"],
    [
      [rule('a', 'rate(1 minutes)')],
      'invalid schedule expression "rate(1 minutes)": a value of 1 takes the singular unit \'minute\'',
    ],
    [[rule('a', 'rate(1 minute)', { input: { f: () => 1 } })], "schedule 'a': input must be plain JSON data"],
  ])('refuses %j before scheduling anything', async (schedules, message) => {
    const { clock, invoker, scheduler, enqueue } = await setup([rule('keep', 'rate(1 minute)')])
    expect(() => new Scheduler(schedules, { clock, enqueue })).toThrowError(message)
    scheduler.start()
    expect(() => scheduler.update(schedules)).toThrowError(message)
    await run(clock, MIN)
    expect(times(invoker.calls)).toEqual([60])
    await scheduler.stop()
  })
})

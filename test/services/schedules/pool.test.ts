import { fileURLToPath } from 'node:url'
import { describe, expect, it, onTestFinished } from 'vitest'
import type { InvokeOptions, InvokeOutcome, Invoker } from '../../../src/contracts/functions.ts'
import { AsyncInvocations } from '../../../src/functions/async/async-invocations.ts'
import { FunctionPool } from '../../../src/functions/workers/pool.ts'
import { Scheduler } from '../../../src/services/schedules/index.ts'
import { createTableBindings, openTables } from '../../../src/services/tables/index.ts'
import { ManualClock } from '../../../src/util/clock.ts'
import { openStore } from '../tables/helpers.ts'

/** The real pool, observed: each outcome can be awaited, so the test needs no sleeps. */
class Observed implements Invoker {
  readonly requestIds: string[] = []
  readonly #outcomes: InvokeOutcome[] = []
  readonly #waiters: Array<(o: InvokeOutcome) => void> = []

  constructor(private readonly inner: Invoker) {}

  async invoke(functionName: string, event: unknown, options?: InvokeOptions): Promise<InvokeOutcome> {
    this.requestIds.push(options?.requestId ?? '')
    const outcome = await this.inner.invoke(functionName, event, options)
    const waiter = this.#waiters.shift()
    if (waiter) waiter(outcome)
    else this.#outcomes.push(outcome)
    return outcome
  }

  next(): Promise<InvokeOutcome> {
    const ready = this.#outcomes.shift()
    return ready ? Promise.resolve(ready) : new Promise((resolve) => this.#waiters.push(resolve))
  }
}

const settle = async () => {
  for (let i = 0; i < 3; i++) await new Promise((resolve) => setImmediate(resolve))
}

describe('schedules with the worker pool', () => {
  it('invokes a real handler on schedule, retrying it as Lambda does, with table bindings', async () => {
    const { store } = await openStore()
    const tables = openTables(store, { ticks: { partitionKey: 'id' } })
    const pool = new FunctionPool({
      functions: [
        {
          name: 'tick',
          file: fileURLToPath(new URL('./handlers/tick.ts', import.meta.url)),
          exportName: 'handler',
          timeoutMs: 10_000,
          memoryMb: 128,
          reservedConcurrency: undefined,
          environment: {},
        },
      ],
      bindings: { call: createTableBindings(tables) },
    })
    onTestFinished(() => pool.close())
    const invoker = new Observed(pool)
    const clock = new ManualClock(Date.UTC(2026, 0, 1))
    // As the runtime wires it: the scheduler hands each firing to Lambda's durable async queue.
    const asyncInvocations = new AsyncInvocations({ store, invoker, clock })
    onTestFinished(() => asyncInvocations.stop())
    const scheduler = new Scheduler(
      [{ name: 'ticker', expression: 'cron(0/5 * * * ? *)', functionName: 'tick', enabled: true }],
      { clock, enqueue: (fn, event) => asyncInvocations.enqueue(fn, event) },
    )
    asyncInvocations.start()
    scheduler.start()

    clock.advance(5 * 60_000)
    expect((await invoker.next()).kind).toBe('error')
    await settle()
    clock.advance(60_000)
    expect((await invoker.next()).kind).toBe('error')
    await settle()
    clock.advance(120_000)
    expect(await invoker.next()).toMatchObject({ kind: 'ok', result: { ok: true } })
    await scheduler.stop()
    await asyncInvocations.stop()

    const [item] = tables.get('ticks')!.scan().items
    expect(item).toMatchObject({ attempts: 3, detailType: 'Scheduled Event' })
    // Lambda keeps the request id across the retries of one asynchronous event.
    expect(item!.requestIds).toEqual([invoker.requestIds[0], invoker.requestIds[0], invoker.requestIds[0]])
  })
})

import { join } from 'node:path'
import { onTestFinished } from 'vitest'
import { MetricTotals } from '../../../src/monitor/metrics.ts'
import { QueueService } from '../../../src/services/queues/queue-service.ts'
import { StateStore } from '../../../src/storage/state/state-store.ts'
import { ManualClock } from '../../../src/util/clock.ts'
import { tempDir } from '../../helpers/tmp.ts'

export const T0 = Date.UTC(2026, 0, 1)

export interface QueueFixture {
  dir: string
  clock: ManualClock
  metrics: MetricTotals
  store: StateStore
  queues: QueueService
  /** Closes the store and opens the same data directory again, as after a restart. */
  restart(): QueueFixture
}

/** A queue service over a real SQLite state store in a fresh temp dir, on a manual clock. */
export async function openQueues(clock = new ManualClock(T0)): Promise<QueueFixture> {
  const dir = await tempDir()
  return open(dir, clock)
}

function open(dir: string, clock: ManualClock): QueueFixture {
  const store = StateStore.open(join(dir, 'state.db'))
  const metrics = new MetricTotals()
  const queues = new QueueService({ store, clock, metrics, region: 'eu-west-1', accountId: '123456789012' })
  let closed = false
  const close = () => {
    if (closed) return
    closed = true
    queues.close()
    store.close()
  }
  onTestFinished(close)
  return {
    dir,
    clock,
    metrics,
    store,
    queues,
    restart() {
      close()
      return open(dir, clock)
    },
  }
}

/** Lets pending promise callbacks and microtasks run (no timers, no sleeping). */
export async function settle(rounds = 20): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise<void>((resolve) => setImmediate(resolve))
}

export function sqsMetric(metrics: MetricTotals, name: string, queue: string) {
  return metrics.get('AWS/SQS', name, { QueueName: queue })
}

/** Settles until `condition` holds; fails the test if it never does. */
export async function until(condition: () => boolean, what = 'condition'): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (condition()) return
    await new Promise<void>((resolve) => setImmediate(resolve))
  }
  throw new Error(`timed out waiting for ${what}`)
}

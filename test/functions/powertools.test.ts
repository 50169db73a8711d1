import { describe, expect, it, onTestFinished } from 'vitest'
import { putRecords } from '../../src/engine/records.ts'
import { openTables } from '../../src/services/tables/index.ts'
import { startPipeline } from '../../src/testing/index.ts'

const CONFIG = new URL('../fixtures/pipelines/powertools/tributary.config.ts', import.meta.url).pathname

describe('@aws-lambda-powertools/batch (the real library) in a Kinesis mapping', () => {
  it('reports failed records; the rest are processed once, the bad one ends at the destination', async () => {
    const p = await startPipeline(CONFIG, { teardown: onTestFinished })
    await p.until(() => p.runtime.engine.streams().some((s) => s.state.status === 'ACTIVE'))
    const orders = Array.from({ length: 20 }, (_, i) => ({ id: `o${i}`, ...(i === 7 && { bad: true }) }))
    await putRecords(
      p.runtime.engine,
      'orders',
      orders.map((o) => ({ partitionKey: o.id, data: Buffer.from(JSON.stringify(o)).toString('base64') })),
    )
    await p.until(() => p.runtime.queues.depth('failed').visible === 1)
    const processed = openTables(p.runtime.engine.state, { processed: { partitionKey: 'order' } }).get(
      'processed',
    )!
    await p.until(() =>
      orders.filter((o) => !o.bad).every((o) => processed.get({ order: o.id }) !== undefined),
    )
    // o0-o6 succeeded in the first batch and are not redelivered; o8 and o9 were retried with o7.
    for (const o of orders.filter((x) => !x.bad)) {
      const times = Number(processed.get({ order: o.id })!.times)
      expect(times, o.id).toBe(['o8', 'o9'].includes(o.id) ? 2 : 1)
    }
    expect(processed.get({ order: 'o7' })).toBeUndefined()
    const failure = JSON.parse(p.runtime.queues.peek('failed', { limit: 1 }).messages[0]!.body)
    expect(failure.KinesisBatchInfo.batchSize).toBe(3)
    expect(failure.requestContext.condition).toBe('RetryAttemptsExhausted')
  })
})

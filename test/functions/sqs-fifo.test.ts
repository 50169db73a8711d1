import { describe, expect, it, onTestFinished } from 'vitest'
import { openTables } from '../../src/services/tables/index.ts'
import { startPipeline } from '../../src/testing/index.ts'

const CONFIG = new URL('../fixtures/pipelines/powertools-fifo/tributary.config.ts', import.meta.url).pathname

describe('an SQS mapping on a FIFO queue, with Powertools SqsFifoPartialProcessor (the real library)', () => {
  it('processes each group in send order; a failed message holds back the rest of its group only', async () => {
    const p = await startPipeline(CONFIG, { teardown: onTestFinished })
    const queues = p.runtime.queues
    const orders = [
      { group: 'a', id: 'a1' },
      { group: 'b', id: 'b1' },
      { group: 'a', id: 'a2', failOnce: true },
      { group: 'a', id: 'a3' },
      { group: 'b', id: 'b2' },
    ]
    const sent = Object.fromEntries(
      orders.map(({ group, ...order }) => [
        order.id,
        queues.send('orders.fifo', JSON.stringify(order), { messageGroupId: group }).sequenceNumber,
      ]),
    )
    const tables = openTables(p.runtime.engine.state, {
      groups: { partitionKey: 'group' },
      processed: { partitionKey: 'order' },
    })
    const processed = tables.get('processed')!
    const done = (id: string) => processed.get({ order: id }) !== undefined
    await p.until(() => ['a1', 'b1', 'b2'].every(done))
    // a2 failed: a3 was reported with it, and group a waits for their visibility timeout.
    await p.until(() => queues.depth('orders.fifo').inFlight === 2)
    expect(done('a2') || done('a3')).toBe(false)
    await p.advance(31_000)
    await p.until(() => done('a3'))
    await p.until(() => queues.depth('orders.fifo').inFlight + queues.depth('orders.fifo').visible === 0)
    const row = (id: string) => processed.get({ order: id }) as Record<string, unknown>
    expect(Object.fromEntries(orders.map((o) => [o.id, row(o.id)]))).toEqual({
      a1: { order: 'a1', times: 1, position: 1, sequenceNumber: sent.a1 },
      b1: { order: 'b1', times: 1, position: 1, sequenceNumber: sent.b1 },
      a2: { order: 'a2', times: 1, position: 2, sequenceNumber: sent.a2 },
      a3: { order: 'a3', times: 1, position: 3, sequenceNumber: sent.a3 },
      b2: { order: 'b2', times: 1, position: 2, sequenceNumber: sent.b2 },
    })
  })
})

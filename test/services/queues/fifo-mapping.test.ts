import { describe, expect, it, onTestFinished } from 'vitest'
import { SqsMapping } from '../../../src/functions/sqs/sqs-mapping.ts'
import type { SqsMappingConfig } from '../../../src/functions/sqs/sqs-mapping-config.ts'
import type { QueueService } from '../../../src/services/queues/queue-service.ts'
import { openQueues, settle, T0, until } from './fixtures.ts'
import { FunctionInvoker, type Handler } from './function-invoker.ts'

const QUEUE = 'jobs.fifo'

async function setup(handler: Handler, options: Partial<SqsMappingConfig> = {}) {
  const fixture = await openQueues()
  fixture.queues.declareAll({
    [QUEUE]: { fifo: true, contentBasedDeduplication: true, visibilityTimeoutSeconds: 30 },
  })
  const invoker = new FunctionInvoker({ worker: handler })
  const mapping = new SqsMapping(
    { function: 'worker', queue: QUEUE, maximumConcurrency: 2, ...options },
    { queues: fixture.queues, invoker, clock: fixture.clock, functionTimeoutMs: 3_000 },
  )
  onTestFinished(() => mapping.stop())
  return { ...fixture, invoker, mapping }
}

/** Sends `group:body` pairs, e.g. `a1` is body `a1` in group `a`. */
function sendAll(queues: QueueService, ...bodies: string[]) {
  return bodies.map((body) => queues.send(QUEUE, body, { messageGroupId: body[0]! }))
}

// biome-ignore lint/suspicious/noExplicitAny: tests read events field by field
const bodies = (event: any): string[] => event.Records.map((r: { body: string }) => r.body)

describe('SQS event source mapping on a FIFO queue', () => {
  it('hands over records with MessageGroupId, MessageDeduplicationId and SequenceNumber, in group order', async () => {
    const { queues, invoker, mapping } = await setup(() => undefined, { batchSize: 3 })
    const sent = sendAll(queues, 'a1', 'b1', 'a2', 'a3', 'b2')
    mapping.start()
    await until(() => queues.depth(QUEUE).visible + queues.depth(QUEUE).inFlight === 0, 'all deleted')
    const record = invoker.calls[0]!.event.Records[0]
    expect(record.attributes).toEqual({
      ApproximateReceiveCount: '1',
      SentTimestamp: String(T0),
      SenderId: '123456789012',
      ApproximateFirstReceiveTimestamp: String(T0),
      MessageGroupId: 'a',
      MessageDeduplicationId: expect.stringMatching(/^[0-9a-f]{64}$/),
      SequenceNumber: sent[0]!.sequenceNumber,
    })
    expect(record.eventSourceARN).toBe('arn:aws:sqs:eu-west-1:123456789012:jobs.fifo')
    const seen = invoker.calls.flatMap((c) => bodies(c.event))
    expect(seen.filter((b) => b.startsWith('a'))).toEqual(['a1', 'a2', 'a3'])
    expect(seen.filter((b) => b.startsWith('b'))).toEqual(['b1', 'b2'])
    // A batch is one receive: a group at a time, as many of its messages as fit.
    expect(bodies(invoker.calls[0]!.event)).toEqual(['a1', 'a2', 'a3'])
  })

  it('after a failed batch, its groups wait for the retry: nothing later in them runs first', async () => {
    let fail = true
    const { queues, invoker, mapping, clock } = await setup(
      () => {
        if (fail) throw new Error('boom')
      },
      { batchSize: 2 },
    )
    sendAll(queues, 'a1', 'a2', 'a3', 'b1')
    mapping.start()
    await until(() => invoker.calls.length === 2, 'two batches')
    await settle()
    expect(invoker.calls.map((c) => bodies(c.event))).toEqual([['a1', 'a2'], ['b1']])
    // a3 is visible, but group a is locked by the failed a1 and a2 until their timeout passes.
    await settle()
    expect(invoker.calls).toHaveLength(2)
    fail = false
    clock.advance(30_000)
    await until(() => queues.depth(QUEUE).visible + queues.depth(QUEUE).inFlight === 0, 'all deleted')
    const retried = invoker.calls.slice(2).flatMap((c) => bodies(c.event))
    expect(retried.filter((b) => b.startsWith('a'))).toEqual(['a1', 'a2', 'a3'])
  })

  it('with ReportBatchItemFailures, a group stops at its first reported message: later ones stay even if unreported', async () => {
    let report: string[] = []
    const { queues, invoker, mapping, clock } = await setup(
      () => ({ batchItemFailures: report.map((itemIdentifier) => ({ itemIdentifier })) }),
      { functionResponseTypes: ['ReportBatchItemFailures'], batchSize: 10 },
    )
    const sent = sendAll(queues, 'a1', 'b1', 'a2', 'a3', 'b2')
    report = [sent[2]!.messageId] // a2 only: a3 is not reported, yet must not be deleted before a2
    mapping.start()
    await until(() => invoker.calls.length === 1)
    await until(() => queues.depth(QUEUE).inFlight === 2, 'a1, b1 and b2 to be deleted')
    report = []
    clock.advance(30_000)
    await until(() => invoker.calls.length === 2)
    expect(bodies(invoker.calls[1]!.event)).toEqual(['a2', 'a3'])
    await until(() => queues.depth(QUEUE).inFlight === 0)
  })

  it.each([
    [
      { batchSize: 11, maximumBatchingWindowInSeconds: 1 },
      'mappings.batchSize: must be at most 10 for a FIFO queue',
    ],
    [{ maximumBatchingWindowInSeconds: 1 }, 'a batching window is not supported for a FIFO queue'],
  ])('refuses %o on a FIFO queue, as Lambda does', async (options, message) => {
    await expect(setup(() => undefined, options)).rejects.toThrow(message)
  })
})

import { fileURLToPath } from 'node:url'
import { describe, expect, it, onTestFinished } from 'vitest'
import type { FunctionSpec, InvokeOptions, InvokeOutcome, Invoker } from '../../../src/contracts/functions.ts'
import { AsyncInvocations } from '../../../src/functions/async/async-invocations.ts'
import { SqsMapping } from '../../../src/functions/sqs/sqs-mapping.ts'
import { FunctionPool } from '../../../src/functions/workers/pool.ts'
import { createQueueTopicBindings } from '../../../src/services/topics/bindings.ts'
import { TopicService } from '../../../src/services/topics/topic-service.ts'
import { openQueues } from './fixtures.ts'

const HANDLERS = fileURLToPath(new URL('./handlers/pipeline.ts', import.meta.url))

function spec(name: string): FunctionSpec {
  return {
    name,
    file: HANDLERS,
    exportName: name,
    timeoutMs: 10_000,
    memoryMb: 128,
    reservedConcurrency: undefined,
    environment: {},
  }
}

/** Wraps the pool so a test can wait for "after the next invocation ended" instead of sleeping. */
class WatchedInvoker implements Invoker {
  readonly #waiters = new Set<() => void>()

  constructor(readonly inner: Invoker) {}

  async invoke(name: string, event: unknown, options?: InvokeOptions): Promise<InvokeOutcome> {
    try {
      return await this.inner.invoke(name, event, options)
    } finally {
      // After the caller has acted on the outcome (deleted the batch, updated the async queue).
      setImmediate(() => {
        for (const wake of [...this.#waiters]) wake()
      })
    }
  }

  async until(condition: () => boolean): Promise<void> {
    while (!condition()) {
      await new Promise<void>((resolve) => {
        const wake = () => {
          this.#waiters.delete(wake)
          resolve()
        }
        this.#waiters.add(wake)
      })
    }
  }
}

describe('queues and topics with the real function pool', () => {
  it('runs an SQS-triggered handler that publishes to a topic fanning out to a queue and a function', async () => {
    const { queues, store, clock } = await openQueues()
    queues.declareAll({
      jobs: { visibilityTimeoutSeconds: 30, maxReceiveCount: 1, deadLetterQueue: 'jobs-dlq' },
      'jobs-dlq': {},
      results: {},
      'audit-log': {},
    })
    let topics!: TopicService
    const pool = new FunctionPool({
      functions: [spec('worker'), spec('audit'), spec('missing')],
      bindings: { call: (call) => createQueueTopicBindings(queues, topics).call(call) },
      region: queues.region,
      account: queues.accountId,
    })
    onTestFinished(() => pool.close())
    const invoker = new WatchedInvoker(pool)
    const asyncInvocations = new AsyncInvocations({ store, invoker, clock })
    onTestFinished(() => asyncInvocations.stop())
    topics = new TopicService({ store, queues, asyncInvocations, clock })
    topics.declare('done', {
      subscriptions: [{ queue: 'results', rawMessageDelivery: true }, { function: 'audit' }],
    })
    const mapping = new SqsMapping(
      { function: 'worker', queue: 'jobs', functionResponseTypes: ['ReportBatchItemFailures'] },
      { queues, invoker, clock, functionTimeoutMs: 10_000 },
    )
    onTestFinished(() => mapping.stop())

    for (const body of ['a', 'poison', 'b']) queues.send('jobs', body)
    asyncInvocations.start()
    mapping.start()

    await invoker.until(() => queues.depth('audit-log').visible === 2)
    const results = await queues.receive('results', { max: 10 })
    expect(results.map((m) => JSON.parse(m.body))).toEqual([{ body: 'a' }, { body: 'b' }])
    expect(results[0]!.messageAttributes.from).toEqual({
      dataType: 'String',
      stringValue: 'arn:aws:sqs:eu-west-1:123456789012:jobs',
    })
    const audited = await queues.receive('audit-log', { max: 10 })
    expect(audited.map((m) => m.body).sort()).toEqual(['{"body":"a"}', '{"body":"b"}'])
    expect(audited[0]!.messageAttributes.topic!.stringValue).toBe('arn:aws:sns:eu-west-1:123456789012:done')

    // The reported failure stays in flight, comes back after the visibility timeout and, past
    // maxReceiveCount, goes to the dead-letter queue instead of back to the function.
    expect(queues.depth('jobs')).toMatchObject({ visible: 0, inFlight: 1 })
    clock.advance(30_000)
    const dead = await queues.receive('jobs-dlq', { waitTimeSeconds: 20 })
    expect(dead.map((m) => m.body)).toEqual(['poison'])

    const outcome = await pool.invoke('missing', {})
    expect(outcome).toMatchObject({
      kind: 'ok',
      result: { name: 'ResourceNotFoundException', message: "queue 'nope' is not defined in this pipeline" },
    })
  })
})

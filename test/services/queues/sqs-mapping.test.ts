import { describe, expect, it, onTestFinished } from 'vitest'
import { SqsMapping } from '../../../src/functions/sqs/sqs-mapping.ts'
import type { SqsMappingConfig } from '../../../src/functions/sqs/sqs-mapping-config.ts'
import type { QueueService } from '../../../src/services/queues/queue-service.ts'
import { openQueues, settle, sqsMetric, T0, until } from './fixtures.ts'
import { FunctionInvoker, type Handler } from './function-invoker.ts'

type MappingOptions = Partial<SqsMappingConfig>

async function setup(handler: Handler, options: MappingOptions = {}, queueConfig = {}) {
  const fixture = await openQueues()
  fixture.queues.declareAll({
    jobs: { visibilityTimeoutSeconds: 30, maxReceiveCount: 2, deadLetterQueue: 'jobs-dlq', ...queueConfig },
    'jobs-dlq': {},
  })
  const invoker = new FunctionInvoker({ worker: handler })
  const mapping = new SqsMapping(
    { function: 'worker', queue: 'jobs', maximumConcurrency: 2, ...options },
    { queues: fixture.queues, invoker, clock: fixture.clock, functionTimeoutMs: 3_000 },
  )
  onTestFinished(() => mapping.stop())
  return { ...fixture, invoker, mapping }
}

const bodies = (event: { Records: Array<{ body: string }> }) => event.Records.map((r) => r.body)

function sendAll(queues: QueueService, ...messages: string[]) {
  return messages.map((m) => queues.send('jobs', m).messageId)
}

describe('SQS event source mapping', () => {
  it('invokes with Lambda’s SQS event and deletes the batch on success', async () => {
    const { queues, invoker, mapping, metrics } = await setup(() => undefined)
    const [id] = sendAll(queues, '{"n":1}')
    queues.send('jobs', 'with attributes', { attributes: { Hello: 'There', General: 'Kenobi' } })
    queues.send('jobs', 'bytes', { attributes: { raw: { dataType: 'Binary', stringValue: 'AAH/' } } })
    mapping.start()
    await until(() => invoker.calls.length === 1)
    expect(invoker.calls[0]!.event).toEqual({
      Records: [
        {
          messageId: id,
          receiptHandle: expect.any(String),
          body: '{"n":1}',
          attributes: {
            ApproximateReceiveCount: '1',
            SentTimestamp: String(T0),
            SenderId: '123456789012',
            ApproximateFirstReceiveTimestamp: String(T0),
          },
          messageAttributes: {},
          md5OfBody: '082c26c8a6bc75226a31da5495cc9292',
          eventSource: 'aws:sqs',
          eventSourceARN: 'arn:aws:sqs:eu-west-1:123456789012:jobs',
          awsRegion: 'eu-west-1',
        },
        expect.objectContaining({
          body: 'with attributes',
          messageAttributes: {
            Hello: { stringValue: 'There', stringListValues: [], binaryListValues: [], dataType: 'String' },
            General: {
              stringValue: 'Kenobi',
              stringListValues: [],
              binaryListValues: [],
              dataType: 'String',
            },
          },
          md5OfMessageAttributes: 'fca026605781cb4126a1e9044df24232',
        }),
        // A Binary attribute as Lambda gives it: base64 in binaryValue.
        expect.objectContaining({
          body: 'bytes',
          messageAttributes: {
            raw: { binaryValue: 'AAH/', stringListValues: [], binaryListValues: [], dataType: 'Binary' },
          },
        }),
      ],
    })
    await until(() => queues.depth('jobs').inFlight === 0, 'the batch to be deleted')
    expect(queues.depth('jobs')).toMatchObject({ visible: 0, inFlight: 0 })
    expect(sqsMetric(metrics, 'NumberOfMessagesDeleted', 'jobs').sum).toBe(3)
  })

  it('leaves a failed batch to reappear after the visibility timeout, then the DLQ takes it', async () => {
    const { queues, invoker, mapping, clock } = await setup(() => {
      throw new Error('boom')
    })
    sendAll(queues, 'poison')
    mapping.start()
    await until(() => invoker.calls.length === 1)
    expect(invoker.calls[0]!.event.Records[0].attributes.ApproximateReceiveCount).toBe('1')
    await settle()
    expect(queues.depth('jobs')).toMatchObject({ inFlight: 1 })

    clock.advance(29_999)
    await settle()
    expect(invoker.calls).toHaveLength(1)
    clock.advance(1)
    await until(() => invoker.calls.length === 2)
    expect(invoker.calls[1]!.event.Records[0].attributes.ApproximateReceiveCount).toBe('2')

    clock.advance(30_000)
    await until(() => queues.depth('jobs-dlq').visible === 1, 'the DLQ move')
    expect(invoker.calls).toHaveLength(2)
    expect(queues.peek('jobs-dlq').messages[0]).toMatchObject({
      body: 'poison',
      sourceQueue: 'jobs',
      receiveCount: 2,
    })
  })

  it('with ReportBatchItemFailures deletes all but the reported messages, which come back alone', async () => {
    let failId = ''
    const { queues, invoker, mapping, clock } = await setup(
      () => ({ batchItemFailures: failId ? [{ itemIdentifier: failId }] : [] }),
      { functionResponseTypes: ['ReportBatchItemFailures'], maximumConcurrency: 2 },
    )
    const ids = sendAll(queues, 'a', 'b', 'c')
    failId = ids[1]!
    mapping.start()
    await until(() => invoker.calls.length === 1)
    await until(() => queues.depth('jobs').inFlight === 1, 'the successes to be deleted')
    failId = ''
    clock.advance(30_000)
    await until(() => invoker.calls.length === 2)
    expect(bodies(invoker.calls[1]!.event)).toEqual(['b'])
    await until(() => queues.depth('jobs').inFlight === 0)
  })

  it.each([
    ['an empty itemIdentifier', (_ids: string[]) => ({ batchItemFailures: [{ itemIdentifier: '' }] })],
    ['a misspelled key', (ids: string[]) => ({ batchItemFailures: [{ itemId: ids[0] }] })],
    ['an unknown messageId', (_ids: string[]) => ({ batchItemFailures: [{ itemIdentifier: 'nope' }] })],
  ])('treats %s as a failure of the whole batch', async (_, response) => {
    let ids: string[] = []
    const { queues, invoker, mapping } = await setup(() => response(ids), {
      functionResponseTypes: ['ReportBatchItemFailures'],
    })
    ids = sendAll(queues, 'a', 'b')
    mapping.start()
    await until(() => invoker.calls.length === 1)
    await settle()
    expect(queues.depth('jobs')).toMatchObject({ inFlight: 2 })
  })

  it('ignores batchItemFailures unless ReportBatchItemFailures is on', async () => {
    let ids: string[] = []
    const { queues, invoker, mapping } = await setup(() => ({
      batchItemFailures: [{ itemIdentifier: ids[0] }],
    }))
    ids = sendAll(queues, 'a', 'b')
    mapping.start()
    await until(() => invoker.calls.length === 1)
    await until(() => queues.depth('jobs').inFlight === 0)
  })

  it('gathers messages for the batching window after a poller’s first message arrives', async () => {
    const { queues, invoker, mapping, clock } = await setup(() => undefined, {
      batchSize: 50,
      maximumBatchingWindowInSeconds: 5,
      maximumConcurrency: 2,
    })
    mapping.start()
    await settle()
    clock.advance(60_000)
    await settle()
    expect(invoker.calls).toHaveLength(0)
    // The first poller takes these and opens its window until +5 s.
    sendAll(queues, '1', '2', '3')
    await settle()
    clock.advance(2_000)
    // The second poller was waiting first in line: it takes these and opens its own window until +7 s.
    sendAll(queues, '4', '5')
    await settle()
    clock.advance(2_999)
    await settle()
    expect(invoker.calls).toHaveLength(0)
    clock.advance(1)
    await until(() => invoker.calls.length === 1)
    expect(bodies(invoker.calls[0]!.event)).toEqual(['1', '2', '3'])
    sendAll(queues, '6')
    clock.advance(1_999)
    await settle()
    expect(invoker.calls).toHaveLength(1)
    clock.advance(1)
    await until(() => invoker.calls.length === 2)
    expect(bodies(invoker.calls[1]!.event)).toEqual(['4', '5', '6'])
  })

  it('invokes as soon as a batch is full, before the window ends', async () => {
    const { queues, invoker, mapping } = await setup(() => undefined, {
      batchSize: 20,
      maximumBatchingWindowInSeconds: 300,
      maximumConcurrency: 2,
    })
    sendAll(queues, ...Array.from({ length: 40 }, (_, i) => `m${i}`))
    mapping.start()
    await until(() => invoker.calls.length === 2)
    expect(invoker.calls.map((c) => c.event.Records.length)).toEqual([20, 20])
  })

  it('without a window invokes with what one receive returns (up to 10)', async () => {
    const { queues, invoker, mapping } = await setup(() => undefined, {
      batchSize: 10,
      maximumConcurrency: 2,
    })
    sendAll(queues, ...Array.from({ length: 15 }, (_, i) => `m${i}`))
    mapping.start()
    await until(() => invoker.calls.length === 2)
    expect(invoker.calls.map((c) => c.event.Records.length).sort()).toEqual([10, 5])
  })

  it('retries a throttled batch with backoff while it stays hidden', async () => {
    const { queues, invoker, mapping, clock } = await setup(() => undefined, { maximumConcurrency: 2 })
    invoker.throttle = 2
    sendAll(queues, 'a')
    mapping.start()
    await settle()
    expect(invoker.calls).toHaveLength(0)
    clock.advance(1_000)
    await settle()
    clock.advance(2_000)
    await until(() => invoker.calls.length === 1)
    expect(invoker.calls[0]!.event.Records[0].attributes.ApproximateReceiveCount).toBe('1')
    await until(() => queues.depth('jobs').inFlight === 0)
  })

  it('leaves a batch that stays throttled to reappear after its visibility timeout', async () => {
    const { queues, invoker, mapping, clock } = await setup(
      () => undefined,
      { maximumConcurrency: 2 },
      {
        visibilityTimeoutSeconds: 5,
      },
    )
    invoker.throttle = 3
    sendAll(queues, 'a')
    mapping.start()
    for (let i = 0; i < 5; i++) {
      await settle()
      clock.advance(1_000)
    }
    await until(() => invoker.calls.length === 1)
    expect(invoker.calls[0]!.event.Records[0].attributes.ApproximateReceiveCount).toBe('2')
  })

  it('deletes messages no filter matches without invoking', async () => {
    const { queues, invoker, mapping } = await setup(() => undefined, {
      filterCriteria: { filters: [{ pattern: '{"body":{"kind":["keep"]}}' }] },
    })
    sendAll(queues, '{"kind":"keep","n":1}', '{"kind":"drop"}', 'not json')
    mapping.start()
    await until(() => invoker.calls.length === 1)
    expect(bodies(invoker.calls[0]!.event)).toEqual(['{"kind":"keep","n":1}'])
    await until(() => queues.depth('jobs').inFlight === 0)
  })

  it('makes gathered but uninvoked messages visible again when stopped', async () => {
    const { queues, invoker, mapping } = await setup(() => undefined, {
      batchSize: 100,
      maximumBatchingWindowInSeconds: 60,
    })
    sendAll(queues, 'a')
    mapping.start()
    await until(() => queues.depth('jobs').inFlight === 1)
    await mapping.stop()
    expect(invoker.calls).toHaveLength(0)
    expect(queues.depth('jobs')).toMatchObject({ visible: 1, inFlight: 0 })
    expect(mapping.running).toBe(false)
  })

  it('does nothing when disabled', async () => {
    const { queues, invoker, mapping } = await setup(() => undefined, { enabled: false })
    sendAll(queues, 'a')
    mapping.start()
    await settle()
    expect(invoker.calls).toHaveLength(0)
    expect(mapping.status()).toMatchObject({ state: 'Disabled', pollers: 0 })
  })
})

describe('SQS mapping configuration', () => {
  it.each([
    [{ batchSize: 0 }, 'mappings.batchSize: must be an integer from 1 to 10000 (got 0)'],
    [
      { batchSize: 10_001, maximumBatchingWindowInSeconds: 1 },
      'mappings.batchSize: must be an integer from 1 to 10000 (got 10001)',
    ],
    [
      { batchSize: 11 },
      'mappings.maximumBatchingWindowInSeconds: must be at least 1 when batchSize is above 10 (as on AWS)',
    ],
    [
      { maximumBatchingWindowInSeconds: 301 },
      'mappings.maximumBatchingWindowInSeconds: must be an integer from 0 to 300 (got 301)',
    ],
    [{ maximumConcurrency: 1 }, 'mappings.maximumConcurrency: must be an integer from 2 to 1000 (got 1)'],
    [
      { functionResponseTypes: ['Other' as 'ReportBatchItemFailures'] },
      "mappings.functionResponseTypes: the only response type is 'ReportBatchItemFailures'",
    ],
  ])('rejects %o', async (options, message) => {
    const { queues } = await openQueues()
    queues.declare('jobs')
    const invoker = new FunctionInvoker({})
    expect(() => new SqsMapping({ function: 'f', queue: 'jobs', ...options }, { queues, invoker })).toThrow(
      message,
    )
  })

  it('accepts a batch of 10,000 with a window, and refuses a queue that hides messages for less than the function runs', async () => {
    const { queues } = await openQueues()
    queues.declare('jobs', { visibilityTimeoutSeconds: 30 })
    const invoker = new FunctionInvoker({})
    const config = { function: 'f', queue: 'jobs', batchSize: 10_000, maximumBatchingWindowInSeconds: 1 }
    expect(new SqsMapping(config, { queues, invoker, functionTimeoutMs: 30_000 }).config).toMatchObject({
      batchSize: 10_000,
      reportBatchItemFailures: false,
      enabled: true,
    })
    expect(
      () => new SqsMapping(config, { queues, invoker, functionTimeoutMs: 31_000 }),
    ).toThrowErrorMatchingInlineSnapshot(
      `[InvalidConfigError: queues.jobs.visibilityTimeoutSeconds: Queue visibility timeout: 30 seconds is less than Function timeout: 31 seconds (function 'f')]`,
    )
    expect(() => new SqsMapping({ function: 'f', queue: 'nope' }, { queues, invoker })).toThrow(
      expect.objectContaining({ name: 'QueueDoesNotExist' }),
    )
  })
})

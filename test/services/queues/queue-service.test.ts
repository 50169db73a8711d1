import { describe, expect, it } from 'vitest'
import { md5OfMessageAttributes } from '../../../src/services/queues/message.ts'
import { openQueues, sqsMetric, T0 } from './fixtures.ts'

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/

describe('send and receive', () => {
  it('returns the message with SQS attributes, MD5s and a receipt handle', async () => {
    const { queues, clock } = await openQueues()
    queues.declare('orders')
    const sent = queues.send('orders', 'hello', { attributes: { Hello: 'There', General: 'Kenobi' } })
    expect(sent.messageId).toMatch(UUID)
    expect(sent.md5OfBody).toBe('5d41402abc4b2a76b9719d911017c592')
    // The value SQS returns for these two String attributes (as recorded by LocalStack's tests).
    expect(sent.md5OfMessageAttributes).toBe('fca026605781cb4126a1e9044df24232')

    clock.advance(250)
    const [message] = await queues.receive('orders')
    expect(message).toEqual({
      messageId: sent.messageId,
      receiptHandle: expect.any(String),
      body: 'hello',
      md5OfBody: '5d41402abc4b2a76b9719d911017c592',
      md5OfMessageAttributes: 'fca026605781cb4126a1e9044df24232',
      attributes: {
        ApproximateReceiveCount: '1',
        SentTimestamp: String(T0),
        SenderId: '123456789012',
        ApproximateFirstReceiveTimestamp: String(T0 + 250),
      },
      messageAttributes: {
        Hello: { dataType: 'String', stringValue: 'There' },
        General: { dataType: 'String', stringValue: 'Kenobi' },
      },
    })
  })

  it('returns at most `max` messages, oldest first, and nothing from an empty queue', async () => {
    const { queues, metrics } = await openQueues()
    queues.declare('q')
    for (let i = 0; i < 12; i++) queues.send('q', `m${i}`)
    const first = await queues.receive('q', { max: 10 })
    expect(first.map((m) => m.body)).toEqual(['m0', 'm1', 'm2', 'm3', 'm4', 'm5', 'm6', 'm7', 'm8', 'm9'])
    expect((await queues.receive('q', { max: 10 })).map((m) => m.body)).toEqual(['m10', 'm11'])
    expect(await queues.receive('q', { max: 10 })).toEqual([])
    expect(sqsMetric(metrics, 'NumberOfMessagesSent', 'q').sum).toBe(12)
    expect(sqsMetric(metrics, 'NumberOfMessagesReceived', 'q').sum).toBe(12)
    expect(sqsMetric(metrics, 'NumberOfEmptyReceives', 'q').sum).toBe(1)
  })
})

describe('visibility timeout', () => {
  it('hides a received message until the timeout passes, then redelivers it with a higher receive count', async () => {
    const { queues, clock } = await openQueues()
    queues.declare('q', { visibilityTimeoutSeconds: 30 })
    queues.send('q', 'a')
    const [first] = await queues.receive('q')
    expect(queues.depth('q')).toEqual({ visible: 0, inFlight: 1, delayed: 0, oldestAgeMs: 0 })

    clock.advance(29_999)
    expect(await queues.receive('q')).toEqual([])
    clock.advance(1)
    const [second] = await queues.receive('q')
    expect(second!.messageId).toBe(first!.messageId)
    expect(second!.receiptHandle).not.toBe(first!.receiptHandle)
    expect(second!.attributes.ApproximateReceiveCount).toBe('2')
    expect(second!.attributes.ApproximateFirstReceiveTimestamp).toBe(String(T0))
  })

  it('uses the visibility timeout given to receive over the queue default', async () => {
    const { queues, clock } = await openQueues()
    queues.declare('q', { visibilityTimeoutSeconds: 30 })
    queues.send('q', 'a')
    await queues.receive('q', { visibilityTimeoutSeconds: 5 })
    clock.advance(5_000)
    expect(await queues.receive('q')).toHaveLength(1)
  })

  it('redelivers at once with a visibility timeout of 0', async () => {
    const { queues } = await openQueues()
    queues.declare('q')
    queues.send('q', 'a')
    expect(await queues.receive('q', { visibilityTimeoutSeconds: 0, max: 10 })).toHaveLength(1)
    const [again] = await queues.receive('q', { max: 10 })
    expect(again!.attributes.ApproximateReceiveCount).toBe('2')
  })

  it('changeVisibility extends, shortens and releases an in-flight message', async () => {
    const { queues, clock } = await openQueues()
    queues.declare('q')
    queues.send('q', 'a')
    const [m] = await queues.receive('q')
    queues.changeVisibility('q', m!.receiptHandle, 120)
    clock.advance(60_000)
    expect(await queues.receive('q')).toEqual([])
    queues.changeVisibility('q', m!.receiptHandle, 0)
    const [again] = await queues.receive('q')
    expect(again!.attributes.ApproximateReceiveCount).toBe('2')

    expect(() => queues.changeVisibility('q', m!.receiptHandle, 10)).toThrowErrorMatchingInlineSnapshot(
      `[InvalidParameterValue: Value ${m!.receiptHandle} for parameter ReceiptHandle is invalid. Reason: The receipt handle has expired.]`,
    )
    clock.advance(30_000)
    expect(() => queues.changeVisibility('q', again!.receiptHandle, 10)).toThrowErrorMatchingInlineSnapshot(
      `[MessageNotInflight: The message referred to is not in flight.]`,
    )
  })

  it('refuses to keep a message hidden more than 12 hours after it was received', async () => {
    const { queues, clock } = await openQueues()
    queues.declare('q')
    queues.send('q', 'a')
    const [m] = await queues.receive('q')
    clock.advance(10_000)
    queues.changeVisibility('q', m!.receiptHandle, 43_190)
    expect(() => queues.changeVisibility('q', m!.receiptHandle, 43_191)).toThrowErrorMatchingInlineSnapshot(
      `[InvalidParameterValue: Value 43191 for parameter VisibilityTimeout is invalid. Reason: Total VisibilityTimeout for the message is beyond the limit [43200 seconds]]`,
    )
  })
})

describe('delete and receipt handles', () => {
  it('deletes with the latest receipt handle, even after the visibility timeout passed', async () => {
    const { queues, clock, metrics } = await openQueues()
    queues.declare('q')
    queues.send('q', 'a')
    const [m] = await queues.receive('q')
    clock.advance(31_000)
    expect(queues.delete('q', m!.receiptHandle)).toBe(true)
    expect(queues.depth('q')).toMatchObject({ visible: 0, inFlight: 0 })
    expect(sqsMetric(metrics, 'NumberOfMessagesDeleted', 'q').sum).toBe(1)
    // Deleting again is not an error.
    expect(queues.delete('q', m!.receiptHandle)).toBe(false)
  })

  it('a stale handle (the message was received again) deletes nothing and is not an error', async () => {
    const { queues, clock } = await openQueues()
    queues.declare('q')
    queues.send('q', 'a')
    const [first] = await queues.receive('q')
    clock.advance(30_000)
    const [second] = await queues.receive('q')
    expect(queues.delete('q', first!.receiptHandle)).toBe(false)
    expect(queues.depth('q')).toMatchObject({ inFlight: 1 })
    expect(queues.delete('q', second!.receiptHandle)).toBe(true)
  })

  it('rejects a malformed handle or one from another queue', async () => {
    const { queues } = await openQueues()
    queues.declare('a')
    queues.declare('b')
    queues.send('a', 'x')
    const [m] = await queues.receive('a')
    expect(() => queues.delete('b', m!.receiptHandle)).toThrow(
      expect.objectContaining({ name: 'ReceiptHandleIsInvalid' }),
    )
    expect(() => queues.delete('a', 'garbage')).toThrowErrorMatchingInlineSnapshot(
      `[ReceiptHandleIsInvalid: The input receipt handle "garbage" is not a valid receipt handle.]`,
    )
  })

  it('deleteMany deletes a batch and skips stale handles', async () => {
    const { queues } = await openQueues()
    queues.declare('q')
    for (const body of ['a', 'b', 'c']) queues.send('q', body)
    const received = await queues.receive('q', { max: 10 })
    expect(
      queues.deleteMany(
        'q',
        received.map((m) => m.receiptHandle),
      ),
    ).toBe(3)
    expect(queues.depth('q')).toMatchObject({ visible: 0, inFlight: 0, delayed: 0 })
  })
})

describe('delay', () => {
  it('hides new messages for the queue delay, or the delay given per message', async () => {
    const { queues, clock } = await openQueues()
    queues.declare('q', { delaySeconds: 10 })
    queues.send('q', 'queue-delay')
    queues.send('q', 'no-delay', { delaySeconds: 0 })
    queues.send('q', 'long-delay', { delaySeconds: 900 })
    expect(queues.depth('q')).toMatchObject({ visible: 1, delayed: 2 })
    expect(
      (await queues.receive('q', { max: 10, visibilityTimeoutSeconds: 43_200 })).map((m) => m.body),
    ).toEqual(['no-delay'])
    clock.advance(9_999)
    expect(await queues.receive('q', { max: 10 })).toEqual([])
    clock.advance(1)
    expect(
      (await queues.receive('q', { max: 10, visibilityTimeoutSeconds: 43_200 })).map((m) => m.body),
    ).toEqual(['queue-delay'])
    clock.advance(890_000)
    expect((await queues.receive('q', { max: 10 })).map((m) => m.body)).toEqual(['long-delay'])
  })
})

describe('redrive to a dead-letter queue', () => {
  it('moves a message on the receive after maxReceiveCount, keeping its ID and body', async () => {
    const { queues, clock, metrics } = await openQueues()
    queues.declareAll({ jobs: { maxReceiveCount: 2, deadLetterQueue: 'jobs-dlq' }, 'jobs-dlq': {} })
    const { messageId } = queues.send('jobs', 'poison', { attributes: { kind: 'test' } })
    for (const count of ['1', '2']) {
      const [m] = await queues.receive('jobs')
      expect(m!.attributes.ApproximateReceiveCount).toBe(count)
      clock.advance(30_000)
    }
    expect(await queues.receive('jobs')).toEqual([])
    expect(queues.depth('jobs')).toMatchObject({ visible: 0, inFlight: 0 })

    const { messages } = queues.peek('jobs-dlq')
    expect(messages).toEqual([
      expect.objectContaining({
        messageId,
        body: 'poison',
        messageAttributes: { kind: 'test' },
        state: 'visible',
        sentAt: T0,
        sourceQueue: 'jobs',
      }),
    ])
    const [dead] = await queues.receive('jobs-dlq')
    expect(dead!.messageId).toBe(messageId)
    expect(dead!.attributes).toMatchObject({
      ApproximateReceiveCount: '3',
      DeadLetterQueueSourceArn: 'arn:aws:sqs:eu-west-1:123456789012:jobs',
    })
    expect(sqsMetric(metrics, 'NumberOfMessagesSent', 'jobs-dlq').count).toBe(0)
  })

  it('moves over-limit messages and still fills the batch with deliverable ones', async () => {
    const { queues, clock } = await openQueues()
    queues.declareAll({ jobs: { maxReceiveCount: 1, deadLetterQueue: 'dlq' }, dlq: {} })
    queues.send('jobs', 'old-1')
    queues.send('jobs', 'old-2')
    await queues.receive('jobs', { max: 2 })
    clock.advance(30_000)
    queues.send('jobs', 'new')
    expect((await queues.receive('jobs', { max: 2 })).map((m) => m.body)).toEqual(['new'])
    expect(queues.depth('dlq').visible).toBe(2)
  })

  it('redrives messages back to their source queue as new messages', async () => {
    const { queues, clock } = await openQueues()
    queues.declareAll({ jobs: { maxReceiveCount: 1, deadLetterQueue: 'dlq' }, dlq: {}, other: {} })
    const { messageId } = queues.send('jobs', 'a')
    await queues.receive('jobs')
    clock.advance(30_000)
    await queues.receive('jobs')
    queues.send('dlq', 'sent-directly')

    expect(queues.redrive('dlq')).toEqual({ moved: 1, skipped: 1 })
    const [back] = await queues.receive('jobs')
    expect(back!.body).toBe('a')
    expect(back!.messageId).not.toBe(messageId)
    expect(back!.attributes.ApproximateReceiveCount).toBe('1')
    expect(back!.attributes.SentTimestamp).toBe(String(clock.now()))

    expect(queues.redrive('dlq', { destination: 'other' })).toEqual({ moved: 1, skipped: 0 })
    expect((await queues.receive('other')).map((m) => m.body)).toEqual(['sent-directly'])
  })

  it('requires the dead-letter queue to be declared', async () => {
    const { queues } = await openQueues()
    expect(() =>
      queues.declare('jobs', { maxReceiveCount: 3, deadLetterQueue: 'missing' }),
    ).toThrowErrorMatchingInlineSnapshot(
      `[InvalidConfigError: queues.jobs.deadLetterQueue: queue 'missing' is not declared]`,
    )
  })
})

describe('retention, purge, inspection', () => {
  it('drops messages older than the retention period, in flight or not', async () => {
    const { queues, clock } = await openQueues()
    queues.declare('q', { messageRetentionSeconds: 60 })
    queues.send('q', 'a')
    queues.send('q', 'b')
    await queues.receive('q', { visibilityTimeoutSeconds: 120 })
    clock.advance(59_999)
    expect(queues.depth('q')).toEqual({ visible: 1, inFlight: 1, delayed: 0, oldestAgeMs: 59_999 })
    clock.advance(1)
    expect(queues.depth('q')).toEqual({ visible: 0, inFlight: 0, delayed: 0, oldestAgeMs: 0 })
  })

  it('purges every message', async () => {
    const { queues } = await openQueues()
    queues.declare('q')
    queues.send('q', 'a')
    queues.send('q', 'b', { delaySeconds: 5 })
    await queues.receive('q')
    expect(queues.purge('q')).toBe(2)
    expect(queues.depth('q')).toMatchObject({ visible: 0, inFlight: 0, delayed: 0 })
  })

  it('peeks in pages without changing anything, and lists queues with their depth', async () => {
    const { queues } = await openQueues()
    queues.declare('q')
    for (let i = 0; i < 5; i++) queues.send('q', `m${i}`)
    const page1 = queues.peek('q', { limit: 3 })
    expect(page1.messages.map((m) => m.body)).toEqual(['m0', 'm1', 'm2'])
    const page2 = queues.peek('q', { limit: 3, after: page1.next })
    expect(page2.messages.map((m) => m.body)).toEqual(['m3', 'm4'])
    expect(page2.next).toBeUndefined()
    expect(queues.list()).toEqual([
      {
        name: 'q',
        arn: 'arn:aws:sqs:eu-west-1:123456789012:q',
        config: expect.objectContaining({ visibilityTimeoutSeconds: 30 }),
        depth: { visible: 5, inFlight: 0, delayed: 0, oldestAgeMs: 0 },
      },
    ])
  })
})

describe('validation', () => {
  const INVALID_CHARACTERS =
    'InvalidMessageContents: Invalid characters found. Valid unicode characters are #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF'
  it.each([
    [
      'an unknown queue',
      (q: Q) => q.send('nope', 'x'),
      'QueueDoesNotExist: The specified queue does not exist: nope',
    ],
    [
      'an empty body',
      (q: Q) => q.send('q', ''),
      'MissingParameter: The request must contain the parameter MessageBody.',
    ],
    ['a body with a control character', (q: Q) => q.send('q', 'a\u0000b'), INVALID_CHARACTERS],
    ['a lone surrogate', (q: Q) => q.send('q', '\uD800'), INVALID_CHARACTERS],
    [
      'a delay over 900 s',
      (q: Q) => q.send('q', 'x', { delaySeconds: 901 }),
      'InvalidParameterValue: Value 901 for parameter DelaySeconds is invalid. Reason: DelaySeconds must be >= 0 and <= 900.',
    ],
    [
      'a message over the size limit',
      (q: Q) => q.send('q', 'x'.repeat(262_145)),
      'InvalidParameterValue: One or more parameters are invalid. Reason: Message must be shorter than 262144 bytes.',
    ],
    [
      '11 attributes',
      (q: Q) => q.send('q', 'x', { attributes: attrs(11) }),
      'InvalidParameterValue: Number of message attributes [11] exceeds the allowed maximum [10].',
    ],
    [
      'an attribute named AWS.x',
      (q: Q) => q.send('q', 'x', { attributes: { 'AWS.x': 'v' } }),
      "InvalidAttributeName: The message attribute name 'AWS.x' is invalid.",
    ],
    [
      'an empty attribute value',
      (q: Q) => q.send('q', 'x', { attributes: { a: '' } }),
      "InvalidAttributeValue: Message (user) attribute 'a' must contain a non-empty value of type 'String'.",
    ],
  ])('rejects %s', async (_, act, expected) => {
    const { queues } = await openQueues()
    queues.declare('q')
    expect(() => act(queues)).toThrow(
      expect.objectContaining({ message: expected.slice(expected.indexOf(': ') + 2) }),
    )
    expect(() => act(queues)).toThrow(
      expect.objectContaining({ name: expected.slice(0, expected.indexOf(':')) }),
    )
  })

  it.each([
    [{ max: 11 }, 'MaxNumberOfMessages'],
    [{ max: 0 }, 'MaxNumberOfMessages'],
    [{ visibilityTimeoutSeconds: 43_201 }, 'VisibilityTimeout'],
    [{ waitTimeSeconds: 21 }, 'WaitTimeSeconds'],
  ])('rejects receive options %o', async (options, parameter) => {
    const { queues } = await openQueues()
    queues.declare('q')
    await expect(queues.receive('q', options)).rejects.toThrow(`for parameter ${parameter} is invalid`)
  })

  it('accepts a 256 KiB message with attributes counted in its size', async () => {
    const { queues } = await openQueues()
    queues.declare('q')
    expect(() => queues.send('q', 'x'.repeat(262_144 - 12), { attributes: { ab: 'cdef' } })).not.toThrow()
    expect(() => queues.send('q', 'x'.repeat(262_144 - 11), { attributes: { ab: 'cdef' } })).toThrow(
      'Message must be shorter than 262144 bytes',
    )
    expect(md5OfMessageAttributes({})).toBeUndefined()
  })
})

type Q = Awaited<ReturnType<typeof openQueues>>['queues']

function attrs(n: number): Record<string, string> {
  return Object.fromEntries(Array.from({ length: n }, (_, i) => [`a${i}`, 'v']))
}

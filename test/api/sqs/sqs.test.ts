import { createHash } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  ChangeMessageVisibilityBatchCommand,
  ChangeMessageVisibilityCommand,
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  DeleteMessageCommand,
  DeleteQueueCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ListDeadLetterSourceQueuesCommand,
  ListQueuesCommand,
  PurgeQueueCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SetQueueAttributesCommand,
  SQSClient,
} from '@aws-sdk/client-sqs'
import { describe, expect, it, onTestFinished, vi } from 'vitest'
import { validatePipeline } from '../../../src/pipeline/validate.ts'
import { startPipeline } from '../../../src/testing/index.ts'
import type { TestPipeline } from '../../../src/testing/test-pipeline.ts'

const DEFINITION = { name: 'sqs-api', queues: { jobs: {}, 'jobs-dlq': {} } }
const ACCOUNT = '000000000000'

async function served(options: { dataDir?: string; clock?: TestPipeline['clock'] } = {}) {
  const p = await startPipeline(DEFINITION, { serve: true, teardown: onTestFinished, ...options })
  const sqs = new SQSClient({
    endpoint: p.endpoint!,
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
    maxAttempts: 1,
  })
  onTestFinished(() => sqs.destroy())
  return { p, sqs }
}

/** The error an SDK call fails with. */
async function failure(call: Promise<unknown>) {
  try {
    await call
  } catch (error) {
    return error as Error & { $metadata: { httpStatusCode?: number }; Code?: string }
  }
  throw new Error('expected the call to fail')
}

/** A queue's URL: `http://<the request's Host header>/<account>/<queue>` (the SDK's endpoint). */
const urlOf = (name: string) =>
  expect.stringMatching(new RegExp(`^http://127\\.0\\.0\\.1:\\d+/${ACCOUNT}/${name}$`))

const md5 = (s: string) => createHash('md5').update(s).digest('hex')
const md5Hex = (b: Buffer) => createHash('md5').update(b).digest('hex')

/** MD5OfMessageAttributes as SQS documents it, for String (and, by `types`, Number) attributes. */
function md5OfAttributes(attributes: Record<string, string>, types: Record<string, string> = {}): string {
  const parts: Buffer[] = []
  const prefixed = (s: string) => {
    const bytes = Buffer.from(s, 'utf8')
    const len = Buffer.alloc(4)
    len.writeUInt32BE(bytes.length)
    parts.push(len, bytes)
  }
  for (const name of Object.keys(attributes).sort()) {
    prefixed(name)
    prefixed(types[name] ?? 'String')
    parts.push(Buffer.from([1]))
    prefixed(attributes[name]!)
  }
  return createHash('md5').update(Buffer.concat(parts)).digest('hex')
}

describe('SQS API: queues', () => {
  it('lists, finds and creates queues; a declared queue is reachable by name and by any URL', async () => {
    const { p, sqs } = await served()
    const listed = await sqs.send(new ListQueuesCommand({}))
    expect(listed.QueueUrls).toEqual([urlOf('jobs'), urlOf('jobs-dlq')])
    const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: 'jobs' }))
    expect(QueueUrl).toEqual(urlOf('jobs'))
    // Any URL whose last segment names the queue will do (LocalStack's or AWS's, say).
    await sqs.send(
      new SendMessageCommand({ QueueUrl: 'https://sqs.us-east-1.amazonaws.com/123/jobs', MessageBody: 'a' }),
    )
    expect(p.queue('jobs').depth().visible).toBe(1)

    const created = await sqs.send(
      new CreateQueueCommand({
        QueueName: 'orders',
        Attributes: { VisibilityTimeout: '60', DelaySeconds: '5' },
      }),
    )
    expect(created.QueueUrl).toEqual(urlOf('orders'))
    // The same attributes again: the same queue; different ones: QueueNameExists.
    const again = await sqs.send(
      new CreateQueueCommand({ QueueName: 'orders', Attributes: { VisibilityTimeout: '60' } }),
    )
    expect(again.QueueUrl).toBe(created.QueueUrl)
    const exists = await failure(
      sqs.send(new CreateQueueCommand({ QueueName: 'orders', Attributes: { VisibilityTimeout: '61' } })),
    )
    expect(exists.name).toBe('QueueNameExists')
    expect(exists.message).toBe(
      'A queue already exists with the same name and a different value for attribute VisibilityTimeout',
    )

    const page1 = await sqs.send(new ListQueuesCommand({ MaxResults: 2 }))
    expect(page1.QueueUrls).toEqual([urlOf('jobs'), urlOf('jobs-dlq')])
    expect(page1.NextToken).toBeDefined()
    const page2 = await sqs.send(new ListQueuesCommand({ MaxResults: 2, NextToken: page1.NextToken }))
    expect(page2.QueueUrls).toEqual([created.QueueUrl])
    expect(page2.NextToken).toBeUndefined()
    const prefixed = await sqs.send(new ListQueuesCommand({ QueueNamePrefix: 'jobs-' }))
    expect(prefixed.QueueUrls).toEqual([urlOf('jobs-dlq')])
    const none = await sqs.send(new ListQueuesCommand({ QueueNamePrefix: 'nothing' }))
    expect(none.QueueUrls ?? []).toEqual([])

    await sqs.send(new DeleteQueueCommand({ QueueUrl: created.QueueUrl }))
    const gone = await failure(sqs.send(new GetQueueUrlCommand({ QueueName: 'orders' })))
    expect(gone.name).toBe('QueueDoesNotExist')
  })

  it('reads and sets queue attributes, redrive policy included', async () => {
    const { p, sqs } = await served()
    const QueueUrl = `${p.endpoint}/${ACCOUNT}/jobs`
    const dlqArn = `arn:aws:sqs:us-east-1:${ACCOUNT}:jobs-dlq`
    await sqs.send(
      new SetQueueAttributesCommand({
        QueueUrl,
        Attributes: {
          VisibilityTimeout: '45',
          MessageRetentionPeriod: '120',
          MaximumMessageSize: '2048',
          RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: '2' }),
        },
      }),
    )
    await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'visible' }))
    await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'delayed', DelaySeconds: 30 }))
    await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'taken' }))
    await sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 1 }))
    const all = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['All'] }))
    expect(all.Attributes).toEqual({
      QueueArn: `arn:aws:sqs:us-east-1:${ACCOUNT}:jobs`,
      ApproximateNumberOfMessages: '1',
      ApproximateNumberOfMessagesNotVisible: '1',
      ApproximateNumberOfMessagesDelayed: '1',
      VisibilityTimeout: '45',
      DelaySeconds: '0',
      MessageRetentionPeriod: '120',
      MaximumMessageSize: '2048',
      ReceiveMessageWaitTimeSeconds: '0',
      SqsManagedSseEnabled: 'false',
      RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: 2 }),
    })
    const some = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn', 'VisibilityTimeout'] }),
    )
    expect(some.Attributes).toEqual({
      QueueArn: `arn:aws:sqs:us-east-1:${ACCOUNT}:jobs`,
      VisibilityTimeout: '45',
    })
    // Attributes a standard queue here never has are left out, not refused.
    const absent = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['FifoQueue', 'Policy', 'DelaySeconds'] }),
    )
    expect(absent.Attributes).toEqual({ DelaySeconds: '0' })
    const none = await sqs.send(new GetQueueAttributesCommand({ QueueUrl }))
    expect(none.Attributes).toBeUndefined()

    await sqs.send(new SetQueueAttributesCommand({ QueueUrl, Attributes: { RedrivePolicy: '' } }))
    const after = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['All'] }))
    expect(after.Attributes?.RedrivePolicy).toBeUndefined()
    expect(after.Attributes?.VisibilityTimeout).toBe('45')

    const bad = await failure(
      sqs.send(new SetQueueAttributesCommand({ QueueUrl, Attributes: { VisibilityTimeout: '43201' } })),
    )
    expect(bad.name).toBe('InvalidAttributeValue')
    expect(bad.message).toBe('Invalid value for the parameter VisibilityTimeout.')
    const unknown = await failure(
      sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['Colour' as 'All'] })),
    )
    expect(unknown.name).toBe('InvalidAttributeName')
    const noDlq = await failure(
      sqs.send(
        new CreateQueueCommand({
          QueueName: 'x',
          Attributes: {
            RedrivePolicy: JSON.stringify({
              deadLetterTargetArn: `arn:aws:sqs:us-east-1:${ACCOUNT}:nope`,
              maxReceiveCount: 3,
            }),
          },
        }),
      ),
    )
    expect(noDlq.name).toBe('InvalidParameterValue')
    expect(noDlq.message).toContain('Dead letter target does not exist.')
  })

  it('answers a missing queue with QueueDoesNotExist and the query-error header', async () => {
    const { p, sqs } = await served()
    const QueueUrl = `${p.endpoint}/${ACCOUNT}/missing`
    for (const call of [
      sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'x' })),
      sqs.send(new ReceiveMessageCommand({ QueueUrl })),
      sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['All'] })),
      sqs.send(new PurgeQueueCommand({ QueueUrl })),
      sqs.send(new DeleteQueueCommand({ QueueUrl })),
    ]) {
      const error = await failure(call)
      expect(error.name).toBe('QueueDoesNotExist')
      expect(error.message).toBe('The specified queue does not exist.')
      expect(error.$metadata.httpStatusCode).toBe(400)
      // The SDK reads the query protocol's code from x-amzn-query-error.
      expect(error.Code).toBe('AWS.SimpleQueueService.NonExistentQueue')
    }
    const raw = await fetch(p.endpoint!, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-amz-json-1.0',
        'x-amz-target': 'AmazonSQS.GetQueueUrl',
        authorization:
          'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261206/us-east-1/sqs/aws4_request, SignedHeaders=host, Signature=00',
        'x-amz-date': '20261206T000000Z',
      },
      body: JSON.stringify({ QueueName: 'missing' }),
    })
    expect(raw.status).toBe(400)
    expect(raw.headers.get('x-amzn-query-error')).toBe('AWS.SimpleQueueService.NonExistentQueue;Sender')
    expect(await raw.json()).toEqual({
      __type: 'com.amazonaws.sqs#QueueDoesNotExist',
      message: 'The specified queue does not exist.',
    })
  })
})

describe('SQS API: messages', () => {
  it('sends and receives with the MD5s SQS computes, system and message attributes', async () => {
    const { p, sqs } = await served()
    const QueueUrl = `${p.endpoint}/${ACCOUNT}/jobs`
    const sentAt = p.clock.now()
    const sent = await sqs.send(
      new SendMessageCommand({
        QueueUrl,
        MessageBody: 'héllo {"a":1}',
        MessageAttributes: {
          kind: { DataType: 'String', StringValue: 'order' },
          'trace.id': { DataType: 'String', StringValue: 'ü-42' },
        },
      }),
    )
    expect(sent.MD5OfMessageBody).toBe(md5('héllo {"a":1}'))
    expect(sent.MD5OfMessageAttributes).toBe(md5OfAttributes({ kind: 'order', 'trace.id': 'ü-42' }))

    const received = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl,
        MessageSystemAttributeNames: [
          'ApproximateReceiveCount',
          'SentTimestamp',
          'ApproximateFirstReceiveTimestamp',
        ],
        MessageAttributeNames: ['All'],
      }),
    )
    const [m] = received.Messages!
    expect(m).toMatchObject({
      MessageId: sent.MessageId,
      Body: 'héllo {"a":1}',
      MD5OfBody: md5('héllo {"a":1}'),
      MD5OfMessageAttributes: sent.MD5OfMessageAttributes,
      Attributes: {
        ApproximateReceiveCount: '1',
        SentTimestamp: String(sentAt),
        ApproximateFirstReceiveTimestamp: String(sentAt),
      },
      MessageAttributes: {
        kind: { DataType: 'String', StringValue: 'order' },
        'trace.id': { DataType: 'String', StringValue: 'ü-42' },
      },
    })
    expect(Object.keys(m!.Attributes!)).toHaveLength(3)

    // Hidden for the visibility timeout, then received again with a new handle and count 2.
    await p.advance(31_000)
    const again = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl, AttributeNames: ['All'], MessageAttributeNames: ['trace.*'] }),
    )
    const [m2] = again.Messages!
    expect(m2!.Attributes?.ApproximateReceiveCount).toBe('2')
    expect(m2!.Attributes?.SenderId).toBe(ACCOUNT)
    expect(m2!.MessageAttributes).toEqual({ 'trace.id': { DataType: 'String', StringValue: 'ü-42' } })
    expect(m2!.MD5OfMessageAttributes).toBe(md5OfAttributes({ 'trace.id': 'ü-42' }))
    expect(m2!.ReceiptHandle).not.toBe(m!.ReceiptHandle)

    await sqs.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: m2!.ReceiptHandle }))
    expect(p.queue('jobs').depth()).toMatchObject({ visible: 0, inFlight: 0 })
    const empty = await sqs.send(new ReceiveMessageCommand({ QueueUrl }))
    expect(empty.Messages ?? []).toEqual([])

    // Number attributes (and custom labels) travel with their type; the digest covers the type.
    const typed = await sqs.send(
      new SendMessageCommand({
        QueueUrl,
        MessageBody: 'typed',
        MessageAttributes: {
          n: { DataType: 'Number', StringValue: '-12.5e3' },
          tag: { DataType: 'String.custom', StringValue: 'x' },
        },
      }),
    )
    expect(typed.MD5OfMessageAttributes).toBe(
      md5OfAttributes({ n: '-12.5e3', tag: 'x' }, { n: 'Number', tag: 'String.custom' }),
    )
    const [t] = (await sqs.send(new ReceiveMessageCommand({ QueueUrl, MessageAttributeNames: ['All'] })))
      .Messages!
    expect(t!.MessageAttributes).toEqual({
      n: { DataType: 'Number', StringValue: '-12.5e3' },
      tag: { DataType: 'String.custom', StringValue: 'x' },
    })
    expect(t!.MD5OfMessageAttributes).toBe(typed.MD5OfMessageAttributes)
    await sqs.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: t!.ReceiptHandle }))
    const notNumeric = await failure(
      sqs.send(
        new SendMessageCommand({
          QueueUrl,
          MessageBody: 'x',
          MessageAttributes: { n: { DataType: 'Number', StringValue: 'one' } },
        }),
      ),
    )
    expect(notNumeric.name).toBe('InvalidParameterValue')
    expect(notNumeric.message).toBe("Can't cast the value of message (user) attribute 'n' to a number.")
    // Binary attributes: bytes, transport byte 2 in the digest (the SDK checks both digests).
    const bytes = new Uint8Array([0, 1, 2, 255])
    const withBinary = await sqs.send(
      new SendMessageCommand({
        QueueUrl,
        MessageBody: 'bytes',
        MessageAttributes: {
          b: { DataType: 'Binary', BinaryValue: bytes },
          s: { DataType: 'String', StringValue: 'v' },
        },
      }),
    )
    const binaryDigest = (() => {
      const part = (b: Uint8Array) => {
        const len = Buffer.alloc(4)
        len.writeUInt32BE(b.length)
        return [len, Buffer.from(b)]
      }
      const utf8 = (s: string) => part(Buffer.from(s, 'utf8'))
      return md5Hex(
        Buffer.concat([
          ...utf8('b'),
          ...utf8('Binary'),
          Buffer.from([2]),
          ...part(bytes),
          ...utf8('s'),
          ...utf8('String'),
          Buffer.from([1]),
          ...utf8('v'),
        ]),
      )
    })()
    expect(withBinary.MD5OfMessageAttributes).toBe(binaryDigest)
    const [b] = (await sqs.send(new ReceiveMessageCommand({ QueueUrl, MessageAttributeNames: ['All'] })))
      .Messages!
    expect(b!.MessageAttributes).toEqual({
      b: { DataType: 'Binary', BinaryValue: bytes },
      s: { DataType: 'String', StringValue: 'v' },
    })
    expect(b!.MD5OfMessageAttributes).toBe(binaryDigest)
    await sqs.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: b!.ReceiptHandle }))
    const emptyBinary = await failure(
      sqs.send(
        new SendMessageCommand({
          QueueUrl,
          MessageBody: 'x',
          MessageAttributes: { b: { DataType: 'Binary' } },
        }),
      ),
    )
    expect(emptyBinary.name).toBe('InvalidParameterValue')
    const tooLong = await failure(
      sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'x', DelaySeconds: 901 })),
    )
    expect(tooLong.name).toBe('InvalidParameterValue')
  })

  it('long-polls on the manual clock: a send wakes the receiver, an empty wait ends after WaitTimeSeconds', async () => {
    const { p, sqs } = await served()
    const QueueUrl = `${p.endpoint}/${ACCOUNT}/jobs`
    const setTimeout = vi.spyOn(p.clock, 'setTimeout')
    const polling = () => setTimeout.mock.calls.filter(([, ms]) => ms === 20_000).length
    const turn = () => new Promise((resolve) => setImmediate(resolve))

    const start = p.clock.now()
    const woken = sqs.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 20 }))
    while (polling() < 1) await turn()
    await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'wake up' }))
    const got = await woken
    expect(got.Messages?.map((m) => m.Body)).toEqual(['wake up'])
    expect(p.clock.now()).toBe(start)

    let done = false
    const idle = sqs.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 20 })).finally(() => {
      done = true
    })
    while (polling() < 2) await turn()
    await p.advance(19_000)
    expect(done).toBe(false)
    await p.until(() => done)
    expect((await idle).Messages ?? []).toEqual([])
    expect(p.clock.now() - start).toBeGreaterThanOrEqual(20_000)
  })

  it('a long poll whose client goes away stops waiting and takes nothing that arrives afterwards', async () => {
    const { p, sqs } = await served()
    const QueueUrl = `${p.endpoint}/${ACCOUNT}/jobs`
    const setTimeout = vi.spyOn(p.clock, 'setTimeout')
    const clearTimeout = vi.spyOn(p.clock, 'clearTimeout')
    const turn = () => new Promise((resolve) => setImmediate(resolve))
    const pollTimers = () =>
      setTimeout.mock.calls.flatMap(([, ms], i) => (ms === 20_000 ? [setTimeout.mock.results[i]!.value] : []))
    const ended = (timer: unknown) => clearTimeout.mock.calls.some(([t]) => t === timer)

    const abort = new AbortController()
    const abandoned = sqs
      .send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 20 }), { abortSignal: abort.signal })
      .catch((error: Error) => error)
    while (pollTimers().length < 1) await turn()
    const [timer] = pollTimers()
    abort.abort()
    expect((await abandoned) as Error).toMatchObject({ name: 'AbortError' })
    // The server sees the connection close and ends the wait (without the clock moving).
    while (!ended(timer)) await turn()

    await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'after the client left' }))
    const got = await sqs.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 0 }))
    expect(got.Messages?.map((m) => m.Body)).toEqual(['after the client left'])
    expect(got.Messages?.[0]?.Attributes).toBeUndefined()
    const counts = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['ApproximateNumberOfMessagesNotVisible'] }),
    )
    expect(counts.Attributes).toEqual({ ApproximateNumberOfMessagesNotVisible: '1' })
  })

  it('batches: partial failures per entry, and the batch-level errors', async () => {
    const { p, sqs } = await served()
    const QueueUrl = `${p.endpoint}/${ACCOUNT}/jobs`
    const sent = await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl,
        Entries: [
          { Id: 'a', MessageBody: 'one' },
          { Id: 'b', MessageBody: 'two', MessageAttributes: { k: { DataType: 'String', StringValue: 'v' } } },
          { Id: 'bad', MessageBody: 'three', DelaySeconds: 1000 },
          { Id: 'c', MessageBody: 'bad \u0000 char' },
        ],
      }),
    )
    expect(sent.Successful?.map((e) => [e.Id, e.MD5OfMessageBody])).toEqual([
      ['a', md5('one')],
      ['b', md5('two')],
    ])
    expect(sent.Successful?.[1]?.MD5OfMessageAttributes).toBe(md5OfAttributes({ k: 'v' }))
    expect(sent.Failed).toEqual([
      expect.objectContaining({ Id: 'bad', SenderFault: true, Code: 'InvalidParameterValue' }),
      expect.objectContaining({ Id: 'c', SenderFault: true, Code: 'InvalidMessageContents' }),
    ])

    const { Messages } = await sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10 }))
    expect(Messages).toHaveLength(2)
    const changed = await sqs.send(
      new ChangeMessageVisibilityBatchCommand({
        QueueUrl,
        Entries: [
          { Id: 'x', ReceiptHandle: Messages![0]!.ReceiptHandle, VisibilityTimeout: 0 },
          { Id: 'y', ReceiptHandle: 'not-a-handle', VisibilityTimeout: 0 },
        ],
      }),
    )
    expect(changed.Successful).toEqual([{ Id: 'x' }])
    expect(changed.Failed).toEqual([
      expect.objectContaining({ Id: 'y', Code: 'ReceiptHandleIsInvalid', SenderFault: true }),
    ])
    expect(p.queue('jobs').depth()).toMatchObject({ visible: 1, inFlight: 1 })

    const deleted = await sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl,
        Entries: [
          { Id: 'x', ReceiptHandle: Messages![1]!.ReceiptHandle },
          { Id: 'y', ReceiptHandle: 'not-a-handle' },
        ],
      }),
    )
    expect(deleted.Successful).toEqual([{ Id: 'x' }])
    expect(deleted.Failed).toEqual([expect.objectContaining({ Id: 'y', Code: 'ReceiptHandleIsInvalid' })])

    const empty = await failure(sqs.send(new DeleteMessageBatchCommand({ QueueUrl, Entries: [] })))
    expect(empty.name).toBe('EmptyBatchRequest')
    const many = await failure(
      sqs.send(
        new SendMessageBatchCommand({
          QueueUrl,
          Entries: Array.from({ length: 11 }, (_, i) => ({ Id: `m${i}`, MessageBody: 'x' })),
        }),
      ),
    )
    expect(many.name).toBe('TooManyEntriesInBatchRequest')
    const twice = await failure(
      sqs.send(
        new SendMessageBatchCommand({
          QueueUrl,
          Entries: [
            { Id: 'same', MessageBody: 'x' },
            { Id: 'same', MessageBody: 'y' },
          ],
        }),
      ),
    )
    expect(twice.name).toBe('BatchEntryIdsNotDistinct')
    const badId = await failure(
      sqs.send(new SendMessageBatchCommand({ QueueUrl, Entries: [{ Id: 'no spaces', MessageBody: 'x' }] })),
    )
    expect(badId.name).toBe('InvalidBatchEntryId')
  })

  it('changes visibility, rejects bad receipt handles, purges', async () => {
    const { p, sqs } = await served()
    const QueueUrl = `${p.endpoint}/${ACCOUNT}/jobs`
    await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'one' }))
    const [m] = (await sqs.send(new ReceiveMessageCommand({ QueueUrl, VisibilityTimeout: 5 }))).Messages!
    await sqs.send(
      new ChangeMessageVisibilityCommand({ QueueUrl, ReceiptHandle: m!.ReceiptHandle, VisibilityTimeout: 0 }),
    )
    expect(p.queue('jobs').depth().visible).toBe(1)

    const invalid = await failure(sqs.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: 'garbage' })))
    expect(invalid.name).toBe('ReceiptHandleIsInvalid')
    expect(invalid.$metadata.httpStatusCode).toBe(404)
    expect(invalid.message).toBe('The input receipt handle "garbage" is not a valid receipt handle.')
    const notInFlight = await failure(
      sqs.send(
        new ChangeMessageVisibilityCommand({
          QueueUrl,
          ReceiptHandle: m!.ReceiptHandle,
          VisibilityTimeout: 10,
        }),
      ),
    )
    expect(notInFlight.name).toBe('MessageNotInflight')
    const tooMany = await failure(sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 11 })))
    expect(tooMany.name).toBe('InvalidParameterValue')
    expect(tooMany.message).toBe(
      'Value 11 for parameter MaxNumberOfMessages is invalid. Reason: Must be between 1 and 10, if provided.',
    )

    await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'two' }))
    await sqs.send(new PurgeQueueCommand({ QueueUrl }))
    expect(p.queue('jobs').depth()).toMatchObject({ visible: 0, inFlight: 0, delayed: 0 })
  })

  it('redrives to a dead-letter queue set through the API', async () => {
    const { p, sqs } = await served()
    const dlq = await sqs.send(new CreateQueueCommand({ QueueName: 'work-dlq' }))
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: dlq.QueueUrl, AttributeNames: ['QueueArn'] }),
    )
    const { QueueUrl } = await sqs.send(
      new CreateQueueCommand({
        QueueName: 'work',
        Attributes: {
          VisibilityTimeout: '10',
          RedrivePolicy: JSON.stringify({ deadLetterTargetArn: Attributes!.QueueArn, maxReceiveCount: 1 }),
        },
      }),
    )
    await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'poison' }))
    expect((await sqs.send(new ReceiveMessageCommand({ QueueUrl }))).Messages).toHaveLength(1)
    await p.advance(11_000)
    expect((await sqs.send(new ReceiveMessageCommand({ QueueUrl }))).Messages ?? []).toEqual([])
    const moved = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: dlq.QueueUrl, AttributeNames: ['All'] }),
    )
    expect(moved.Messages?.[0]).toMatchObject({
      Body: 'poison',
      Attributes: { DeadLetterQueueSourceArn: `arn:aws:sqs:us-east-1:${ACCOUNT}:work` },
    })
    // ListDeadLetterSourceQueues: the queues whose redrive policy names this one, paged by name.
    const redrive = JSON.stringify({ deadLetterTargetArn: Attributes!.QueueArn, maxReceiveCount: 3 })
    await sqs.send(new CreateQueueCommand({ QueueName: 'also-work', Attributes: { RedrivePolicy: redrive } }))
    const sources = await sqs.send(new ListDeadLetterSourceQueuesCommand({ QueueUrl: dlq.QueueUrl }))
    expect(sources.queueUrls?.map((u) => u.slice(u.lastIndexOf('/') + 1))).toEqual(['also-work', 'work'])
    const first = await sqs.send(
      new ListDeadLetterSourceQueuesCommand({ QueueUrl: dlq.QueueUrl, MaxResults: 1 }),
    )
    expect(first.queueUrls).toEqual([sources.queueUrls![0]])
    const second = await sqs.send(
      new ListDeadLetterSourceQueuesCommand({
        QueueUrl: dlq.QueueUrl,
        MaxResults: 1,
        NextToken: first.NextToken,
      }),
    )
    expect([second.queueUrls, second.NextToken]).toEqual([[sources.queueUrls![1]], undefined])
    expect(await sqs.send(new ListDeadLetterSourceQueuesCommand({ QueueUrl }))).toMatchObject({
      queueUrls: [],
    })
  })

  it('keeps an API-created queue and its messages across a restart', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'tributary-sqs-'))
    onTestFinished(() => rm(dataDir, { recursive: true, force: true }))
    const first = await served({ dataDir })
    const { QueueUrl } = await first.sqs.send(
      new CreateQueueCommand({ QueueName: 'made-by-api', Attributes: { VisibilityTimeout: '90' } }),
    )
    await first.sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'survives' }))
    await first.p.close()

    const second = await served({ dataDir, clock: first.p.clock })
    const url = (await second.sqs.send(new GetQueueUrlCommand({ QueueName: 'made-by-api' }))).QueueUrl
    const attributes = await second.sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['VisibilityTimeout'] }),
    )
    expect(attributes.Attributes).toEqual({ VisibilityTimeout: '90' })
    const { Messages } = await second.sqs.send(new ReceiveMessageCommand({ QueueUrl: url }))
    expect(Messages?.map((m) => m.Body)).toEqual(['survives'])
  })

  it('keeps an API-created queue and its messages when an edit rebuilds the pipeline', async () => {
    const { p, sqs } = await served()
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'made-by-api' }))
    await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'survives' }))
    // The edited definition declares other queues: the API's queue is not the definition's to drop.
    const edited = { name: 'sqs-api', queues: { jobs: { visibilityTimeout: 10 } } }
    await p.runtime.reconfigure({
      file: join(process.cwd(), 'tributary.config.ts'),
      dir: process.cwd(),
      ...validatePipeline(edited, process.cwd()),
    })
    const listed = await sqs.send(new ListQueuesCommand({ QueueNamePrefix: 'made' }))
    expect(listed.QueueUrls).toEqual([urlOf('made-by-api')])
    const { Messages } = await sqs.send(new ReceiveMessageCommand({ QueueUrl }))
    expect(Messages?.map((m) => m.Body)).toEqual(['survives'])
    const jobs = await sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: `http://localhost/${ACCOUNT}/jobs`,
        AttributeNames: ['VisibilityTimeout'],
      }),
    )
    expect(jobs.Attributes).toEqual({ VisibilityTimeout: '10' })
  })
})

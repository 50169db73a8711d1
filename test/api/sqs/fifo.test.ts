import { createHash } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns'
import {
  ChangeMessageVisibilityCommand,
  CreateQueueCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SetQueueAttributesCommand,
  SQSClient,
} from '@aws-sdk/client-sqs'
import { describe, expect, it, onTestFinished } from 'vitest'
import { startPipeline } from '../../../src/testing/index.ts'
import type { TestPipeline } from '../../../src/testing/test-pipeline.ts'
import { findAwsCli, findBoto3, requireClient, run } from '../../helpers/real-clients.ts'

const DEFINITION = {
  name: 'sqs-fifo',
  queues: {
    'orders.fifo': { fifo: true },
    'events.fifo': { fifo: true, contentBasedDeduplication: true },
    jobs: {},
  },
}
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
  const url = (name: string) => `${p.endpoint}/${ACCOUNT}/${name}`
  return { p, sqs, url }
}

/** The error an SDK call fails with, as `{ name, message }`. */
async function failure(call: Promise<unknown>) {
  try {
    await call
  } catch (error) {
    const e = error as Error
    return { name: e.name, message: e.message }
  }
  throw new Error('expected the call to fail')
}

async function receive(
  sqs: SQSClient,
  QueueUrl: string,
  max = 10,
  extra: { VisibilityTimeout?: number } = {},
) {
  const out = await sqs.send(
    new ReceiveMessageCommand({
      QueueUrl,
      MaxNumberOfMessages: max,
      MessageSystemAttributeNames: ['All'],
      ...extra,
    }),
  )
  return out.Messages ?? []
}

const bodies = (messages: Message[]) => messages.map((m) => m.Body)

describe('SQS FIFO queues', () => {
  it('CreateQueue: FifoQueue with a .fifo name, FIFO attributes kept and returned by GetQueueAttributes', async () => {
    const { sqs } = await served()
    const { QueueUrl } = await sqs.send(
      new CreateQueueCommand({
        QueueName: 'made.fifo',
        Attributes: {
          FifoQueue: 'true',
          ContentBasedDeduplication: 'true',
          DeduplicationScope: 'messageGroup',
          FifoThroughputLimit: 'perMessageGroupId',
        },
      }),
    )
    const all = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['All'] }))
    expect(all.Attributes).toMatchObject({
      FifoQueue: 'true',
      ContentBasedDeduplication: 'true',
      DeduplicationScope: 'messageGroup',
      FifoThroughputLimit: 'perMessageGroupId',
    })
    await sqs.send(
      new SetQueueAttributesCommand({
        QueueUrl,
        Attributes: { ContentBasedDeduplication: 'false', DeduplicationScope: 'queue' },
      }),
    )
    const some = await sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl,
        AttributeNames: ['ContentBasedDeduplication', 'DeduplicationScope', 'FifoQueue'],
      }),
    )
    expect(some.Attributes).toEqual({
      FifoQueue: 'true',
      ContentBasedDeduplication: 'false',
      DeduplicationScope: 'queue',
    })
    // Created again with the same attributes: the same queue; with another value: QueueNameExists.
    await sqs.send(new CreateQueueCommand({ QueueName: 'made.fifo', Attributes: { FifoQueue: 'true' } }))
    expect(
      await failure(
        sqs.send(
          new CreateQueueCommand({
            QueueName: 'made.fifo',
            Attributes: { FifoQueue: 'true', ContentBasedDeduplication: 'true' },
          }),
        ),
      ),
    ).toEqual({
      name: 'QueueNameExists',
      message:
        'A queue already exists with the same name and a different value for attribute ContentBasedDeduplication',
    })
    // A standard queue has none of them.
    const standard = await sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: QueueUrl!.replace('made.fifo', 'jobs'),
        AttributeNames: ['All'],
      }),
    )
    expect(standard.Attributes).not.toHaveProperty('FifoQueue')
    expect(standard.Attributes).not.toHaveProperty('ContentBasedDeduplication')
  })

  it.each([
    [
      'FifoQueue without a .fifo name',
      { QueueName: 'plain', Attributes: { FifoQueue: 'true' } },
      'InvalidParameterValue',
      'The name of a FIFO queue can only include alphanumeric characters, hyphens, or underscores, must end with .fifo suffix and be 1 to 80 in length',
    ],
    [
      'a .fifo name without FifoQueue',
      { QueueName: 'named.fifo' },
      'InvalidParameterValue',
      'Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length',
    ],
    [
      'a .fifo name longer than 80',
      { QueueName: `${'a'.repeat(76)}.fifo`, Attributes: { FifoQueue: 'true' } },
      'InvalidParameterValue',
      'The name of a FIFO queue can only include alphanumeric characters, hyphens, or underscores, must end with .fifo suffix and be 1 to 80 in length',
    ],
    [
      'ContentBasedDeduplication on a standard queue',
      { QueueName: 'plain', Attributes: { ContentBasedDeduplication: 'true' } },
      'InvalidAttributeName',
      'Unknown Attribute ContentBasedDeduplication.',
    ],
    [
      'a DeduplicationScope SQS does not know',
      { QueueName: 'x.fifo', Attributes: { FifoQueue: 'true', DeduplicationScope: 'group' } },
      'InvalidAttributeValue',
      'Invalid value for the parameter DeduplicationScope.',
    ],
    [
      'a FifoThroughputLimit SQS does not know',
      { QueueName: 'x.fifo', Attributes: { FifoQueue: 'true', FifoThroughputLimit: 'fast' } },
      'InvalidAttributeValue',
      'Invalid value for the parameter FifoThroughputLimit.',
    ],
  ])('CreateQueue refuses %s', async (_, input, name, message) => {
    const { sqs } = await served()
    expect(await failure(sqs.send(new CreateQueueCommand(input)))).toEqual({ name, message })
  })

  it.each([
    ['orders.fifo', { FifoQueue: 'false' }, 'Unknown Attribute FifoQueue.'],
    ['jobs', { FifoQueue: 'true' }, 'Unknown Attribute FifoQueue.'],
    ['jobs', { ContentBasedDeduplication: 'true' }, 'Unknown Attribute ContentBasedDeduplication.'],
    ['jobs', { DeduplicationScope: 'queue' }, 'Unknown Attribute DeduplicationScope.'],
  ])('SetQueueAttributes on %s refuses %o: a queue keeps its type', async (queue, Attributes, message) => {
    const { sqs, url } = await served()
    expect(
      await failure(sqs.send(new SetQueueAttributesCommand({ QueueUrl: url(queue), Attributes }))),
    ).toEqual({
      name: 'InvalidAttributeName',
      message,
    })
  })

  it("a FIFO queue's dead-letter queue must be FIFO, and a standard queue's standard", async () => {
    const { sqs } = await served()
    const policy = (dlq: string) =>
      JSON.stringify({ deadLetterTargetArn: `arn:aws:sqs:us-east-1:${ACCOUNT}:${dlq}`, maxReceiveCount: 3 })
    const refused = (dlq: string) =>
      `Value ${policy(dlq)} for parameter RedrivePolicy is invalid. Reason: Dead-letter queue must be same type of queue as the source..`
    expect(
      await failure(
        sqs.send(
          new CreateQueueCommand({
            QueueName: 'src.fifo',
            Attributes: { FifoQueue: 'true', RedrivePolicy: policy('jobs') },
          }),
        ),
      ),
    ).toEqual({ name: 'InvalidParameterValue', message: refused('jobs') })
    expect(
      await failure(
        sqs.send(
          new CreateQueueCommand({ QueueName: 'src', Attributes: { RedrivePolicy: policy('orders.fifo') } }),
        ),
      ),
    ).toEqual({ name: 'InvalidParameterValue', message: refused('orders.fifo') })
    await sqs.send(
      new CreateQueueCommand({
        QueueName: 'src.fifo',
        Attributes: { FifoQueue: 'true', RedrivePolicy: policy('orders.fifo') },
      }),
    )
  })

  it('SendMessage on a FIFO queue returns a SequenceNumber; ReceiveMessage gives the group, dedup id and sequence number', async () => {
    const { sqs, url } = await served()
    const QueueUrl = url('orders.fifo')
    const sent = await sqs.send(
      new SendMessageCommand({
        QueueUrl,
        MessageBody: 'first',
        MessageGroupId: 'g1',
        MessageDeduplicationId: 'd1',
      }),
    )
    expect(sent.SequenceNumber).toMatch(/^\d{20}$/)
    const second = await sqs.send(
      new SendMessageCommand({
        QueueUrl,
        MessageBody: 'second',
        MessageGroupId: 'g1',
        MessageDeduplicationId: 'd2',
      }),
    )
    expect(BigInt(second.SequenceNumber ?? -1)).toBeGreaterThan(BigInt(sent.SequenceNumber ?? 0))
    const [message] = await receive(sqs, QueueUrl, 1)
    expect(message).toMatchObject({ MessageId: sent.MessageId, Body: 'first' })
    expect(message!.Attributes).toMatchObject({
      MessageGroupId: 'g1',
      MessageDeduplicationId: 'd1',
      SequenceNumber: sent.SequenceNumber,
      ApproximateReceiveCount: '1',
    })
    // Only what is asked for.
    await sqs.send(
      new ChangeMessageVisibilityCommand({
        QueueUrl,
        ReceiptHandle: message!.ReceiptHandle,
        VisibilityTimeout: 0,
      }),
    )
    const only = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl, MessageSystemAttributeNames: ['MessageGroupId'] }),
    )
    expect(only.Messages?.[0]?.Attributes).toEqual({ MessageGroupId: 'g1' })
  })

  it.each([
    [
      'no MessageGroupId',
      { QueueName: 'orders.fifo', MessageBody: 'x', MessageDeduplicationId: 'd' },
      'MissingParameter',
      'The request must contain the parameter MessageGroupId.',
    ],
    [
      'no MessageDeduplicationId without ContentBasedDeduplication',
      { QueueName: 'orders.fifo', MessageBody: 'x', MessageGroupId: 'g' },
      'InvalidParameterValue',
      'The queue should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly',
    ],
    [
      'a per-message DelaySeconds',
      { QueueName: 'events.fifo', MessageBody: 'x', MessageGroupId: 'g', DelaySeconds: 5 },
      'InvalidParameterValue',
      'Value 5 for parameter DelaySeconds is invalid. Reason: The request include parameter that is not valid for this queue type.',
    ],
    [
      'a MessageGroupId of other characters',
      { QueueName: 'events.fifo', MessageBody: 'x', MessageGroupId: 'g 1' },
      'InvalidParameterValue',
      'Value g 1 for parameter MessageGroupId is invalid. Reason: MessageGroupId can only include alphanumeric and punctuation characters. 1 to 128 in length.',
    ],
    [
      'a MessageDeduplicationId longer than 128',
      {
        QueueName: 'orders.fifo',
        MessageBody: 'x',
        MessageGroupId: 'g',
        MessageDeduplicationId: 'd'.repeat(129),
      },
      'InvalidParameterValue',
      `Value ${'d'.repeat(129)} for parameter MessageDeduplicationId is invalid. Reason: MessageDeduplicationId can only include alphanumeric and punctuation characters. 1 to 128 in length.`,
    ],
    [
      'a MessageDeduplicationId on a standard queue',
      { QueueName: 'jobs', MessageBody: 'x', MessageDeduplicationId: 'd' },
      'InvalidParameterValue',
      'Value d for parameter MessageDeduplicationId is invalid. Reason: The request include parameter that is not valid for this queue type.',
    ],
  ])('SendMessage refuses %s', async (_, { QueueName, ...input }, name, message) => {
    const { sqs, url } = await served()
    expect(await failure(sqs.send(new SendMessageCommand({ QueueUrl: url(QueueName), ...input })))).toEqual({
      name,
      message,
    })
  })

  it('a standard queue takes a MessageGroupId (fair queues) and returns it, without ordering by it', async () => {
    const { sqs, url } = await served()
    const QueueUrl = url('jobs')
    const sent = await sqs.send(
      new SendMessageCommand({ QueueUrl, MessageBody: 'fair', MessageGroupId: 'tenant-1' }),
    )
    expect(sent.SequenceNumber).toBeUndefined()
    const [message] = await receive(sqs, QueueUrl)
    expect(message!.Attributes).toMatchObject({ MessageGroupId: 'tenant-1' })
    expect(message!.Attributes).not.toHaveProperty('SequenceNumber')
  })

  it('deduplicates within 5 minutes of the first send (the original MessageId, nothing new), then not', async () => {
    const { p, sqs, url } = await served()
    const QueueUrl = url('orders.fifo')
    const send = (body: string) =>
      sqs.send(
        new SendMessageCommand({
          QueueUrl,
          MessageBody: body,
          MessageGroupId: 'g',
          MessageDeduplicationId: 'same',
        }),
      )
    const first = await send('one')
    await p.advance(299_000)
    const repeat = await send('two')
    expect(repeat.MessageId).toBe(first.MessageId)
    expect(repeat.SequenceNumber).toBe(first.SequenceNumber)
    const received = await receive(sqs, QueueUrl)
    expect(bodies(received)).toEqual(['one'])
    await sqs.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: received[0]!.ReceiptHandle }))
    // Deleting the message does not end the window; 5 minutes after the first send does.
    expect((await send('three')).MessageId).toBe(first.MessageId)
    expect(await receive(sqs, QueueUrl)).toEqual([])
    await p.advance(1_000)
    const fresh = await send('four')
    expect(fresh.MessageId).not.toBe(first.MessageId)
    expect(bodies(await receive(sqs, QueueUrl))).toEqual(['four'])
  })

  it('ContentBasedDeduplication: the SHA-256 of the body is the deduplication ID; an explicit one wins', async () => {
    const { sqs, url } = await served()
    const QueueUrl = url('events.fifo')
    const a = await sqs.send(
      new SendMessageCommand({ QueueUrl, MessageBody: 'same body', MessageGroupId: 'g1' }),
    )
    const b = await sqs.send(
      new SendMessageCommand({ QueueUrl, MessageBody: 'same body', MessageGroupId: 'g2' }),
    )
    expect(b.MessageId).toBe(a.MessageId)
    const c = await sqs.send(
      new SendMessageCommand({
        QueueUrl,
        MessageBody: 'same body',
        MessageGroupId: 'g1',
        MessageDeduplicationId: 'x',
      }),
    )
    expect(c.MessageId).not.toBe(a.MessageId)
    const received = await receive(sqs, QueueUrl)
    expect(received.map((m) => m.Attributes?.MessageDeduplicationId)).toEqual([
      createHash('sha256').update('same body').digest('hex'),
      'x',
    ])
  })

  it('DeduplicationScope messageGroup: the same deduplication ID in two groups is two messages', async () => {
    const { sqs } = await served()
    const { QueueUrl } = await sqs.send(
      new CreateQueueCommand({
        QueueName: 'scoped.fifo',
        Attributes: { FifoQueue: 'true', DeduplicationScope: 'messageGroup' },
      }),
    )
    const send = (group: string) =>
      sqs.send(
        new SendMessageCommand({
          QueueUrl,
          MessageBody: group,
          MessageGroupId: group,
          MessageDeduplicationId: 'd',
        }),
      )
    const a = await send('a')
    const b = await send('b')
    expect(b.MessageId).not.toBe(a.MessageId)
    expect((await send('a')).MessageId).toBe(a.MessageId)
    expect(bodies(await receive(sqs, QueueUrl!)).sort()).toEqual(['a', 'b'])
  })

  it('receives a group at a time in send order, and holds a group back while any of its messages is in flight', async () => {
    const { p, sqs, url } = await served()
    const QueueUrl = url('events.fifo')
    const send = (group: string, body: string) =>
      sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: body, MessageGroupId: group }))
    for (const [group, body] of [
      ['a', 'a1'],
      ['b', 'b1'],
      ['a', 'a2'],
      ['a', 'a3'],
      ['b', 'b2'],
    ])
      await send(group!, body!)
    // As many messages of one group as possible, then the next group (SQS's FIFO delivery logic).
    expect(bodies(await receive(sqs, QueueUrl, 2, { VisibilityTimeout: 0 }))).toEqual(['a1', 'a2'])
    const all = await receive(sqs, QueueUrl, 10)
    expect(bodies(all)).toEqual(['a1', 'a2', 'a3', 'b1', 'b2'])
    expect(all[0]!.Attributes?.ApproximateReceiveCount).toBe('2')
    // a1 deleted, a2 and a3 still in flight: a4 waits, though it is visible.
    await sqs.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: all[0]!.ReceiptHandle }))
    await send('a', 'a4')
    expect(await receive(sqs, QueueUrl)).toEqual([])
    for (const m of all.slice(1, 3))
      await sqs.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: m.ReceiptHandle }))
    expect(bodies(await receive(sqs, QueueUrl, 10, { VisibilityTimeout: 60 }))).toEqual(['a4'])
    // b1 and b2 were never deleted: when their visibility timeout passes they come back, in order.
    await p.advance(31_000)
    const again = await receive(sqs, QueueUrl)
    expect(bodies(again)).toEqual(['b1', 'b2'])
    expect(again[0]!.Attributes?.ApproximateReceiveCount).toBe('2')
  })

  it('a long poll on a locked group wakes when the message in flight is deleted', async () => {
    const { p, sqs, url } = await served()
    const QueueUrl = url('events.fifo')
    for (const body of ['1', '2'])
      await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: body, MessageGroupId: 'g' }))
    const [one] = await receive(sqs, QueueUrl, 1)
    const polling = sqs.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 20 }))
    await p.settle()
    await sqs.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: one!.ReceiptHandle }))
    expect(bodies((await polling).Messages ?? [])).toEqual(['2'])
  })

  it('SendMessageBatch with mixed groups: sequence numbers in entry order, per-entry errors, duplicates folded', async () => {
    const { sqs, url } = await served()
    const QueueUrl = url('orders.fifo')
    const out = await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl,
        Entries: [
          { Id: 'a1', MessageBody: 'a1', MessageGroupId: 'a', MessageDeduplicationId: '1' },
          { Id: 'b1', MessageBody: 'b1', MessageGroupId: 'b', MessageDeduplicationId: '2' },
          { Id: 'nogroup', MessageBody: 'x', MessageDeduplicationId: '3' },
          { Id: 'a2', MessageBody: 'a2', MessageGroupId: 'a', MessageDeduplicationId: '4' },
          { Id: 'dup', MessageBody: 'again', MessageGroupId: 'b', MessageDeduplicationId: '2' },
          {
            Id: 'delayed',
            MessageBody: 'd',
            MessageGroupId: 'a',
            MessageDeduplicationId: '5',
            DelaySeconds: 1,
          },
        ],
      }),
    )
    expect(out.Failed).toEqual([
      {
        Id: 'nogroup',
        SenderFault: true,
        Code: 'MissingParameter',
        Message: 'The request must contain the parameter MessageGroupId.',
      },
      {
        Id: 'delayed',
        SenderFault: true,
        Code: 'InvalidParameterValue',
        Message:
          'Value 1 for parameter DelaySeconds is invalid. Reason: The request include parameter that is not valid for this queue type.',
      },
    ])
    const ok = Object.fromEntries(out.Successful!.map((e) => [e.Id, e]))
    expect(Object.keys(ok)).toEqual(['a1', 'b1', 'a2', 'dup'])
    const seq = (id: string) => BigInt(ok[id]!.SequenceNumber ?? -1)
    expect(seq('a1') < seq('b1') && seq('b1') < seq('a2')).toBe(true)
    expect(ok.dup!.MessageId).toBe(ok.b1!.MessageId)
    expect(bodies(await receive(sqs, QueueUrl))).toEqual(['a1', 'a2', 'b1'])
  })

  it('keeps deduplication IDs, sequence numbers and order across a restart', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'tributary-sqs-fifo-'))
    onTestFinished(() => rm(dataDir, { recursive: true, force: true }))
    const first = await served({ dataDir })
    const QueueUrl = first.url('orders.fifo')
    const sent = []
    for (const n of [1, 2, 3])
      sent.push(
        await first.sqs.send(
          new SendMessageCommand({
            QueueUrl,
            MessageBody: `m${n}`,
            MessageGroupId: 'g',
            MessageDeduplicationId: `d${n}`,
          }),
        ),
      )
    const [inFlight] = await receive(first.sqs, QueueUrl, 1)
    expect(inFlight!.Body).toBe('m1')
    await first.p.close()

    const second = await served({ dataDir, clock: first.p.clock })
    const url = second.url('orders.fifo')
    const repeat = await second.sqs.send(
      new SendMessageCommand({
        QueueUrl: url,
        MessageBody: 'again',
        MessageGroupId: 'g',
        MessageDeduplicationId: 'd2',
      }),
    )
    expect(repeat).toMatchObject({ MessageId: sent[1]!.MessageId, SequenceNumber: sent[1]!.SequenceNumber })
    // m1 is still in flight: the group stays locked across the restart.
    expect(await receive(second.sqs, url)).toEqual([])
    const fourth = await second.sqs.send(
      new SendMessageCommand({
        QueueUrl: url,
        MessageBody: 'm4',
        MessageGroupId: 'g',
        MessageDeduplicationId: 'd4',
      }),
    )
    expect(BigInt(fourth.SequenceNumber ?? -1)).toBeGreaterThan(BigInt(sent[2]!.SequenceNumber ?? 0))
    await second.p.advance(31_000)
    const all = await receive(second.sqs, url)
    expect(bodies(all)).toEqual(['m1', 'm2', 'm3', 'm4'])
    expect(all.map((m) => m.Attributes?.SequenceNumber)).toEqual([
      ...sent.map((s) => s.SequenceNumber),
      fourth.SequenceNumber,
    ])
  })

  it('a FIFO message past maxReceiveCount moves to the FIFO dead-letter queue, and its group goes on', async () => {
    const { p, sqs, url } = await served()
    const dlq = await sqs.send(
      new CreateQueueCommand({ QueueName: 'dead.fifo', Attributes: { FifoQueue: 'true' } }),
    )
    const { QueueUrl } = await sqs.send(
      new CreateQueueCommand({
        QueueName: 'work.fifo',
        Attributes: {
          FifoQueue: 'true',
          ContentBasedDeduplication: 'true',
          RedrivePolicy: JSON.stringify({
            deadLetterTargetArn: `arn:aws:sqs:us-east-1:${ACCOUNT}:dead.fifo`,
            maxReceiveCount: 1,
          }),
        },
      }),
    )
    expect(QueueUrl).toBe(url('work.fifo'))
    for (const body of ['poison', 'next'])
      await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: body, MessageGroupId: 'g' }))
    expect(bodies(await receive(sqs, QueueUrl!, 1))).toEqual(['poison'])
    await p.advance(31_000)
    expect(bodies(await receive(sqs, QueueUrl!, 1))).toEqual(['next'])
    const dead = await receive(sqs, dlq.QueueUrl!)
    expect(bodies(dead)).toEqual(['poison'])
    expect(dead[0]!.Attributes).toMatchObject({ MessageGroupId: 'g' })
  })

  it('refuses to subscribe a FIFO queue to a (standard) SNS topic, through Subscribe and in a definition', async () => {
    const { p } = await served()
    const sns = new SNSClient({
      endpoint: p.endpoint!,
      region: 'us-east-1',
      credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
      maxAttempts: 1,
    })
    onTestFinished(() => sns.destroy())
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: 'alerts' }))
    expect(
      await failure(
        sns.send(
          new SubscribeCommand({
            TopicArn,
            Protocol: 'sqs',
            Endpoint: `arn:aws:sqs:us-east-1:${ACCOUNT}:orders.fifo`,
          }),
        ),
      ),
    ).toEqual({
      name: 'InvalidParameterException',
      message:
        'Invalid parameter: Endpoint Reason: FIFO SQS Queues can not be subscribed to standard SNS topics',
    })
    // A standard queue subscribes as before.
    await sns.send(
      new SubscribeCommand({ TopicArn, Protocol: 'sqs', Endpoint: `arn:aws:sqs:us-east-1:${ACCOUNT}:jobs` }),
    )
    const declared = {
      ...DEFINITION,
      name: 'sqs-fifo-sns',
      topics: { alerts: { subscriptions: [{ queue: 'orders.fifo' }] } },
    }
    await expect(startPipeline(declared, { teardown: onTestFinished })).rejects.toThrow(
      "topics.alerts.subscriptions[0].queue: FIFO SQS Queues can not be subscribed to standard SNS topics (queue 'orders.fifo'; SNS FIFO topics are not served)",
    )
  })

  const boto3 = findBoto3()
  const cli = findAwsCli()

  it('the AWS CLI on the query protocol: create-queue, send-message with a group, receive-message in order', {
    timeout: 120_000,
  }, async (ctx) => {
    requireClient(cli, ctx)
    const { p } = await served()
    const aws = async (...args: string[]) =>
      JSON.parse(await run(cli.path, ['sqs', ...args, '--endpoint-url', p.endpoint!, '--output', 'json']))
    const { QueueUrl } = await aws(
      'create-queue',
      '--queue-name',
      'cli.fifo',
      '--attributes',
      'FifoQueue=true,ContentBasedDeduplication=true',
    )
    const sent = []
    for (const body of ['one', 'two'])
      sent.push(
        await aws('send-message', '--queue-url', QueueUrl, '--message-body', body, '--message-group-id', 'g'),
      )
    expect(sent[0].SequenceNumber).toMatch(/^\d{20}$/)
    const got = await aws(
      'receive-message',
      '--queue-url',
      QueueUrl,
      '--max-number-of-messages',
      '10',
      '--attribute-names',
      'All',
    )
    expect(
      got.Messages.map((m: Message) => [m.Body, m.Attributes?.MessageGroupId, m.Attributes?.SequenceNumber]),
    ).toEqual([
      ['one', 'g', sent[0].SequenceNumber],
      ['two', 'g', sent[1].SequenceNumber],
    ])
  })

  it('boto3 on the query protocol: create a FIFO queue, send, batch, deduplicate, receive in order', {
    timeout: 120_000,
  }, async (ctx) => {
    requireClient(boto3, ctx)
    const { p } = await served()
    const script = `
import json, sys
import boto3
sqs = boto3.client('sqs', endpoint_url=sys.argv[1])
url = sqs.create_queue(QueueName='py.fifo', Attributes={'FifoQueue': 'true', 'ContentBasedDeduplication': 'true'})['QueueUrl']
one = sqs.send_message(QueueUrl=url, MessageBody='one', MessageGroupId='g')
dup = sqs.send_message(QueueUrl=url, MessageBody='one', MessageGroupId='g')
batch = sqs.send_message_batch(QueueUrl=url, Entries=[
  {'Id': 'a', 'MessageBody': 'two', 'MessageGroupId': 'g'},
  {'Id': 'b', 'MessageBody': 'three', 'MessageGroupId': 'g', 'MessageDeduplicationId': 'x'},
])
got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, AttributeNames=['All'])['Messages']
attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=['FifoQueue', 'ContentBasedDeduplication'])['Attributes']
try:
    sqs.send_message(QueueUrl=url, MessageBody='four')
    error = None
except Exception as e:
    error = e.response['Error']
print(json.dumps({
  'same': one['MessageId'] == dup['MessageId'],
  'seq': [one['SequenceNumber']] + [e['SequenceNumber'] for e in batch['Successful']],
  'bodies': [m['Body'] for m in got],
  'groups': [m['Attributes']['MessageGroupId'] for m in got],
  'received_seq': [m['Attributes']['SequenceNumber'] for m in got],
  'attrs': attrs,
  'error': {'Code': error['Code'], 'Message': error['Message']},
}))
`
    const out = JSON.parse(await run(boto3.python, ['-', p.endpoint!], script))
    expect(out).toMatchObject({
      same: true,
      bodies: ['one', 'two', 'three'],
      groups: ['g', 'g', 'g'],
      attrs: { FifoQueue: 'true', ContentBasedDeduplication: 'true' },
      error: { Code: 'MissingParameter', Message: 'The request must contain the parameter MessageGroupId.' },
    })
    expect(out.received_seq).toEqual(out.seq)
  })
})

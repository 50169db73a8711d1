import { readFile } from 'node:fs/promises'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import {
  ListSubscriptionsByTopicCommand,
  PublishBatchCommand,
  type PublishBatchRequestEntry,
  PublishCommand,
  type SNSClient,
  SubscribeCommand,
} from '@aws-sdk/client-sns'
import { describe, expect, it, onTestFinished } from 'vitest'
import { startPipeline } from '../../../src/testing/index.ts'
import { clients, drain, failure } from './helpers.ts'

const definition = {
  name: 'sns-batch-binary',
  queues: { inbox: {}, raw: {}, filtered: {} },
  topics: { alerts: { subscriptions: [{ queue: 'inbox' }] } },
}
const TopicArn = 'arn:aws:sns:us-east-1:000000000000:alerts'
const queueArn = (name: string) => `arn:aws:sqs:us-east-1:000000000000:${name}`

/** Subscribes the `raw` queue to the topic with raw message delivery. */
const subscribeRaw = (sns: SNSClient) =>
  sns.send(
    new SubscribeCommand({
      TopicArn,
      Protocol: 'sqs',
      Endpoint: queueArn('raw'),
      Attributes: { RawMessageDelivery: 'true' },
    }),
  )

describe('SNS Binary message attributes', () => {
  it('carry bytes in base64 in the envelope, as BinaryValue with raw delivery, and are not compared by filter policies', async () => {
    const p = await startPipeline(definition, { serve: true, teardown: onTestFinished })
    const { sns, sqs } = clients(p)
    await subscribeRaw(sns)
    // A policy on a Binary attribute: SNS compares String, String.Array and Number attributes only.
    await sns.send(
      new SubscribeCommand({
        TopicArn,
        Protocol: 'sqs',
        Endpoint: queueArn('filtered'),
        Attributes: { FilterPolicy: JSON.stringify({ thumbnail: [{ exists: true }] }) },
      }),
    )
    const bytes = Buffer.from([0, 1, 2, 254, 255])
    await sns.send(
      new PublishCommand({
        TopicArn,
        Message: 'with bytes',
        MessageAttributes: {
          thumbnail: { DataType: 'Binary', BinaryValue: bytes },
          count: { DataType: 'Number.int', StringValue: '3' },
        },
      }),
    )
    const [message] = await drain(sqs, p, 'inbox')
    expect(JSON.parse(message!.body).MessageAttributes).toEqual({
      thumbnail: { Type: 'Binary', Value: bytes.toString('base64') },
      count: { Type: 'Number.int', Value: '3' },
    })
    const [raw] = await drain(sqs, p, 'raw')
    expect(raw!.body).toBe('with bytes')
    expect(raw!.attributes).toEqual({
      thumbnail: { DataType: 'Binary', BinaryValue: new Uint8Array(bytes) },
      count: { DataType: 'Number.int', StringValue: '3' },
    })
    expect(await drain(sqs, p, 'filtered')).toEqual([])
  })

  it('answers a bad type or a value in the wrong field with ParameterValueInvalid', async () => {
    const p = await startPipeline(definition, { serve: true, teardown: onTestFinished })
    const { sns } = clients(p)
    const publish = (MessageAttributes: NonNullable<PublishCommand['input']['MessageAttributes']>) =>
      failure(sns.send(new PublishCommand({ TopicArn, Message: 'x', MessageAttributes })))
    expect(await publish({ a: { DataType: 'Blob', StringValue: 'x' } })).toEqual({
      name: 'InvalidParameterValueException',
      message:
        "The message attribute 'a' has an invalid message attribute type, the set of supported type prefixes is Binary, Number, and String.",
      status: 400,
    })
    expect(await publish({ a: { DataType: 'Binary', StringValue: 'x' } })).toEqual({
      name: 'InvalidParameterValueException',
      message: "The message attribute 'a' with type 'Binary' must use field 'Binary'.",
      status: 400,
    })
    expect(await publish({ a: { DataType: 'String', BinaryValue: Buffer.from('x') } })).toEqual({
      name: 'InvalidParameterValueException',
      message: "The message attribute 'a' with type 'String' must use field 'String'.",
      status: 400,
    })
    expect(p.queue('inbox').json()).toEqual([])
  })
})

describe('SNS PublishBatch', () => {
  it('publishes each entry to the subscriptions, reports an invalid entry as Failed, and refuses a malformed batch whole', async () => {
    const p = await startPipeline(definition, { serve: true, teardown: onTestFinished })
    const { sns } = clients(p)
    const entries: PublishBatchRequestEntry[] = [
      { Id: 'first', Message: 'one', Subject: 'S1' },
      { Id: 'bad-subject', Message: 'two', Subject: ' leading space' },
      {
        Id: 'third_3',
        Message: 'three',
        MessageAttributes: { kind: { DataType: 'String', StringValue: 'k' } },
      },
    ]
    const result = await sns.send(new PublishBatchCommand({ TopicArn, PublishBatchRequestEntries: entries }))
    expect(result.Successful?.map((s) => s.Id)).toEqual(['first', 'third_3'])
    for (const s of result.Successful ?? []) expect(s.MessageId).toMatch(/^[0-9a-f-]{36}$/)
    expect(result.Failed).toEqual([
      {
        Id: 'bad-subject',
        Code: 'InvalidParameter',
        Message: 'Invalid parameter: Subject',
        SenderFault: true,
      },
    ])
    const delivered = p.queue('inbox').json<Record<string, unknown>>()
    expect(delivered.map((e) => [e.MessageId, e.Message, e.Subject])).toEqual([
      [result.Successful![0]!.MessageId, 'one', 'S1'],
      [result.Successful![1]!.MessageId, 'three', undefined],
    ])
    expect(delivered[1]!.MessageAttributes).toEqual({ kind: { Type: 'String', Value: 'k' } })

    const batch = (PublishBatchRequestEntries: PublishBatchRequestEntry[], arn = TopicArn) =>
      failure(sns.send(new PublishBatchCommand({ TopicArn: arn, PublishBatchRequestEntries })))
    expect(await batch([])).toEqual({
      name: 'EmptyBatchRequestException',
      message: "The batch request doesn't contain any entries.",
      status: 400,
    })
    const eleven = Array.from({ length: 11 }, (_, i) => ({ Id: `m${i}`, Message: 'x' }))
    expect(await batch(eleven)).toMatchObject({ name: 'TooManyEntriesInBatchRequestException', status: 400 })
    expect(
      await batch([
        { Id: 'same', Message: 'a' },
        { Id: 'same', Message: 'b' },
      ]),
    ).toMatchObject({ name: 'BatchEntryIdsNotDistinctException', status: 400 })
    expect(await batch([{ Id: 'has space', Message: 'a' }])).toMatchObject({
      name: 'InvalidBatchEntryIdException',
      status: 400,
    })
    const big = 'x'.repeat(100 * 1024)
    expect(
      await batch([
        { Id: 'a', Message: big },
        { Id: 'b', Message: big },
        { Id: 'c', Message: big },
      ]),
    ).toEqual({
      name: 'BatchRequestTooLongException',
      message: 'The length of all the messages put together is more than the limit.',
      status: 400,
    })
    expect(await batch([{ Id: 'a', Message: 'a' }], `${TopicArn}-missing`)).toMatchObject({
      name: 'NotFoundException',
      status: 404,
    })
    // Nothing from the refused batches arrived.
    expect(p.queue('inbox').json()).toHaveLength(2)
  })
})

describe('SNS MessageStructure json', () => {
  it("gives each protocol its own message (an sqs subscription reads 'sqs', else 'default') and refuses a malformed structure", async () => {
    const p = await startPipeline(definition, { serve: true, teardown: onTestFinished })
    const { sns, sqs } = clients(p)
    await subscribeRaw(sns)
    const structured = (messages: Record<string, unknown>) =>
      sns.send(new PublishCommand({ TopicArn, MessageStructure: 'json', Message: JSON.stringify(messages) }))
    await structured({ default: 'for everyone', sqs: 'for queues', email: 'for people' })
    await structured({ default: 'only a default' })
    expect(
      p
        .queue('inbox')
        .json<{ Message: string }>()
        .map((e) => e.Message),
    ).toEqual(['for queues', 'only a default'])
    expect((await drain(sqs, p, 'raw')).map((m) => m.body)).toEqual(['for queues', 'only a default'])

    const refused = async (Message: string, MessageStructure = 'json') =>
      failure(sns.send(new PublishCommand({ TopicArn, MessageStructure, Message })))
    expect(await refused('{"sqs":"x"}')).toEqual({
      name: 'InvalidParameterException',
      message: 'Invalid parameter: Message Structure - No default entry in JSON message body',
      status: 400,
    })
    expect(await refused('not json')).toMatchObject({
      message: 'Invalid parameter: Message Structure - JSON message body failed to parse',
    })
    expect(await refused('{"default":"x"}', 'xml')).toMatchObject({
      name: 'InvalidParameterException',
      message: 'Invalid parameter: MessageStructure',
    })
    expect(p.queue('inbox').json()).toHaveLength(2)
  })
})

describe('SNS Subscribe to e-mail and HTTP endpoints', () => {
  it('delivers to an http endpoint (SNS headers, typed attributes) and an e-mail address (the outbox without SMTP), listed with SNS protocol names', async () => {
    const received: { headers: Record<string, unknown>; body: Record<string, unknown> }[] = []
    const server = createServer((req, res) => {
      let text = ''
      req.on('data', (c: Buffer) => {
        text += c.toString()
      })
      req.on('end', () => {
        received.push({ headers: req.headers, body: JSON.parse(text) })
        res.writeHead(200).end()
      })
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    onTestFinished(() => new Promise<void>((resolve) => server.close(() => resolve())))
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`
    const p = await startPipeline(definition, { serve: true, teardown: onTestFinished })
    const { sns } = clients(p)
    await sns.send(new SubscribeCommand({ TopicArn, Protocol: 'http', Endpoint: url }))
    await sns.send(new SubscribeCommand({ TopicArn, Protocol: 'email', Endpoint: 'ops@example.com' }))
    const { Subscriptions } = await sns.send(new ListSubscriptionsByTopicCommand({ TopicArn }))
    expect(Subscriptions?.map((s) => [s.Protocol, s.Endpoint]).sort()).toEqual([
      ['email', 'ops@example.com'],
      ['http', url],
      ['sqs', queueArn('inbox')],
    ])
    await sns.send(
      new PublishCommand({
        TopicArn,
        Subject: 'disk',
        Message: 'disk full',
        MessageAttributes: { level: { DataType: 'Number', StringValue: '3' } },
      }),
    )
    await p.until(() => received.length === 1, 50)
    expect(received[0]!.headers).toMatchObject({
      'x-amz-sns-message-type': 'Notification',
      'x-amz-sns-topic-arn': TopicArn,
    })
    expect(received[0]!.body).toMatchObject({
      Type: 'Notification',
      TopicArn,
      Subject: 'disk',
      Message: 'disk full',
      MessageAttributes: { level: { Type: 'Number', Value: '3' } },
    })
    const outbox = (await readFile(join(p.dataDir, 'outbox.ndjson'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
    expect(outbox).toMatchObject([{ to: ['ops@example.com'], subject: 'disk' }])

    const refused = (Protocol: string, Endpoint: string) =>
      failure(sns.send(new SubscribeCommand({ TopicArn, Protocol, Endpoint })))
    expect(await refused('https', url)).toMatchObject({ name: 'InvalidParameterException', status: 400 })
    expect(await refused('email', 'not an address')).toMatchObject({ name: 'InvalidParameterException' })
    expect(await refused('sms', '+15555550100')).toMatchObject({ name: 'InvalidParameterException' })
  })
})

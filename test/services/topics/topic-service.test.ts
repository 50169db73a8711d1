import type { SNSEvent } from 'aws-lambda'
import { describe, expect, it } from 'vitest'
import type { SubscriptionProtocol } from '../../../src/contracts/topics.ts'
import { settle, T0, until } from '../queues/fixtures.ts'
import { openTopics, withTopics } from './fixtures.ts'

const TOPIC_ARN = 'arn:aws:sns:eu-west-1:123456789012:alerts'

describe('fan-out to queues', () => {
  it('puts the SNS notification envelope in the queue, laid out as SNS does', async () => {
    const { queues, topics } = await openTopics()
    queues.declare('inbox')
    const [subscription] = topics.declare('alerts', { subscriptions: [{ queue: 'inbox' }] })
    const { messageId } = topics.publish('alerts', '{"disk":"full"}', {
      subject: 'ALARM: disk',
      attributes: { severity: 'high' },
    })
    const [message] = await queues.receive('inbox')
    const envelope = JSON.parse(message!.body)
    expect(Object.keys(envelope)).toEqual([
      'Type',
      'MessageId',
      'TopicArn',
      'Subject',
      'Message',
      'Timestamp',
      'SignatureVersion',
      'Signature',
      'SigningCertURL',
      'UnsubscribeURL',
      'MessageAttributes',
    ])
    expect(envelope).toEqual({
      Type: 'Notification',
      MessageId: messageId,
      TopicArn: TOPIC_ARN,
      Subject: 'ALARM: disk',
      Message: '{"disk":"full"}',
      Timestamp: new Date(T0).toISOString(),
      SignatureVersion: '1',
      Signature: expect.stringMatching(/^[A-Za-z0-9+/]+=*$/),
      SigningCertURL: expect.stringMatching(
        /^https:\/\/sns\.eu-west-1\.amazonaws\.com\/SimpleNotificationService-[0-9a-f]{32}\.pem$/,
      ),
      UnsubscribeURL: `https://sns.eu-west-1.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=${subscription!.subscriptionArn}`,
      MessageAttributes: { severity: { Type: 'String', Value: 'high' } },
    })
    expect(subscription!.subscriptionArn).toMatch(new RegExp(`^${TOPIC_ARN}:[0-9a-f-]{36}$`))
    expect(message!.body.split('\n').slice(0, 2)).toEqual(['{', '  "Type" : "Notification",'])
    expect(message!.body).toContain(
      '\n  "MessageAttributes" : {\n    "severity" : {"Type":"String","Value":"high"}\n  }\n}',
    )
    // SNS message attributes travel inside the envelope only.
    expect(message!.messageAttributes).toEqual({})
  })

  it('leaves Subject and MessageAttributes out when the publish has none', async () => {
    const { queues, topics } = await openTopics()
    queues.declare('inbox')
    topics.declare('alerts', { subscriptions: [{ queue: 'inbox' }] })
    topics.publish('alerts', 'plain')
    const [message] = await queues.receive('inbox')
    const envelope = JSON.parse(message!.body)
    expect(envelope).not.toHaveProperty('Subject')
    expect(envelope).not.toHaveProperty('MessageAttributes')
  })

  it('with rawMessageDelivery puts the message itself, attributes as SQS message attributes', async () => {
    const { queues, topics } = await openTopics()
    queues.declare('raw')
    topics.declare('alerts', { subscriptions: [{ queue: 'raw', rawMessageDelivery: true }] })
    topics.publish('alerts', '{"disk":"full"}', { subject: 'ignored', attributes: { severity: 'high' } })
    const [message] = await queues.receive('raw')
    expect(message!.body).toBe('{"disk":"full"}')
    expect(message!.messageAttributes).toEqual({ severity: { dataType: 'String', stringValue: 'high' } })
  })

  it('counts deliveries and failures per topic, and a failed subscription does not fail the publish', async () => {
    const { queues, topics, metrics } = await openTopics()
    queues.declare('big')
    queues.declare('small', { maximumMessageSize: 1_024 })
    topics.declare('alerts', { subscriptions: [{ queue: 'big' }, { queue: 'small' }] })
    // 900 bytes fit the small queue raw, but not inside the envelope.
    expect(topics.publish('alerts', 'x'.repeat(900)).messageId).toBeTruthy()
    const sns = (name: string) => metrics.get('AWS/SNS', name, { TopicName: 'alerts' }).sum
    expect(sns('NumberOfMessagesPublished')).toBe(1)
    expect(sns('NumberOfNotificationsDelivered')).toBe(1)
    expect(sns('NumberOfNotificationsFailed')).toBe(1)
    expect(sns('PublishSize')).toBe(900)
    expect(queues.depth('big').visible).toBe(1)
    expect(queues.depth('small').visible).toBe(0)
  })
})

describe('fan-out to functions', () => {
  it('invokes asynchronously with Lambda’s SNS event, without blocking the publisher', async () => {
    let release!: () => void
    const gate = new Promise<void>((resolve) => {
      release = resolve
    })
    const { topics, invoker, asyncInvocations } = await openTopics({ pager: () => gate })
    const [subscription] = topics.declare('alerts', { subscriptions: [{ function: 'pager' }] })
    asyncInvocations.start()
    const { messageId } = topics.publish('alerts', 'disk full', { attributes: { severity: 'high' } })
    topics.publish('alerts', 'second')
    await until(() => invoker.calls.length === 2)
    const event = invoker.calls[0]!.event as SNSEvent
    expect(event).toEqual({
      Records: [
        {
          EventSource: 'aws:sns',
          EventVersion: '1.0',
          EventSubscriptionArn: subscription!.subscriptionArn,
          Sns: {
            Type: 'Notification',
            MessageId: messageId,
            TopicArn: TOPIC_ARN,
            Subject: null,
            Message: 'disk full',
            Timestamp: new Date(T0).toISOString(),
            SignatureVersion: '1',
            Signature: expect.any(String),
            SigningCertUrl: expect.stringContaining(
              'https://sns.eu-west-1.amazonaws.com/SimpleNotificationService-',
            ),
            UnsubscribeUrl: `https://sns.eu-west-1.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=${subscription!.subscriptionArn}`,
            MessageAttributes: { severity: { Type: 'String', Value: 'high' } },
          },
        },
      ],
    })
    expect(asyncInvocations.pending()).toBe(2)
    release()
    await until(() => asyncInvocations.pending() === 0)
  })

  it('retries a failing function twice, 1 and 2 minutes apart, with the same request ID, then drops the event', async () => {
    const { topics, invoker, asyncInvocations, clock, metrics } = await openTopics({
      pager: () => {
        throw new Error('down')
      },
    })
    topics.declare('alerts', { subscriptions: [{ function: 'pager' }] })
    asyncInvocations.start()
    topics.publish('alerts', 'disk full')
    await until(() => invoker.calls.length === 1)
    clock.advance(59_999)
    await settle()
    expect(invoker.calls).toHaveLength(1)
    clock.advance(1)
    await until(() => invoker.calls.length === 2)
    clock.advance(119_999)
    await settle()
    expect(invoker.calls).toHaveLength(2)
    clock.advance(1)
    await until(() => invoker.calls.length === 3)
    await until(() => asyncInvocations.pending() === 0)
    clock.advance(3_600_000)
    await settle()
    expect(invoker.calls).toHaveLength(3)
    expect(new Set(invoker.calls.map((c) => c.requestId)).size).toBe(1)
    const lambda = (name: string) => metrics.get('AWS/Lambda', name, { FunctionName: 'pager' }).sum
    expect(lambda('AsyncEventsReceived')).toBe(1)
    expect(lambda('AsyncEventsDropped')).toBe(1)
    // SNS handed the event to Lambda: for SNS that is a delivery.
    expect(metrics.get('AWS/SNS', 'NumberOfNotificationsDelivered', { TopicName: 'alerts' }).sum).toBe(1)
  })

  it('stops retrying once an attempt succeeds', async () => {
    let calls = 0
    const { topics, invoker, asyncInvocations, clock } = await openTopics({
      pager: () => {
        if (++calls === 1) throw new Error('flaky')
      },
    })
    topics.declare('alerts', { subscriptions: [{ function: 'pager' }] })
    asyncInvocations.start()
    topics.publish('alerts', 'm')
    await until(() => invoker.calls.length === 1)
    clock.advance(60_000)
    await until(() => asyncInvocations.pending() === 0)
    clock.advance(600_000)
    await settle()
    expect(invoker.calls).toHaveLength(2)
  })

  it('retries throttled invocations with exponential backoff, not counting them as attempts', async () => {
    const { topics, invoker, asyncInvocations, clock } = await openTopics({ pager: () => undefined })
    topics.declare('alerts', { subscriptions: [{ function: 'pager' }] })
    asyncInvocations.start()
    invoker.throttle = 3
    topics.publish('alerts', 'm')
    await settle()
    for (const wait of [1_000, 2_000, 4_000]) {
      expect(invoker.calls).toHaveLength(0)
      clock.advance(wait)
      await settle()
    }
    expect(invoker.calls).toHaveLength(1)
    await until(() => asyncInvocations.pending() === 0)
  })

  it('keeps accepted events across a restart and runs them after it', async () => {
    const first = await openTopics({ pager: () => undefined })
    first.topics.declare('alerts', { subscriptions: [{ function: 'pager' }] })
    first.topics.publish('alerts', 'before the restart')
    expect(first.invoker.calls).toHaveLength(0)
    await first.asyncInvocations.stop()
    const second = withTopics(first.restart(), { pager: () => undefined })
    expect(second.asyncInvocations.pending()).toBe(1)
    second.asyncInvocations.start()
    await until(() => second.invoker.calls.length === 1)
    expect((second.invoker.calls[0]!.event as SNSEvent).Records[0]!.Sns.Message).toBe('before the restart')
    await until(() => second.asyncInvocations.pending() === 0)
  })
})

describe('subscriptions are an open set of protocols', () => {
  it('delivers through a protocol registered by a later stage', async () => {
    const outbox: string[] = []
    const file: SubscriptionProtocol<{ protocol: 'outbox'; path: string }> = {
      protocol: 'outbox',
      resolve: (input) => ({ protocol: 'outbox', path: String(input.path) }),
      endpoint: (s) => `file://${s.path}`,
      deliver: (n, s) => {
        outbox.push(`${s.path}: ${n.message}`)
      },
    }
    const { topics } = await openTopics({}, [file as SubscriptionProtocol<{ protocol: string }>])
    topics.declare('alerts', { subscriptions: [{ protocol: 'outbox', path: 'alerts.log' }] })
    topics.publish('alerts', 'hello')
    expect(outbox).toEqual(['alerts.log: hello'])
    expect(topics.subscriptions('alerts')[0]).toMatchObject({
      protocol: 'outbox',
      endpoint: 'file://alerts.log',
    })
  })
})

describe('validation', () => {
  it.each([
    ['an unknown topic', (t: T) => t.publish('nope', 'x'), 'NotFoundException: Topic does not exist'],
    [
      'an empty message',
      (t: T) => t.publish('alerts', ''),
      'InvalidParameterException: Invalid parameter: Empty message',
    ],
    [
      'a subject over 100 characters',
      (t: T) => t.publish('alerts', 'x', { subject: 's'.repeat(101) }),
      'InvalidParameterException: Invalid parameter: Subject',
    ],
    [
      'a subject with a line break',
      (t: T) => t.publish('alerts', 'x', { subject: 'a\nb' }),
      'InvalidParameterException: Invalid parameter: Subject',
    ],
    [
      'a message over 256 KiB',
      (t: T) => t.publish('alerts', 'x'.repeat(262_145)),
      'InvalidParameterException: Invalid parameter: Message too long',
    ],
  ])('rejects %s', async (_, act, expected) => {
    const { topics } = await openTopics()
    topics.declare('alerts')
    let error: Error | undefined
    try {
      act(topics)
    } catch (e) {
      error = e as Error
    }
    expect(`${error?.name}: ${error?.message}`).toBe(expected)
  })

  it.each([
    [
      { subscriptions: [{ queue: 'missing' }] },
      "topics.alerts.subscriptions[0].queue: queue 'missing' is not declared",
    ],
    [
      { subscriptions: [{ function: 'ghost' }] },
      "topics.alerts.subscriptions[0].function: function 'ghost' is not declared",
    ],
    [
      { subscriptions: [{ protocol: 'email', to: 'a@b' }] },
      "topics.alerts.subscriptions[0].protocol: unknown protocol 'email'",
    ],
    [
      { subscriptions: [{ queue: 'inbox', raw: true }] },
      'topics.alerts.subscriptions[0].raw: unknown subscription setting',
    ],
    [
      { subscriptions: [{ nothing: 1 }] },
      "topics.alerts.subscriptions[0]: needs a 'queue' or a 'function' to deliver to",
    ],
  ])('rejects the declaration %o', async (config, message) => {
    const { topics, queues } = await openTopics()
    queues.declare('inbox')
    // biome-ignore lint/suspicious/noExplicitAny: malformed on purpose
    expect(() => topics.declare('alerts', config as any)).toThrow(message)
  })
})

type T = Awaited<ReturnType<typeof openTopics>>['topics']

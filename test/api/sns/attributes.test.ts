import { rm } from 'node:fs/promises'
import {
  CreateTopicCommand,
  GetSubscriptionAttributesCommand,
  GetTopicAttributesCommand,
  type MessageAttributeValue,
  PublishCommand,
  SetSubscriptionAttributesCommand,
  SetTopicAttributesCommand,
  SubscribeCommand,
} from '@aws-sdk/client-sns'
import { describe, expect, it, onTestFinished } from 'vitest'
import { startPipeline } from '../../../src/testing/index.ts'
import { clients, drain, failure } from './helpers.ts'

const definition = {
  name: 'sns-attributes',
  queues: { inbox: {}, orders: {} },
  topics: { alerts: { subscriptions: [{ queue: 'inbox' }] } },
}
const ARN = 'arn:aws:sns:us-east-1:000000000000'
const ORDERS = 'arn:aws:sqs:us-east-1:000000000000:orders'

const str = (StringValue: string): MessageAttributeValue => ({ DataType: 'String', StringValue })
const num = (StringValue: string): MessageAttributeValue => ({ DataType: 'Number', StringValue })
const arr = (values: unknown[]): MessageAttributeValue => ({
  DataType: 'String.Array',
  StringValue: JSON.stringify(values),
})

describe('SNS topic attributes', () => {
  it('sets DisplayName and Policy, returns them with the subscription counts, and keeps them across a restart', async () => {
    const p = await startPipeline(definition, { serve: true })
    let { sns } = clients(p)
    const TopicArn = `${ARN}:alerts`
    const before = (await sns.send(new GetTopicAttributesCommand({ TopicArn }))).Attributes!
    expect(before).toMatchObject({
      TopicArn,
      Owner: '000000000000',
      DisplayName: '',
      SubscriptionsConfirmed: '1',
      SubscriptionsPending: '0',
      SubscriptionsDeleted: '0',
    })
    expect(JSON.parse(before.Policy!)).toMatchObject({ Id: '__default_policy_ID' })
    expect(JSON.parse(before.EffectiveDeliveryPolicy!)).toHaveProperty('http')

    const policy = JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { Service: 's3.amazonaws.com' },
          Action: 'sns:Publish',
          Resource: TopicArn,
        },
      ],
    })
    await sns.send(
      new SetTopicAttributesCommand({ TopicArn, AttributeName: 'DisplayName', AttributeValue: 'Alerts' }),
    )
    await sns.send(
      new SetTopicAttributesCommand({ TopicArn, AttributeName: 'Policy', AttributeValue: policy }),
    )
    const { TopicArn: created } = await sns.send(
      new CreateTopicCommand({ Name: 'events', Attributes: { DisplayName: 'Events' } }),
    )
    await sns.send(new SubscribeCommand({ TopicArn: created, Protocol: 'sqs', Endpoint: ORDERS }))

    await p.close()
    const again = await startPipeline(definition, { serve: true, dataDir: p.dataDir, clock: p.clock })
    onTestFinished(async () => {
      await again.close()
      await rm(p.dataDir, { recursive: true, force: true })
    })
    sns = clients(again).sns
    expect((await sns.send(new GetTopicAttributesCommand({ TopicArn }))).Attributes).toMatchObject({
      DisplayName: 'Alerts',
      Policy: policy,
    })
    expect((await sns.send(new GetTopicAttributesCommand({ TopicArn: created }))).Attributes).toMatchObject({
      DisplayName: 'Events',
      SubscriptionsConfirmed: '1',
    })

    expect(
      await failure(
        sns.send(new SetTopicAttributesCommand({ TopicArn, AttributeName: 'Colour', AttributeValue: 'x' })),
      ),
    ).toEqual({ name: 'InvalidParameterException', message: 'Invalid parameter: AttributeName', status: 400 })
    expect(
      await failure(
        sns.send(
          new SetTopicAttributesCommand({
            TopicArn: `${ARN}:nope`,
            AttributeName: 'DisplayName',
            AttributeValue: 'x',
          }),
        ),
      ),
    ).toEqual({ name: 'NotFoundException', message: 'Topic does not exist', status: 404 })
  })
})

describe('SNS subscription attributes', () => {
  it("Subscribe's Attributes and SetSubscriptionAttributes are reported, kept, and applied to deliveries", async () => {
    const p = await startPipeline(definition, { serve: true })
    let { sns, sqs } = clients(p)
    const TopicArn = `${ARN}:alerts`
    const { SubscriptionArn } = await sns.send(
      new SubscribeCommand({
        TopicArn,
        Protocol: 'sqs',
        Endpoint: ORDERS,
        Attributes: { FilterPolicy: JSON.stringify({ kind: ['order'] }), RawMessageDelivery: 'true' },
        ReturnSubscriptionArn: true,
      }),
    )
    const redrive = JSON.stringify({ deadLetterTargetArn: 'arn:aws:sqs:us-east-1:000000000000:inbox' })
    await sns.send(
      new SetSubscriptionAttributesCommand({
        SubscriptionArn,
        AttributeName: 'RedrivePolicy',
        AttributeValue: redrive,
      }),
    )
    expect((await sns.send(new GetSubscriptionAttributesCommand({ SubscriptionArn }))).Attributes).toEqual({
      Owner: '000000000000',
      TopicArn,
      Endpoint: ORDERS,
      Protocol: 'sqs',
      SubscriptionArn,
      PendingConfirmation: 'false',
      ConfirmationWasAuthenticated: 'true',
      RawMessageDelivery: 'true',
      FilterPolicy: '{"kind":["order"]}',
      FilterPolicyScope: 'MessageAttributes',
      RedrivePolicy: redrive,
    })

    await sns.send(
      new PublishCommand({ TopicArn, Message: 'an order', MessageAttributes: { kind: str('order') } }),
    )
    await sns.send(
      new PublishCommand({ TopicArn, Message: 'a refund', MessageAttributes: { kind: str('refund') } }),
    )
    // Raw delivery: the message itself, its attributes as SQS message attributes.
    expect(await drain(sqs, p, 'orders')).toEqual([
      { body: 'an order', attributes: { kind: { DataType: 'String', StringValue: 'order' } } },
    ])
    // The declared subscription has no filter: it gets both, in the envelope.
    expect((await drain(sqs, p, 'inbox')).map((m) => JSON.parse(m.body).Message)).toEqual([
      'an order',
      'a refund',
    ])

    // Subscribing again with other attributes is refused; with none, returns the subscription.
    expect(
      await failure(
        sns.send(
          new SubscribeCommand({
            TopicArn,
            Protocol: 'sqs',
            Endpoint: ORDERS,
            Attributes: { RawMessageDelivery: 'false' },
          }),
        ),
      ),
    ).toMatchObject({
      name: 'InvalidParameterException',
      message: 'Invalid parameter: Attributes Reason: Subscription already exists with different attributes',
    })

    await sns.send(
      new SetSubscriptionAttributesCommand({
        SubscriptionArn,
        AttributeName: 'RawMessageDelivery',
        AttributeValue: 'false',
      }),
    )
    await sns.send(
      new SetSubscriptionAttributesCommand({
        SubscriptionArn,
        AttributeName: 'FilterPolicyScope',
        AttributeValue: 'MessageBody',
      }),
    )
    await sns.send(
      new SetSubscriptionAttributesCommand({
        SubscriptionArn,
        AttributeName: 'FilterPolicy',
        AttributeValue: JSON.stringify({ order: { total: [{ numeric: ['>=', 100] }] } }),
      }),
    )

    await p.close()
    const again = await startPipeline(definition, { serve: true, dataDir: p.dataDir, clock: p.clock })
    onTestFinished(async () => {
      await again.close()
      await rm(p.dataDir, { recursive: true, force: true })
    })
    ;({ sns, sqs } = clients(again))
    expect(
      (await sns.send(new GetSubscriptionAttributesCommand({ SubscriptionArn }))).Attributes,
    ).toMatchObject({
      RawMessageDelivery: 'false',
      FilterPolicyScope: 'MessageBody',
      FilterPolicy: '{"order":{"total":[{"numeric":[">=",100]}]}}',
    })
    await sns.send(new PublishCommand({ TopicArn, Message: JSON.stringify({ order: { total: 250 } }) }))
    await sns.send(new PublishCommand({ TopicArn, Message: JSON.stringify({ order: { total: 20 } }) }))
    await sns.send(new PublishCommand({ TopicArn, Message: 'not json' }))
    const got = await drain(sqs, again, 'orders')
    expect(got.map((m) => JSON.parse(m.body).Message)).toEqual(['{"order":{"total":250}}'])

    // An empty FilterPolicy removes the filter.
    await sns.send(
      new SetSubscriptionAttributesCommand({
        SubscriptionArn,
        AttributeName: 'FilterPolicy',
        AttributeValue: '',
      }),
    )
    await sns.send(new PublishCommand({ TopicArn, Message: 'anything' }))
    expect((await drain(sqs, again, 'orders')).map((m) => JSON.parse(m.body).Message)).toEqual(['anything'])
  })

  it('answers bad attributes with SNS errors', async () => {
    const p = await startPipeline(definition, { serve: true, teardown: onTestFinished })
    const { sns } = clients(p)
    const TopicArn = `${ARN}:alerts`
    const { SubscriptionArn } = await sns.send(
      new SubscribeCommand({ TopicArn, Protocol: 'sqs', Endpoint: ORDERS, ReturnSubscriptionArn: true }),
    )
    const set = (AttributeName: string, AttributeValue: string) =>
      failure(
        sns.send(new SetSubscriptionAttributesCommand({ SubscriptionArn, AttributeName, AttributeValue })),
      )
    expect(await set('Colour', 'x')).toEqual({
      name: 'InvalidParameterException',
      message: 'Invalid parameter: AttributeName',
      status: 400,
    })
    expect((await set('RawMessageDelivery', 'yes')).message).toBe(
      'Invalid parameter: RawMessageDelivery: Invalid value [yes]. Must be true or false.',
    )
    expect((await set('FilterPolicyScope', 'Body')).message).toBe(
      'Invalid parameter: FilterPolicyScope: Invalid value [Body]. Please use either MessageBody or MessageAttributes',
    )
    expect(
      await failure(
        sns.send(
          new GetSubscriptionAttributesCommand({
            SubscriptionArn: `${TopicArn}:00000000-0000-0000-0000-000000000000`,
          }),
        ),
      ),
    ).toEqual({ name: 'NotFoundException', message: 'Subscription does not exist', status: 404 })
    expect(
      await failure(
        sns.send(
          new SubscribeCommand({
            TopicArn,
            Protocol: 'sqs',
            Endpoint: 'arn:aws:sqs:us-east-1:000000000000:inbox',
            Attributes: { FilterPolicy: '{"a": {"b": ["c"]}}' },
          }),
        ),
      ),
    ).toMatchObject({
      name: 'InvalidParameterException',
      message:
        'Invalid parameter: Attributes Reason: Filter policy scope MessageAttributes does not support nested filter policy',
    })
  })

  it.each([
    ['not JSON', '{"a": [', 'FilterPolicy: failed to parse JSON.'],
    ['an empty list', '{"a": []}', 'FilterPolicy: Empty arrays are not allowed'],
    ['a scalar', '{"a": "b"}', 'FilterPolicy: "a" must be an object or an array'],
    [
      'six keys',
      '{"a":[1],"b":[1],"c":[1],"d":[1],"e":[1],"f":[1]}',
      'FilterPolicy: Filter policy can not have more than 5 keys',
    ],
    ['an unknown operator', '{"a": [{"like": "x"}]}', 'FilterPolicy: Unrecognized match type like'],
    [
      'two operators',
      '{"a": [{"prefix": "x", "suffix": "y"}]}',
      'FilterPolicy: Only one key allowed in match expression',
    ],
    ['a numeric prefix', '{"a": [{"prefix": 1}]}', 'FilterPolicy: prefix match pattern must be a string'],
    [
      'a string exists',
      '{"a": [{"exists": "yes"}]}',
      'FilterPolicy: exists match pattern must be either true or false.',
    ],
    [
      'a bad numeric operator',
      '{"a": [{"numeric": ["!=", 1]}]}',
      'FilterPolicy: Unrecognized numeric range operator: !=',
    ],
    ['a string bound', '{"a": [{"numeric": [">", "1"]}]}', 'FilterPolicy: Value of > must be numeric'],
    [
      'an upside-down range',
      '{"a": [{"numeric": [">", 10, "<", 5]}]}',
      'FilterPolicy: Bottom must be less than top',
    ],
    [
      'a nested list',
      '{"a": [["b"]]}',
      'FilterPolicy: Match value must be String, number, true, false, or null',
    ],
    [
      'too many combinations',
      `{"a": ${JSON.stringify([...Array(13).keys()])}, "b": ${JSON.stringify([...Array(12).keys()])}}`,
      'FilterPolicy: Filter policy is too complex',
    ],
  ])('refuses a filter policy with %s', async (_, policy, text) => {
    const p = await startPipeline(definition, { serve: true, teardown: onTestFinished })
    const { sns } = clients(p)
    const { SubscriptionArn } = await sns.send(
      new SubscribeCommand({
        TopicArn: `${ARN}:alerts`,
        Protocol: 'sqs',
        Endpoint: ORDERS,
        ReturnSubscriptionArn: true,
      }),
    )
    expect(
      await failure(
        sns.send(
          new SetSubscriptionAttributesCommand({
            SubscriptionArn,
            AttributeName: 'FilterPolicy',
            AttributeValue: policy,
          }),
        ),
      ),
    ).toEqual({ name: 'InvalidParameterException', message: `Invalid parameter: ${text}`, status: 400 })
    // Nothing was set.
    const { Attributes } = await sns.send(new GetSubscriptionAttributesCommand({ SubscriptionArn }))
    expect(Attributes?.FilterPolicy).toBeUndefined()
  })
})

describe('SNS filter policies on publish', () => {
  const messages: [string, Record<string, MessageAttributeValue>][] = [
    ['red-shoe', { colour: str('red'), size: num('42'), tags: arr(['sale', 'new']) }],
    ['blue-shoe', { colour: str('blue'), size: num('38.5') }],
    ['green-hat', { colour: str('green'), tags: arr(['new']) }],
    ['bare', {}],
    ['number-as-string', { size: str('42') }],
  ]
  it.each([
    ['exact strings (OR of values)', { colour: ['red', 'blue'] }, ['red-shoe', 'blue-shoe']],
    ['a numeric range', { size: [{ numeric: ['>=', 40, '<', 50] }] }, ['red-shoe']],
    ['a numeric equality', { size: [38.5] }, ['blue-shoe']],
    ['a prefix', { colour: [{ prefix: 'gr' }] }, ['green-hat']],
    ['anything-but', { colour: [{ 'anything-but': ['red', 'green'] }] }, ['blue-shoe']],
    ['anything-but a prefix', { colour: [{ 'anything-but': { prefix: 'bl' } }] }, ['red-shoe', 'green-hat']],
    ['exists', { tags: [{ exists: true }] }, ['red-shoe', 'green-hat']],
    // A message without any attributes passes no policy, not even this one.
    ['does not exist', { colour: [{ exists: false }] }, ['number-as-string']],
    ['a String.Array element', { tags: ['sale'] }, ['red-shoe']],
    ['two keys (AND)', { colour: ['red', 'green'], tags: ['new'] }, ['red-shoe', 'green-hat']],
    ['$or', { $or: [{ colour: ['blue'] }, { tags: ['new'] }] }, ['red-shoe', 'blue-shoe', 'green-hat']],
    [
      'equals-ignore-case and suffix',
      { colour: [{ 'equals-ignore-case': 'RED' }, { suffix: 'een' }] },
      ['red-shoe', 'green-hat'],
    ],
  ])('%s', async (_, policy, expected) => {
    const p = await startPipeline(definition, { serve: true, teardown: onTestFinished })
    const { sns, sqs } = clients(p)
    const TopicArn = `${ARN}:alerts`
    await sns.send(
      new SubscribeCommand({
        TopicArn,
        Protocol: 'sqs',
        Endpoint: ORDERS,
        Attributes: { FilterPolicy: JSON.stringify(policy), RawMessageDelivery: 'true' },
      }),
    )
    for (const [Message, MessageAttributes] of messages)
      await sns.send(new PublishCommand({ TopicArn, Message, MessageAttributes }))
    expect((await drain(sqs, p, 'orders')).map((m) => m.body)).toEqual(expected)
  })

  it('carries Number and String.Array attributes in the envelope with their types', async () => {
    const p = await startPipeline(definition, { serve: true, teardown: onTestFinished })
    const { sns, sqs } = clients(p)
    await sns.send(
      new SubscribeCommand({
        TopicArn: `${ARN}:alerts`,
        Protocol: 'sqs',
        Endpoint: ORDERS,
        Attributes: { RawMessageDelivery: 'true' },
      }),
    )
    await sns.send(
      new PublishCommand({
        TopicArn: `${ARN}:alerts`,
        Message: 'typed',
        MessageAttributes: { price: num('210.75'), interests: arr(['soccer', 'rugby']) },
      }),
    )
    const [message] = await drain(sqs, p, 'inbox')
    expect(JSON.parse(message!.body).MessageAttributes).toEqual({
      price: { Type: 'Number', Value: '210.75' },
      interests: { Type: 'String.Array', Value: '["soccer","rugby"]' },
    })
    // Raw delivery: SQS message attributes of type Number and (SQS's custom type) String.Array.
    expect(await drain(sqs, p, 'orders')).toEqual([
      {
        body: 'typed',
        attributes: {
          price: { DataType: 'Number', StringValue: '210.75' },
          interests: { DataType: 'String.Array', StringValue: '["soccer","rugby"]' },
        },
      },
    ])
    expect(
      await failure(
        sns.send(
          new PublishCommand({
            TopicArn: `${ARN}:alerts`,
            Message: 'x',
            MessageAttributes: { price: num('cheap') },
          }),
        ),
      ),
    ).toMatchObject({ name: 'InvalidParameterException', status: 400 })
  })
})

describe('SNS subscription attributes on a function subscription', () => {
  it('refuses raw delivery for lambda, and filters what the function gets (with typed attributes)', async () => {
    const p = await startPipeline(
      { ...definition, functions: { pager: { handler: 'pager.handler' } } },
      { dir: new URL('./fixture/', import.meta.url).pathname, serve: true, teardown: onTestFinished },
    )
    const { sns } = clients(p)
    const TopicArn = `${ARN}:alerts`
    const Endpoint = 'arn:aws:lambda:us-east-1:000000000000:function:pager'
    expect(
      await failure(
        sns.send(
          new SubscribeCommand({
            TopicArn,
            Protocol: 'lambda',
            Endpoint,
            Attributes: { RawMessageDelivery: 'true' },
          }),
        ),
      ),
    ).toEqual({
      name: 'InvalidParameterException',
      message:
        'Invalid parameter: Attributes Reason: Delivery protocol [lambda] does not support raw message delivery.',
      status: 400,
    })
    const { SubscriptionArn } = await sns.send(
      new SubscribeCommand({
        TopicArn,
        Protocol: 'lambda',
        Endpoint,
        Attributes: { FilterPolicy: JSON.stringify({ severity: [{ numeric: ['>=', 3] }] }) },
        ReturnSubscriptionArn: true,
      }),
    )
    expect(
      await failure(
        sns.send(
          new SetSubscriptionAttributesCommand({
            SubscriptionArn,
            AttributeName: 'RawMessageDelivery',
            AttributeValue: 'true',
          }),
        ),
      ),
    ).toMatchObject({
      message: 'Invalid parameter: Delivery protocol [lambda] does not support raw message delivery.',
    })
    for (const [Message, severity] of [
      ['minor', '1'],
      ['major', '4'],
    ] as const)
      await sns.send(
        new PublishCommand({ TopicArn, Message, MessageAttributes: { severity: num(severity) } }),
      )
    await p.until(() => p.logs.some((l) => l.message.includes('paged')))
    await p.settle()
    expect(
      p.logs
        .filter((l) => l.message.includes('paged'))
        .map((l) => l.message.slice(l.message.indexOf('paged'))),
    ).toEqual(['paged major [severity:Number]'])
  })
})

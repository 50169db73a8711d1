import { rm } from 'node:fs/promises'
import {
  CreateTopicCommand,
  DeleteTopicCommand,
  GetTopicAttributesCommand,
  ListSubscriptionsByTopicCommand,
  ListSubscriptionsCommand,
  ListTopicsCommand,
  PublishCommand,
  SNSClient,
  SubscribeCommand,
  UnsubscribeCommand,
} from '@aws-sdk/client-sns'
import { describe, expect, it, onTestFinished } from 'vitest'
import { startPipeline, type TestPipeline } from '../../../src/testing/index.ts'
import { failure } from './helpers.ts'

const definition = {
  name: 'sns-api',
  queues: { inbox: {}, orders: {} },
  topics: { alerts: { subscriptions: [{ queue: 'inbox' }] } },
}
const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' }
const ARN = 'arn:aws:sns:us-east-1:000000000000'

function client(p: TestPipeline): SNSClient {
  const sns = new SNSClient({ endpoint: p.endpoint!, region: 'us-east-1', credentials })
  onTestFinished(() => sns.destroy())
  return sns
}

describe('the SNS API (query protocol) with @aws-sdk/client-sns', () => {
  it('lists, describes and publishes to a declared topic: its subscriptions get the message', async () => {
    const p = await startPipeline(definition, { serve: true, teardown: onTestFinished })
    const sns = client(p)
    const { Topics } = await sns.send(new ListTopicsCommand({}))
    expect(Topics).toEqual([{ TopicArn: `${ARN}:alerts` }])
    const { Attributes } = await sns.send(new GetTopicAttributesCommand({ TopicArn: `${ARN}:alerts` }))
    expect(Attributes).toMatchObject({
      TopicArn: `${ARN}:alerts`,
      Owner: '000000000000',
      SubscriptionsConfirmed: '1',
    })

    const { MessageId } = await sns.send(
      new PublishCommand({
        TopicArn: `${ARN}:alerts`,
        Message: 'disk <full> & "hot"',
        Subject: 'ALARM',
        MessageAttributes: { severity: { DataType: 'String', StringValue: 'high' } },
      }),
    )
    expect(MessageId).toMatch(/^[0-9a-f-]{36}$/)
    const [envelope] = p.queue('inbox').json<Record<string, unknown>>()
    expect(envelope).toMatchObject({
      Type: 'Notification',
      MessageId,
      TopicArn: `${ARN}:alerts`,
      Subject: 'ALARM',
      Message: 'disk <full> & "hot"',
      MessageAttributes: { severity: { Type: 'String', Value: 'high' } },
    })
  })

  it('creates topics and subscriptions that survive a restart, and deletes them', async () => {
    const p = await startPipeline(definition, { serve: true })
    let sns = client(p)
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: 'events' }))
    expect(TopicArn).toBe(`${ARN}:events`)
    // Creating it again returns the same topic.
    expect((await sns.send(new CreateTopicCommand({ Name: 'events' }))).TopicArn).toBe(TopicArn)
    const { SubscriptionArn } = await sns.send(
      new SubscribeCommand({
        TopicArn,
        Protocol: 'sqs',
        Endpoint: 'arn:aws:sqs:us-east-1:000000000000:orders',
        Attributes: { RawMessageDelivery: 'true' },
        ReturnSubscriptionArn: true,
      }),
    )
    expect(SubscriptionArn).toMatch(new RegExp(`^${ARN}:events:[0-9a-f-]{36}$`))

    await p.close()
    const again = await startPipeline(definition, { serve: true, dataDir: p.dataDir, clock: p.clock })
    onTestFinished(async () => {
      await again.close()
      await rm(p.dataDir, { recursive: true, force: true })
    })
    sns = client(again)
    expect((await sns.send(new ListTopicsCommand({}))).Topics?.map((t) => t.TopicArn)).toEqual([
      `${ARN}:alerts`,
      `${ARN}:events`,
    ])
    await sns.send(new PublishCommand({ TopicArn, Message: '{"order":1}' }))
    expect(
      again
        .queue('orders')
        .messages()
        .map((m) => m.body),
    ).toEqual(['{"order":1}'])
    const byTopic = await sns.send(new ListSubscriptionsByTopicCommand({ TopicArn }))
    expect(byTopic.Subscriptions).toEqual([
      {
        SubscriptionArn,
        Owner: '000000000000',
        Protocol: 'sqs',
        Endpoint: 'arn:aws:sqs:us-east-1:000000000000:orders',
        TopicArn,
      },
    ])
    expect((await sns.send(new ListSubscriptionsCommand({}))).Subscriptions).toHaveLength(2)

    await sns.send(new UnsubscribeCommand({ SubscriptionArn }))
    expect((await sns.send(new ListSubscriptionsByTopicCommand({ TopicArn }))).Subscriptions).toEqual([])
    await sns.send(new DeleteTopicCommand({ TopicArn }))
    expect((await sns.send(new ListTopicsCommand({}))).Topics).toEqual([{ TopicArn: `${ARN}:alerts` }])
    // Deleting a topic that is gone succeeds, as on SNS.
    await sns.send(new DeleteTopicCommand({ TopicArn }))
  })

  it("answers errors as SNS does, in the query protocol's XML", async () => {
    const p = await startPipeline(definition, { serve: true, teardown: onTestFinished })
    const sns = client(p)
    expect(await failure(sns.send(new PublishCommand({ TopicArn: `${ARN}:nope`, Message: 'x' })))).toEqual({
      name: 'NotFoundException',
      message: 'Topic does not exist',
      status: 404,
    })
    expect(
      await failure(sns.send(new PublishCommand({ TopicArn: `${ARN}:alerts`, Message: '' }))),
    ).toMatchObject({
      name: 'InvalidParameterException',
      status: 400,
    })
    expect(
      await failure(
        sns.send(new SubscribeCommand({ TopicArn: `${ARN}:alerts`, Protocol: 'email', Endpoint: 'a@b.c' })),
      ),
    ).toMatchObject({ name: 'InvalidParameterException', status: 400 })
    expect(await failure(sns.send(new DeleteTopicCommand({ TopicArn: `${ARN}:alerts` })))).toMatchObject({
      name: 'InvalidParameterException',
      message: expect.stringContaining('declared in the pipeline definition'),
    })
    const res = await fetch(p.endpoint!, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization:
          'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261206/us-east-1/sns/aws4_request, SignedHeaders=host, Signature=00',
        'x-amz-date': '20261206T000000Z',
      },
      body: 'Action=Explode&Version=2010-03-31',
    })
    expect(res.status).toBe(400)
    expect(await res.text()).toMatch(
      /^<\?xml version="1.0"\?>\n<ErrorResponse xmlns="http:\/\/sns.amazonaws.com\/doc\/2010-03-31\/"><Error><Type>Sender<\/Type><Code>InvalidAction<\/Code><Message>The action Explode is not valid for this endpoint.<\/Message><\/Error><RequestId>[0-9a-f-]{36}<\/RequestId><\/ErrorResponse>\n$/,
    )
  })
})

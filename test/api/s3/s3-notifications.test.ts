import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  GetBucketNotificationConfigurationCommand,
  PutBucketNotificationConfigurationCommand,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
  UploadPartCommand,
} from '@aws-sdk/client-s3'
import { describe, expect, it, onTestFinished } from 'vitest'
import { startPipeline, type TestPipeline } from '../../../src/testing/index.ts'
import { findAwsCli, findBoto3, requireClient, run } from '../../helpers/real-clients.ts'

const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' }
const FIXTURE = new URL('../../fixtures/pipelines/s3-event-crash/', import.meta.url).pathname
const ARN = {
  seen: 'arn:aws:lambda:us-east-1:000000000000:function:seen',
  events: 'arn:aws:sqs:us-east-1:000000000000:events',
  fanout: 'arn:aws:sns:us-east-1:000000000000:fanout',
}

const definition = {
  name: 's3-notify',
  buckets: {
    inbox: { notifications: [{ function: 'seen', events: ['s3:ObjectCreated:*' as const], prefix: 'in/' }] },
    lake: {},
  },
  functions: { seen: { handler: 'functions/seen.handler' } },
  queues: { events: {}, 'from-topic': {} },
  topics: { fanout: { subscriptions: [{ queue: 'from-topic' }] } },
}

interface S3Record {
  eventName: string
  s3: {
    configurationId: string
    bucket: { name: string }
    object: { key: string; size?: number; eTag?: string }
  }
}
type Message = { Records: S3Record[] } | { Event: 's3:TestEvent'; Bucket: string }

async function start(dataDir?: string): Promise<{ p: TestPipeline; s3: S3Client }> {
  const p = await startPipeline(definition, {
    serve: true,
    dir: FIXTURE,
    teardown: onTestFinished,
    ...(dataDir ? { dataDir } : {}),
  })
  const s3 = new S3Client({ endpoint: p.endpoint!, region: 'us-east-1', credentials, forcePathStyle: true })
  onTestFinished(() => s3.destroy())
  return { p, s3 }
}

async function failure(promise: Promise<unknown>) {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  )
  if (!(error instanceof S3ServiceException)) throw new Error(`expected an S3 error, got ${String(error)}`)
  const fields = error as unknown as Record<string, unknown>
  return {
    name: error.name,
    message: error.message,
    status: error.$metadata.httpStatusCode,
    argument: fields.ArgumentName ?? fields.ArgumentName1,
    value: fields.ArgumentValue ?? fields.ArgumentValue1,
  }
}

const records = (messages: Message[]) =>
  messages.flatMap((m) => ('Records' in m ? m.Records : [])).map((r) => [r.eventName, r.s3.object.key])

describe('Get/PutBucketNotificationConfiguration with @aws-sdk/client-s3', () => {
  it('returns the declared notifications, and an empty configuration for a bucket without any', async () => {
    const { s3 } = await start()
    const got = await s3.send(new GetBucketNotificationConfigurationCommand({ Bucket: 'inbox' }))
    expect(got.LambdaFunctionConfigurations).toEqual([
      {
        Id: 'inbox-seen-1',
        LambdaFunctionArn: ARN.seen,
        Events: ['s3:ObjectCreated:*'],
        Filter: { Key: { FilterRules: [{ Name: 'Prefix', Value: 'in/' }] } },
      },
    ])
    const none = await s3.send(new GetBucketNotificationConfigurationCommand({ Bucket: 'lake' }))
    expect(none.LambdaFunctionConfigurations ?? []).toEqual([])
    expect(none.QueueConfigurations ?? []).toEqual([])
    expect(
      await failure(s3.send(new GetBucketNotificationConfigurationCommand({ Bucket: 'nope' }))),
    ).toMatchObject({
      name: 'NoSuchBucket',
      status: 404,
    })
  })

  it('sends S3 events to a queue, a topic and a function as configured, each with the right eventName', async () => {
    const { p, s3 } = await start()
    await s3.send(
      new PutBucketNotificationConfigurationCommand({
        Bucket: 'lake',
        NotificationConfiguration: {
          QueueConfigurations: [
            {
              Id: 'to-queue',
              QueueArn: ARN.events,
              Events: ['s3:ObjectCreated:*', 's3:ObjectRemoved:*'],
              Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: 'q/' }] } },
            },
          ],
          TopicConfigurations: [
            {
              Id: 'to-topic',
              TopicArn: ARN.fanout,
              Events: ['s3:ObjectCreated:Put'],
              Filter: {
                Key: {
                  FilterRules: [
                    { Name: 'prefix', Value: 'x/' },
                    { Name: 'suffix', Value: '.json' },
                  ],
                },
              },
            },
          ],
          LambdaFunctionConfigurations: [
            {
              Id: 'to-fn',
              LambdaFunctionArn: ARN.seen,
              Events: ['s3:ObjectCreated:Copy'],
              Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: 'c/' }] } },
            },
          ],
        },
      }),
    )
    // Setting the configuration sends S3's test event to the queue (and through the topic).
    const test = p.queue('events').json<Message>()
    expect(test).toEqual([
      expect.objectContaining({ Service: 'Amazon S3', Event: 's3:TestEvent', Bucket: 'lake' }),
    ])

    await s3.send(new PutObjectCommand({ Bucket: 'lake', Key: 'q/a.bin', Body: 'a' }))
    await s3.send(new CopyObjectCommand({ Bucket: 'lake', Key: 'q/b.bin', CopySource: 'lake/q/a.bin' }))
    const part = Buffer.alloc(16, 'm')
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: 'lake', Key: 'q/m.bin' }))
    const one = await s3.send(
      new UploadPartCommand({ Bucket: 'lake', Key: 'q/m.bin', UploadId, PartNumber: 1, Body: part }),
    )
    await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: 'lake',
        Key: 'q/m.bin',
        UploadId,
        MultipartUpload: { Parts: [{ PartNumber: 1, ETag: one.ETag }] },
      }),
    )
    await s3.send(new DeleteObjectCommand({ Bucket: 'lake', Key: 'q/a.bin' }))
    await s3.send(new PutObjectCommand({ Bucket: 'lake', Key: 'x/doc.json', Body: '{}' }))
    await s3.send(new CopyObjectCommand({ Bucket: 'lake', Key: 'c/doc.json', CopySource: 'lake/x/doc.json' }))

    const queued = p.queue('events').json<Message>()
    expect(records(queued)).toEqual([
      ['ObjectCreated:Put', 'q/a.bin'],
      ['ObjectCreated:Copy', 'q/b.bin'],
      ['ObjectCreated:CompleteMultipartUpload', 'q/m.bin'],
      ['ObjectRemoved:Delete', 'q/a.bin'],
    ])
    const removed = (queued.at(-1) as { Records: S3Record[] }).Records[0]!
    expect(removed.s3.object).toEqual({ key: 'q/a.bin', sequencer: expect.any(String) })
    expect(removed.s3.configurationId).toBe('to-queue')

    // The topic published S3's event; its queue subscription got SNS's envelope around it.
    const envelopes = p.queue('from-topic').json<{ Subject?: string; Message: string }>()
    const published = envelopes.map((e) => JSON.parse(e.Message) as Message)
    expect(published[0]).toMatchObject({ Event: 's3:TestEvent', Bucket: 'lake' })
    expect(records(published)).toEqual([['ObjectCreated:Put', 'x/doc.json']])
    expect(envelopes.at(-1)?.Subject).toBe('Amazon S3 Notification')

    await p.settle()
    expect(p.logs.map((l) => l.message)).toContain('seen lake/c/doc.json')
    expect(p.logs.map((l) => l.message)).not.toContain('seen lake/x/doc.json')

    const got = await s3.send(new GetBucketNotificationConfigurationCommand({ Bucket: 'lake' }))
    expect(got.QueueConfigurations).toEqual([
      {
        Id: 'to-queue',
        QueueArn: ARN.events,
        Events: ['s3:ObjectCreated:*', 's3:ObjectRemoved:*'],
        Filter: { Key: { FilterRules: [{ Name: 'Prefix', Value: 'q/' }] } },
      },
    ])
    expect(got.TopicConfigurations?.map((c) => c.TopicArn)).toEqual([ARN.fanout])
    expect(got.LambdaFunctionConfigurations?.map((c) => c.Id)).toEqual(['to-fn'])
  })

  it('keeps the configuration across a restart; a put replaces it; the declared notifications stay', async () => {
    const first = await start()
    const dataDir = first.p.runtime.engine.dataDir
    const got = await first.s3.send(new GetBucketNotificationConfigurationCommand({ Bucket: 'inbox' }))
    // A read-modify-write keeps the declared one as the definition's and adds a queue.
    await first.s3.send(
      new PutBucketNotificationConfigurationCommand({
        Bucket: 'inbox',
        NotificationConfiguration: {
          LambdaFunctionConfigurations: got.LambdaFunctionConfigurations!,
          QueueConfigurations: [
            {
              Id: 'out',
              QueueArn: ARN.events,
              Events: ['s3:ObjectCreated:Put'],
              Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: 'out/' }] } },
            },
          ],
        },
      }),
    )
    await first.p.close()

    const { p, s3 } = await start(dataDir)
    const after = await s3.send(new GetBucketNotificationConfigurationCommand({ Bucket: 'inbox' }))
    expect(after.LambdaFunctionConfigurations?.map((c) => c.Id)).toEqual(['inbox-seen-1'])
    expect(after.QueueConfigurations?.map((c) => c.Id)).toEqual(['out'])
    await s3.send(new PutObjectCommand({ Bucket: 'inbox', Key: 'out/1', Body: '1' }))
    expect(records(p.queue('events').json<Message>())).toEqual([['ObjectCreated:Put', 'out/1']])

    // An empty configuration removes what the API set; the declared notification still fires.
    await s3.send(
      new PutBucketNotificationConfigurationCommand({ Bucket: 'inbox', NotificationConfiguration: {} }),
    )
    const emptied = await s3.send(new GetBucketNotificationConfigurationCommand({ Bucket: 'inbox' }))
    expect(emptied.QueueConfigurations ?? []).toEqual([])
    expect(emptied.LambdaFunctionConfigurations?.map((c) => c.Id)).toEqual(['inbox-seen-1'])
    await s3.send(new PutObjectCommand({ Bucket: 'inbox', Key: 'out/2', Body: '2' }))
    await s3.send(new PutObjectCommand({ Bucket: 'inbox', Key: 'in/3', Body: '3' }))
    expect(records(p.queue('events').json<Message>())).toEqual([['ObjectCreated:Put', 'out/1']])
    await p.settle()
    expect(p.logs.map((l) => l.message)).toContain('seen inbox/in/3')
  })

  it('configures a bucket created through the API', async () => {
    const { p, s3 } = await start()
    await s3.send(new CreateBucketCommand({ Bucket: 'made' }))
    await s3.send(
      new PutBucketNotificationConfigurationCommand({
        Bucket: 'made',
        NotificationConfiguration: {
          QueueConfigurations: [{ QueueArn: ARN.events, Events: ['s3:ObjectCreated:*'] }],
        },
      }),
    )
    const [config] = (await s3.send(new GetBucketNotificationConfigurationCommand({ Bucket: 'made' })))
      .QueueConfigurations!
    expect(config!.Id).toMatch(/\S{8,}/)
    await s3.send(new PutObjectCommand({ Bucket: 'made', Key: 'k', Body: 'v' }))
    expect(records(p.queue('events').json<Message>())).toEqual([['ObjectCreated:Put', 'k']])

    // Deleting the bucket forgets its configuration: a bucket of the same name starts without one.
    await s3.send(new DeleteObjectCommand({ Bucket: 'made', Key: 'k' }))
    await s3.send(new DeleteBucketCommand({ Bucket: 'made' }))
    await s3.send(new CreateBucketCommand({ Bucket: 'made' }))
    const fresh = await s3.send(new GetBucketNotificationConfigurationCommand({ Bucket: 'made' }))
    expect(fresh.QueueConfigurations ?? []).toEqual([])
  })

  it.each([
    [
      'an unknown queue',
      {
        QueueConfigurations: [
          { QueueArn: 'arn:aws:sqs:us-east-1:000000000000:nope', Events: ['s3:ObjectCreated:*' as const] },
        ],
      },
      {
        name: 'InvalidArgument',
        message: 'Unable to validate the following destination configurations',
        argument: 'arn:aws:sqs:us-east-1:000000000000:nope',
        value: 'The destination queue does not exist',
      },
    ],
    [
      'an unknown topic',
      {
        TopicConfigurations: [
          { TopicArn: 'arn:aws:sns:us-east-1:000000000000:nope', Events: ['s3:ObjectCreated:*' as const] },
        ],
      },
      { name: 'InvalidArgument', message: 'Unable to validate the following destination configurations' },
    ],
    [
      'an unknown function',
      {
        LambdaFunctionConfigurations: [
          {
            LambdaFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:nope',
            Events: ['s3:ObjectCreated:*' as const],
          },
        ],
      },
      { name: 'InvalidArgument', message: 'Unable to validate the following destination configurations' },
    ],
    [
      "another account's queue",
      {
        QueueConfigurations: [
          { QueueArn: 'arn:aws:sqs:us-east-1:111111111111:events', Events: ['s3:ObjectCreated:*' as const] },
        ],
      },
      { name: 'InvalidArgument', message: 'Unable to validate the following destination configurations' },
    ],
    [
      'a malformed ARN',
      { QueueConfigurations: [{ QueueArn: 'events', Events: ['s3:ObjectCreated:*' as const] }] },
      { name: 'InvalidArgument', message: 'The ARN is not well formed', argument: 'Queue', value: 'events' },
    ],
    [
      'overlapping configurations',
      {
        QueueConfigurations: [
          {
            QueueArn: ARN.events,
            Events: ['s3:ObjectCreated:*' as const],
            Filter: { Key: { FilterRules: [{ Name: 'prefix' as const, Value: 'a/' }] } },
          },
        ],
        TopicConfigurations: [
          {
            TopicArn: ARN.fanout,
            Events: ['s3:ObjectCreated:Put' as const],
            Filter: { Key: { FilterRules: [{ Name: 'prefix' as const, Value: 'a/b' }] } },
          },
        ],
      },
      {
        name: 'InvalidArgument',
        message:
          'Configurations overlap. Configurations on the same bucket cannot share a common event type.',
      },
    ],
    [
      'an unknown event type',
      { QueueConfigurations: [{ QueueArn: ARN.events, Events: ['s3:Nope' as 's3:ObjectCreated:*'] }] },
      { name: 'InvalidArgument', message: 'The event is not supported for notifications', argument: 'Event' },
    ],
  ])('refuses %s, keeping the configuration it had', async (_, configuration, expected) => {
    const { p, s3 } = await start()
    const before = await s3.send(new GetBucketNotificationConfigurationCommand({ Bucket: 'lake' }))
    const refused = await failure(
      s3.send(
        new PutBucketNotificationConfigurationCommand({
          Bucket: 'lake',
          NotificationConfiguration: configuration,
        }),
      ),
    )
    expect(refused).toMatchObject({ status: 400, ...expected })
    const after = await s3.send(new GetBucketNotificationConfigurationCommand({ Bucket: 'lake' }))
    expect(after.QueueConfigurations).toEqual(before.QueueConfigurations)
    expect(p.queue('events').depth().visible).toBe(0)
  })

  it('accepts an unknown destination with SkipDestinationValidation', async () => {
    const { s3 } = await start()
    const QueueArn = 'arn:aws:sqs:us-east-1:000000000000:later'
    await s3.send(
      new PutBucketNotificationConfigurationCommand({
        Bucket: 'lake',
        SkipDestinationValidation: true,
        NotificationConfiguration: { QueueConfigurations: [{ QueueArn, Events: ['s3:ObjectCreated:*'] }] },
      }),
    )
    const got = await s3.send(new GetBucketNotificationConfigurationCommand({ Bucket: 'lake' }))
    expect(got.QueueConfigurations?.map((c) => c.QueueArn)).toEqual([QueueArn])
    // The object is stored; the event that cannot be sent is reported.
    await s3.send(new PutObjectCommand({ Bucket: 'lake', Key: 'k', Body: 'v' }))
  })

  it('refuses a configuration overlapping a declared notification', async () => {
    const { s3 } = await start()
    const refused = await failure(
      s3.send(
        new PutBucketNotificationConfigurationCommand({
          Bucket: 'inbox',
          NotificationConfiguration: {
            QueueConfigurations: [{ QueueArn: ARN.events, Events: ['s3:ObjectCreated:Put'] }],
          },
        }),
      ),
    )
    expect(refused).toMatchObject({ name: 'InvalidArgument', status: 400 })
  })

  it('answers MalformedXML to a document that is not well formed', async () => {
    const { p } = await start()
    for (const body of ['<NotificationConfiguration><QueueConfiguration>', 'not xml', '<Other/>']) {
      const res = await fetch(`${p.endpoint}/lake?notification`, { method: 'PUT', body })
      const text = await res.text()
      expect(res.status).toBe(400)
      expect(text).toContain('<Code>MalformedXML</Code>')
    }
  })
})

const cli = findAwsCli()
const boto3 = findBoto3()

describe('the AWS CLI against the notification configuration', () => {
  it('aws s3api put- and get-bucket-notification-configuration', { timeout: 60_000 }, async (ctx) => {
    requireClient(cli, ctx)
    const { p } = await start()
    const s3api = (...args: string[]) => run(cli.path, ['s3api', ...args, '--endpoint-url', p.endpoint!])
    const configuration = {
      QueueConfigurations: [
        {
          Id: 'cli',
          QueueArn: ARN.events,
          Events: ['s3:ObjectCreated:*'],
          Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: 'cli/' }] } },
        },
      ],
    }
    await s3api(
      'put-bucket-notification-configuration',
      '--bucket',
      'lake',
      '--notification-configuration',
      JSON.stringify(configuration),
    )
    const got = JSON.parse(await s3api('get-bucket-notification-configuration', '--bucket', 'lake'))
    expect(got.QueueConfigurations).toEqual([
      {
        ...configuration.QueueConfigurations[0],
        Filter: { Key: { FilterRules: [{ Name: 'Prefix', Value: 'cli/' }] } },
      },
    ])
    const refused = await s3api(
      'put-bucket-notification-configuration',
      '--bucket',
      'lake',
      '--notification-configuration',
      JSON.stringify({
        TopicConfigurations: [
          { TopicArn: 'arn:aws:sns:us-east-1:000000000000:nope', Events: ['s3:ObjectCreated:*'] },
        ],
      }),
    ).catch((e: Error) => e.message)
    expect(refused).toContain('Unable to validate the following destination configurations')
  })

  it("boto3: put_bucket_notification_configuration with a queue, then put_object and the queue's message", {
    timeout: 60_000,
  }, async (ctx) => {
    requireClient(boto3, ctx)
    const { p } = await start()
    const script = `
import json, sys, boto3
s3 = boto3.client('s3', endpoint_url=sys.argv[1], region_name='us-east-1')
s3.put_bucket_notification_configuration(Bucket='lake', NotificationConfiguration={'QueueConfigurations': [
  {'Id': 'py', 'QueueArn': sys.argv[2], 'Events': ['s3:ObjectCreated:Put'],
   'Filter': {'Key': {'FilterRules': [{'Name': 'suffix', 'Value': '.txt'}]}}}]})
s3.put_object(Bucket='lake', Key='from/python.txt', Body=b'hi')
got = s3.get_bucket_notification_configuration(Bucket='lake')
print(json.dumps(got['QueueConfigurations']))
`
    const out = JSON.parse(await run(boto3.python, ['-c', script, p.endpoint!, ARN.events]))
    expect(out).toEqual([
      {
        Id: 'py',
        QueueArn: ARN.events,
        Events: ['s3:ObjectCreated:Put'],
        Filter: { Key: { FilterRules: [{ Name: 'Suffix', Value: '.txt' }] } },
      },
    ])
    expect(records(p.queue('events').json<Message>())).toEqual([['ObjectCreated:Put', 'from/python.txt']])
  })
})

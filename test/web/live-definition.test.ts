import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3'
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns'
import { CreateQueueCommand, SQSClient } from '@aws-sdk/client-sqs'
import { describe, expect, it, onTestFinished } from 'vitest'
import { startPipeline } from '../../src/testing/index.ts'
import { buildGraph } from '../../src/web/graph.ts'
import { liveDefinition } from '../../src/web/live-definition.ts'

const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' }

describe('the dashboard draws resources created through the AWS APIs like declared ones', () => {
  it('adds created queues, topics with their subscriptions, tables and buckets to the graph', async () => {
    const p = await startPipeline(
      { name: 'live', queues: { declared: {} }, topics: { alerts: {} } },
      { serve: true, teardown: onTestFinished },
    )
    const config = { endpoint: p.endpoint!, region: 'us-east-1', credentials }
    const sqs = new SQSClient(config)
    const sns = new SNSClient(config)
    const ddb = new DynamoDBClient(config)
    const s3 = new S3Client({ ...config, forcePathStyle: true })
    onTestFinished(() => {
      for (const c of [sqs, sns, ddb, s3]) c.destroy()
    })
    await sqs.send(new CreateQueueCommand({ QueueName: 'orders', Attributes: { VisibilityTimeout: '60' } }))
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: 'events' }))
    await sns.send(
      new SubscribeCommand({
        TopicArn,
        Protocol: 'sqs',
        Endpoint: 'arn:aws:sqs:us-east-1:000000000000:orders',
      }),
    )
    await sns.send(
      new SubscribeCommand({
        TopicArn: 'arn:aws:sns:us-east-1:000000000000:alerts',
        Protocol: 'sqs',
        Endpoint: 'arn:aws:sqs:us-east-1:000000000000:declared',
      }),
    )
    await ddb.send(
      new CreateTableCommand({
        TableName: 'sessions',
        KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    )
    await s3.send(new CreateBucketCommand({ Bucket: 'uploads' }))

    const live = liveDefinition(p.runtime)
    expect(live.queues.orders).toMatchObject({ visibilityTimeout: 60 })
    expect(live.tables.sessions).toEqual({ partitionKey: 'id' })
    const { nodes, edges } = buildGraph(live)
    const ids = nodes.map((n) => n.id)
    for (const id of [
      'queue:declared',
      'queue:orders',
      'topic:alerts',
      'topic:events',
      'table:sessions',
      'bucket:uploads',
    ])
      expect(ids).toContain(id)
    expect(edges.map((e) => [e.from, e.to, e.label])).toEqual(
      expect.arrayContaining([
        ['topic:events', 'queue:orders', 'subscription'],
        ['topic:alerts', 'queue:declared', 'subscription'],
      ]),
    )
    // The definition itself is unchanged.
    expect(Object.keys(p.runtime.pipeline.queues)).toEqual(['declared'])
  })
})

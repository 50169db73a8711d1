/**
 * The AWS SDK for JavaScript v3 exactly as users write it: `new KinesisClient({ endpoint, region })`
 * with no request handler, which for Kinesis is NodeHttp2Handler (HTTP/2 cleartext with prior
 * knowledge). Every Kinesis operation runs through it, with SigV4 verified (over HTTP/2 the SDK
 * signs `:authority`, not `host`), and the server's own counters show the requests really came
 * over HTTP/2. HTTP/1.1 clients keep working on the same port. Firehose's client defaults to
 * HTTP/1.1; it runs every operation with its default and with the HTTP/2 handler.
 */
import * as Firehose from '@aws-sdk/client-firehose'
import * as Kinesis from '@aws-sdk/client-kinesis'
import { NodeHttp2Handler, NodeHttpHandler } from '@smithy/node-http-handler'
import { describe, expect, it, onTestFinished } from 'vitest'
import { FIREHOSE_OPERATIONS } from '../../src/api/firehose/operations/index.ts'
import { KINESIS_OPERATIONS } from '../../src/api/kinesis/operations/index.ts'
import { TributaryServer } from '../../src/api/server.ts'
import { InMemoryDelivery } from '../api/firehose/firehose-server.ts'
import { arnOf, expectAwsError, MAX_HASH, notFound, shardId } from '../helpers/kinesis.ts'
import { AMZ_JSON, awsRequest, rawRequest } from '../helpers/raw-http.ts'
import { startServer, type TestServer } from '../helpers/server.ts'

const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' }
const auth = { keys: new Map([[credentials.accessKeyId, credentials.secretAccessKey]]) }

type Client = { send(command: unknown): Promise<unknown>; destroy(): void }
type Commands = Record<string, new (input: object) => unknown>

/** Sends operations by name and records which ones were sent. */
function caller(client: Client, commands: Commands) {
  const sent = new Set<string>()
  const call = async <T = Record<string, unknown>>(operation: string, input: object = {}): Promise<T> => {
    const Command = commands[`${operation}Command`]
    if (!Command) throw new Error(`no command for ${operation}`)
    sent.add(operation)
    return (await client.send(new Command(input))) as T
  }
  return { call, sent }
}

/** Every Kinesis operation Tributary serves, in an order where each one can succeed. */
async function everyKinesisOperation(t: TestServer, call: ReturnType<typeof caller>['call']) {
  const StreamName = 'h2'
  const StreamARN = arnOf(StreamName)
  await call('CreateStream', { StreamName, ShardCount: 2 })
  await t.settle()
  expect(await call('ListStreams')).toMatchObject({ StreamNames: [StreamName] })
  await call('DescribeStream', { StreamName })
  await call('DescribeStreamSummary', { StreamName })
  await call('DescribeLimits')
  expect(await call('ListShards', { StreamName })).toMatchObject({ Shards: [{}, {}] })

  const data = (text: string) => new TextEncoder().encode(text)
  await call('PutRecord', { StreamName, PartitionKey: 'k', ExplicitHashKey: '0', Data: data('one') })
  await call('PutRecords', {
    StreamName,
    Records: [1, 2].map((i) => ({ PartitionKey: 'k', ExplicitHashKey: '0', Data: data(`rec ${i}`) })),
  })
  const { ShardIterator } = await call<{ ShardIterator: string }>('GetShardIterator', {
    StreamName,
    ShardId: shardId(0),
    ShardIteratorType: 'TRIM_HORIZON',
  })
  const read = await call<{ Records: { Data: Uint8Array }[] }>('GetRecords', { ShardIterator })
  expect(read.Records.map((r) => new TextDecoder().decode(r.Data))).toEqual(['one', 'rec 1', 'rec 2'])

  await call('AddTagsToStream', { StreamName, Tags: { team: 'data' } })
  expect(await call('ListTagsForStream', { StreamName })).toMatchObject({ Tags: [{ Key: 'team' }] })
  await call('RemoveTagsFromStream', { StreamName, TagKeys: ['team'] })
  await call('TagResource', { ResourceARN: StreamARN, Tags: { env: 'dev' } })
  expect(await call('ListTagsForResource', { ResourceARN: StreamARN })).toMatchObject({
    Tags: [{ Key: 'env', Value: 'dev' }],
  })
  await call('UntagResource', { ResourceARN: StreamARN, TagKeys: ['env'] })

  await call('IncreaseStreamRetentionPeriod', { StreamName, RetentionPeriodHours: 48 })
  await call('DecreaseStreamRetentionPeriod', { StreamName, RetentionPeriodHours: 24 })
  await call('EnableEnhancedMonitoring', { StreamName, ShardLevelMetrics: ['IncomingBytes'] })
  await call('DisableEnhancedMonitoring', { StreamName, ShardLevelMetrics: ['IncomingBytes'] })
  await call('StartStreamEncryption', { StreamName, EncryptionType: 'KMS', KeyId: 'alias/aws/kinesis' })
  await t.settle()
  await call('StopStreamEncryption', { StreamName, EncryptionType: 'KMS', KeyId: 'alias/aws/kinesis' })
  await t.settle()
  await call('UpdateMaxRecordSize', { StreamARN, MaxRecordSizeInKiB: 2048 })
  await t.settle()

  // Shard 0 splits into 2 and 3, which merge back into 4; then two open shards scale to four.
  const middle = (MAX_HASH / 4n).toString()
  await call('SplitShard', { StreamName, ShardToSplit: shardId(0), NewStartingHashKey: middle })
  await t.settle()
  await call('MergeShards', { StreamName, ShardToMerge: shardId(2), AdjacentShardToMerge: shardId(3) })
  await t.settle()
  await call('UpdateShardCount', { StreamName, TargetShardCount: 4, ScalingType: 'UNIFORM_SCALING' })
  await t.settle()
  await call('UpdateStreamMode', { StreamARN, StreamModeDetails: { StreamMode: 'ON_DEMAND' } })
  await t.settle()

  const { Consumer } = await call<{ Consumer: { ConsumerARN: string } }>('RegisterStreamConsumer', {
    StreamARN,
    ConsumerName: 'efo',
  })
  await t.settle()
  await call('DescribeStreamConsumer', { ConsumerARN: Consumer.ConsumerARN })
  const subscription = await call<{
    EventStream: AsyncIterable<{ SubscribeToShardEvent?: { Records: unknown[] } }>
  }>('SubscribeToShard', {
    ConsumerARN: Consumer.ConsumerARN,
    ShardId: shardId(0),
    StartingPosition: { Type: 'TRIM_HORIZON' },
  })
  for await (const event of subscription.EventStream) {
    expect(event.SubscribeToShardEvent?.Records).toHaveLength(3)
    break
  }
  expect(await call('ListStreamConsumers', { StreamARN })).toMatchObject({
    Consumers: [{ ConsumerName: 'efo' }],
  })
  await call('DeregisterStreamConsumer', { ConsumerARN: Consumer.ConsumerARN })
  await t.settle()
  await call('DeleteStream', { StreamName })
  await t.settle()
  expect(await call('ListStreams')).toMatchObject({ StreamNames: [] })
}

describe('AWS SDK v3 Kinesis client with its default request handler (HTTP/2 cleartext)', () => {
  it('runs every Kinesis operation, signed and verified, over HTTP/2', { timeout: 60_000 }, async () => {
    const t = await startServer({ auth })
    const kinesis = new Kinesis.KinesisClient({ endpoint: t.url, region: 'us-east-1', credentials })
    onTestFinished(() => kinesis.destroy())
    const { call, sent } = caller(kinesis, Kinesis as unknown as Commands)

    await everyKinesisOperation(t, call)

    expect([...sent].sort()).toEqual([...KINESIS_OPERATIONS.keys()].sort())
    const stats = t.server.transportStats
    expect(stats.http1).toEqual({ connections: 0, requests: 0 })
    expect(stats.h2.requests).toBeGreaterThanOrEqual(sent.size)
  })

  it('gets AWS errors over HTTP/2 as it does over HTTP/1.1', async () => {
    const t = await startServer()
    const kinesis = new Kinesis.KinesisClient({ endpoint: t.url, region: 'us-east-1', credentials })
    onTestFinished(() => kinesis.destroy())
    await expectAwsError(
      kinesis.send(new Kinesis.DescribeStreamSummaryCommand({ StreamName: 'ghost' })),
      notFound('ghost'),
    )
    expect(t.server.transportStats.h2.requests).toBe(1)
  })
})

describe('HTTP/1.1 clients on the same port', () => {
  it('serves the NodeHttpHandler SDK client, raw node:http and the HTTP/2 client side by side', async () => {
    const t = await startServer({ auth })
    const h1 = new Kinesis.KinesisClient({
      endpoint: t.url,
      region: 'us-east-1',
      credentials,
      requestHandler: new NodeHttpHandler(),
    })
    const h2 = new Kinesis.KinesisClient({ endpoint: t.url, region: 'us-east-1', credentials })
    onTestFinished(() => {
      h1.destroy()
      h2.destroy()
    })
    await h1.send(new Kinesis.CreateStreamCommand({ StreamName: 'both', ShardCount: 1 }))
    await t.settle()
    const [viaH1, viaH2] = await Promise.all([
      h1.send(
        new Kinesis.PutRecordCommand({ StreamName: 'both', PartitionKey: 'a', Data: Buffer.from('1') }),
      ),
      h2.send(
        new Kinesis.PutRecordCommand({ StreamName: 'both', PartitionKey: 'b', Data: Buffer.from('2') }),
      ),
    ])
    expect(viaH1.ShardId).toBe(viaH2.ShardId)
    // Unsigned: the server verifies signatures, so raw HTTP/1.1 gets AWS's answer to a missing one.
    const raw = await rawRequest(t.url, awsRequest('ListStreams', '{}', { headers: { authorization: '' } }))
    expect(raw.headers['content-type']).toBe(AMZ_JSON)
    expect(raw.data).toMatchObject({ __type: 'MissingAuthenticationTokenException' })
    const health = await rawRequest(t.url, { method: 'GET', path: '/health' })
    expect(health.status).toBe(200)

    const stats = t.server.transportStats
    expect(stats.http1.requests).toBe(4)
    expect(stats.h2.requests).toBe(1)
  })
})

describe('AWS SDK v3 Firehose client', () => {
  async function firehoseServer() {
    const t = await startServer()
    const delivery = new InMemoryDelivery(() => t.clock.now())
    const server = await TributaryServer.start({ engine: t.engine, port: 0, firehose: delivery })
    onTestFinished(() => server.close())
    return { server, delivery }
  }

  async function everyFirehoseOperation(client: Firehose.FirehoseClient, delivery: InMemoryDelivery) {
    const { call, sent } = caller(client, Firehose as unknown as Commands)
    const DeliveryStreamName = 'to-lake'
    await call('CreateDeliveryStream', {
      DeliveryStreamName,
      ExtendedS3DestinationConfiguration: {
        BucketARN: 'arn:aws:s3:::lake',
        RoleARN: 'arn:aws:iam::000000000000:role/firehose',
      },
    })
    delivery.activate()
    expect(await call('ListDeliveryStreams')).toMatchObject({ DeliveryStreamNames: [DeliveryStreamName] })
    await call('DescribeDeliveryStream', { DeliveryStreamName })
    await call('PutRecord', { DeliveryStreamName, Record: { Data: Buffer.from('a\n') } })
    await call('PutRecordBatch', { DeliveryStreamName, Records: [{ Data: Buffer.from('b\n') }] })
    expect(delivery.records.get(DeliveryStreamName)?.map(String)).toEqual(['a\n', 'b\n'])
    await call('DeleteDeliveryStream', { DeliveryStreamName })
    expect([...sent].sort()).toEqual([...FIREHOSE_OPERATIONS.keys()].sort())
    return sent.size
  }

  it('runs every Firehose operation with its default handler (HTTP/1.1)', async () => {
    const { server, delivery } = await firehoseServer()
    const client = new Firehose.FirehoseClient({ endpoint: server.url, region: 'us-east-1', credentials })
    onTestFinished(() => client.destroy())
    const calls = await everyFirehoseOperation(client, delivery)
    expect(server.transportStats.http1.requests).toBe(calls)
  })

  it('runs every Firehose operation over HTTP/2 with NodeHttp2Handler', async () => {
    const { server, delivery } = await firehoseServer()
    const client = new Firehose.FirehoseClient({
      endpoint: server.url,
      region: 'us-east-1',
      credentials,
      requestHandler: new NodeHttp2Handler(),
    })
    onTestFinished(() => client.destroy())
    const calls = await everyFirehoseOperation(client, delivery)
    expect(server.transportStats.h2.requests).toBe(calls)
    expect(server.transportStats.http1.requests).toBe(0)
  })
})

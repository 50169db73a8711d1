import {
  GetRecordsCommand,
  GetShardIteratorCommand,
  PutRecordsCommand,
  RegisterStreamConsumerCommand,
  SubscribeToShardCommand,
} from '@aws-sdk/client-kinesis'
import { describe, expect, it } from 'vitest'
import { MetricTotals } from '../../src/monitor/metrics.ts'
import { createActiveStream, kinesisClient, startServer } from '../helpers/server.ts'

describe('AWS/Kinesis metrics', () => {
  it('publishes IncomingRecords/Bytes for puts and GetRecords.* for reads, per stream', async () => {
    const metrics = new MetricTotals()
    const t = await startServer({ metrics })
    await createActiveStream(t, 'events')
    const client = kinesisClient(t.url)
    await client.send(
      new PutRecordsCommand({
        StreamName: 'events',
        Records: [
          { PartitionKey: 'a', Data: Buffer.alloc(31, 1) }, // base64 with padding
          { PartitionKey: 'b', Data: Buffer.alloc(60, 2) },
        ],
      }),
    )
    const { ShardIterator } = await client.send(
      new GetShardIteratorCommand({
        StreamName: 'events',
        ShardId: 'shardId-000000000000',
        ShardIteratorType: 'TRIM_HORIZON',
      }),
    )
    const out = await client.send(new GetRecordsCommand({ ShardIterator }))
    expect(out.Records).toHaveLength(2)
    const get = (name: string) => metrics.get('AWS/Kinesis', name, { StreamName: 'events' })
    expect(get('IncomingRecords')).toMatchObject({ sum: 2, count: 1 })
    expect(get('IncomingBytes').sum).toBe(91)
    expect(get('GetRecords.Success').sum).toBe(1)
    expect(get('GetRecords.Records').sum).toBe(2)
    expect(get('GetRecords.Bytes').sum).toBe(91)
    expect(get('GetRecords.IteratorAgeMilliseconds').count).toBe(1)
    client.destroy()
  })

  it('publishes SubscribeToShard.Success and SubscribeToShardEvent.* per stream and consumer', async () => {
    const metrics = new MetricTotals()
    const t = await startServer({ metrics })
    await createActiveStream(t, 'events')
    const client = kinesisClient(t.url)
    const { Consumer } = await client.send(
      new RegisterStreamConsumerCommand({
        StreamARN: 'arn:aws:kinesis:us-east-1:000000000000:stream/events',
        ConsumerName: 'efo',
      }),
    )
    await t.settle()
    await client.send(
      new PutRecordsCommand({
        StreamName: 'events',
        Records: [
          { PartitionKey: 'a', Data: Buffer.alloc(31, 1) },
          { PartitionKey: 'b', Data: Buffer.alloc(60, 2) },
        ],
      }),
    )
    const abort = new AbortController()
    const out = await client.send(
      new SubscribeToShardCommand({
        ConsumerARN: Consumer!.ConsumerARN,
        ShardId: 'shardId-000000000000',
        StartingPosition: { Type: 'TRIM_HORIZON' },
      }),
      { abortSignal: abort.signal },
    )
    for await (const event of out.EventStream!) {
      expect(event.SubscribeToShardEvent?.Records).toHaveLength(2)
      break
    }
    abort.abort()

    const get = (name: string) =>
      metrics.get('AWS/Kinesis', name, { StreamName: 'events', ConsumerName: 'efo' })
    expect(get('SubscribeToShard.Success').sum).toBe(1)
    expect(get('SubscribeToShardEvent.Records').sum).toBe(2)
    // Data plus partition keys, what the consumer's 2 MiB/s counts.
    expect(get('SubscribeToShardEvent.Bytes').sum).toBe(93)
    expect(get('SubscribeToShardEvent.MillisBehindLatest').count).toBe(1)
    client.destroy()
  })
})

import { GetRecordsCommand, GetShardIteratorCommand, PutRecordsCommand } from '@aws-sdk/client-kinesis'
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
})

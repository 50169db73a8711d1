import {
  GetRecordsCommand,
  GetShardIteratorCommand,
  PutRecordCommand,
  PutRecordsCommand,
} from '@aws-sdk/client-kinesis'
import { describe, expect, it } from 'vitest'
import { createActiveStream, startServer } from '../../helpers/server.ts'

describe('PutRecord / PutRecords / GetRecords through the AWS SDK', () => {
  it('round-trips bytes, keeps per-shard order and numbers strictly increasing', async () => {
    const t = await startServer()
    await createActiveStream(t, 'orders', 2)
    const put = await t.client.send(
      new PutRecordsCommand({
        StreamName: 'orders',
        Records: Array.from({ length: 50 }, (_, i) => ({
          PartitionKey: `k${i % 5}`,
          Data: Buffer.from(`r${i}`),
        })),
      }),
    )
    expect(put.FailedRecordCount).toBe(0)
    const single = await t.client.send(
      new PutRecordCommand({ StreamName: 'orders', PartitionKey: 'k0', Data: Buffer.from([0, 255, 1]) }),
    )
    for (const shardId of ['shardId-000000000000', 'shardId-000000000001']) {
      const { ShardIterator } = await t.client.send(
        new GetShardIteratorCommand({
          StreamName: 'orders',
          ShardId: shardId,
          ShardIteratorType: 'TRIM_HORIZON',
        }),
      )
      const got = await t.client.send(new GetRecordsCommand({ ShardIterator }))
      const expected = put.Records!.map((r, i) => ({ ...r, i })).filter((r) => r.ShardId === shardId)
      const fromPut = got.Records!.slice(0, expected.length)
      expect(fromPut.map((r) => Buffer.from(r.Data!).toString())).toEqual(expected.map((r) => `r${r.i}`))
      expect(fromPut.map((r) => r.SequenceNumber)).toEqual(expected.map((r) => r.SequenceNumber))
      const seqs = got.Records!.map((r) => BigInt(r.SequenceNumber!))
      for (let i = 1; i < seqs.length; i++) expect(seqs[i]! > seqs[i - 1]!).toBe(true)
      if (shardId === single.ShardId)
        expect(Buffer.from(got.Records!.at(-1)!.Data!)).toEqual(Buffer.from([0, 255, 1]))
      expect(got.MillisBehindLatest).toBe(0)
    }
  })
})

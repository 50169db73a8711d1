import { createRequire } from 'node:module'
import {
  type _Record,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type KinesisClient,
  ListShardsCommand,
} from '@aws-sdk/client-kinesis'

/** Every record of every shard (open or closed), read from TRIM_HORIZON, by shard id. */
export async function readStream(client: KinesisClient, stream: string): Promise<Map<string, _Record[]>> {
  const shards = (await client.send(new ListShardsCommand({ StreamName: stream }))).Shards ?? []
  const out = new Map<string, _Record[]>()
  for (const shard of shards) {
    const records: _Record[] = []
    let iterator = (
      await client.send(
        new GetShardIteratorCommand({
          StreamName: stream,
          ShardId: shard.ShardId,
          ShardIteratorType: 'TRIM_HORIZON',
        }),
      )
    ).ShardIterator
    while (iterator) {
      const page = await client.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 10_000 }))
      records.push(...(page.Records ?? []))
      if ((page.Records ?? []).length === 0 || page.MillisBehindLatest === 0) break
      iterator = page.NextShardIterator
    }
    out.set(shard.ShardId!, records)
  }
  return out
}

interface OracleRecord {
  partitionKey: string
  explicitPartitionKey?: string
  sequenceNumber: string
  subSequenceNumber?: number
  data: string
}

const require = createRequire(import.meta.url)
const agg = require('aws-kinesis-agg') as {
  deaggregateSync(
    record: { data: string; partitionKey: string; sequenceNumber: string; explicitPartitionKey?: string },
    computeChecksums: boolean,
    done: (error: Error | null, records?: OracleRecord[]) => void,
  ): void
}

/** awslabs' `aws-kinesis-agg` de-aggregator (the test oracle), checksums on. */
export function oracleDeaggregate(record: _Record): OracleRecord[] {
  let result: OracleRecord[] | undefined
  let failure: Error | null = null
  agg.deaggregateSync(
    {
      data: Buffer.from(record.Data!).toString('base64'),
      partitionKey: record.PartitionKey!,
      sequenceNumber: record.SequenceNumber!,
    },
    true,
    (error, records) => {
      failure = error
      result = records
    },
  )
  if (failure) throw failure
  return result!
}

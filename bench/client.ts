// The one client configuration every workload uses, against either server.
import http from 'node:http'
import {
  CreateStreamCommand,
  DeleteStreamCommand,
  DescribeStreamSummaryCommand,
  KinesisClient,
  ListShardsCommand,
} from '@aws-sdk/client-kinesis'
import { NodeHttpHandler } from '@smithy/node-http-handler'

export function makeClient(endpoint: string): KinesisClient {
  return new KinesisClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
    // Errors must show up in the numbers, not be retried away.
    maxAttempts: 1,
    requestHandler: new NodeHttpHandler({ httpAgent: new http.Agent({ keepAlive: true, maxSockets: 64 }) }),
  })
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** Creates a stream, waits until it is ACTIVE and returns its shard ids. */
export async function createStream(client: KinesisClient, name: string, shards: number): Promise<string[]> {
  await client.send(new CreateStreamCommand({ StreamName: name, ShardCount: shards }))
  for (let i = 0; i < 200; i++) {
    const d = await client.send(new DescribeStreamSummaryCommand({ StreamName: name }))
    if (d.StreamDescriptionSummary?.StreamStatus === 'ACTIVE') {
      const list = await client.send(new ListShardsCommand({ StreamName: name }))
      return (list.Shards ?? []).map((s) => s.ShardId!)
    }
    await sleep(10)
  }
  throw new Error(`stream ${name} did not become ACTIVE`)
}

export async function deleteStream(client: KinesisClient, name: string): Promise<void> {
  await client.send(new DeleteStreamCommand({ StreamName: name }))
}

// The one client configuration every workload uses, against either server.
import http from 'node:http'
import {
  CreateStreamCommand,
  DeleteStreamCommand,
  DescribeStreamSummaryCommand,
  KinesisClient,
  ListShardsCommand,
} from '@aws-sdk/client-kinesis'
import { NodeHttp2Handler, NodeHttpHandler } from '@smithy/node-http-handler'

/**
 * How the client talks to the server: `http1` keep-alive connections (64 at most, what every
 * workload uses, and all kinesalite speaks); `h2`, the Kinesis client's default handler as users
 * get it (HTTP/2 cleartext, and with Kinesis's `disableConcurrentStreams` a session per request);
 * `h2-shared`, HTTP/2 with every request multiplexed on one session.
 */
export type ClientProtocol = 'http1' | 'h2' | 'h2-shared'

export function makeClient(endpoint: string, protocol: ClientProtocol = 'http1'): KinesisClient {
  const requestHandler = {
    http1: () => new NodeHttpHandler({ httpAgent: new http.Agent({ keepAlive: true, maxSockets: 64 }) }),
    h2: () => undefined,
    'h2-shared': () => new NodeHttp2Handler({ disableConcurrentStreams: false }),
  }[protocol]()
  return new KinesisClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
    // Errors must show up in the numbers, not be retried away.
    maxAttempts: 1,
    ...(requestHandler ? { requestHandler } : {}),
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

import { createServer, type IncomingMessage } from 'node:http'
import type { AddressInfo } from 'node:net'
import { onTestFinished } from 'vitest'

/** A PutRecords entry as the fake received it (data decoded). */
export interface ReceivedEntry {
  PartitionKey: string
  ExplicitHashKey?: string
  Data: Buffer
}

/** `'ok'`, or the per-record error code to answer for this entry. */
export type Decision =
  | 'ok'
  | 'ProvisionedThroughputExceededException'
  | 'InternalFailure'
  | 'KMSAccessDeniedException'

const MESSAGES: Record<string, string> = {
  ProvisionedThroughputExceededException:
    'Rate exceeded for shard shardId-000000000000 in stream events under account 000000000000.',
  InternalFailure: 'Internal service failure.',
  KMSAccessDeniedException: 'User is not authorized to perform kms:GenerateDataKey.',
}

/**
 * A tiny real HTTP server speaking just enough of the Kinesis JSON 1.1 protocol (ListShards with
 * one shard, PutRecords) to answer each record as `decide` says: how AWS reports per-record
 * throttles and internal failures, which no local Kinesis produces on demand.
 */
export async function fakeKinesis(decide: (entry: ReceivedEntry, call: number) => Decision) {
  const received: ReceivedEntry[][] = []
  let sequence = 0
  const server = createServer(async (req, res) => {
    const body = JSON.parse((await text(req)) || '{}')
    const target = String(req.headers['x-amz-target'] ?? '')
    res.setHeader('content-type', 'application/x-amz-json-1.1')
    if (target.endsWith('.ListShards')) {
      res.end(
        JSON.stringify({
          Shards: [
            {
              ShardId: 'shardId-000000000000',
              HashKeyRange: { StartingHashKey: '0', EndingHashKey: ((1n << 128n) - 1n).toString() },
              SequenceNumberRange: { StartingSequenceNumber: '1' },
            },
          ],
        }),
      )
      return
    }
    if (target.endsWith('.PutRecords')) {
      const entries: ReceivedEntry[] = body.Records.map(
        (r: { PartitionKey: string; ExplicitHashKey?: string; Data: string }) => ({
          PartitionKey: r.PartitionKey,
          ExplicitHashKey: r.ExplicitHashKey,
          Data: Buffer.from(r.Data, 'base64'),
        }),
      )
      const call = received.push(entries) - 1
      let failed = 0
      const Records = entries.map((entry) => {
        const decision = decide(entry, call)
        if (decision === 'ok')
          return {
            ShardId: 'shardId-000000000000',
            SequenceNumber: String(49_000_000_000n + BigInt(++sequence)),
          }
        failed++
        return { ErrorCode: decision, ErrorMessage: MESSAGES[decision] }
      })
      res.end(JSON.stringify({ FailedRecordCount: failed, Records }))
      return
    }
    res.statusCode = 400
    res.end(JSON.stringify({ __type: 'UnknownOperationException' }))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  onTestFinished(() => new Promise<void>((resolve) => server.close(() => resolve())))
  server.closeIdleConnections?.()
  return { endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, received }
}

async function text(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of req) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks).toString('utf8')
}

// Read-side workloads: a GetRecords drain from TRIM_HORIZON, and put → visible to a polling reader.
import {
  GetRecordsCommand,
  type GetRecordsCommandOutput,
  GetShardIteratorCommand,
  type KinesisClient,
  PutRecordCommand,
  type PutRecordsRequestEntry,
} from '@aws-sdk/client-kinesis'
import { createStream, deleteStream } from './client.ts'
import { RECORD_BYTES, sensorRecord } from './payload.ts'
import { rawCall } from './raw-client.ts'
import { median, percentile, sleep } from './stats.ts'
import { snapshot, type WindowCpu, windowCpu } from './window.ts'
import { fill, streamName, type Target } from './workloads.ts'

const FILL_CONCURRENCY = 4
const DRAIN_LIMIT = 10_000

async function iterator(
  client: KinesisClient,
  stream: string,
  shardId: string,
  type: 'TRIM_HORIZON' | 'LATEST',
) {
  const out = await client.send(
    new GetShardIteratorCommand({ StreamName: stream, ShardId: shardId, ShardIteratorType: type }),
  )
  return out.ShardIterator!
}

interface Page {
  count: number
  next: string | undefined
  behind: number | undefined
}

export interface DrainStats {
  /** Median over the drains. */
  recordsPerSec: number
  mbPerSec: number
  drains: number[]
  calls: number
  recordsPerCall: number
  callP50: number
  serverCpuPer1k: number
  cpu: WindowCpu
}

export interface DrainResult {
  records: number
  fillRecordsPerSec: number
  /** Read with the AWS SDK client, as every other workload. */
  sdk: DrainStats
  /** Read with a minimal HTTP client (JSON.parse only), to show what the server can serve. */
  raw: DrainStats
}

/** Reads the whole shard from TRIM_HORIZON `drains` times through `page`. */
async function drainWith(
  target: Target,
  total: number,
  drains: number,
  start: () => Promise<string>,
  page: (iterator: string) => Promise<Page>,
): Promise<DrainStats> {
  const rates: number[] = []
  const callMs: number[] = []
  let calls = 0
  const a = snapshot(target.server.pid)
  for (let d = 0; d < drains; d++) {
    let it: string | undefined = await start()
    let got = 0
    const t0 = performance.now()
    while (got < total && it) {
      const t = performance.now()
      const out = await page(it)
      callMs.push(performance.now() - t)
      calls++
      if (out.count === 0 && out.behind === 0) throw new Error(`drain stopped at ${got} of ${total}`)
      got += out.count
      it = out.next
    }
    rates.push(got / ((performance.now() - t0) / 1000))
  }
  const cpu = windowCpu(a, snapshot(target.server.pid))
  const recordsPerSec = median(rates)
  return {
    recordsPerSec,
    mbPerSec: (recordsPerSec * RECORD_BYTES) / 1e6,
    drains: rates,
    calls,
    recordsPerCall: (total * drains) / calls,
    callP50: percentile(callMs, 50),
    serverCpuPer1k: cpu.serverCpuMs / ((total * drains) / 1000),
    cpu,
  }
}

interface RawRecords {
  Records: unknown[]
  NextShardIterator?: string
  MillisBehindLatest?: number
}

/** Fills a 1-shard stream, then reads it all from TRIM_HORIZON, with the SDK and without. */
export async function drain(
  target: Target,
  total: number,
  drains: number,
  batches: PutRecordsRequestEntry[][],
  progress: (phase: string) => void,
): Promise<DrainResult> {
  const { client, server } = target
  const name = streamName('drain')
  const [shardId] = await createStream(client, name, 1)
  const fillRecordsPerSec = await fill(client, name, total, batches, FILL_CONCURRENCY)
  progress('draining with the SDK client')
  const sdk = await drainWith(
    target,
    total,
    drains,
    () => iterator(client, name, shardId!, 'TRIM_HORIZON'),
    async (it) => {
      const out = await client.send(new GetRecordsCommand({ ShardIterator: it, Limit: DRAIN_LIMIT }))
      return { count: out.Records?.length ?? 0, next: out.NextShardIterator, behind: out.MillisBehindLatest }
    },
  )
  progress('draining with the minimal HTTP client')
  const raw = await drainWith(
    target,
    total,
    drains,
    async () => {
      const input = { StreamName: name, ShardId: shardId, ShardIteratorType: 'TRIM_HORIZON' }
      const out = await rawCall<{ ShardIterator: string }>(server.endpoint, 'GetShardIterator', input)
      return out.ShardIterator
    },
    async (it) => {
      const input = { ShardIterator: it, Limit: DRAIN_LIMIT }
      const out = await rawCall<RawRecords>(server.endpoint, 'GetRecords', input)
      return { count: out.Records.length, next: out.NextShardIterator, behind: out.MillisBehindLatest }
    },
  )
  await deleteStream(client, name)
  return { records: total, fillRecordsPerSec, sdk, raw }
}

export interface EndToEndResult {
  p50: number
  p99: number
  max: number
  received: number
  lost: number
  duplicates: number
}

/**
 * A producer puts one record every intervalMs while a consumer polls GetRecords from LATEST,
 * re-polling at once after records and waiting pollMs after an empty response.
 */
export async function endToEnd(
  target: Target,
  count: number,
  intervalMs = 10,
  pollMs = 10,
): Promise<EndToEndResult> {
  const { client } = target
  const name = streamName('e2e')
  const [shardId] = await createStream(client, name, 1)
  const sentAt = new Map<string, number>()
  const latencies: number[] = []
  const seen = new Set<string>()
  let duplicates = 0
  let producing = true
  let it: string | undefined = await iterator(client, name, shardId!, 'LATEST')
  const consumer = (async () => {
    let idleSince = 0
    while (it && seen.size < count) {
      const out: GetRecordsCommandOutput = await client.send(new GetRecordsCommand({ ShardIterator: it }))
      const now = performance.now()
      it = out.NextShardIterator
      for (const r of out.Records ?? []) {
        const key = r.PartitionKey!
        if (seen.has(key)) duplicates++
        else {
          seen.add(key)
          latencies.push(now - sentAt.get(key)!)
        }
      }
      if (out.Records?.length) continue
      if (!producing) {
        idleSince ||= now
        if (now - idleSince > 2000) break
      }
      await sleep(pollMs)
    }
  })()
  const record = sensorRecord(0)
  const start = performance.now()
  for (let i = 0; i < count; i++) {
    const wait = start + i * intervalMs - performance.now()
    if (wait > 0) await sleep(wait)
    const key = `e2e-${i}`
    sentAt.set(key, performance.now())
    await client.send(new PutRecordCommand({ StreamName: name, PartitionKey: key, Data: record }))
  }
  producing = false
  await consumer
  await deleteStream(client, name)
  return {
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    max: percentile(latencies, 100),
    received: seen.size,
    lost: count - seen.size,
    duplicates,
  }
}

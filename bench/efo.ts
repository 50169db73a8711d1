// The efo group: enhanced fan-out, put → received through SubscribeToShard. `tributary serve` in
// its own process; this process puts records at a fixed rate (SDK v3 client, PutRecords calls
// every 10 ms) and reads them back through the SDK v3 SubscribeToShardCommand (its default
// HTTP/2 handler), timing each record from the moment its PutRecords was sent to the moment its
// event was decoded. EFO_RATE=<records/s> changes the rate (default 10,000).
import {
  DescribeStreamConsumerCommand,
  PutRecordsCommand,
  RegisterStreamConsumerCommand,
  SubscribeToShardCommand,
  type SubscribeToShardEventStream,
} from '@aws-sdk/client-kinesis'
import { createStream, makeClient } from './client.ts'
import { fix, int, mark, table } from './markdown.ts'
import { startServer } from './servers.ts'
import { percentile } from './stats.ts'

export interface EfoBenchResult {
  rate: number
  perCall: number
  shards: number
  shardLimits: boolean
  seconds: number
  received: number
  lost: number
  p50: number
  p99: number
  max: number
  /** PutRecords round trips of the measured window (the put half of the latency). */
  putP50: number
  putP99: number
}

export interface EfoSettings {
  rate: number
  perCall: number
  warmupMs: number
  measureMs: number
}

const STREAM = 'efo-bench'
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms))

/**
 * One subscriber per shard, put at `rate` records/s for warm-up + measure, latency per record
 * of the measured window. Shard limits are off (10k records/s is ten shards' worth of writes on
 * AWS; one shard here keeps the subscriber count at one), and said so in the report.
 */
export async function efoGroup(settings: EfoSettings, log: (msg: string) => void): Promise<EfoBenchResult> {
  const server = await startServer('tributary', { shardLimits: false })
  const admin = makeClient(server.endpoint)
  const putter = makeClient(server.endpoint)
  const reader = makeClient(server.endpoint, 'h2')
  const abort = new AbortController()
  try {
    const shards = 1
    const [shardId] = await createStream(admin, STREAM, shards)
    const streamArn = `arn:aws:kinesis:us-east-1:000000000000:stream/${STREAM}`
    const { Consumer } = await admin.send(
      new RegisterStreamConsumerCommand({ StreamARN: streamArn, ConsumerName: 'bench' }),
    )
    const consumerArn = Consumer!.ConsumerARN!
    for (;;) {
      const d = await admin.send(new DescribeStreamConsumerCommand({ ConsumerARN: consumerArn }))
      if (d.ConsumerDescription?.ConsumerStatus === 'ACTIVE') break
      await sleep(50)
    }
    log(`efo: ${server.syncNote}; consumer ACTIVE, subscribing to ${shardId}`)

    const sentAt = new Map<number, number>()
    const latencies: number[] = []
    let received = 0
    let measureFrom = Number.POSITIVE_INFINITY
    let measureTo = Number.POSITIVE_INFINITY
    const out = await reader.send(
      new SubscribeToShardCommand({
        ConsumerARN: consumerArn,
        ShardId: shardId,
        StartingPosition: { Type: 'LATEST' },
      }),
      { abortSignal: abort.signal },
    )
    const reading = (async () => {
      for await (const event of out.EventStream as AsyncIterable<SubscribeToShardEventStream>) {
        const now = performance.now()
        for (const r of event.SubscribeToShardEvent?.Records ?? []) {
          const id = Number(Buffer.from(r.Data!).subarray(0, 10).toString())
          const sent = sentAt.get(id)
          if (sent === undefined) continue
          sentAt.delete(id)
          received++
          if (sent >= measureFrom && sent < measureTo) latencies.push(now - sent)
        }
      }
    })().catch((error: Error) => {
      if (!abort.signal.aborted) log(`efo: subscription failed: ${error.message}`)
    })

    const padding = 'x'.repeat(90)
    const intervalMs = (settings.perCall * 1000) / settings.rate
    const start = performance.now()
    measureFrom = start + settings.warmupMs
    measureTo = measureFrom + settings.measureMs
    let id = 0
    let measuredSent = 0
    const putLatencies: number[] = []
    const inFlight = new Set<Promise<void>>()
    for (let call = 0; ; call++) {
      const due = start + call * intervalMs
      if (due >= measureTo) break
      const wait = due - performance.now()
      if (wait > 0) await sleep(wait)
      const records = Array.from({ length: settings.perCall }, () => {
        const data = Buffer.from(`${String(id++).padStart(10, '0')}${padding}`)
        return { PartitionKey: String(id % 64), Data: data }
      })
      const sent = performance.now()
      for (let k = id - settings.perCall; k < id; k++) sentAt.set(k, sent)
      if (sent >= measureFrom) measuredSent += settings.perCall
      const p = putter
        .send(new PutRecordsCommand({ StreamName: STREAM, Records: records }))
        .then((r) => {
          if (sent >= measureFrom) putLatencies.push(performance.now() - sent)
          if (r.FailedRecordCount) log(`efo: ${r.FailedRecordCount} records failed`)
        })
        .finally(() => inFlight.delete(p))
      inFlight.add(p)
    }
    await Promise.all(inFlight)
    // Give the last records a moment to arrive; whatever has not by then counts as lost.
    const settleUntil = performance.now() + 2_000
    while (latencies.length < measuredSent && performance.now() < settleUntil) await sleep(20)
    abort.abort()
    await reading
    const result: EfoBenchResult = {
      rate: settings.rate,
      perCall: settings.perCall,
      shards,
      shardLimits: false,
      seconds: settings.measureMs / 1000,
      received,
      lost: measuredSent - latencies.length,
      p50: percentile(latencies, 50),
      p99: percentile(latencies, 99),
      max: latencies.length ? Math.max(...latencies) : Number.NaN,
      putP50: percentile(putLatencies, 50),
      putP99: percentile(putLatencies, 99),
    }
    log(
      `efo: ${int(latencies.length)} records measured, p50 ${fix(result.p50)} ms, p99 ${fix(result.p99)} ms, ` +
        `max ${fix(result.max)} ms, lost ${result.lost}; PutRecords p50 ${fix(result.putP50)} ms, p99 ${fix(result.putP99)} ms`,
    )
    return result
  } finally {
    abort.abort()
    for (const c of [admin, putter, reader]) c.destroy()
    await server.stop()
  }
}

export function efoSection(r: EfoBenchResult | undefined): string[] {
  if (!r) return []
  return [
    '### Enhanced fan-out: put → received through SubscribeToShard',
    '',
    `${int(r.rate)} records/s of 100 bytes in PutRecords calls of ${r.perCall} into a ${r.shards}-shard stream, ` +
      `read by one SDK v3 SubscribeToShardCommand (HTTP/2, event stream); shard limits off; ` +
      `${fix(r.seconds, 0)} s measured.`,
    '',
    table(
      ['put → received p50', 'p99', 'max', 'lost', 'PutRecords p50 / p99', 'target'],
      [
        [
          `${fix(r.p50)} ms`,
          `${fix(r.p99)} ms`,
          `${fix(r.max)} ms`,
          int(r.lost),
          `${fix(r.putP50)} / ${fix(r.putP99)} ms`,
          `${mark(r.p99 <= 20 && r.lost === 0)} p99 ≤ 20 ms, nothing lost`,
        ],
      ],
    ),
    '',
  ]
}

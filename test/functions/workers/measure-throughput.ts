/**
 * Measures the function pool's raw speed (not a test; run by hand):
 *
 *   node --import tsx test/functions/workers/measure-throughput.ts
 *
 * - throughput: a no-op handler invoked in a loop with 1000-record Kinesis-shaped events (each
 *   record ~1.4 KB of base64 data), one caller (one shard) and several in parallel;
 * - latency: invoke → result round trip of a tiny event on a warm worker, p50/p99.
 */
import { randomBytes } from 'node:crypto'
import { fileURLToPath } from 'node:url'
import type { FunctionSpec } from '../../../src/contracts/functions.ts'
import { FunctionPool } from '../../../src/functions/workers/pool.ts'

const BATCH = 1000
const SECONDS = Number(process.env.SECONDS ?? 3)

const spec: FunctionSpec = {
  name: 'noop',
  file: fileURLToPath(new URL('../../fixtures/handlers/noop.ts', import.meta.url)),
  exportName: 'handler',
  timeoutMs: 60_000,
  memoryMb: 128,
  reservedConcurrency: undefined,
  environment: {},
}

function kinesisEvent(records: number) {
  const data = randomBytes(1050).toString('base64') // 1400 base64 characters
  return {
    Records: Array.from({ length: records }, (_, i) => ({
      kinesis: {
        kinesisSchemaVersion: '1.0',
        partitionKey: `device-${i % 100}`,
        sequenceNumber: `4959011234567890123456789012345678901234567890${String(i).padStart(10, '0')}`,
        data,
        approximateArrivalTimestamp: 1_700_000_000 + i / 1000,
      },
      eventSource: 'aws:kinesis',
      eventVersion: '1.0',
      eventID: `shardId-000000000000:4959011234567890123456789012345678901234567890${i}`,
      eventName: 'aws:kinesis:record',
      invokeIdentityArn: 'arn:aws:iam::000000000000:role/tributary',
      awsRegion: 'us-east-1',
      eventSourceARN: 'arn:aws:kinesis:us-east-1:000000000000:stream/bench',
    })),
  }
}

async function throughput(pool: FunctionPool, callers: number): Promise<void> {
  const event = kinesisEvent(BATCH)
  let invocations = 0
  const until = performance.now() + SECONDS * 1000
  const start = performance.now()
  await Promise.all(
    Array.from({ length: callers }, async () => {
      while (performance.now() < until) {
        const outcome = await pool.invoke('noop', event)
        if (outcome.kind !== 'ok') throw new Error(`unexpected outcome ${outcome.kind}`)
        invocations++
      }
    }),
  )
  const seconds = (performance.now() - start) / 1000
  const perSecond = invocations / seconds
  console.log(
    `throughput, ${callers} caller(s), batch ${BATCH}: ${perSecond.toFixed(0)} invocations/s = ` +
      `${(perSecond * BATCH).toFixed(0)} records/s`,
  )
}

async function latency(pool: FunctionPool, count: number): Promise<void> {
  const samples: number[] = []
  for (let i = 0; i < count; i++) {
    const t = performance.now()
    await pool.invoke('noop', { ping: i })
    samples.push(performance.now() - t)
  }
  samples.sort((a, b) => a - b)
  const at = (q: number) => samples[Math.min(samples.length - 1, Math.floor(q * samples.length))]!.toFixed(3)
  console.log(`latency, tiny event, ${count} serial invocations: p50 ${at(0.5)} ms, p99 ${at(0.99)} ms`)
}

const pool = new FunctionPool({ functions: [spec], bindings: { call: async () => undefined } })
// Warm up: start the workers the parallel run will use.
await Promise.all(Array.from({ length: 4 }, () => pool.invoke('noop', {})))
await latency(pool, 20_000)
await throughput(pool, 1)
await throughput(pool, 4)
await pool.close()

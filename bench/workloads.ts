// Write-side workloads: PutRecords throughput and sequential PutRecord latency.
import {
  type KinesisClient,
  PutRecordCommand,
  PutRecordsCommand,
  type PutRecordsCommandOutput,
  type PutRecordsRequestEntry,
} from '@aws-sdk/client-kinesis'
import { createStream, deleteStream } from './client.ts'
import { RECORD_BYTES, RECORDS_PER_CALL, sensorRecord } from './payload.ts'
import type { RunningServer } from './servers.ts'
import { percentile, sleep } from './stats.ts'
import { type Snapshot, snapshot, type WindowCpu, windowCpu } from './window.ts'

export interface Target {
  server: RunningServer
  client: KinesisClient
}

let streamCounter = 0
export const streamName = (prefix: string) => `bench-${prefix}-${Date.now()}-${streamCounter++}`

export interface PutCase {
  shards: number
  concurrency: number
}

export interface PutResult extends PutCase {
  recordsPerSec: number
  mbPerSec: number
  callP50: number
  callP99: number
  calls: number
  failedRecords: number
  errors: number
  firstError?: string
  serverCpuPer1k: number
  cpu: WindowCpu
}

interface Call {
  end: number
  ms: number
  records: number
}

/**
 * Workers send PutRecords back to back for warm-up + window; only calls that complete inside
 * the window count, and the window's edges are where the CPU snapshots were actually taken.
 */
export async function putThroughput(
  target: Target,
  c: PutCase,
  batches: PutRecordsRequestEntry[][],
  timing: { warmupMs: number; measureMs: number },
): Promise<PutResult> {
  const { client, server } = target
  const name = streamName(`put-${c.shards}s-c${c.concurrency}`)
  await createStream(client, name, c.shards)
  const calls: Call[] = []
  let errors = 0
  let failedRecords = 0
  let firstError: string | undefined
  const t0 = performance.now()
  const stopAt = t0 + timing.warmupMs + timing.measureMs
  const snaps = (async (): Promise<[Snapshot, Snapshot]> => {
    await sleep(timing.warmupMs)
    const a = snapshot(server.pid)
    await sleep(Math.max(0, stopAt - performance.now()))
    return [a, snapshot(server.pid)]
  })()
  let next = 0
  const worker = async () => {
    while (performance.now() < stopAt) {
      const batch = batches[next++ % batches.length]!
      const start = performance.now()
      try {
        const out = await client.send(new PutRecordsCommand({ StreamName: name, Records: batch }))
        const end = performance.now()
        const failed = out.FailedRecordCount ?? 0
        failedRecords += failed
        calls.push({ end, ms: end - start, records: batch.length - failed })
      } catch (e) {
        errors++
        firstError ??= String(e)
        // Avoid a hot error loop if the server is gone.
        await sleep(5)
      }
    }
  }
  await Promise.all(Array.from({ length: c.concurrency }, worker))
  const [a, b] = await snaps
  await deleteStream(client, name)
  const inWindow = calls.filter((x) => x.end >= a.t && x.end <= b.t)
  const records = inWindow.reduce((n, x) => n + x.records, 0)
  const cpu = windowCpu(a, b)
  const ms = inWindow.map((x) => x.ms)
  return {
    ...c,
    recordsPerSec: records / cpu.seconds,
    mbPerSec: (records * RECORD_BYTES) / 1e6 / cpu.seconds,
    callP50: percentile(ms, 50),
    callP99: percentile(ms, 99),
    calls: inWindow.length,
    failedRecords,
    errors,
    firstError,
    serverCpuPer1k: records ? cpu.serverCpuMs / (records / 1000) : Number.NaN,
    cpu,
  }
}

export interface LatencyResult {
  p50: number
  p99: number
  callsPerSec: number
  serverCpuPerCall: number
  errors: number
  cpu: WindowCpu
}

/** Sequential single-record PutRecord calls on a 1-shard stream. */
export async function putRecordLatency(
  target: Target,
  counts: { warmup: number; measured: number },
): Promise<LatencyResult> {
  const { client, server } = target
  const name = streamName('latency')
  await createStream(client, name, 1)
  const pool = Array.from({ length: 64 }, (_, i) => sensorRecord(i))
  const ms: number[] = []
  let errors = 0
  let a = snapshot(server.pid)
  for (let i = 0; i < counts.warmup + counts.measured; i++) {
    if (i === counts.warmup) a = snapshot(server.pid)
    const start = performance.now()
    try {
      await client.send(
        new PutRecordCommand({ StreamName: name, PartitionKey: `pk-${i}`, Data: pool[i % pool.length] }),
      )
      if (i >= counts.warmup) ms.push(performance.now() - start)
    } catch {
      errors++
    }
  }
  const cpu = windowCpu(a, snapshot(server.pid))
  await deleteStream(client, name)
  return {
    p50: percentile(ms, 50),
    p99: percentile(ms, 99),
    callsPerSec: ms.length / cpu.seconds,
    serverCpuPerCall: cpu.serverCpuMs / Math.max(1, ms.length),
    errors,
    cpu,
  }
}

/**
 * Fills one stream with PutRecords at the given concurrency; returns records/s. `onPut` sees each
 * call's answer (the delivery group keeps each shard's last sequence number).
 */
export async function fill(
  client: KinesisClient,
  name: string,
  total: number,
  batches: PutRecordsRequestEntry[][],
  concurrency: number,
  onPut?: (out: PutRecordsCommandOutput) => void,
): Promise<number> {
  const calls = Math.ceil(total / RECORDS_PER_CALL)
  let next = 0
  const start = performance.now()
  const worker = async () => {
    while (next < calls) {
      const i = next++
      const out = await client.send(
        new PutRecordsCommand({ StreamName: name, Records: batches[i % batches.length] }),
      )
      if (out.FailedRecordCount) throw new Error(`fill: ${out.FailedRecordCount} records failed`)
      onPut?.(out)
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker))
  return (calls * RECORDS_PER_CALL) / ((performance.now() - start) / 1000)
}

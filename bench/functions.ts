// Functions-stage workloads, each against a fresh `tributary dev` child running a generated
// pipeline (bench/pipelines.ts): put → handler invoked latency at a paced rate, and how fast a
// no-op handler drains a stream filled beforehand.
import { closeSync, openSync, readdirSync, readSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  DescribeStreamSummaryCommand,
  PutRecordsCommand,
  type PutRecordsOutput,
  type PutRecordsRequestEntry,
} from '@aws-sdk/client-kinesis'
import { createStream, makeClient } from './client.ts'
import { type DevServer, startDev } from './dev-server.ts'
import { RECORD_BYTES } from './payload.ts'
import {
  LATENCY_HANDLER,
  NOOP_HANDLER,
  type PipelineSpec,
  type ProcessFunctionCode,
  writePipeline,
} from './pipelines.ts'
import { statusKiB } from './proc.ts'
import { rawCall } from './raw-client.ts'
import { removeDir, scratchDir, startServer } from './servers.ts'
import { percentile, sleep } from './stats.ts'
import { type Snapshot, snapshot, type WindowCpu, windowCpu } from './window.ts'
import { fill } from './workloads.ts'

const SHARDS = 4
const MAX_CALLS_IN_FLIGHT = 64
const FILL_CONCURRENCY = 4
/** Give up waiting for deliveries after this long without progress. */
const STALL_MS = 15_000

export interface FunctionsRun {
  root: string
  cpuProfDir?: string
  log: (msg: string) => void
  /** Environment of the `tributary dev` child (default: the bench's). */
  env?: NodeJS.ProcessEnv
}

/** What every functions case reports about its `tributary dev` process. */
export interface DevReport {
  startMs: number
  output: { lines: string[]; total: number }
  peakRssKiB: number | undefined
  cpu: WindowCpu
  serverCpuPer1k: number
}

/** Who sends the PutRecords calls: the AWS SDK v3 client, or one `http.request` per call. */
export type ProducerClient = 'sdk' | 'minimal'

export interface InvokeLatencyResult extends DevReport {
  producer: ProducerClient
  offeredPerSec: number
  /** Records acknowledged per second of the measured window. */
  achievedPerSec: number
  recordsPerCall: number
  /** Records sent in the measured window, and how many of them reached the handler. */
  sent: number
  delivered: number
  duplicates: number
  failedRecords: number
  callErrors: number
  firstError?: string
  p50: number
  p95: number
  p99: number
  max: number
  putCallP99: number
  invocations: number
  recordsPerInvocation: number
}

export interface NoopThroughputResult extends DevReport {
  records: number
  delivered: number
  fillRecordsPerSec: number
  /** Between the first and the last invocation's start, as the handler stamped them. */
  recordsPerSec: number
  /** From the banner to the first invocation, ms. */
  firstInvokeMs: number
  invocations: number
  recordsPerInvocation: number
}

export interface WarmWorkersResult extends DevReport {
  /** Worker threads that ran the handler (one per shard, started together). */
  workers: number
  /** From the first PutRecords call to every worker's first report, ms. */
  warmMs: number
  /** PutRecords calls sent while the workers started: their slowest, ms. */
  putCallMaxMs: number
  calls: number
  /** RSS (VmRSS) of `tributary dev` once every worker is warm and idle. */
  rssKiB: number | undefined
}

/**
 * Four warm function workers: `tributary dev` on the latency pipeline (4 shards), PutRecords of
 * one record per shard (explicit hash keys) every 10 ms, so the first call starts four
 * invocations at once and four workers. Sends until each worker has reported (or 20 s), then
 * waits a second for the engine to settle and reads its RSS.
 */
export async function warmWorkers(run: FunctionsRun): Promise<WarmWorkersResult> {
  const stream = 'bench-warm-workers'
  const spec: PipelineSpec = {
    stream,
    shards: SHARDS,
    batchSize: 100,
    startingPosition: 'LATEST',
    handler: LATENCY_HANDLER,
  }
  const dataDir = scratchDir(tmpdir(), 'tributary-bench-')
  try {
    return await withDev(run, spec, dataDir, async (dev, outDir) => {
      await waitActive(dev.endpoint, stream)
      const client = makeClient(dev.endpoint)
      const quarter = 2n ** 128n / BigInt(SHARDS)
      const callMs: number[] = []
      const pending = new Set<Promise<void>>()
      run.log('functions warm workers: starting four')
      const a = snapshot(dev.pid)
      const t0 = performance.now()
      let seq = 0
      let workers = 0
      while (workers < SHARDS && performance.now() - t0 < 20_000) {
        const now = Date.now()
        const records = Array.from({ length: SHARDS }, (_, shard) => ({
          Data: Buffer.from(`${now},${seq++},warm`),
          PartitionKey: 'warm',
          ExplicitHashKey: (BigInt(shard) * quarter).toString(),
        }))
        const start = performance.now()
        const call = client
          .send(new PutRecordsCommand({ StreamName: stream, Records: records }))
          .then(() => {
            callMs.push(performance.now() - start)
          })
          .finally(() => pending.delete(call))
        pending.add(call)
        await sleep(10)
        workers = readdirSync(outDir).filter((name) => name.endsWith('.jsonl')).length
      }
      const warmMs = performance.now() - t0
      await Promise.all(pending)
      client.destroy()
      await sleep(1000)
      const rssKiB = statusKiB(dev.pid, 'VmRSS')
      const cpu = windowCpu(a, snapshot(dev.pid))
      return {
        workers,
        warmMs,
        putCallMaxMs: percentile(callMs, 100),
        calls: callMs.length,
        rssKiB,
        cpu,
        serverCpuPer1k: cpu.serverCpuMs / (seq / 1000),
      }
    })
  } finally {
    removeDir(dataDir)
  }
}

/** Complete lines appended since the last call to the files in `dir` ending with `suffix`. */
class Tail {
  readonly #offsets = new Map<string, number>()
  constructor(
    readonly dir: string,
    readonly suffix: string,
  ) {}

  lines(): string[] {
    const out: string[] = []
    for (const name of readdirSync(this.dir)) {
      if (!name.endsWith(this.suffix)) continue
      const path = join(this.dir, name)
      const from = this.#offsets.get(name) ?? 0
      const size = statSync(path).size
      if (size <= from) continue
      const buf = Buffer.alloc(size - from)
      const fd = openSync(path, 'r')
      readSync(fd, buf, 0, buf.length, from)
      closeSync(fd)
      const end = buf.lastIndexOf(10) + 1
      this.#offsets.set(name, from + end)
      for (const line of buf.subarray(0, end).toString('latin1').split('\n')) if (line) out.push(line)
    }
    return out
  }
}

/** Generates the pipeline, starts `tributary dev` on it, runs `body`, stops and cleans up. */
async function withDev<T>(
  run: FunctionsRun,
  spec: PipelineSpec,
  dataDir: string,
  body: (dev: DevServer, outDir: string) => Promise<T>,
): Promise<T & { startMs: number; output: DevServer['output']; peakRssKiB: number | undefined }> {
  const pipeline = writePipeline(run.root, spec)
  try {
    const dev = await startDev({
      root: run.root,
      pipelineFile: pipeline.file,
      dataDir,
      cpuProfDir: run.cpuProfDir,
      env: run.env,
    })
    let result: T
    try {
      result = await body(dev, pipeline.outDir)
    } catch (e) {
      await dev.stop()
      throw e
    }
    const peakRssKiB = await dev.stop()
    return { ...result, startMs: dev.startMs, output: dev.output, peakRssKiB }
  } finally {
    removeDir(pipeline.dir)
  }
}

export async function waitActive(endpoint: string, stream: string): Promise<void> {
  const client = makeClient(endpoint)
  try {
    for (let i = 0; i < 500; i++) {
      const d = await client.send(new DescribeStreamSummaryCommand({ StreamName: stream }))
      if (d.StreamDescriptionSummary?.StreamStatus === 'ACTIVE') return
      await sleep(20)
    }
    throw new Error(`stream ${stream} did not become ACTIVE`)
  } finally {
    client.destroy()
  }
}

/**
 * A producer sends `rate` records/s in PutRecords calls of `perCall` on a fixed schedule (calls
 * overlap; at most 64 in flight) for warm-up + window. Each record's data starts with the
 * Date.now() it was sent at and its sequence number; the handler reports, per record, its own
 * start time minus that stamp. Only records sent inside the window are counted.
 */
export async function invokeLatency(
  run: FunctionsRun,
  o: { rate: number; perCall: number; warmupMs: number; measureMs: number; producer: ProducerClient },
): Promise<InvokeLatencyResult> {
  const stream = 'bench-invoke-latency'
  const spec: PipelineSpec = {
    stream,
    shards: SHARDS,
    batchSize: 100,
    startingPosition: 'LATEST',
    handler: LATENCY_HANDLER,
  }
  const dataDir = scratchDir(tmpdir(), 'tributary-bench-')
  try {
    return await withDev(run, spec, dataDir, async (dev, outDir) => {
      await waitActive(dev.endpoint, stream)
      const client = makeClient(dev.endpoint)
      const capacity = Math.ceil((o.rate * (o.warmupMs + o.measureMs)) / 1000) + o.perCall
      // Per sequence number: 1 acknowledged, 2 acknowledged and delivered.
      const state = new Uint8Array(capacity)
      const pad = 'x'.repeat(RECORD_BYTES)
      const intervalMs = (o.perCall * 1000) / o.rate
      const callMs: number[] = []
      let seq = 0
      let failedRecords = 0
      let callErrors = 0
      let firstError: string | undefined
      const inFlight = new Set<Promise<void>>()
      const send = () => {
        const first = seq
        seq += o.perCall
        const now = Date.now()
        const records: PutRecordsRequestEntry[] = Array.from({ length: o.perCall }, (_, j) => ({
          Data: Buffer.from(`${now},${first + j},${pad}`.slice(0, RECORD_BYTES)),
          PartitionKey: `pk-${first + j}`,
        }))
        const start = performance.now()
        // Calls sent during the warm-up (function workers starting) are not counted.
        const measured = a !== undefined
        const put: Promise<PutRecordsOutput> =
          o.producer === 'sdk'
            ? client.send(new PutRecordsCommand({ StreamName: stream, Records: records }))
            : rawCall<PutRecordsOutput>(dev.endpoint, 'PutRecords', {
                StreamName: stream,
                Records: records.map((r) => ({
                  Data: Buffer.from(r.Data!).toString('base64'),
                  PartitionKey: r.PartitionKey,
                })),
              })
        const call = put
          .then(
            (out) => {
              if (measured) callMs.push(performance.now() - start)
              out.Records?.forEach((r, j) => {
                if (r.ErrorCode) failedRecords++
                else state[first + j] = 1
              })
            },
            (e: unknown) => {
              callErrors++
              firstError ??= String(e)
            },
          )
          .finally(() => inFlight.delete(call))
        inFlight.add(call)
      }
      run.log(`functions latency: ${o.rate} rec/s for ${(o.warmupMs + o.measureMs) / 1000} s`)
      const t0 = performance.now()
      const endAt = t0 + o.warmupMs + o.measureMs
      let a: Snapshot | undefined
      let measuredFrom = 0
      for (let k = 0; t0 + k * intervalMs < endAt; k++) {
        const due = t0 + k * intervalMs
        const wait = due - performance.now()
        if (wait > 0) await sleep(wait)
        if (!a && due >= t0 + o.warmupMs) {
          a = snapshot(dev.pid)
          measuredFrom = seq
        }
        while (inFlight.size >= MAX_CALLS_IN_FLIGHT) await Promise.race(inFlight)
        send()
      }
      await Promise.all(inFlight)
      const b = snapshot(dev.pid)
      const measuredTo = seq
      let sent = 0
      for (let i = measuredFrom; i < measuredTo; i++) if (state[i]) sent++
      // Collect what the handler saw until every record sent in the window has arrived.
      const tail = new Tail(outDir, '.jsonl')
      const latencies: number[] = []
      let delivered = 0
      let duplicates = 0
      let invocations = 0
      let seen = 0
      let lastProgress = performance.now()
      while (delivered < sent && performance.now() - lastProgress < STALL_MS) {
        for (const line of tail.lines()) {
          const report = JSON.parse(line) as { invocations: number; records: number[] }
          invocations += report.invocations
          seen += report.records.length / 2
          for (let i = 0; i < report.records.length; i += 2) {
            const s = report.records[i]!
            if (s < measuredFrom || s >= measuredTo) continue
            if (state[s] === 2) duplicates++
            else {
              state[s] = 2
              delivered++
              latencies.push(report.records[i + 1]!)
            }
          }
          lastProgress = performance.now()
        }
        if (delivered < sent) await sleep(50)
      }
      client.destroy()
      const cpu = windowCpu(a!, b)
      return {
        producer: o.producer,
        offeredPerSec: o.rate,
        achievedPerSec: sent / cpu.seconds,
        recordsPerCall: o.perCall,
        sent,
        delivered,
        duplicates,
        failedRecords,
        callErrors,
        firstError,
        p50: percentile(latencies, 50),
        p95: percentile(latencies, 95),
        p99: percentile(latencies, 99),
        max: percentile(latencies, 100),
        putCallP99: percentile(callMs, 99),
        invocations,
        recordsPerInvocation: seen / Math.max(1, invocations),
        cpu,
        serverCpuPer1k: cpu.serverCpuMs / (sent / 1000),
      }
    })
  } finally {
    removeDir(dataDir)
  }
}

/**
 * Fills a stream with `tributary serve` (PutRecords, 500 × 1 KiB, concurrency 4) and stops it;
 * then `tributary dev` opens the same data dir with a pipeline declaring that stream (dev leaves
 * an existing stream as it is) and a TRIM_HORIZON mapping with BatchSize 1000 to a handler that
 * only notes when it was invoked and with how many records.
 */
export async function noopThroughput(
  run: FunctionsRun,
  o: { records: number; batches: PutRecordsRequestEntry[][]; code?: ProcessFunctionCode },
): Promise<NoopThroughputResult> {
  const stream = 'bench-noop'
  const dataDir = scratchDir(tmpdir(), 'tributary-bench-')
  try {
    const serve = await startServer('tributary', { tributaryRoot: run.root, dataDir })
    const client = makeClient(serve.endpoint)
    let fillRecordsPerSec: number
    try {
      await createStream(client, stream, SHARDS)
      run.log(`functions throughput: filling ${o.records} records`)
      fillRecordsPerSec = await fill(client, stream, o.records, o.batches, FILL_CONCURRENCY)
    } finally {
      client.destroy()
      await serve.stop()
    }
    const spec: PipelineSpec = {
      stream,
      shards: SHARDS,
      batchSize: 1000,
      startingPosition: 'TRIM_HORIZON',
      handler: NOOP_HANDLER,
      code: o.code,
    }
    run.log('functions throughput: draining with a no-op handler')
    return await withDev(run, spec, dataDir, async (dev, outDir) => {
      const tail = new Tail(outDir, '.log')
      let a: Snapshot | undefined
      let atA = 0
      let delivered = 0
      let invocations = 0
      let first = Number.POSITIVE_INFINITY
      let last = { t: Number.NEGATIVE_INFINITY, n: 0 }
      let lastProgress = performance.now()
      while (delivered < o.records && performance.now() - lastProgress < STALL_MS) {
        await sleep(20)
        const lines = tail.lines()
        if (lines.length === 0) continue
        a ??= snapshot(dev.pid)
        lastProgress = performance.now()
        for (const line of lines) {
          const [t, n] = line.split(' ').map(Number) as [number, number]
          delivered += n
          invocations++
          first = Math.min(first, t)
          if (t >= last.t) last = { t, n }
        }
        // Records the first report covers were (mostly) processed before the CPU snapshot.
        if (atA === 0) atA = delivered
      }
      const b = snapshot(dev.pid)
      const cpu = windowCpu(a ?? b, b)
      return {
        records: o.records,
        delivered,
        fillRecordsPerSec,
        recordsPerSec: ((delivered - last.n) * 1000) / (last.t - first),
        firstInvokeMs: first - dev.readyAt,
        invocations,
        recordsPerInvocation: delivered / Math.max(1, invocations),
        cpu,
        serverCpuPer1k: cpu.serverCpuMs / ((delivered - atA) / 1000),
      }
    })
  } finally {
    removeDir(dataDir)
  }
}

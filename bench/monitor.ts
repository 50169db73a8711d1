// Monitoring-stage cost: the same paced PutRecords load into a 4-shard stream of a pipeline with
// nothing else, once on `tributary dev --no-monitor` (no metric store, alarms or dashboard) and
// once on the default `tributary dev` (metric store on, dashboard routes on) with a client reading
// the dashboard's event stream (`GET /ui/api/events`) the whole time. Each case is a fresh process
// on a fresh data dir; the group alternates them (A, B, A, B) and compares server CPU per record.
import http from 'node:http'
import { tmpdir } from 'node:os'
import { PutRecordsCommand, type PutRecordsRequestEntry } from '@aws-sdk/client-kinesis'
import { makeClient } from './client.ts'
import { startDev } from './dev-server.ts'
import { type DevReport, type FunctionsRun, waitActive } from './functions.ts'
import { writeStreamPipeline } from './pipelines.ts'
import { removeDir, scratchDir } from './servers.ts'
import { percentile, sleep } from './stats.ts'
import { type Snapshot, snapshot, windowCpu } from './window.ts'

const STREAM = 'bench-monitor'
const SHARDS = 4
const MAX_CALLS_IN_FLIGHT = 16

export type MonitorMode = 'off' | 'on'

export interface MonitorOptions {
  /** Offered records/s, and records per PutRecords call (calls go out every perCall/rate s). */
  rate: number
  perCall: number
  warmupMs: number
  measureMs: number
}

export interface SseCount {
  /** Whether the response was a 200 text/event-stream. */
  status: number
  contentType: string
  events: number
  bytes: number
  /** Events by name (`metrics`, `alarms`, `queues`). */
  byName: Record<string, number>
  /** Events and bytes that arrived inside the measured window. */
  windowEvents: number
  windowBytes: number
  error?: string
}

export interface MonitorResult extends DevReport {
  mode: MonitorMode
  /** 1-based: which run of this mode (the group alternates off, on, off, on). */
  run: number
  offeredPerSec: number
  /** Records acknowledged in calls sent in the measured window, per second of the window. */
  achievedPerSec: number
  sent: number
  failedRecords: number
  callErrors: number
  firstError?: string
  callP50: number
  callP99: number
  /** Calls that waited for a free in-flight slot (the server or driver fell behind). */
  lateCalls: number
  sse?: SseCount
}

/** Reads `GET /ui/api/events` as a browser's EventSource would, counting events and bytes. */
function readEvents(endpoint: string): {
  count: SseCount
  window(inside: boolean): void
  close(): void
} {
  const count: SseCount = {
    status: 0,
    contentType: '',
    events: 0,
    bytes: 0,
    byName: {},
    windowEvents: 0,
    windowBytes: 0,
  }
  let inWindow = false
  let rest = ''
  const req = http.get(
    `${endpoint}/ui/api/events`,
    { headers: { accept: 'text/event-stream', 'cache-control': 'no-cache' }, agent: false },
    (res) => {
      count.status = res.statusCode ?? 0
      count.contentType = String(res.headers['content-type'] ?? '')
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => {
        const bytes = Buffer.byteLength(chunk)
        count.bytes += bytes
        if (inWindow) count.windowBytes += bytes
        rest += chunk
        // Frames end with a blank line; comments (": ping") and `retry:` carry no event.
        for (let end = rest.indexOf('\n\n'); end >= 0; end = rest.indexOf('\n\n')) {
          const frame = rest.slice(0, end)
          rest = rest.slice(end + 2)
          const name = /^event: (.*)$/m.exec(frame)?.[1]
          if (!name) continue
          count.events++
          count.byName[name] = (count.byName[name] ?? 0) + 1
          if (inWindow) count.windowEvents++
        }
      })
    },
  )
  req.on('error', (e) => {
    count.error ??= String(e)
  })
  return {
    count,
    window: (inside) => {
      inWindow = inside
    },
    close: () => req.destroy(),
  }
}

/**
 * One case: `tributary dev` on a stream-only pipeline, with or without monitoring, driven by
 * `rate` records/s in PutRecords calls of `perCall` 1 KiB records on a fixed schedule (at most 16
 * calls in flight) for warm-up + window. Server CPU is taken from /proc at the window's edges.
 */
export async function monitorCase(
  run: FunctionsRun,
  mode: MonitorMode,
  index: number,
  o: MonitorOptions,
  batches: PutRecordsRequestEntry[][],
): Promise<MonitorResult> {
  const pipeline = writeStreamPipeline(run.root, { stream: STREAM, shards: SHARDS })
  const dataDir = scratchDir(tmpdir(), 'tributary-bench-')
  try {
    const dev = await startDev({
      root: run.root,
      pipelineFile: pipeline.file,
      dataDir,
      cpuProfDir: run.cpuProfDir,
      extraArgs: mode === 'off' ? ['--no-monitor'] : [],
    })
    let result: Omit<MonitorResult, 'startMs' | 'output' | 'peakRssKiB'>
    try {
      result = await drive(run, dev.pid, dev.endpoint, mode, index, o, batches)
    } catch (e) {
      await dev.stop()
      throw e
    }
    const peakRssKiB = await dev.stop()
    return { ...result, startMs: dev.startMs, output: dev.output, peakRssKiB }
  } finally {
    removeDir(pipeline.dir)
    removeDir(dataDir)
  }
}

async function drive(
  run: FunctionsRun,
  pid: number,
  endpoint: string,
  mode: MonitorMode,
  index: number,
  o: MonitorOptions,
  batches: PutRecordsRequestEntry[][],
): Promise<Omit<MonitorResult, 'startMs' | 'output' | 'peakRssKiB'>> {
  const records = batches.map((b) => b.slice(0, o.perCall))
  if (records[0]!.length !== o.perCall) throw new Error(`batches hold fewer than ${o.perCall} records`)
  const client = makeClient(endpoint)
  const sse = mode === 'on' ? readEvents(endpoint) : undefined
  try {
    // `tributary dev` creates the stream around its banner; a first call proves it is writable.
    await waitActive(endpoint, STREAM)
    await client.send(new PutRecordsCommand({ StreamName: STREAM, Records: records[0]! }))
    const intervalMs = (o.perCall * 1000) / o.rate
    const callMs: number[] = []
    let sent = 0
    let failedRecords = 0
    let callErrors = 0
    let lateCalls = 0
    let firstError: string | undefined
    const inFlight = new Set<Promise<void>>()
    const send = (k: number, measured: boolean) => {
      const start = performance.now()
      const call = client
        .send(new PutRecordsCommand({ StreamName: STREAM, Records: records[k % records.length]! }))
        .then(
          (out) => {
            if (measured) callMs.push(performance.now() - start)
            const failed = out.FailedRecordCount ?? 0
            if (!measured) return
            failedRecords += failed
            sent += o.perCall - failed
          },
          (e: unknown) => {
            if (!measured) return
            callErrors++
            firstError ??= String(e)
          },
        )
        .finally(() => inFlight.delete(call))
      inFlight.add(call)
    }
    run.log(
      `monitor ${mode} #${index}: ${o.rate} rec/s for ${(o.warmupMs + o.measureMs) / 1000} s` +
        (sse ? ', reading /ui/api/events' : ''),
    )
    const t0 = performance.now()
    const endAt = t0 + o.warmupMs + o.measureMs
    let a: Snapshot | undefined
    for (let k = 0; t0 + k * intervalMs < endAt; k++) {
      const due = t0 + k * intervalMs
      const wait = due - performance.now()
      if (wait > 0) await sleep(wait)
      const measured = due >= t0 + o.warmupMs
      if (measured && !a) {
        a = snapshot(pid)
        sse?.window(true)
      }
      if (inFlight.size >= MAX_CALLS_IN_FLIGHT) {
        lateCalls++
        while (inFlight.size >= MAX_CALLS_IN_FLIGHT) await Promise.race(inFlight)
      }
      send(k, measured)
    }
    await Promise.all(inFlight)
    const b = snapshot(pid)
    sse?.window(false)
    const cpu = windowCpu(a!, b)
    if (sse && sse.count.status !== 200)
      throw new Error(`GET /ui/api/events answered ${sse.count.status} (${sse.count.error ?? 'no error'})`)
    return {
      mode,
      run: index,
      offeredPerSec: o.rate,
      achievedPerSec: sent / cpu.seconds,
      sent,
      failedRecords,
      callErrors,
      firstError,
      callP50: percentile(callMs, 50),
      callP99: percentile(callMs, 99),
      lateCalls,
      sse: sse ? { ...sse.count, byName: { ...sse.count.byName } } : undefined,
      cpu,
      serverCpuPer1k: cpu.serverCpuMs / (sent / 1000),
    }
  } finally {
    sse?.close()
    client.destroy()
  }
}

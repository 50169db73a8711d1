// Delivery-stage workloads: a 4-shard stream is filled once with 1 KiB JSON sensor records by
// `tributary serve`; then, per case, a fresh `tributary dev` opens the same data dir with a
// pipeline whose delivery stream reads that stream from TRIM_HORIZON into a bucket, and the bench
// measures from the dev process's start until every record is in a committed lake file: the file
// holding each shard's last record has appeared (object names carry their first and last
// sequence numbers). The files are read and their records counted after the window, so
// decompressing them for the count takes no CPU from the server being measured.
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gunzipSync } from 'node:zlib'
import type { PutRecordsRequestEntry } from '@aws-sdk/client-kinesis'
import { parquetMetadata } from 'hyparquet'
import { createStream, makeClient } from './client.ts'
import { startDev } from './dev-server.ts'
import type { DevReport, FunctionsRun } from './functions.ts'
import { RECORD_BYTES, RECORDS_PER_CALL } from './payload.ts'
import { writeDeliveryPipeline } from './pipelines.ts'
import { removeDir, scratchDir, startServer } from './servers.ts'
import { sleep } from './stats.ts'
import { type Snapshot, snapshot, windowCpu } from './window.ts'
import { fill } from './workloads.ts'

const STREAM = 'bench-delivery'
const SHARDS = 4
const FILL_CONCURRENCY = 4
/** Distinct pre-built PutRecords calls; the fill cycles through them. */
const FILL_BATCHES = 32
const SIZE_MB = 64
const INTERVAL_S = 60
const POLL_MS = 25
/** Give up when no new lake file appeared for this long (a buffer may wait out its interval). */
const STALL_MS = (INTERVAL_S + 30) * 1000

export type DeliveryCaseName = 'ndjson-gzip' | 'parquet'

/** Where the checkout is, where to profile, how to log: as for the functions group. */
export type DeliveryRun = FunctionsRun

/** The filled stream, shared by the cases. */
export interface DeliverySource {
  dataDir: string
  records: number
  fillRecordsPerSec: number
  /** Each shard's last sequence number: delivery is done when a file ends with each. */
  lastSequence: Map<string, bigint>
  /** performance.now() after which every buffer of the backlog is past its interval. */
  dueAt: number
}

export interface DeliveryResult extends DevReport {
  name: DeliveryCaseName
  label: string
  records: number
  /** Records in committed data files / in error files. */
  delivered: number
  errorRecords: number
  dataFiles: number
  errorFiles: number
  /** Bytes of the data files, and of the records they hold (1 KiB each, plus the newlines). */
  fileBytes: number
  inputBytes: number
  /** From spawn to the last record being in the lake, ms. */
  endToEndMs: number
  /** From the banner to the last record being in the lake, ms. */
  deliverMs: number
  /** From the banner to the first lake file, ms. */
  firstFileMs: number
  /** Records / (banner → all committed): the throughput compared with the target. */
  recordsPerSec: number
  /** Records / (spawn → all committed), process start included. */
  endToEndRecordsPerSec: number
  fillRecordsPerSec: number
  /** Process CPU from spawn to the banner, and from spawn to all committed, ms. */
  startupCpuMs: number
  totalCpuMs: number
  /** Some object keys, to show the layout. */
  sampleKeys: string[]
}

const COLUMNS = [
  { name: 'device_id', type: 'string' },
  { name: 'ts', type: 'timestamp' },
  { name: 'temperature', type: 'double' },
  { name: 'humidity', type: 'double' },
  { name: 'lat', type: 'double' },
  { name: 'lon', type: 'double' },
]

interface CaseSpec {
  label: string
  /** Each case has its own bucket, so its files are counted apart from the other's. */
  bucket: string
  config: Record<string, unknown>
  catalog?: Record<string, unknown>
}

const CASES: Record<DeliveryCaseName, CaseSpec> = {
  'ndjson-gzip': {
    label: 'NDJSON, GZIP, appendNewline',
    bucket: 'raw',
    config: {
      prefix: 'raw/!{timestamp:yyyy/MM/dd/HH}/',
      errorOutputPrefix: 'errors/!{firehose:error-output-type}/!{timestamp:yyyy/MM/dd/HH}/',
      compression: 'GZIP',
      appendNewline: true,
    },
  },
  parquet: {
    label: 'Parquet (6-column catalog table)',
    bucket: 'curated',
    config: {
      prefix: 'sensors/!{timestamp:yyyy/MM/dd/HH}/',
      errorOutputPrefix: 'errors/!{firehose:error-output-type}/!{timestamp:yyyy/MM/dd/HH}/',
      compression: 'UNCOMPRESSED',
      format: { parquet: { table: 'sensors' } },
    },
    catalog: { sensors: { bucket: 'curated', prefix: 'sensors/', format: 'parquet', columns: COLUMNS } },
  },
}

const round = (x: number, digits: number) => Math.round(x * 10 ** digits) / 10 ** digits
const DEVICES = 1000
const SITES = ['berlin-mitte', 'berlin-wedding', 'potsdam-nord', 'hamburg-hafen', 'leipzig-sued']
const STATES = ['ok', 'ok', 'ok', 'ok', 'warming', 'calibrating', 'low-battery']
const WORDS = [
  'sensor',
  'reading',
  'nominal',
  'within',
  'range',
  'gateway',
  'relay',
  'uplink',
  'sample',
  'ok',
]
const pick = <T>(xs: readonly T[]) => xs[Math.floor(Math.random() * xs.length)]!

/**
 * One sensor reading of exactly RECORD_BYTES bytes of JSON, in the "typical" form of
 * research/perf-baselines.md (the form its gzip and Parquet baselines, and so the delivery
 * targets, were measured on): per-device stable values (site, position, firmware), 1-decimal
 * readings and small-vocabulary text. The six fields the Parquet table types come first; the rest
 * (recent samples, status, a note padded to size) is what a real device adds around them.
 */
export function sensorReading(seq: number): Buffer {
  const device = Math.floor(Math.random() * DEVICES)
  const base = 15 + (device % 20)
  const body = {
    device_id: `sensor-${String(device).padStart(5, '0')}`,
    ts: new Date(Date.now() - Math.floor(Math.random() * 60_000)).toISOString(),
    temperature: round(base + Math.random() * 3, 1),
    humidity: round(30 + (device % 50) + Math.random() * 5, 1),
    lat: round(52.3 + (device % 97) / 250, 6),
    lon: round(13.1 + (device % 89) / 150, 6),
    seq,
    site: SITES[device % SITES.length],
    firmware: `v2.${device % 7}.${device % 3}`,
    status: pick(STATES),
    battery: round(3 + Math.random(), 2),
    samples: Array.from({ length: 24 }, () => round(base + Math.random() * 3, 1)),
    note: '',
  }
  const bare = Buffer.byteLength(JSON.stringify(body))
  let note = ''
  while (note.length < RECORD_BYTES - bare) note += `${pick(WORDS)} `
  body.note = note.slice(0, RECORD_BYTES - bare)
  const bytes = Buffer.from(JSON.stringify(body))
  if (bytes.length !== RECORD_BYTES) throw new Error(`record is ${bytes.length} bytes`)
  return bytes
}

function sensorBatches(): PutRecordsRequestEntry[][] {
  let seq = 0
  return Array.from({ length: FILL_BATCHES }, () =>
    Array.from({ length: RECORDS_PER_CALL }, () => ({
      Data: sensorReading(seq++),
      PartitionKey: `pk-${Math.floor(Math.random() * 1e9)}`,
    })),
  )
}

/**
 * Fills the stream with `tributary serve` and stops it. The cases start no earlier than
 * `dueAt`: every buffer of the backlog is then past its interval (first arrival + 60 s), so what
 * is measured is how fast the backlog reaches the lake, not how long a buffer waits to be due.
 */
export async function fillDeliverySource(run: DeliveryRun, records: number): Promise<DeliverySource> {
  const dataDir = scratchDir(tmpdir(), 'tributary-bench-')
  const serve = await startServer('tributary', { tributaryRoot: run.root, dataDir })
  const client = makeClient(serve.endpoint)
  try {
    await createStream(client, STREAM, SHARDS)
    run.log(`delivery: filling ${records} records of sensor JSON`)
    const lastSequence = new Map<string, bigint>()
    const fillRecordsPerSec = await fill(
      client,
      STREAM,
      records,
      sensorBatches(),
      FILL_CONCURRENCY,
      (out) => {
        for (const r of out.Records ?? []) {
          const seq = BigInt(r.SequenceNumber!)
          if (seq > (lastSequence.get(r.ShardId!) ?? -1n)) lastSequence.set(r.ShardId!, seq)
        }
      },
    )
    return {
      dataDir,
      records,
      fillRecordsPerSec,
      lastSequence,
      dueAt: performance.now() + INTERVAL_S * 1000 + 1500,
    }
  } catch (e) {
    removeDir(dataDir)
    throw e
  } finally {
    client.destroy()
    await serve.stop()
  }
}

export function removeDeliverySource(source: DeliverySource): void {
  removeDir(source.dataDir)
}

/** `…-shardId-000000000001-<first sequence number>-<last sequence number>.<extension>` */
const OBJECT_RANGE = /-(shardId-\d{12})-(\d+)-(\d+)\.[^/]*$/

/**
 * Watches a bucket's directory for new files (names only, cheap: the server is being measured)
 * and, after the window, reads each file once and counts its records.
 */
class LakeCounter {
  readonly #seen = new Set<string>()
  /** Per shard, the highest last sequence number among the data files seen. */
  readonly #reached = new Map<string, bigint>()
  data = 0
  errors = 0
  dataFiles = 0
  errorFiles = 0
  fileBytes = 0
  readonly keys: string[] = []

  constructor(readonly dir: string) {}

  /** True when a new file was found. */
  scan(): boolean {
    let found = false
    let names: string[]
    try {
      names = readdirSync(this.dir, { recursive: true, encoding: 'utf8' })
    } catch {
      return false
    }
    for (const name of names) {
      if (this.#seen.has(name) || !statSync(join(this.dir, name)).isFile()) continue
      this.#seen.add(name)
      this.keys.push(name)
      found = true
      const range = name.startsWith('errors/') ? null : OBJECT_RANGE.exec(name)
      if (range) {
        const last = BigInt(range[3]!)
        if (last > (this.#reached.get(range[1]!) ?? -1n)) this.#reached.set(range[1]!, last)
      }
    }
    return found
  }

  /** Whether a data file ending with each shard's last record has appeared. */
  reached(lastSequence: ReadonlyMap<string, bigint>): boolean {
    for (const [shard, last] of lastSequence) if ((this.#reached.get(shard) ?? -1n) < last) return false
    return true
  }

  /** Reads every file seen and counts its records (gunzipped lines, Parquet footer rows). */
  count(): void {
    for (const name of this.keys) {
      const body = readFileSync(join(this.dir, name))
      const records = name.endsWith('.parquet')
        ? Number(parquetMetadata(body.buffer.slice(body.byteOffset, body.byteOffset + body.length)).num_rows)
        : lines(name.endsWith('.gz') ? gunzipSync(body) : body)
      if (name.startsWith('errors/')) {
        this.errors += records
        this.errorFiles++
      } else {
        this.data += records
        this.dataFiles++
        this.fileBytes += body.length
      }
    }
  }
}

function lines(body: Buffer): number {
  let n = 0
  for (let at = body.indexOf(10); at >= 0; at = body.indexOf(10, at + 1)) n++
  return n
}

/**
 * Runs one case on a fresh `tributary dev` over the filled data dir: starts it, polls the bucket
 * until a file ends with each shard's last record, counts the records of the files, stops it.
 */
export async function deliveryCase(
  run: DeliveryRun,
  source: DeliverySource,
  name: DeliveryCaseName,
): Promise<DeliveryResult> {
  const c = CASES[name]
  const delivery = `bench-${name}`
  const pipeline = writeDeliveryPipeline(run.root, {
    stream: STREAM,
    shards: SHARDS,
    bucket: c.bucket,
    delivery,
    config: {
      ...c.config,
      bufferingHints: { sizeInMBs: SIZE_MB, intervalInSeconds: INTERVAL_S },
      startingPosition: 'TRIM_HORIZON',
    },
    catalog: c.catalog,
  })
  const wait = source.dueAt - performance.now()
  if (wait > 0) {
    run.log(
      `delivery: waiting ${(wait / 1000).toFixed(0)} s until every buffer is past its ${INTERVAL_S} s interval`,
    )
    await sleep(wait)
  }
  const lake = new LakeCounter(join(source.dataDir, 'lake', c.bucket))
  try {
    run.log(`delivery ${name}: starting tributary dev`)
    const spawnedAt = performance.now()
    const dev = await startDev({
      root: run.root,
      pipelineFile: pipeline.file,
      dataDir: source.dataDir,
      cpuProfDir: run.cpuProfDir,
    })
    let a: Snapshot
    let b: Snapshot
    let firstFileAt = Number.NaN
    try {
      a = snapshot(dev.pid)
      let lastProgress = performance.now()
      for (;;) {
        const found = lake.scan()
        const now = performance.now()
        if (found) {
          lastProgress = now
          if (Number.isNaN(firstFileAt)) firstFileAt = now
        }
        if (lake.reached(source.lastSequence) || now - lastProgress > STALL_MS) break
        await sleep(POLL_MS)
      }
      b = snapshot(dev.pid)
      lake.count()
    } catch (e) {
      await dev.stop()
      throw e
    }
    const peakRssKiB = await dev.stop()
    const cpu = windowCpu(a, b)
    const deliverMs = b.t - a.t
    const endToEndMs = b.t - spawnedAt
    return {
      name,
      label: c.label,
      records: source.records,
      delivered: lake.data,
      errorRecords: lake.errors,
      dataFiles: lake.dataFiles,
      errorFiles: lake.errorFiles,
      fileBytes: lake.fileBytes,
      inputBytes: lake.data * (RECORD_BYTES + (name === 'ndjson-gzip' ? 1 : 0)),
      endToEndMs,
      deliverMs,
      firstFileMs: firstFileAt - a.t,
      recordsPerSec: (lake.data * 1000) / deliverMs,
      endToEndRecordsPerSec: (lake.data * 1000) / endToEndMs,
      fillRecordsPerSec: source.fillRecordsPerSec,
      sampleKeys: lake.keys.slice(0, 2).map((k) => `${c.bucket}/${k}`),
      startupCpuMs: a.serverCpuMs,
      totalCpuMs: b.serverCpuMs,
      startMs: dev.startMs,
      output: dev.output,
      peakRssKiB,
      cpu,
      serverCpuPer1k: cpu.serverCpuMs / (source.records / 1000),
    }
  } finally {
    removeDir(pipeline.dir)
  }
}

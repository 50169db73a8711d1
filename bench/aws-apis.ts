// The aws-apis group: S3, DynamoDB and SQS operations through the AWS SDK v3 clients, against
// `tributary dev` (sync always) and, in the same run, the npm emulators of those APIs: s3rver for
// S3 and dynalite for DynamoDB, both persisting to disk (no npm SQS emulator persists; SQS is
// measured on Tributary alone). Every case is a closed loop of `concurrency` workers, each sending
// its next request when the last one is answered, for a warm-up and a measured window; the peer
// runs a case first, then Tributary. Servers are child processes; their CPU comes from /proc.
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import http from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  type AttributeValue,
  BatchWriteItemCommand,
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
} from '@aws-sdk/client-dynamodb'
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3'
import {
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs'
import { NodeHttpHandler } from '@smithy/node-http-handler'
import { startDev } from './dev-server.ts'
import { writeQueuePipeline } from './pipelines.ts'
import { statusKiB } from './proc.ts'
import {
  freePort,
  live,
  ROOT,
  removeDir,
  scratchDir,
  stopChild,
  waitForLine,
  withRetries,
} from './servers.ts'
import { percentile, sleep } from './stats.ts'
import { type Snapshot, snapshot, type WindowCpu, windowCpu } from './window.ts'

export type AwsPeer = 's3rver' | 'dynalite'
export type AwsServer = AwsPeer | 'tributary'
export type AwsService = 'S3' | 'DynamoDB' | 'SQS'

export const PEER_OF: Record<Exclude<AwsService, 'SQS'>, AwsPeer> = { S3: 's3rver', DynamoDB: 'dynalite' }

export interface OpResult {
  /** Operations answered inside the measured window. */
  ops: number
  opsPerSec: number
  /** Object or message bytes moved per second (payload only). */
  mbPerSec: number
  p50: number
  p99: number
  errors: number
  firstError?: string
  /** Server CPU (user + system, from /proc) per operation, ms. */
  serverCpuPerOp: number
  cpu: WindowCpu
  /** SQS receive: the queue ran empty before the window's end, and the window was cut there. */
  ranDry?: boolean
}

export interface AwsCase {
  service: AwsService
  op: string
  concurrency: number
  /** The emulator's figures (none for SQS). */
  peer?: OpResult
  tributary: OpResult
}

export interface AwsApisOptions {
  root: string
  cpuProfDir?: string
  log: (msg: string) => void
  timing: { warmupMs: number; measureMs: number }
  concurrency: number[]
  /** Messages waiting in the queue when a receive case starts. */
  sqsFill: number
}

export interface AwsApisResult {
  cases: AwsCase[]
  /** Peak RSS (VmHWM) per server process over the whole group, KiB. */
  peakRssKiB: Partial<Record<AwsServer, number>>
  tributarySync: string
  /** Where each Tributary case's measured window was (monotonic µs), to cut profiles. */
  windows: { label: string; from: number; to: number }[]
}

const BUCKET = 'bench-aws-apis'
const TABLE = 'bench'
const QUEUE = 'bench-queue'
const KIB = 1024
const MIB = 1024 * 1024
const GET_OBJECTS = { '1 KiB': 64, '1 MiB': 32 }
/** Put keys rotate per worker (bounded disk use): how many per worker for each size. */
const PUT_KEYS = { '1 KiB': 64, '1 MiB': 4 }
const QUERY_PARTITIONS = 50
const ITEMS_PER_PARTITION = 10
const SQS_BODY = 'm'.repeat(KIB)

interface Proc {
  kind: AwsServer
  pid: number
  endpoint: string
  stop(): Promise<number | undefined>
}

/** s3rver or dynalite on a fresh directory (deleted on stop). */
function startPeer(kind: AwsPeer): Promise<Proc> {
  return withRetries(kind, async () => {
    const port = await freePort()
    const dir = scratchDir(tmpdir(), `${kind}-bench-`)
    const child = spawn(
      process.execPath,
      [join(ROOT, 'bench/aws-peer-server.cjs'), kind, String(port), join(dir, 'data')],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
    )
    live.add(child)
    try {
      await waitForLine(child, `${kind} listening`)
    } catch (e) {
      await stopChild(child)
      removeDir(dir)
      throw e
    }
    const pid = child.pid!
    return {
      kind,
      pid,
      endpoint: `http://127.0.0.1:${port}`,
      async stop() {
        const peak = statusKiB(pid, 'VmHWM')
        await stopChild(child)
        removeDir(dir)
        return peak
      },
    }
  })
}

/** `tributary dev` on a pipeline with one queue, on a fresh data dir (deleted on stop). */
async function startTributary(o: AwsApisOptions): Promise<Proc> {
  const pipeline = writeQueuePipeline(o.root, QUEUE)
  const dataDir = scratchDir(tmpdir(), 'tributary-bench-')
  try {
    const dev = await startDev({
      root: o.root,
      pipelineFile: pipeline.file,
      dataDir,
      cpuProfDir: o.cpuProfDir,
    })
    return {
      kind: 'tributary',
      pid: dev.pid,
      endpoint: dev.endpoint,
      async stop() {
        const peak = await dev.stop()
        if (dev.output.total) o.log(`tributary dev said: ${dev.output.lines.join(' | ')}`)
        removeDir(pipeline.dir)
        removeDir(dataDir)
        return peak
      },
    }
  } catch (e) {
    removeDir(pipeline.dir)
    removeDir(dataDir)
    throw e
  }
}

/**
 * The client settings every server gets: keep-alive HTTP/1.1 (64 sockets), no retries (errors
 * must show in the numbers), and s3rver's fixed credentials (s3rver verifies signatures against
 * them; dynalite and Tributary without --auth accept any).
 */
function clientConfig(endpoint: string) {
  return {
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    maxAttempts: 1,
    requestHandler: new NodeHttpHandler({ httpAgent: new http.Agent({ keepAlive: true, maxSockets: 64 }) }),
  }
}

/**
 * S3 clients for both servers: path-style, and checksums only where an operation requires them.
 * s3rver needs the latter (with the SDK's default, WHEN_SUPPORTED, it stores the aws-chunked
 * framing as the object); Tributary gets the same settings so both see the same requests.
 */
export const S3_CLIENT_SETTINGS = {
  forcePathStyle: true,
  requestChecksumCalculation: 'WHEN_REQUIRED',
  responseChecksumValidation: 'WHEN_REQUIRED',
} as const

interface Clients {
  s3: S3Client
  ddb: DynamoDBClient
  sqs: SQSClient
  destroy(): void
}

function clients(endpoint: string): Clients {
  const s3 = new S3Client({ ...clientConfig(endpoint), ...S3_CLIENT_SETTINGS })
  const ddb = new DynamoDBClient(clientConfig(endpoint))
  const sqs = new SQSClient(clientConfig(endpoint))
  return {
    s3,
    ddb,
    sqs,
    destroy() {
      s3.destroy()
      ddb.destroy()
      sqs.destroy()
    },
  }
}

/** One operation: resolves to the payload bytes it moved, or false when there is nothing left. */
type Op = (worker: number, i: number) => Promise<number | false>

interface Done {
  end: number
  ms: number
  bytes: number
}

/**
 * `concurrency` workers run `op` back to back for warm-up + window. Only operations answered
 * inside the window count; the window's edges are where the CPU snapshots were taken. A worker
 * whose op returns false stops, and when all have stopped the window ends there.
 */
async function closedLoop(
  pid: number,
  concurrency: number,
  timing: AwsApisOptions['timing'],
  op: Op,
): Promise<OpResult> {
  const done: Done[] = []
  const failed: number[] = []
  let firstError: string | undefined
  let dry = false
  const t0 = performance.now()
  const stopAt = t0 + timing.warmupMs + timing.measureMs
  let a: Snapshot | undefined
  let b: Snapshot | undefined
  const timerA = setTimeout(() => {
    a = snapshot(pid)
  }, timing.warmupMs)
  const timerB = setTimeout(() => {
    b ??= snapshot(pid)
  }, timing.warmupMs + timing.measureMs)
  const worker = async (w: number) => {
    for (let i = 0; performance.now() < stopAt && !dry; i++) {
      const start = performance.now()
      try {
        const bytes = await op(w, i)
        if (bytes === false) {
          dry = true
          return
        }
        const end = performance.now()
        done.push({ end, ms: end - start, bytes })
      } catch (e) {
        failed.push(performance.now())
        firstError ??= String(e)
        // A server that fails fast must not turn the loop into a busy spin.
        await sleep(1)
      }
    }
  }
  await Promise.all(Array.from({ length: concurrency }, (_, w) => worker(w)))
  clearTimeout(timerA)
  clearTimeout(timerB)
  if (!a) throw new Error(dry ? 'ran out of work during the warm-up' : 'the window never started')
  b ??= snapshot(pid)
  const from = a.t
  const to = b.t
  const inside = done.filter((d) => d.end >= from && d.end <= to)
  const cpu = windowCpu(a, b)
  const ops = inside.length
  return {
    ops,
    opsPerSec: ops / cpu.seconds,
    mbPerSec: inside.reduce((s, d) => s + d.bytes, 0) / 1e6 / cpu.seconds,
    p50: percentile(
      inside.map((d) => d.ms),
      50,
    ),
    p99: percentile(
      inside.map((d) => d.ms),
      99,
    ),
    errors: failed.filter((t) => t >= from && t <= to).length,
    firstError,
    serverCpuPerOp: cpu.serverCpuMs / ops,
    cpu,
    ranDry: dry || undefined,
  }
}

// --- S3 ---------------------------------------------------------------------------------------

const BODIES = { '1 KiB': randomBytes(KIB), '1 MiB': randomBytes(MIB) }
type Size = keyof typeof BODIES

async function s3Setup(c: Clients): Promise<void> {
  await c.s3.send(new CreateBucketCommand({ Bucket: BUCKET }))
  for (const size of Object.keys(BODIES) as Size[]) {
    const keys = Array.from({ length: GET_OBJECTS[size] }, (_, n) => getKey(size, n))
    await inParallel(8, keys, (Key) =>
      c.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key, Body: BODIES[size] })),
    )
  }
}

const tag = (size: Size) => (size === '1 KiB' ? '1k' : '1m')
const getKey = (size: Size, n: number) => `get-${tag(size)}/${String(n).padStart(4, '0')}`

function putObject(c: Clients, size: Size): Op {
  const body = BODIES[size]
  return async (w, i) => {
    const Key = `put-${tag(size)}/w${w}/${i % PUT_KEYS[size]}`
    await c.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key, Body: body }))
    return body.length
  }
}

function getObject(c: Clients, size: Size): Op {
  const n = GET_OBJECTS[size]
  return async (w, i) => {
    const out = await c.s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: getKey(size, (w * 7 + i) % n) }))
    const bytes = await out.Body!.transformToByteArray()
    if (bytes.length !== BODIES[size].length)
      throw new Error(`GetObject returned ${bytes.length} bytes, expected ${BODIES[size].length}`)
    return bytes.length
  }
}

// --- DynamoDB ---------------------------------------------------------------------------------

const PAYLOAD = 'x'.repeat(200)
const item = (pk: string, sk: string, n: number): Record<string, AttributeValue> => ({
  pk: { S: pk },
  sk: { S: sk },
  payload: { S: PAYLOAD },
  n: { N: String(n) },
  ok: { BOOL: true },
})
const ITEM_BYTES = JSON.stringify(item('put-w00', '000000', 0)).length
const partition = (p: number) => `q-${String(p).padStart(3, '0')}`
const sortKey = (k: number) => String(k).padStart(6, '0')

async function ddbSetup(c: Clients): Promise<void> {
  await c.ddb.send(
    new CreateTableCommand({
      TableName: TABLE,
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      AttributeDefinitions: [
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'S' },
      ],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  )
  for (let tries = 0; ; tries++) {
    const d = await c.ddb.send(new DescribeTableCommand({ TableName: TABLE }))
    if (d.Table?.TableStatus === 'ACTIVE') break
    if (tries > 500) throw new Error(`table ${TABLE} did not become ACTIVE`)
    await sleep(10)
  }
  const items = Array.from({ length: QUERY_PARTITIONS * ITEMS_PER_PARTITION }, (_, n) =>
    item(partition(Math.floor(n / ITEMS_PER_PARTITION)), sortKey(n % ITEMS_PER_PARTITION), n),
  )
  const batches = Array.from({ length: Math.ceil(items.length / 25) }, (_, b) =>
    items.slice(b * 25, b * 25 + 25),
  )
  await inParallel(4, batches, async (batch) => {
    const out = await c.ddb.send(
      new BatchWriteItemCommand({
        RequestItems: { [TABLE]: batch.map((Item) => ({ PutRequest: { Item } })) },
      }),
    )
    if (Object.keys(out.UnprocessedItems ?? {}).length)
      throw new Error('BatchWriteItem left items unprocessed')
  })
}

function putItem(c: Clients): Op {
  return async (w, i) => {
    await c.ddb.send(new PutItemCommand({ TableName: TABLE, Item: item(`put-w${w}`, sortKey(i), i) }))
    return ITEM_BYTES
  }
}

function getItem(c: Clients): Op {
  return async (w, i) => {
    const k = w * 37 + i
    const out = await c.ddb.send(
      new GetItemCommand({
        TableName: TABLE,
        Key: { pk: { S: partition(k % QUERY_PARTITIONS) }, sk: { S: sortKey(k % ITEMS_PER_PARTITION) } },
      }),
    )
    if (!out.Item) throw new Error('GetItem found no item')
    return ITEM_BYTES
  }
}

function query(c: Clients): Op {
  return async (w, i) => {
    const out = await c.ddb.send(
      new QueryCommand({
        TableName: TABLE,
        KeyConditionExpression: 'pk = :p',
        ExpressionAttributeValues: { ':p': { S: partition((w * 37 + i) % QUERY_PARTITIONS) } },
      }),
    )
    if (out.Count !== ITEMS_PER_PARTITION) throw new Error(`Query returned ${out.Count} items`)
    return ITEMS_PER_PARTITION * ITEM_BYTES
  }
}

// --- SQS (Tributary only) ---------------------------------------------------------------------

function sendMessage(c: Clients, QueueUrl: string): Op {
  return async () => {
    await c.sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: SQS_BODY }))
    return SQS_BODY.length
  }
}

/** ReceiveMessage (one message, no wait) then DeleteMessage of what it got: one op. */
function receiveDelete(c: Clients, QueueUrl: string): Op {
  return async () => {
    const out = await c.sqs.send(
      new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 1, WaitTimeSeconds: 0 }),
    )
    const m = out.Messages?.[0]
    if (!m) return false
    await c.sqs.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: m.ReceiptHandle! }))
    return m.Body?.length ?? 0
  }
}

/** Sends messages (batches of 10) until the queue holds at least `fill`. */
async function topUp(c: Clients, QueueUrl: string, fill: number): Promise<void> {
  const attrs = await c.sqs.send(
    new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['ApproximateNumberOfMessages'] }),
  )
  const have = Number(attrs.Attributes?.ApproximateNumberOfMessages ?? 0)
  const calls = Math.ceil(Math.max(0, fill - have) / 10)
  await inParallel(
    16,
    Array.from({ length: calls }, (_, n) => n),
    async (n) => {
      const out = await c.sqs.send(
        new SendMessageBatchCommand({
          QueueUrl,
          Entries: Array.from({ length: 10 }, (_, e) => ({ Id: `m${n}-${e}`, MessageBody: SQS_BODY })),
        }),
      )
      if (out.Failed?.length) throw new Error(`SendMessageBatch failed: ${JSON.stringify(out.Failed[0])}`)
    },
  )
}

async function inParallel<T>(n: number, items: T[], f: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0
  await Promise.all(
    Array.from({ length: Math.min(n, items.length) }, async () => {
      while (next < items.length) await f(items[next++]!)
    }),
  )
}

// --- the group --------------------------------------------------------------------------------

interface CaseSpec {
  service: AwsService
  op: string
  make: (c: Clients, queueUrl: string) => Op
  /** Run before each server's run of the case (the SQS receive cases fill the queue). */
  before?: (c: Clients, queueUrl: string) => Promise<void>
}

function cases(o: AwsApisOptions): CaseSpec[] {
  return [
    { service: 'S3', op: 'PutObject 1 KiB', make: (c) => putObject(c, '1 KiB') },
    { service: 'S3', op: 'GetObject 1 KiB', make: (c) => getObject(c, '1 KiB') },
    { service: 'S3', op: 'PutObject 1 MiB', make: (c) => putObject(c, '1 MiB') },
    { service: 'S3', op: 'GetObject 1 MiB', make: (c) => getObject(c, '1 MiB') },
    { service: 'DynamoDB', op: 'PutItem', make: (c) => putItem(c) },
    { service: 'DynamoDB', op: 'GetItem', make: (c) => getItem(c) },
    { service: 'DynamoDB', op: `Query (${ITEMS_PER_PARTITION} items)`, make: (c) => query(c) },
    { service: 'SQS', op: 'SendMessage 1 KiB', make: (c, q) => sendMessage(c, q) },
    {
      service: 'SQS',
      op: 'ReceiveMessage + DeleteMessage',
      make: (c, q) => receiveDelete(c, q),
      before: (c, q) => topUp(c, q, o.sqsFill),
    },
  ]
}

export async function awsApis(o: AwsApisOptions): Promise<AwsApisResult> {
  const result: AwsApisResult = { cases: [], peakRssKiB: {}, tributarySync: 'sync: always', windows: [] }
  const procs: Proc[] = []
  const open: Clients[] = []
  try {
    for (const kind of ['s3rver', 'dynalite'] as const) procs.push(await startPeer(kind))
    procs.push(await startTributary(o))
    const [s3rver, dynalite, tributary] = procs as [Proc, Proc, Proc]
    o.log(
      `aws-apis: s3rver pid ${s3rver.pid}, dynalite pid ${dynalite.pid}, tributary dev pid ${tributary.pid}`,
    )
    const on = {
      s3rver: clients(s3rver.endpoint),
      dynalite: clients(dynalite.endpoint),
      tributary: clients(tributary.endpoint),
    }
    open.push(on.s3rver, on.dynalite, on.tributary)
    o.log('aws-apis: creating the bucket and the table, putting the objects and items to read')
    for (const c of [on.s3rver, on.tributary]) await s3Setup(c)
    for (const c of [on.dynalite, on.tributary]) await ddbSetup(c)
    const { QueueUrl } = await on.tributary.sqs.send(new GetQueueUrlCommand({ QueueName: QUEUE }))
    const proc = { s3rver, dynalite, tributary }
    for (const spec of cases(o)) {
      for (const concurrency of o.concurrency) {
        const run = async (server: AwsServer): Promise<OpResult> => {
          const c = on[server]
          await spec.before?.(c, QueueUrl!)
          const r = await closedLoop(proc[server].pid, concurrency, o.timing, spec.make(c, QueueUrl!))
          o.log(
            `${spec.service} ${spec.op} c=${concurrency} ${server}: ${Math.round(r.opsPerSec)} ops/s, ` +
              `p50 ${r.p50.toFixed(2)} ms, p99 ${r.p99.toFixed(2)} ms, ${r.serverCpuPerOp.toFixed(3)} CPU-ms/op` +
              (r.errors ? `, ${r.errors} errors (${r.firstError})` : '') +
              (r.ranDry ? ', queue ran empty' : ''),
          )
          if (server === 'tributary')
            result.windows.push({
              label: `${spec.service} ${spec.op}, ${concurrency} in flight`,
              from: r.cpu.monoFrom,
              to: r.cpu.monoTo,
            })
          return r
        }
        const peer = spec.service === 'SQS' ? undefined : await run(PEER_OF[spec.service])
        const t = await run('tributary')
        result.cases.push({ service: spec.service, op: spec.op, concurrency, peer, tributary: t })
      }
    }
  } finally {
    for (const c of open) c.destroy()
    for (const p of procs) {
      const peak = await p.stop()
      if (peak !== undefined) result.peakRssKiB[p.kind] = peak
    }
  }
  return result
}

import { mkdtempSync, rmSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { onTestFinished } from 'vitest'
import type { BindingUse } from '../../src/functions/binding-usage.ts'
import { kinesisMappingSchema } from '../../src/functions/kinesis/config.ts'
import { sqsMappingSchema } from '../../src/functions/sqs/config.ts'
import { type Pipeline, pipelineSchema } from '../../src/pipeline/schema.ts'
import { TableService } from '../../src/services/tables/table-service.ts'
import { StateStore } from '../../src/storage/state/state-store.ts'
import { createDashboardRoutes, type DashboardOptions, type DashboardRoutes } from '../../src/web/index.ts'
import { tableReader } from '../../src/web/runtime-tables.ts'
import type { DashboardAlarm, DashboardSource, PeekedMessageView, TailRecord } from '../../src/web/source.ts'

/**
 * The pipeline the dashboard tests draw: tick → generate → ingest → enrich → metadata, ingest →
 * archive → lake, a queue with its DLQ, the mapping's failure queue, and an alarm on enrich that
 * notifies a topic.
 */
export function testPipeline(): Pipeline {
  const base = pipelineSchema.parse({
    name: 'telemetry',
    streams: { ingest: { shardCount: 2 } },
    functions: {
      enrich: { handler: 'h.enrich', writes: [{ table: 'metadata' }] },
      generate: { handler: 'h.generate', writes: [{ stream: 'ingest' }] },
    },
    queues: {
      work: { deadLetterQueue: { queue: 'work-dlq', maxReceiveCount: 3 } },
      'work-dlq': {},
      'enrich-failures': {},
    },
    topics: { alerts: {} },
    schedules: { tick: { schedule: 'rate(1 minute)', function: 'generate', input: { queue: 'not-a-ref' } } },
    buckets: { lake: {} },
    tables: { metadata: { partitionKey: 'id' }, readings: { partitionKey: 'device', sortKey: 'ts' } },
    deliveries: { archive: { stream: 'ingest', bucket: 'lake', prefix: 'raw/' } },
    alarms: {
      EnrichErrors: {
        metric: {
          namespace: 'AWS/Lambda',
          name: 'Errors',
          dimensions: { FunctionName: 'enrich' },
          stat: 'Sum',
        },
        period: 60,
        evaluationPeriods: 1,
        comparisonOperator: 'GreaterThanThreshold',
        threshold: 0,
        actions: { alarm: ['alerts'] },
      },
    },
  })
  return {
    ...base,
    mappings: [
      kinesisMappingSchema.parse({
        function: 'enrich',
        stream: 'ingest',
        startingPosition: 'LATEST',
        destinationConfig: { onFailure: { queue: 'enrich-failures' } },
      }),
      sqsMappingSchema.parse({ function: 'enrich', queue: 'work' }),
    ],
  }
}

export interface FakeSource extends DashboardSource {
  setAlarm(name: string, state: DashboardAlarm['state'], reason?: string): void
  addMessage(queue: string, body: string, sourceQueue?: string): void
  messages(queue: string): PeekedMessageView[]
  emit(stream: string, records: TailRecord[]): void
  tailListeners(): number
  objects: Map<string, Buffer>
  /** Value every metric series reports for any second. */
  metricValue: number
  /** Observed binding use, as the runtime would report it. */
  uses: BindingUse[]
  /** The pipeline's tables, real ones over a state store in a temporary directory. */
  table(name: string): TableService
  /** Closes the state store and removes its directory. */
  dispose(): void
}

let messageCounter = 0

/** A dashboard source over plain objects whose state each test controls. */
export function fakeSource(): FakeSource {
  const alarms = new Map<string, DashboardAlarm>()
  const history = new Map<string, Array<{ timestamp: number; newState: string; summary: string }>>()
  const queues = new Map<string, PeekedMessageView[]>([
    ['work', []],
    ['work-dlq', []],
    ['enrich-failures', []],
  ])
  const listeners = new Map<string, Set<(r: TailRecord[]) => void>>()
  const objects = new Map<string, Buffer>()
  const stateDir = mkdtempSync(join(tmpdir(), 'tributary-dashboard-'))
  const store = StateStore.open(join(stateDir, 'state.db'))
  const source: FakeSource = {
    objects,
    metricValue: 5,
    uses: [],
    bindingUse: () => source.uses,
    tables: tableReader(store, () => testPipeline().tables),
    table: (name) => new TableService(store, name, testPipeline().tables[name]!),
    dispose() {
      store.close()
      rmSync(stateDir, { recursive: true, force: true })
    },
    pipeline: testPipeline,
    metrics: {
      series: (): ReturnType<DashboardSource['metrics']['series']> => [
        { namespace: 'AWS/Kinesis', name: 'IncomingRecords', dimensions: { StreamName: 'ingest' } },
        { namespace: 'AWS/Lambda', name: 'Errors', dimensions: { FunctionName: 'enrich' } },
        { namespace: 'AWS/Lambda', name: 'Duration', dimensions: { FunctionName: 'enrich' } },
      ],
      query: (q) => [{ timestamp: q.start, value: source.metricValue }],
    },
    alarms: {
      list: () => [...alarms.values()],
      history: (name, limit = 100) =>
        (history.get(name) ?? []).slice(0, limit).map((h) => ({
          name,
          timestamp: h.timestamp,
          type: 'StateUpdate' as const,
          summary: h.summary,
          oldState: undefined,
          newState: h.newState as DashboardAlarm['state'],
          reason: h.summary,
          data: undefined,
        })),
    },
    queues: {
      list: () =>
        [...queues].map(([name, messages]) => ({
          name,
          depth: { visible: messages.length, inFlight: 0, delayed: 0, oldestAgeMs: 0 },
        })),
      peek: (queue, options) => {
        const messages = queues.get(queue)
        if (!messages)
          throw Object.assign(new Error('The specified queue does not exist.'), { name: 'QueueDoesNotExist' })
        return { messages: messages.slice(0, options.limit ?? 100) }
      },
      redrive: (dlq, options) => {
        const messages = queues.get(dlq) ?? []
        let moved = 0
        let skipped = 0
        for (const m of messages.splice(0)) {
          const target = options.destination ?? m.sourceQueue
          if (target && queues.has(target)) {
            queues.get(target)!.push({ ...m, sourceQueue: undefined, receiveCount: 0 })
            moved++
          } else {
            messages.push(m)
            skipped++
          }
        }
        return { moved, skipped }
      },
    },
    tail: (stream, listener) => {
      const set = listeners.get(stream) ?? new Set()
      listeners.set(stream, set)
      set.add(listener)
      return () => set.delete(listener)
    },
    lake: {
      buckets: () => ['lake'],
      listObjects: async (bucket, { prefix = '', delimiter }) => {
        if (bucket !== 'lake') throw Object.assign(new Error('no bucket'), { name: 'NoSuchBucket' })
        const keys = [...objects.keys()].filter((k) => k.startsWith(prefix)).sort()
        const commonPrefixes = new Set<string>()
        const found = []
        for (const key of keys) {
          const rest = key.slice(prefix.length)
          const cut = delimiter ? rest.indexOf(delimiter) : -1
          if (cut >= 0) commonPrefixes.add(prefix + rest.slice(0, cut + 1))
          else found.push({ key, size: objects.get(key)!.length, lastModified: 0 })
        }
        return { objects: found, commonPrefixes: [...commonPrefixes], isTruncated: false }
      },
      getObject: async (_bucket, key) => {
        const body = objects.get(key)
        if (!body) throw Object.assign(new Error('The specified key does not exist.'), { name: 'NoSuchKey' })
        return { body, size: body.length, contentType: 'application/octet-stream', lastModified: 0 }
      },
    },
    query: async (sql) => {
      if (/syntax error/i.test(sql))
        throw Object.assign(new Error('Parser Error: syntax error'), {
          detail: 'Parser Error: syntax error at "error"',
        })
      return {
        columns: [
          { name: 'device', type: 'VARCHAR' },
          { name: 'n', type: 'BIGINT' },
        ],
        rows: [
          ['sensor-1', 3],
          ['sensor-2', 7],
        ],
        rowCount: 2,
        truncated: false,
      }
    },
    setAlarm(name, state, reason = `Threshold crossed: ${state}`) {
      const now = Date.now()
      alarms.set(name, {
        name,
        state,
        reason,
        updatedAt: now,
        config: { metric: { dimensions: { FunctionName: 'enrich' } } },
      })
      history.set(name, [
        { timestamp: now, newState: state, summary: `Alarm updated to ${state}` },
        ...(history.get(name) ?? []),
      ])
    },
    addMessage(queue, body, sourceQueue) {
      queues.get(queue)!.push({
        messageId: `m-${++messageCounter}`,
        body,
        state: 'visible',
        sentAt: Date.now(),
        receiveCount: 3,
        sourceQueue,
      })
    },
    messages: (queue) => queues.get(queue) ?? [],
    emit(stream, records) {
      for (const l of listeners.get(stream) ?? []) l(records)
    },
    tailListeners: () => [...listeners.values()].reduce((n, s) => n + s.size, 0),
  }
  return source
}

export interface Served {
  url: string
  dashboard: DashboardRoutes
  server: Server
  close(): Promise<void>
}

/**
 * The dashboard routes on a plain node:http server on a random loopback port, closed after the
 * test (or, with `manual`, by the caller: for a server shared by a file).
 */
export async function serveDashboard(
  source: DashboardSource & { dispose?(): void },
  options: DashboardOptions = {},
  manual = false,
): Promise<Served> {
  const dashboard = createDashboardRoutes(source, options)
  const server = createServer(async (req, res) => {
    for (const route of dashboard.routes) if (await route(req, res)) return
    res.writeHead(418).end('not the dashboard')
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  const close = async () => {
    dashboard.close()
    server.closeAllConnections()
    await new Promise((resolve) => server.close(resolve))
    source.dispose?.()
  }
  if (!manual) onTestFinished(close)
  return { url, dashboard, server, close }
}

/** One binding use, as the runtime records the first call of a function on a resource. */
export const use = (fn: string, kind: string, resource: string, access: 'read' | 'write'): BindingUse => ({
  function: fn,
  kind,
  resource,
  access,
  firstAt: 0,
  count: 1,
  recent: 1,
})

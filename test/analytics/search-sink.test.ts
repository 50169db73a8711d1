/**
 * The search-index sink (Flink's `elasticsearch-7` / `opensearch` connectors): documents keyed by
 * the primary key as Flink keys them, read back with the OpenSearch JS client, across a restart
 * and a redelivered outbox without duplicates; and its configuration errors.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Client } from '@opensearch-project/opensearch'
import { describe, expect, it, onTestFinished } from 'vitest'
import { AnalyticsOperator, type Batch } from '../../src/analytics/operator.ts'
import { deliver } from '../../src/analytics/sinks.ts'
import { compileProgram } from '../../src/analytics/sql/program.ts'
import { PipelineRuntime } from '../../src/pipeline/runtime.ts'
import { PipelineError, validatePipeline } from '../../src/pipeline/validate.ts'
import { SearchIndexes } from '../../src/search/indexes.ts'
import { countIndex, searchIndex } from '../../src/search/search.ts'
import { SearchIndexesToken } from '../../src/search/tokens.ts'
import { ManualClock, startPipeline } from '../../src/testing/index.ts'
import { at, source, T0 } from './harness.ts'

const sink = (columns: string, options = '') => `
CREATE TABLE per_zone (${columns}) WITH (
  'connector' = 'elasticsearch-7', 'hosts' = 'http://127.0.0.1:4567', 'index' = 'zone-stats'${options}
);`

const KEYED = `${source()}${sink(
  'zone STRING, window_start TIMESTAMP(3), window_end TIMESTAMP(3), trips BIGINT, total DECIMAL(12,2), PRIMARY KEY (zone, window_start) NOT ENFORCED',
  ", 'json.timestamp-format.standard' = 'ISO-8601'",
)}
INSERT INTO per_zone
SELECT zone, window_start, window_end, COUNT(*), SUM(fare)
FROM TABLE(TUMBLE(TABLE trips, DESCRIPTOR(ts), INTERVAL '1' MINUTE))
GROUP BY window_start, window_end, zone;`

const PIPELINE = {
  name: 'search-sink',
  streams: { trips: { shardCount: 1 } },
  searchIndexes: {
    'zone-stats': {
      mappings: {
        properties: {
          zone: { type: 'keyword' },
          window_start: { type: 'date' },
          window_end: { type: 'date' },
          trips: { type: 'long' },
          total: { type: 'double' },
        },
      },
      timeField: 'window_start',
    },
  },
  analytics: { fares: { sql: KEYED } },
}

type Doc = { _id: string; _source: Record<string, unknown> }

describe('the search-index sink in a pipeline', () => {
  it('upserts a document per closed window and key, with Flink’s ids, found by the OpenSearch client, and a restart adds none twice', async () => {
    const clock = new ManualClock(T0)
    const p = await startPipeline(PIPELINE as never, { clock, serve: true, teardown: onTestFinished })
    const client = new Client({ node: `${p.endpoint}/_opensearch` })
    const all = async (c: Client) =>
      (
        await c.search({
          index: 'zone-stats',
          body: { size: 100, sort: [{ window_start: 'asc' }, { zone: 'asc' }] } as never,
        })
      ).body.hits.hits as Doc[]
    const count = async (c: Client) => (await c.count({ index: 'zone-stats' })).body.count

    await p.put('trips', [
      { zone: 'A', fare: 10.5, ts: at(1_000) },
      { zone: 'B', fare: 3, ts: at(2_000) },
      { zone: 'A', fare: 4.25, ts: at(59_000) },
    ])
    // The watermark (max event time − 5 s) passes 10:01 and closes [10:00, 10:01).
    await p.put('trips', [{ zone: 'A', fare: 1, ts: at(66_000) }])
    await p.until(async () => (await count(client)) === 2)
    expect(await all(client)).toEqual([
      expect.objectContaining({
        _id: 'A_2026-01-01T10:00',
        _source: {
          zone: 'A',
          window_start: '2026-01-01T10:00:00.000',
          window_end: '2026-01-01T10:01:00.000',
          trips: 2,
          total: 14.75,
        },
      }),
      expect.objectContaining({ _id: 'B_2026-01-01T10:00', _source: expect.objectContaining({ trips: 1 }) }),
    ])
    // The timestamps are dates in the index: a range over the window's start finds them.
    const inRange = await client.count({
      index: 'zone-stats',
      body: {
        query: { range: { window_start: { gte: '2026-01-01T10:00:00Z', lt: '2026-01-01T10:01:00Z' } } },
      },
    })
    expect(inRange.body.count).toBe(2)

    // Stopped and started again on the same data: the job resumes from its committed state, and
    // the next window adds one document; the first two are neither repeated nor changed.
    const before = await all(client)
    await p.close()
    const again = await startPipeline(PIPELINE as never, { clock, serve: true, dataDir: p.dataDir })
    onTestFinished(() => again.dispose())
    const client2 = new Client({ node: `${again.endpoint}/_opensearch` })
    await again.put('trips', [{ zone: 'A', fare: 2, ts: at(130_000) }])
    await again.until(async () => (await count(client2)) === 3)
    const after = await all(client2)
    expect(after.slice(0, 2)).toEqual(before)
    expect(after[2]).toMatchObject({
      _id: 'A_2026-01-01T10:01',
      _source: { zone: 'A', window_start: '2026-01-01T10:01:00.000', trips: 1, total: 1 },
    })
  })
})

describe("the search-index sink with Flink's default SQL timestamps", () => {
  it("writes them into date fields whose mapping's format reads them", async () => {
    const sql = KEYED.replace(", 'json.timestamp-format.standard' = 'ISO-8601'", '')
    const date = { type: 'date', format: 'yyyy-MM-dd HH:mm:ss.SSS' }
    const searchIndexes = {
      'zone-stats': {
        mappings: { properties: { zone: { type: 'keyword' }, window_start: date, window_end: date } },
        timeField: 'window_start',
      },
    }
    const p = await startPipeline({ ...PIPELINE, searchIndexes, analytics: { fares: { sql } } } as never, {
      clock: new ManualClock(T0),
      teardown: onTestFinished,
    })
    await p.put('trips', [
      { zone: 'A', fare: 10.5, ts: at(1_000) },
      { zone: 'A', fare: 1, ts: at(66_000) },
    ])
    const index = () => p.runtime.offered(SearchIndexesToken)!.get('zone-stats')
    await p.until(() => index().docCount() === 1)
    expect(JSON.parse(index().get('A_2026-01-01T10:00')!.source)).toMatchObject({
      window_start: '2026-01-01 10:00:00.000',
    })
    const hour = { range: { window_start: { gte: '2026-01-01T10:00:00Z', lt: '2026-01-01T11:00:00Z' } } }
    expect(countIndex(index(), hour, T0)).toBe(1)
  })
})

describe('the search-index sink with remote hosts', () => {
  it('writes the local index all the same, and says so in one warning line at start', async () => {
    const domain = 'https://search-taxi-abc123.us-east-1.es.amazonaws.com:443'
    const dir = mkdtempSync(join(tmpdir(), 'tributary-search-sink-'))
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }))
    const sql = KEYED.replace("'hosts' = 'http://127.0.0.1:4567'", `'hosts' = '${domain}'`)
    const definition = { ...PIPELINE, analytics: { fares: { sql } } }
    const warnings: string[] = []
    const runtime = await PipelineRuntime.start({
      pipeline: { file: join(dir, 'tributary.config.ts'), dir, ...validatePipeline(definition, dir) },
      dataDir: dir,
      clock: new ManualClock(T0),
      logger: { info() {}, warn: (m) => warnings.push(m), error() {} },
    })
    await runtime.close()
    expect(warnings).toEqual([
      `analytics fares: table 'per_zone' names hosts '${domain}'; locally its rows go to this pipeline's search index 'zone-stats'`,
    ])
  })
})

describe('the search-index sink, redelivered', () => {
  /** Runs one batch that closes a window, "crashes" before the outbox is acknowledged, and redelivers it. */
  async function redeliver(sql: string, records: object[]) {
    const dir = mkdtempSync(join(tmpdir(), 'tributary-search-sink-'))
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }))
    const indexes = SearchIndexes.open({ dir: join(dir, 'search'), clock: new ManualClock(T0) })
    onTestFinished(() => indexes.close())
    const program = await compileProgram(sql)
    const state = join(dir, 'state.duckdb')
    const batch: Batch = {
      records: new Map([
        [
          'trips',
          records.map((r, i) => ({ shard: 0, ordinal: i, sub: 0, arrivalMs: T0, line: JSON.stringify(r) })),
        ],
      ]),
      now: T0,
      positions: new Map([['s0', { created: 1, next: records.length }]]),
      shardKeys: new Map([[0, 's0']]),
      activeShards: new Map([['trips', ['s0']]]),
    }
    const deps = { indexes, print: () => {} }
    const query = program.queries[0]!
    let op = await AnalyticsOperator.open(state, program, sql)
    await op.process(batch)
    for (const e of await op.pending()) await deliver(e, query.sink, 'fares', undefined, deps)
    op.close() // killed here: delivered, not acknowledged
    const first = docsOf(indexes)
    op = await AnalyticsOperator.open(state, program, sql)
    const again = await op.pending()
    expect(again.length).toBeGreaterThan(0)
    for (const e of again) await deliver(e, query.sink, 'fares', undefined, deps)
    await op.acknowledge(again[again.length - 1]!.seq)
    op.close()
    return { first, second: docsOf(indexes) }
  }

  const closing = [
    { zone: 'A', fare: 2, ts: at(1_000) },
    { zone: 'B', fare: 2, ts: at(2_000) },
    { zone: 'C', fare: 7, ts: at(3_000) },
    { zone: 'A', fare: 1, ts: at(70_000) },
  ]

  it('overwrites the same documents by primary key (the default `_` delimiter, or another)', async () => {
    const sql = `${source()}${sink(
      'zone STRING, window_start TIMESTAMP(3), trips BIGINT, PRIMARY KEY (window_start, zone) NOT ENFORCED',
      ", 'document-id.key-delimiter' = '$'",
    )}
INSERT INTO per_zone SELECT zone, window_start, COUNT(*)
FROM TABLE(TUMBLE(TABLE trips, DESCRIPTOR(ts), INTERVAL '1' MINUTE)) GROUP BY window_start, window_end, zone;`
    const { first, second } = await redeliver(sql, closing)
    expect(second).toEqual(first)
    expect(second.map((h) => [h._id, h._source])).toEqual([
      ['2026-01-01T10:00$A', { zone: 'A', window_start: '2026-01-01 10:00:00.000', trips: 1 }],
      ['2026-01-01T10:00$B', { zone: 'B', window_start: '2026-01-01 10:00:00.000', trips: 1 }],
      ['2026-01-01T10:00$C', { zone: 'C', window_start: '2026-01-01 10:00:00.000', trips: 1 }],
    ])
  })

  it('without a primary key, gives equal rows of a window their own stable ids', async () => {
    // Two zones with the same output row: two documents, which a redelivery overwrites.
    const sql = `${source()}${sink('window_start TIMESTAMP(3), fares DECIMAL(12,2)')}
INSERT INTO per_zone SELECT window_start, SUM(fare)
FROM TABLE(TUMBLE(TABLE trips, DESCRIPTOR(ts), INTERVAL '1' MINUTE)) GROUP BY window_start, window_end, zone;`
    const { first, second } = await redeliver(sql, closing)
    expect(second).toEqual(first)
    const docs = second
    expect(docs.map((h) => h._source).sort((a, b) => Number(a.fares) - Number(b.fares))).toEqual([
      { window_start: '2026-01-01 10:00:00.000', fares: 2 },
      { window_start: '2026-01-01 10:00:00.000', fares: 2 },
      { window_start: '2026-01-01 10:00:00.000', fares: 7 },
    ])
    expect(new Set(docs.map((h) => h._id)).size).toBe(3)
    for (const h of docs) expect(h._id).toMatch(/^[\w-]{20}$/)
  })
})

/** Every document of the index, by id. */
function docsOf(indexes: SearchIndexes): Doc[] {
  return searchIndex(indexes.get('zone-stats'), { size: 100 }, T0)
    .hits.hits.map((h) => ({ _id: h._id, _source: h._source as Record<string, unknown> }))
    .sort((a, b) => (a._id < b._id ? -1 : 1))
}

async function problem(sql: string): Promise<string> {
  try {
    await compileProgram(sql)
  } catch (error) {
    return (error as Error & { describe?: () => string }).describe?.() ?? String(error)
  }
  throw new Error('no problem found')
}

const INSERT = 'INSERT INTO per_zone SELECT zone, COUNT(*) FROM trips GROUP BY zone;'
const es = (options: string, connector = 'elasticsearch-7') =>
  `${source()}CREATE TABLE per_zone (zone STRING, n BIGINT, PRIMARY KEY (zone) NOT ENFORCED) WITH ('connector' = '${connector}'${options});\n${INSERT}`

describe('the search-index sink refuses', () => {
  it.each([
    ["no 'index'", es(", 'hosts' = 'http://127.0.0.1:4567'"), "the elasticsearch-7 connector needs 'index'"],
    ["no 'hosts'", es(", 'index' = 'z'", 'opensearch'), "the opensearch connector needs 'hosts'"],
    [
      "a host that is no 'http://host:port'",
      es(", 'hosts' = '127.0.0.1', 'index' = 'z'"),
      "Could not parse host '127.0.0.1' in option 'hosts'",
    ],
    [
      'a path in hosts',
      es(", 'hosts' = 'http://127.0.0.1:4567/_opensearch', 'index' = 'z'"),
      "host 'http://127.0.0.1:4567/_opensearch' in option 'hosts' has a path",
    ],
    [
      'a dynamic index',
      es(", 'hosts' = 'http://127.0.0.1:4567', 'index' = 'z-{ts|yyyy-MM-dd}'"),
      "dynamic index 'z-{ts|yyyy-MM-dd}' is not supported",
    ],
    [
      'an unknown option',
      es(", 'hosts' = 'http://127.0.0.1:4567', 'index' = 'z', 'sink.bulk-flush.max-nope' = '1'"),
      "unsupported option 'sink.bulk-flush.max-nope' for connector 'elasticsearch-7'",
    ],
    [
      'a failure handler that drops documents',
      es(", 'hosts' = 'http://127.0.0.1:4567', 'index' = 'z', 'failure-handler' = 'ignore'"),
      "'failure-handler' = 'ignore' is not supported",
    ],
    [
      'elasticsearch-6 without a document type',
      es(", 'hosts' = 'http://127.0.0.1:4567', 'index' = 'z'", 'elasticsearch-6'),
      "the elasticsearch-6 connector needs 'document-type'",
    ],
    [
      'an updating result without a primary key',
      `${source()}CREATE TABLE per_zone (zone STRING, n BIGINT) WITH ('connector' = 'opensearch', 'hosts' = 'http://127.0.0.1:9200', 'index' = 'z');\n${INSERT}`,
      "sink 'per_zone' takes an updating result (an aggregate without a window) only with a PRIMARY KEY",
    ],
  ])('%s, with one line', async (_, sql, message) => {
    const text = await problem(sql)
    expect(text).toContain(message)
    expect(text).toMatch(/^SQL validation failed at line \d+, column \d+: /)
    expect(text.split('\n')).toHaveLength(1)
  })

  it('an index the pipeline does not declare, naming the declared ones', () => {
    const sql = es(", 'hosts' = 'http://127.0.0.1:4567', 'index' = 'zone-stat'")
    let error: unknown
    try {
      validatePipeline({ ...PIPELINE, analytics: { fares: { sql } } }, tmpdir())
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(PipelineError)
    expect((error as PipelineError).message).toBe("analytics.fares.sql: no index named 'zone-stat'")
    expect((error as PipelineError).hint).toBe('declared searchIndexes: zone-stats')
  })

  it('SQL-format timestamps into a date field, when it starts (not at the first window)', async () => {
    const sql = KEYED.replace(", 'json.timestamp-format.standard' = 'ISO-8601'", '')
    await expect(
      startPipeline({ ...PIPELINE, analytics: { fares: { sql } } } as never, { teardown: onTestFinished }),
    ).rejects.toThrow(
      "analytics.fares.sql: table 'per_zone' writes window_start as SQL text ('2026-01-01 10:00:00.000'), which the date field window_start of search index 'zone-stats' does not read as a date (add 'json.timestamp-format.standard' = 'ISO-8601' to its WITH options, or give the field a format: 'yyyy-MM-dd HH:mm:ss.SSS')",
    )
    // Without a mapping, the Explore tab's time field would be mapped as text.
    const unmapped = { 'zone-stats': { timeField: 'window_start' } }
    await expect(
      startPipeline({ ...PIPELINE, searchIndexes: unmapped, analytics: { fares: { sql } } } as never, {
        teardown: onTestFinished,
      }),
    ).rejects.toThrow(
      "which the Explore tab's time field window_start of search index 'zone-stats' does not read as a date",
    )
  })

  it('an index the pipeline does not declare, from a .sql file, when it starts', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tributary-search-sink-'))
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }))
    const { writeFileSync } = await import('node:fs')
    writeFileSync(join(dir, 'q.sql'), es(", 'hosts' = 'http://127.0.0.1:4567', 'index' = 'nope'"))
    await expect(
      startPipeline({ ...PIPELINE, analytics: { fares: { sql: 'q.sql' } } } as never, {
        dir,
        teardown: onTestFinished,
      }),
    ).rejects.toThrow(
      "analytics.fares.sql: table 'per_zone' names index 'nope', which the pipeline does not declare (declared searchIndexes: zone-stats)",
    )
  })
})

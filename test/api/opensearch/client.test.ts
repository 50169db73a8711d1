/**
 * The maintained OpenSearch JS client (@opensearch-project/opensearch) against a pipeline's search
 * indexes, at `<endpoint>/_opensearch` on the served port: bulk loading with its helper, searches,
 * aggregations, the document API, errors as the client surfaces them, and a restart.
 */
import { Client, errors } from '@opensearch-project/opensearch'
import { afterEach, describe, expect, it } from 'vitest'
import { startPipeline, type TestPipeline } from '../../../src/testing/index.ts'

const PIPELINE = {
  name: 'search-client',
  searchIndexes: {
    trips: {
      mappings: {
        properties: { zone: { type: 'keyword' }, fare: { type: 'double' }, pickup: { type: 'date' } },
      },
    },
  },
}
let pipelines: TestPipeline[] = []

afterEach(async () => {
  for (const p of pipelines) await p.dispose()
  pipelines = []
})

async function start(dataDir?: string): Promise<{ p: TestPipeline; client: Client }> {
  const p = await startPipeline(PIPELINE as never, { serve: true, ...(dataDir ? { dataDir } : {}) })
  pipelines.push(p)
  return { p, client: new Client({ node: `${p.endpoint}/_opensearch` }) }
}

const ZONES = ['Midtown', 'Harlem', 'SoHo', 'Chelsea']
const trip = (i: number) => ({
  trip_id: `trip-${i}`,
  zone: ZONES[i % ZONES.length],
  fare: 5 + (i % 20),
  pickup: new Date(Date.UTC(2024, 4, 1, 10) + i * 60_000).toISOString(),
  notes: i % 10 === 0 ? 'rider left an umbrella' : 'smooth ride',
})

describe('the OpenSearch JS client', () => {
  it('reads the cluster info and bulk-loads 2,000 documents with helpers.bulk', async () => {
    const { client } = await start()
    const info = await client.info()
    expect(info.body.version).toMatchObject({ distribution: 'opensearch', number: '2.11.0' })
    const result = await client.helpers.bulk({
      datasource: Array.from({ length: 2000 }, (_, i) => trip(i)),
      onDocument: (doc) => ({ index: { _index: 'trips', _id: doc.trip_id } }),
      flushBytes: 64 * 1024,
    })
    expect(result).toMatchObject({ total: 2000, successful: 2000, failed: 0 })
    const count = await client.count({ index: 'trips' })
    expect(count.body.count).toBe(2000)
    const found = await client.search({
      index: 'trips',
      body: {
        query: {
          bool: { must: [{ match: { notes: 'umbrella' } }], filter: [{ term: { zone: 'Midtown' } }] },
        },
        sort: [{ pickup: 'asc' }],
        size: 3,
      },
    })
    expect(found.body.hits.total).toEqual({ value: 100, relation: 'eq' })
    expect(found.body.hits.hits.map((h) => h._id)).toEqual(['trip-0', 'trip-20', 'trip-40'])
    const aggs = await client.search({
      index: 'trips',
      // The client's types know `terms` by a narrower shape than the wire takes.
      body: <never>{
        size: 0,
        query: { range: { pickup: { gte: '2024-05-01T10:00:00Z', lt: '2024-05-01T11:00:00Z' } } },
        aggs: {
          zones: { terms: { field: 'zone' }, aggs: { fare: { avg: { field: 'fare' } } } },
          per_10_min: { date_histogram: { field: 'pickup', fixed_interval: '10m' } },
        },
      },
    })
    const reply = aggs.body as unknown as {
      hits: { total: { value: number } }
      aggregations: Record<string, { buckets: { key: string; doc_count: number }[] }>
    }
    expect(reply.hits.total.value).toBe(60)
    expect(reply.aggregations.zones!.buckets).toHaveLength(4)
    expect(reply.aggregations.zones!.buckets[0]).toMatchObject({ key: 'Chelsea', doc_count: 15 })
    expect(reply.aggregations.per_10_min!.buckets.map((b) => b.doc_count)).toEqual([10, 10, 10, 10, 10, 10])
  })

  it('creates an index, indexes, gets, updates and deletes a document, and surfaces errors', async () => {
    const { client } = await start()
    await client.indices.create({
      index: 'notes',
      body: { mappings: { properties: { title: { type: 'text' } } } },
    })
    expect((await client.indices.exists({ index: 'notes' })).body).toBe(true)
    expect((await client.indices.exists({ index: 'none' })).body).toBe(false)
    const put = await client.index({
      index: 'notes',
      id: 'n1',
      body: { title: 'Hello search', n: 1 },
      refresh: true,
    })
    expect(put.statusCode).toBe(201)
    expect(put.body).toMatchObject({ _id: 'n1', result: 'created', _version: 1 })
    await client.update({ index: 'notes', id: 'n1', body: { doc: { n: 2 } } })
    const got = await client.get({ index: 'notes', id: 'n1' })
    expect(got.body).toMatchObject({ found: true, _version: 2, _source: { title: 'Hello search', n: 2 } })
    const mapping = await client.indices.getMapping({ index: 'notes' })
    expect(mapping.body.notes?.mappings.properties).toEqual({ title: { type: 'text' }, n: { type: 'long' } })
    await client.delete({ index: 'notes', id: 'n1' })
    const missing = await client.get({ index: 'notes', id: 'n1' }).catch((e: unknown) => e)
    expect(missing).toBeInstanceOf(errors.ResponseError)
    expect((missing as errors.ResponseError).statusCode).toBe(404)
    const noIndex = await client.search({ index: 'nothing-here', body: {} }).catch((e: unknown) => e)
    expect(noIndex).toBeInstanceOf(errors.ResponseError)
    expect((noIndex as errors.ResponseError).body.error.type).toBe('index_not_found_exception')
    await client.indices.delete({ index: 'notes' })
    expect((await client.indices.exists({ index: 'notes' })).body).toBe(false)
  })

  it('finds every acknowledged document after a restart', async () => {
    const { p, client } = await start()
    const body = Array.from({ length: 500 }, (_, i) => [
      { index: { _index: 'trips', _id: `t${i}` } },
      trip(i),
    ]).flat()
    const r = await client.bulk({ body })
    expect(r.body.errors).toBe(false)
    const dataDir = p.dataDir
    await p.close()
    pipelines = pipelines.filter((x) => x !== p)
    const again = await start(dataDir)
    const count = await again.client.count({ index: 'trips', body: { query: { term: { zone: 'SoHo' } } } })
    expect(count.body.count).toBe(125)
    const doc = await again.client.get({ index: 'trips', id: 't499' })
    expect(doc.body._source).toEqual(trip(499))
  })
})

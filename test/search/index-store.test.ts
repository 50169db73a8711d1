import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { SearchError } from '../../src/search/errors.ts'
import { SearchIndexes } from '../../src/search/indexes.ts'
import { countIndex, searchIndex } from '../../src/search/search.ts'
import { ManualClock } from '../../src/util/clock.ts'

const NOW = Date.UTC(2024, 4, 1, 12, 0, 0)
let dirs: string[] = []
let open: SearchIndexes[] = []

function indexes(dir = mkdtempSync(join(tmpdir(), 'search-'))): SearchIndexes {
  dirs.push(dir)
  const ix = SearchIndexes.open({ dir, clock: new ManualClock(NOW) })
  open.push(ix)
  return ix
}

afterEach(() => {
  for (const ix of open) ix.close()
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
  dirs = []
  open = []
})

/** Trips: zone (text + keyword), fare, pickup (date), vendor, tags (several values). */
const TRIPS = [
  {
    id: 't1',
    source: {
      zone: 'Upper East Side',
      fare: 12.5,
      pickup: '2024-05-01T10:05:00Z',
      vendor: 1,
      tags: ['airport'],
    },
  },
  {
    id: 't2',
    source: {
      zone: 'Midtown Center',
      fare: 7,
      pickup: '2024-05-01T10:40:00Z',
      vendor: 2,
      tags: ['airport', 'night'],
    },
  },
  { id: 't3', source: { zone: 'Upper West Side', fare: 30.25, pickup: '2024-05-01T11:15:00Z', vendor: 1 } },
  {
    id: 't4',
    source: {
      zone: 'Midtown Center',
      fare: 18,
      pickup: '2024-05-01T11:20:00Z',
      vendor: 2,
      note: 'fast ride to the airport',
    },
  },
]

async function trips() {
  const ix = indexes()
  await ix.bulkUpsert('trips', TRIPS)
  return { ix, index: ix.get('trips') }
}

const ids = (r: ReturnType<typeof searchIndex>) => r.hits.hits.map((h) => h._id)

describe('a search index', () => {
  it('maps new fields as OpenSearch does: text with a keyword, long, float, date', async () => {
    const { index } = await trips()
    expect(index.mapping.properties).toMatchObject({
      zone: { type: 'text', fields: { keyword: { type: 'keyword', ignore_above: 256 } } },
      fare: { type: 'float' },
      pickup: { type: 'date' },
      vendor: { type: 'long' },
    })
  })

  it.each([
    ['match (any word)', { match: { zone: 'upper side' } }, ['t1', 't3']],
    ['match (every word)', { match: { zone: { query: 'upper east', operator: 'and' } } }, ['t1']],
    ['match_phrase', { match_phrase: { zone: 'east side' } }, ['t1']],
    ['term on a keyword', { term: { 'zone.keyword': 'Midtown Center' } }, ['t2', 't4']],
    ['terms', { terms: { vendor: [1, 3] } }, ['t1', 't3']],
    ['range on a number', { range: { fare: { gt: 7, lte: 18 } } }, ['t1', 't4']],
    ['range on a date with date math', { range: { pickup: { gte: 'now-1h/h' } } }, ['t3', 't4']],
    ['exists', { exists: { field: 'note' } }, ['t4']],
    ['term on a field of several values', { term: { 'tags.keyword': 'night' } }, ['t2']],
    ['prefix', { prefix: { 'zone.keyword': 'Upper' } }, ['t1', 't3']],
    ['ids', { ids: { values: ['t3', 'nope'] } }, ['t3']],
    [
      'bool',
      {
        bool: {
          must: [{ match: { zone: 'upper' } }],
          filter: [{ range: { fare: { gte: 10 } } }],
          must_not: [{ term: { vendor: 2 } }],
          should: [{ match: { zone: 'west' } }],
        },
      },
      ['t3', 't1'],
    ],
    [
      'bool should with minimum_should_match',
      {
        bool: { should: [{ term: { vendor: 2 } }, { range: { fare: { lt: 10 } } }], minimum_should_match: 2 },
      },
      ['t2'],
    ],
    ['multi_match', { multi_match: { query: 'airport', fields: ['zone', 'note'] } }, ['t4']],
    [
      'query_string with fields and operators',
      { query_string: { query: 'zone:midtown AND NOT vendor:1' } },
      ['t2', 't4'],
    ],
    ['query_string range', { query_string: { query: 'fare:[10 TO 20]' } }, ['t1', 't4']],
    ['a term on an unmapped field matches nothing', { term: { nope: 'x' } }, []],
  ])('%s', async (_name, query, expected) => {
    const { index } = await trips()
    const r = searchIndex(
      index,
      { query, sort: expected.length > 1 && _name !== 'bool' ? ['_id'] : undefined },
      NOW,
    )
    expect(ids(r)).toEqual(expected)
    expect(r.hits.total).toEqual({ value: expected.length, relation: 'eq' })
  })

  it('ranks a full-text match by BM25, the better match first', async () => {
    const ix = indexes()
    await ix.bulkUpsert('docs', [
      { id: 'a', source: { body: 'a storm over the bay, and then the long quiet' } },
      { id: 'b', source: { body: 'storm storm storm' } },
      { id: 'c', source: { body: 'nothing to see' } },
    ])
    const r = searchIndex(ix.get('docs'), { query: { match: { body: 'storm' } } }, NOW)
    expect(ids(r)).toEqual(['b', 'a'])
    expect(r.hits.hits[0]!._score).toBeGreaterThan(r.hits.hits[1]!._score!)
    expect(r.hits.max_score).toBe(r.hits.hits[0]!._score)
  })

  it('sorts (missing values last), pages with size/from and search_after, filters _source', async () => {
    const { index } = await trips()
    const page = (body: Record<string, unknown>) => searchIndex(index, body, NOW)
    expect(ids(page({ sort: [{ fare: 'desc' }], size: 2 }))).toEqual(['t3', 't4'])
    expect(ids(page({ sort: [{ fare: 'desc' }], size: 2, from: 2 }))).toEqual(['t1', 't2'])
    const first = page({ sort: [{ pickup: 'asc' }, '_id'], size: 3 })
    expect(first.hits.hits.map((h) => h.sort)).toEqual([
      [Date.parse('2024-05-01T10:05:00Z'), 't1'],
      [Date.parse('2024-05-01T10:40:00Z'), 't2'],
      [Date.parse('2024-05-01T11:15:00Z'), 't3'],
    ])
    expect(ids(page({ sort: [{ pickup: 'asc' }, '_id'], search_after: first.hits.hits[2]!.sort }))).toEqual([
      't4',
    ])
    expect(ids(page({ sort: [{ 'note.keyword': 'asc' }, '_id'] }))).toEqual(['t4', 't1', 't2', 't3'])
    expect(
      page({ query: { ids: { values: ['t1'] } }, _source: ['zone', 'fare'] }).hits.hits[0]!._source,
    ).toEqual({
      zone: 'Upper East Side',
      fare: 12.5,
    })
    expect(page({ query: { ids: { values: ['t1'] } }, _source: false }).hits.hits[0]).not.toHaveProperty(
      '_source',
    )
  })

  it('aggregates: terms with a sub-aggregation, date_histogram with empty buckets, stats', async () => {
    const { index } = await trips()
    const r = searchIndex(
      index,
      {
        size: 0,
        aggs: {
          zones: {
            terms: { field: 'zone.keyword', order: { avg_fare: 'desc' } },
            aggs: { avg_fare: { avg: { field: 'fare' } } },
          },
          per_half_hour: { date_histogram: { field: 'pickup', fixed_interval: '30m' } },
          fares: { stats: { field: 'fare' } },
          tags: { terms: { field: 'tags.keyword' } },
          vendors: { cardinality: { field: 'vendor' } },
        },
      },
      NOW,
    )
    expect(r.hits.hits).toEqual([])
    expect(r.aggregations).toEqual({
      zones: {
        doc_count_error_upper_bound: 0,
        sum_other_doc_count: 0,
        buckets: [
          { key: 'Upper West Side', doc_count: 1, avg_fare: { value: 30.25 } },
          { key: 'Midtown Center', doc_count: 2, avg_fare: { value: 12.5 } },
          { key: 'Upper East Side', doc_count: 1, avg_fare: { value: 12.5 } },
        ],
      },
      per_half_hour: {
        buckets: [
          {
            key_as_string: '2024-05-01T10:00:00.000Z',
            key: Date.parse('2024-05-01T10:00:00Z'),
            doc_count: 1,
          },
          {
            key_as_string: '2024-05-01T10:30:00.000Z',
            key: Date.parse('2024-05-01T10:30:00Z'),
            doc_count: 1,
          },
          {
            key_as_string: '2024-05-01T11:00:00.000Z',
            key: Date.parse('2024-05-01T11:00:00Z'),
            doc_count: 2,
          },
        ],
      },
      fares: { count: 4, min: 7, max: 30.25, avg: 16.9375, sum: 67.75 },
      tags: {
        doc_count_error_upper_bound: 0,
        sum_other_doc_count: 0,
        buckets: [
          { key: 'airport', doc_count: 2 },
          { key: 'night', doc_count: 1 },
        ],
      },
      vendors: { value: 2 },
    })
  })

  it('date_histogram: calendar months, min_doc_count and extended bounds', async () => {
    const ix = indexes()
    await ix.bulkUpsert('m', [
      { id: '1', source: { at: '2024-01-31T23:59:59Z' } },
      { id: '2', source: { at: '2024-03-01T00:00:00Z' } },
      { id: '3', source: { at: '2024-03-15' } },
    ])
    const hist = (extra: Record<string, unknown>) =>
      (
        searchIndex(
          ix.get('m'),
          { size: 0, aggs: { h: { date_histogram: { field: 'at', calendar_interval: 'month', ...extra } } } },
          NOW,
        ).aggregations!.h as { buckets: { key_as_string: string; doc_count: number }[] }
      ).buckets.map((b) => [b.key_as_string.slice(0, 7), b.doc_count])
    expect(hist({})).toEqual([
      ['2024-01', 1],
      ['2024-02', 0],
      ['2024-03', 2],
    ])
    expect(hist({ min_doc_count: 1 })).toEqual([
      ['2024-01', 1],
      ['2024-03', 2],
    ])
    expect(hist({ extended_bounds: { min: '2023-12-01', max: '2024-04-01' } })).toEqual([
      ['2023-12', 0],
      ['2024-01', 1],
      ['2024-02', 0],
      ['2024-03', 2],
      ['2024-04', 0],
    ])
  })

  it('upserts by id (replacing the document and its values) and deletes', async () => {
    const { ix, index } = await trips()
    await ix.bulkUpsert('trips', [{ id: 't1', source: { zone: 'Harlem', fare: 5 } }])
    expect(index.get('t1')).toMatchObject({ version: 2, source: '{"zone":"Harlem","fare":5}' })
    expect(ids(searchIndex(index, { query: { match: { zone: 'east' } } }, NOW))).toEqual([])
    expect(ids(searchIndex(index, { query: { match: { zone: 'harlem' } } }, NOW))).toEqual(['t1'])
    await ix.bulkDelete('trips', ['t1', 'never'])
    expect(countIndex(index, undefined, NOW)).toBe(3)
    expect(countIndex(index, { match: { zone: 'harlem' } }, NOW)).toBe(0)
  })

  it('moves a field to several values per document without losing the earlier ones', async () => {
    const ix = indexes()
    await ix.bulkUpsert('x', [{ id: '1', source: { k: 'a' } }])
    await ix.bulkUpsert('x', [{ id: '2', source: { k: ['b', 'c'] } }])
    const x = ix.get('x')
    expect(ids(searchIndex(x, { query: { term: { 'k.keyword': 'a' } } }, NOW))).toEqual(['1'])
    expect(ids(searchIndex(x, { query: { term: { 'k.keyword': 'c' } } }, NOW))).toEqual(['2'])
  })

  it('refuses a value that does not fit its mapping, writing the other documents', async () => {
    const ix = indexes()
    const rejected = ix.bulkUpsert('x', [
      { id: '1', source: { n: 5 } },
      { id: '2', source: { n: 'five' } },
      { id: '3', source: { n: 6 } },
    ])
    await expect(rejected).rejects.toThrow(SearchError)
    await expect(rejected).rejects.toMatchObject({
      type: 'mapper_parsing_exception',
      reason:
        "failed to parse field [n] of type [long] in document with id '2'. Preview of field's value: 'five'",
      status: 400,
    })
    expect(ix.get('x').docCount()).toBe(2)
  })

  it('keeps documents, mappings and sequence numbers across a reopen', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'search-'))
    const first = indexes(dir)
    await first.bulkUpsert('trips', TRIPS)
    const seqNo = first.get('trips').seqNo
    first.close()
    const again = indexes(dir)
    expect(again.names()).toEqual(['trips'])
    const index = again.get('trips')
    expect(index.seqNo).toBe(seqNo)
    expect(index.mapping.properties.pickup).toEqual({ type: 'date' })
    expect(ids(searchIndex(index, { query: { match: { zone: 'midtown' } }, sort: ['_id'] }, NOW))).toEqual([
      't2',
      't4',
    ])
  })

  it('reports at most 10,000 hits unless track_total_hits asks for an exact count', async () => {
    const ix = indexes()
    const docs = Array.from({ length: 10_005 }, (_, i) => ({ id: String(i), source: { n: i } }))
    await ix.bulkUpsert('big', docs)
    const big = ix.get('big')
    expect(searchIndex(big, { size: 1 }, NOW).hits.total).toEqual({ value: 10_000, relation: 'gte' })
    expect(searchIndex(big, { size: 1, track_total_hits: true }, NOW).hits.total).toEqual({
      value: 10_005,
      relation: 'eq',
    })
    expect(() => searchIndex(big, { from: 9_995, size: 10 }, NOW)).toThrow(/Result window is too large/)
  })
})

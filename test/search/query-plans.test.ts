import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { SearchIndexes } from '../../src/search/indexes.ts'
import { searchIndex } from '../../src/search/search.ts'
import { ManualClock } from '../../src/util/clock.ts'

// How searches over a larger index are executed: the planner's statistics and the SQL paths
// that keep `_search` fast on 1M documents (bench/search.ts) give the same answers as the plain ones.

const NOW = Date.UTC(2026, 0, 2)
const T0 = Date.UTC(2026, 0, 1)
let dirs: string[] = []
let open: SearchIndexes[] = []

afterEach(() => {
  for (const ix of open) ix.close()
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
  dirs = []
  open = []
})

const WORDS =
  'airport downtown rain night late early smooth bumpy quick detour traffic bridge tunnel park'.split(' ')

/** A taxi trip as the bench makes them: 26 zones, 3 vendors, 4 payments, one every 250 ms. */
function trip(i: number) {
  return {
    id: `t${i}`,
    source: {
      zone: `zone-${(i * 7919) % 26}`,
      vendor: `v${i % 3}`,
      payment: ['card', 'cash', 'none', 'dispute'][i % 4],
      fare: 2.5 + ((i * 37) % 900) / 10,
      pickup: new Date(T0 + i * 250).toISOString(),
      notes: `${WORDS[i % 14]} ${WORDS[(i * 7) % 14]} ride ${WORDS[(i * 3) % 14]}`,
    },
  }
}

async function tripsIndex(n: number) {
  const dir = mkdtempSync(join(tmpdir(), 'search-plans-'))
  dirs.push(dir)
  const ix = SearchIndexes.open({
    dir,
    clock: new ManualClock(NOW),
    declared: {
      trips: {
        mappings: {
          properties: {
            zone: { type: 'keyword' },
            vendor: { type: 'keyword' },
            payment: { type: 'keyword' },
            fare: { type: 'double' },
            pickup: { type: 'date' },
            notes: { type: 'text' },
          },
        },
      },
    },
  })
  open.push(ix)
  for (let from = 0; from < n; from += 500)
    await ix.bulkUpsert(
      'trips',
      Array.from({ length: Math.min(500, n - from) }, (_, k) => trip(from + k)),
    )
  return ix.get('trips')
}

const plan = (db: import('better-sqlite3').Database, sql: string) =>
  (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all() as { detail: string }[]).map((r) => r.detail).join('; ')

describe('query plans of a search index', () => {
  it('gathers the planner statistics as the index grows, so a selective range wins over an unselective term', async () => {
    const index = await tripsIndex(4000)
    const stats = index.db.prepare("SELECT idx, stat FROM sqlite_stat1 WHERE tbl = 'docs'").all()
    expect(stats.length).toBeGreaterThan(0)
    const payment = `c${index.field('payment')!.slot}`
    const pickup = `c${index.field('pickup')!.slot}`
    expect(
      plan(index.db, `SELECT 1 FROM docs WHERE ${payment} = 'card' AND ${pickup} >= 0 AND ${pickup} < 1`),
    ).toContain(`INDEX docs_${pickup}`)
  })

  // A match the same bool also filters is computed for the filtered documents only; each pair is
  // a query that is narrowed and one that says the same without letting it be (the match in a
  // bool of its own), which must give the same hits, scores, totals and aggregations.
  const match = { match: { notes: 'airport bridge' } }
  const alone = { bool: { must: [match] } }
  const zone = { term: { zone: 'zone-5' } }
  it.each([
    [
      'must + filter',
      { bool: { must: [match], filter: [zone] } },
      { bool: { must: [alone], filter: [zone] } },
    ],
    [
      'must + must_not + range',
      {
        bool: {
          must: [match, { range: { fare: { gte: 20 } } }],
          must_not: [{ term: { vendor: 'v1' } }],
          filter: [zone],
        },
      },
      {
        bool: {
          must: [alone, { range: { fare: { gte: 20 } } }],
          must_not: [{ term: { vendor: 'v1' } }],
          filter: [zone],
        },
      },
    ],
    [
      'inside a should',
      { bool: { should: [{ bool: { must: [match], filter: [zone] } }, { term: { vendor: 'v2' } }] } },
      { bool: { should: [{ bool: { must: [alone], filter: [zone] } }, { term: { vendor: 'v2' } }] } },
    ],
    [
      'under must_not',
      {
        bool: {
          filter: [zone],
          must_not: [{ bool: { must: [match], filter: [{ term: { vendor: 'v0' } }] } }],
        },
      },
      {
        bool: {
          filter: [zone],
          must_not: [{ bool: { must: [alone], filter: [{ term: { vendor: 'v0' } }] } }],
        },
      },
    ],
  ])('narrows a match to its filter (%s) with the same results', async (_, narrowed, plain) => {
    const index = await tripsIndex(4000)
    const body = (query: unknown) => ({
      query,
      size: 50,
      aggs: { pay: { terms: { field: 'payment' }, aggs: { fare: { avg: { field: 'fare' } } } } },
    })
    const a = searchIndex(index, body(narrowed), NOW)
    const b = searchIndex(index, body(plain), NOW)
    expect(a.hits.total!.value).toBeGreaterThan(0)
    expect({ ...a, took: 0 }).toEqual({ ...b, took: 0 })
  })

  it('scores only the filtered documents of a required match', async () => {
    const index = await tripsIndex(4000)
    const r = searchIndex(index, { query: { bool: { must: [match], filter: [zone] } } }, NOW)
    const inTable = (index.db.prepare('SELECT count(*) AS n FROM temp.m0').get() as { n: number }).n
    const matching = (
      index.db.prepare(`SELECT count(*) AS n FROM fts WHERE fts MATCH '"airport" OR "bridge"'`).get() as {
        n: number
      }
    ).n
    expect(inTable).toBe(r.hits.total!.value)
    expect(inTable).toBeLessThan(matching / 10)
  })

  it('computes metric sub-aggregations of terms buckets in the buckets query, as per bucket', async () => {
    const index = await tripsIndex(4000)
    const docs = Array.from({ length: 4000 }, (_, i) => trip(i).source).filter((d) => d.vendor === 'v1')
    const expected = ['card', 'cash', 'none', 'dispute'].map((key) => {
      const fares = docs.filter((d) => d.payment === key).map((d) => d.fare)
      const sum = fares.reduce((a, b) => a + b, 0)
      return { key, n: fares.length, avg: sum / fares.length, max: Math.max(...fares), sum }
    })
    expected.sort((a, b) => b.avg - a.avg || (a.key < b.key ? -1 : 1))
    const r = searchIndex(
      index,
      {
        size: 0,
        query: { term: { vendor: 'v1' } },
        aggs: {
          pay: {
            terms: { field: 'payment', size: 3, order: { fare: 'desc' } },
            aggs: {
              fare: { avg: { field: 'fare' } },
              top: { stats: { field: 'fare' } },
              none: { max: { field: 'nope' } },
            },
          },
        },
      },
      NOW,
    )
    const pay = r.aggregations!.pay as {
      sum_other_doc_count: number
      buckets: {
        key: string
        doc_count: number
        fare: { value: number }
        top: { count: number; max: number; sum: number }
        none: unknown
      }[]
    }
    expect(pay.sum_other_doc_count).toBe(expected[3]!.n)
    expect(pay.buckets.map((b) => b.key)).toEqual(expected.slice(0, 3).map((e) => e.key))
    pay.buckets.forEach((b, i) => {
      const e = expected[i]!
      expect(b.doc_count).toBe(e.n)
      expect(b.fare.value).toBeCloseTo(e.avg, 9)
      expect(b.top).toMatchObject({ count: e.n, max: e.max })
      expect(b.top.sum).toBeCloseTo(e.sum, 6)
      expect(b.none).toEqual({ value: null })
    })
  })
})

import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { SearchIndexes } from '../../src/search/indexes.ts'
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
})

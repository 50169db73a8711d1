import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterEach, describe, expect, it } from 'vitest'
import { scoreCandidates } from '../../src/search/bm25.ts'
import { FtsTokenizer, ftsTotals, TOKENIZE } from '../../src/search/fts-terms.ts'
import type { SearchIndex } from '../../src/search/index-store.ts'
import { SearchIndexes } from '../../src/search/indexes.ts'
import { flatten, valuesAt } from '../../src/search/mapping.ts'
import { MatchTables } from '../../src/search/query.ts'
import { searchIndex } from '../../src/search/search.ts'
import { ManualClock } from '../../src/util/clock.ts'

// A match that a filter narrows is scored from the filter's documents (src/search/bm25.ts), with
// FTS5's tokens, term counts and BM25 reproduced outside it: each piece is checked against FTS5.

const NOW = Date.UTC(2026, 0, 2)
let dirs: string[] = []
let open: SearchIndexes[] = []

afterEach(() => {
  for (const ix of open) ix.close()
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
  dirs = []
  open = []
})

function indexes(): SearchIndexes {
  const dir = mkdtempSync(join(tmpdir(), 'search-bm25-'))
  dirs.push(dir)
  const ix = SearchIndexes.open({ dir, clock: new ManualClock(NOW) })
  open.push(ix)
  return ix
}

/** Tokens as FTS5 indexes them, read back from a table of its own. */
function fts5Tokens(texts: string[]): string[][] {
  const db = new Database(':memory:')
  db.exec(`CREATE VIRTUAL TABLE r USING fts5(t, tokenize='${TOKENIZE}');
    CREATE VIRTUAL TABLE v USING fts5vocab(r, instance);`)
  const insert = db.prepare('INSERT INTO r (rowid, t) VALUES (?, ?)')
  for (const [i, t] of texts.entries()) insert.run(i, t)
  const out = texts.map((): string[] => [])
  for (const { doc, term } of db.prepare('SELECT doc, term FROM v ORDER BY doc, offset').all() as {
    doc: number
    term: string
  }[])
    out[doc]!.push(term)
  db.close()
  return out
}

const TRICKY = [
  'Hello, World! HELLO world',
  'snake_case kebab-case dot.ted slash/ed back\\slash a+b=c',
  'v1.2.3 3,14 1e10 0x1F 007 -42 $5 100%',
  'it\'s o\'clock "quoted" (paren) [bracket] {brace} <angle> #tag @who ~^`|',
  'tab\there\nnew\r\nline\u0000nul',
  'ÉCOLE élève naïve façade Ångström ÆØÅ æøå',
  'Straße İstanbul ǅungla ﬁne ½ ① ²',
  'combining e\u0301 and a\u0300 at start \u0301x',
  'ΣΊΣΥΦΟΣ Ёлка Ωμέγα',
  '日本語のテキスト 中文 한국어',
  'emoji 🚕 ride 👍🏽 zero\u200bwidth',
  '٣٤٥ arabic العربية',
  '',
  '   \n\t ',
  `${'x'.repeat(33000)} tail`,
]

describe('FTS5 terms outside FTS5', () => {
  it('tokenizes as the full-text index does: case, diacritics, punctuation, digits, scripts', () => {
    const tokenizer = new FtsTokenizer(new Database(':memory:'))
    expect(tokenizer.tokenize(TRICKY)).toEqual(fts5Tokens(TRICKY))
  })

  it('tokenizes every ASCII character as FTS5 does (the path that does not ask FTS5)', () => {
    const ascii = Array.from(
      { length: 128 },
      (_, c) => `ab${String.fromCharCode(c)}CD ${String.fromCharCode(c)}x`,
    )
    let seed = 7
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31
      return seed
    }
    for (let i = 0; i < 200; i++)
      ascii.push(Array.from({ length: 40 }, () => String.fromCharCode(random() % 128)).join(''))
    const tokenizer = new FtsTokenizer(new Database(':memory:'))
    expect(tokenizer.tokenize(ascii)).toEqual(fts5Tokens(ascii))
  })

  // (FTS5 does not lower them when a row of a contentless table is deleted: `bm25()` keeps counting
  // deleted rows in N and in the average length, and so does this.)
  it('reads the row and token totals bm25() reads', () => {
    const db = new Database(':memory:')
    db.exec(
      `CREATE VIRTUAL TABLE fts USING fts5(t, content='', contentless_delete=1, tokenize='${TOKENIZE}')`,
    )
    expect(ftsTotals(db)).toEqual({ rows: 0, tokens: 0 })
    const insert = db.prepare('INSERT INTO fts (rowid, t) VALUES (?, ?)')
    for (let i = 1; i <= 300; i++) insert.run(i, 'word '.repeat(i % 7))
    db.prepare('DELETE FROM fts WHERE rowid <= 10').run()
    let tokens = 0
    for (let i = 1; i <= 300; i++) tokens += i % 7
    expect(ftsTotals(db)).toEqual({ rows: 300, tokens })
  })
})

describe('a text field’s values in a source', () => {
  it.each([
    ['notes', { notes: 'one' }],
    ['notes', { notes: ['a', ['b', null, { c: 'not here' }], 3, true] }],
    ['notes', { notes: { inner: 'only notes.inner' }, other: 'x' }],
    ['notes', { other: 'x' }],
    ['notes', { notes: null }],
    ['constructor', { other: 'x' }],
    ['__proto__', JSON.parse('{"__proto__": "own key"}')],
    ['a.b', { a: { b: ['one', 'two'] }, 'a.b': 'three' }],
  ])('are what flattening it gives at %s', (path, source) => {
    expect(valuesAt(source as Record<string, unknown>, path)).toEqual(flatten(source).get(path))
  })
})

/** Each term's full-text rows as FTS5 counts them (skipping deleted rows, as queries do). */
function fts5TermRows(index: SearchIndex): Record<string, number> {
  index.db.exec('CREATE VIRTUAL TABLE IF NOT EXISTS temp.check_rows USING fts5vocab(main, fts, row)')
  const rows = index.db.prepare('SELECT term, doc FROM temp.check_rows').raw().all() as [string, number][]
  return Object.fromEntries(rows)
}
function keptTermRows(index: SearchIndex): Record<string, number> {
  const rows = index.db.prepare('SELECT term, rows FROM terms WHERE rows != 0').raw().all() as [
    string,
    number,
  ][]
  return Object.fromEntries(rows)
}

/** An index written in every way that adds or removes full-text rows. */
async function writtenIndex(ix: SearchIndexes): Promise<SearchIndex> {
  ix.create('notes', {
    properties: {
      zone: { type: 'keyword' },
      body: { type: 'text' },
      title: { type: 'keyword', fields: { words: { type: 'text' } } },
    },
  })
  const index = ix.get('notes')
  const docs = Array.from({ length: 120 }, (_, i) => ({
    id: `d${i}`,
    source: {
      zone: `z${i % 4}`,
      body:
        i % 5 === 0
          ? ['Airport bridge', 'night RIDE ride']
          : `bridge ${i % 3 ? 'airport' : 'Café naïve'} ride ${i}`,
      title: `Trip ${i % 9} to the bridge`,
      ...(i % 6 === 0 ? { extra: 'dynamic text bridge' } : {}),
      later: 'mapped afterwards bridge',
    },
  }))
  await ix.bulkUpsert('notes', docs.slice(0, 80))
  index.putMapping({ properties: { later: { type: 'text' } } })
  await ix.bulkUpsert('notes', docs.slice(80))
  // Updates (a new text, a partial update, one of a document from before `later` was mapped),
  // deletes (of both kinds), and a refused document.
  index.write([
    { op: 'index', id: 'd3', source: { zone: 'z3', body: 'changed words entirely' } },
    { op: 'update', id: 'd90', doc: { body: 'partially updated bridge' } },
    { op: 'update', id: 'd10', doc: { later: 'now indexed bridge' } },
    { op: 'delete', id: 'd4' },
    { op: 'delete', id: 'd100' },
    { op: 'index', id: 'bad', source: { zone: { not: 'a keyword' }, body: 'never indexed' } },
  ])
  await index.durable()
  return index
}

describe('term counts kept on write', () => {
  it('match FTS5’s own after inserts, updates, deletes, dynamic and late mappings', async () => {
    const index = await writtenIndex(indexes())
    const kept = keptTermRows(index)
    expect(kept.bridge).toBeGreaterThan(100)
    expect(kept).toEqual(fts5TermRows(index))
  })

  it('are taken from FTS5 for an index written without them', async () => {
    const ix = indexes()
    const index = await writtenIndex(ix)
    index.db.exec("DELETE FROM terms; DELETE FROM meta WHERE key = 'text_since'")
    const dir = ix.dir
    ix.close()
    const again = SearchIndexes.open({ dir, clock: new ManualClock(NOW) })
    open.push(again)
    const reopened = again.get('notes')
    expect(keptTermRows(reopened)).toEqual(fts5TermRows(reopened))
    reopened.write([
      { op: 'delete', id: 'd5' },
      { op: 'delete', id: 'd85' },
    ])
    expect(keptTermRows(reopened)).toEqual(fts5TermRows(reopened))
  })
})

describe('a filtered match scored from its candidates', () => {
  it('gives each document FTS5’s bm25() to the last bit', async () => {
    const index = await writtenIndex(indexes())
    for (const [field, words, all] of [
      ['body', ['bridge', 'airport'], false],
      ['body', ['ride', 'ride', 'cafe'], false],
      ['body', ['bridge', 'ride'], true],
      ['later', ['bridge'], false],
      ['title.words', ['trip', 'bridge'], false],
    ] as const) {
      const f = index.field(field)!
      const zone = `d.c${index.field('zone')!.slot}`
      index.db.exec(
        'CREATE TABLE IF NOT EXISTS temp.t (rid INTEGER PRIMARY KEY, s REAL NOT NULL); DELETE FROM temp.t',
      )
      scoreCandidates(
        index,
        { field: f, words: [...words], all },
        [...words],
        { sql: `${zone} != ?`, params: ['z1'] },
        'temp.t',
      )
      const ours = index.db.prepare('SELECT rid, s FROM temp.t ORDER BY rid').raw().all()
      const fts = index.db
        .prepare(
          `SELECT rowid / 1024, -bm25(fts) FROM fts WHERE fts MATCH ? AND rowid % 1024 = ${f.slot}
             AND rowid / 1024 IN (SELECT d.rid FROM docs d WHERE ${zone} != 'z1') ORDER BY rowid`,
        )
        .raw()
        .all(words.map((w) => `"${w}"`).join(all ? ' AND ' : ' OR '))
      expect(ours.length).toBeGreaterThan(0)
      expect(ours).toEqual(fts)
    }
  })

  const match = (query: string, operator = 'or') => ({ match: { body: { query, operator } } })
  const inZone = { term: { zone: 'z2' } }
  it.each([
    ['two words', { bool: { must: [match('bridge airport')], filter: [inZone] } }],
    ['operator and, mixed case', { bool: { must: [match('BRIDGE Ride', 'and')], filter: [inZone] } }],
    ['a repeated word and a folded one', { bool: { must: [match('ride ride Café')], filter: [inZone] } }],
    ['a word in no document', { bool: { must: [match('nowhere bridge')], filter: [inZone] } }],
    [
      'two matches, must_not, should',
      {
        bool: {
          must: [match('bridge'), { match: { later: 'bridge' } }],
          must_not: [{ term: { zone: 'z1' } }],
          should: [match('airport')],
          filter: [{ terms: { zone: ['z0', 'z2'] } }],
        },
      },
    ],
    [
      'a boosted match',
      { bool: { must: [{ match: { body: { query: 'airport', boost: 3 } } }], filter: [inZone] } },
    ],
  ])('answers as FTS5 does (%s)', async (_, query) => {
    const index = await writtenIndex(indexes())
    const body = { query, size: 100, aggs: { zones: { terms: { field: 'zone' } } } }
    const candidates = new MatchTables(index, 'candidates')
    const ours = searchIndex(index, body, NOW, candidates)
    const fts5 = new MatchTables(index, 'fts5')
    const theirs = searchIndex(index, body, NOW, fts5)
    expect(candidates.byCandidates.length).toBeGreaterThan(0)
    expect(fts5.byCandidates).toEqual([])
    expect(ours.hits.hits.length).toBeGreaterThan(0)
    expect({ ...ours, took: 0 }).toEqual({ ...theirs, took: 0 })
  })
})

describe('which way a filtered match is scored', () => {
  it('drives from the filter when its documents are few against the terms’ rows, else from FTS5', async () => {
    const ix = indexes()
    ix.create('many', { properties: { zone: { type: 'keyword' }, body: { type: 'text' } } })
    const index = ix.get('many')
    await ix.bulkUpsert(
      'many',
      Array.from({ length: 2000 }, (_, i) => ({
        id: `d${i}`,
        source: {
          zone: i % 200 === 0 ? 'rare' : i % 2 ? 'odd' : 'even',
          body: `common words ${i % 400 === 2 ? 'seldom' : ''}`,
        },
      })),
    )
    const plan = (words: string, zone: string) => {
      const matches = new MatchTables(index)
      const r = searchIndex(
        index,
        { query: { bool: { must: [{ match: { body: words } }], filter: [{ term: { zone } }] } } },
        NOW,
        matches,
      )
      return { by: matches.byCandidates.length > 0 ? 'candidates' : 'fts5', hits: r.hits.total!.value }
    }
    expect(plan('common', 'rare')).toEqual({ by: 'candidates', hits: 10 })
    expect(plan('seldom', 'odd')).toEqual({ by: 'fts5', hits: 0 })
    expect(plan('seldom', 'even')).toEqual({ by: 'fts5', hits: 5 })
  })
})

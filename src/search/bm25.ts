import { ftsTotals } from './fts-terms.ts'
import type { SearchIndex, StoredField } from './index-store.ts'
import type { Sql } from './sql.ts'

/** A `match` of words on one text field: FTS5's `"a" OR "b"` (or `AND`, every word). */
export interface WordsMatch {
  field: StoredField
  words: string[]
  all: boolean
}

/** FTS5's `bm25()` constants. */
const K1 = 1.2
const B = 0.75

/**
 * Scoring a candidate here (reading its source, tokenizing its text) costs about as much as FTS5
 * walking this many entries of a term's document list (measured on 1M documents: ~5 µs against
 * ~75 ns each per term, and `bm25()` walks each term's list twice: to match and to count).
 */
const CANDIDATE_COST = 30

/**
 * The terms FTS5 makes of a match's words (one per word, duplicates kept: each is a phrase of
 * its query), or undefined when a word is not exactly one term to FTS5 (then FTS5 runs it).
 */
export function termsOf(index: SearchIndex, m: WordsMatch): string[] | undefined {
  const terms = index.tokenizer.tokenize(m.words)
  return terms.every((t) => t.length === 1) ? terms.map((t) => t[0]!) : undefined
}

/**
 * Whether scoring `candidates` documents here is cheaper than FTS5 walking the terms' documents
 * (which it does whatever else restricts the query: a filter cannot reach into its index).
 */
export function cheaperByCandidates(index: SearchIndex, terms: string[], candidates: number): boolean {
  const walked = index.termRows(terms).reduce((a, b) => a + b, 0)
  return candidates * CANDIDATE_COST < walked
}

/**
 * Fills `table` (`rid, s`) with the documents meeting `cond` that the match holds for, each with
 * the score FTS5's `bm25()` gives it: the same formula, constants and statistics (rows and tokens
 * from FTS5's own totals, each term's rows from `terms`, kept on write), the term frequencies and
 * length from the document's text tokenized as FTS5 does. Driven from `cond`'s few documents
 * instead of the terms' many; the answers are the same (test/search/bm25.test.ts).
 */
export function scoreCandidates(
  index: SearchIndex,
  m: WordsMatch,
  terms: string[],
  cond: Sql,
  table: string,
): void {
  const { rows, tokens } = ftsTotals(index.db)
  if (rows === 0) return
  const avgdl = tokens / rows
  // `log` as FTS5 takes it (SQLite's `ln` is C's `log`), so the values agree to the last bit.
  const ln = index.db.prepare('SELECT ln((? - ? + 0.5) / (? + 0.5))').pluck()
  const idf = index.termRows(terms).map((hits) => {
    const v = ln.get(rows, hits, hits) as number | null
    return v === null || v <= 0 ? 1e-6 : v
  })
  const rids: number[] = []
  const texts: string[] = []
  const candidates = index.db
    .prepare(`SELECT d.rid, d.id, d.source FROM docs d WHERE ${cond.sql}`)
    .raw()
    .all(...cond.params) as [number, string, string][]
  for (const [rid, id, source] of candidates) {
    const text = index.indexedText(m.field, rid, id, JSON.parse(source) as Record<string, unknown>)
    if (text === undefined) continue
    rids.push(rid)
    texts.push(text)
  }
  const insert = index.db.prepare(`INSERT INTO ${table} (rid, s) VALUES (?, ?)`)
  const tf = new Array<number>(terms.length)
  index.tokenizer.tokenize(texts).forEach((tokens, k) => {
    tf.fill(0)
    for (const token of tokens) for (let i = 0; i < terms.length; i++) if (terms[i] === token) tf[i]! += 1
    if (m.all ? tf.some((f) => f === 0) : tf.every((f) => f === 0)) return
    const D = tokens.length
    let score = 0.0
    for (let i = 0; i < terms.length; i++)
      score += idf[i]! * ((tf[i]! * (K1 + 1.0)) / (tf[i]! + K1 * (1 - B + (B * D) / avgdl)))
    insert.run(rids[k], score)
  })
}

type Database = import('better-sqlite3').Database

/** The full-text index's tokenizer (FTS5's `unicode61`, diacritics folded). */
export const TOKENIZE = 'unicode61 remove_diacritics 2'

/** FTS5 truncates longer tokens to this many bytes (`FTS5_MAX_TOKEN_SIZE`). */
const MAX_TOKEN_BYTES = 32768
const NON_ASCII = /[^\p{ASCII}]/u
const ASCII_TOKEN = /[a-z0-9]+/g

/**
 * Splits texts into the terms FTS5 indexes them as, in order. ASCII text, by far the most common,
 * is split here: `unicode61` takes ASCII letters and digits as token characters and everything
 * else (`_`, punctuation, symbols, controls) as separators, and folds `A-Z` to lower case. Other
 * text goes through FTS5's own tokenizer (a scratch table in `temp` and its `fts5vocab`), since its
 * categories and diacritic folding come from Unicode 6.1 tables, not from the JavaScript engine's.
 */
export class FtsTokenizer {
  readonly #db: Database
  #scratch:
    | {
        insert: import('better-sqlite3').Statement
        terms: import('better-sqlite3').Statement
        clear: import('better-sqlite3').Statement
      }
    | undefined

  constructor(db: Database) {
    this.#db = db
  }

  tokenize(texts: readonly string[]): string[][] {
    const out: string[][] = new Array(texts.length)
    const slow: number[] = []
    for (let i = 0; i < texts.length; i++) {
      const text = texts[i]!
      if (text.length <= MAX_TOKEN_BYTES && !NON_ASCII.test(text))
        out[i] = text.toLowerCase().match(ASCII_TOKEN) ?? []
      else slow.push(i)
    }
    if (slow.length > 0) this.#byFts5(texts, slow, out)
    return out
  }

  #byFts5(texts: readonly string[], which: number[], out: string[][]): void {
    if (!this.#scratch) {
      this.#db.exec(
        `CREATE VIRTUAL TABLE IF NOT EXISTS temp.fts_scratch USING fts5(t, content='', tokenize='${TOKENIZE}');
         CREATE VIRTUAL TABLE IF NOT EXISTS temp.fts_scratch_terms USING fts5vocab(temp, fts_scratch, instance);`,
      )
      this.#scratch = {
        insert: this.#db.prepare('INSERT INTO temp.fts_scratch (rowid, t) VALUES (?, ?)'),
        terms: this.#db.prepare('SELECT doc, term FROM temp.fts_scratch_terms ORDER BY doc, offset').raw(),
        // (Emptied at once, not row by row: deleting rows of an FTS5 table leaves tombstones that
        // every later scan reads through.)
        clear: this.#db.prepare("INSERT INTO temp.fts_scratch (fts_scratch) VALUES ('delete-all')"),
      }
    }
    const s = this.#scratch
    // One transaction (or savepoint): FTS5 writes a segment per transaction.
    this.#db.transaction(() => {
      for (const i of which) {
        out[i] = []
        s.insert.run(i, texts[i])
      }
      for (const [doc, term] of s.terms.all() as [number, string][]) out[doc]!.push(term)
      s.clear.run()
    })()
  }
}

/** The statistics FTS5's `bm25()` reads: rows in the full-text index and their tokens. */
export interface FtsTotals {
  rows: number
  tokens: number
}

/**
 * Reads FTS5's averages record (rowid 1 of `<table>_data`: varints of the row count, then of each
 * column's token count), what `xRowCount` and `xColumnTotalSize` answer from.
 */
export function ftsTotals(db: Database, table = 'fts'): FtsTotals {
  const row = db.prepare(`SELECT block FROM ${table}_data WHERE id = 1`).get() as
    | { block: Buffer }
    | undefined
  if (!row) return { rows: 0, tokens: 0 }
  const values: number[] = []
  for (let at = 0; at < row.block.length; ) {
    const [v, n] = varint(row.block, at)
    values.push(v)
    at += n
  }
  return { rows: values[0] ?? 0, tokens: values.slice(1).reduce((a, b) => a + b, 0) }
}

/** SQLite's varint: big-endian 7-bit groups with a continuation bit; a 9th byte gives all 8 bits. */
function varint(buf: Buffer, at: number): [number, number] {
  let v = 0
  for (let i = 0; i < 8; i++) {
    const byte = buf[at + i]!
    v = v * 128 + (byte & 0x7f)
    if ((byte & 0x80) === 0) return [v, i + 1]
  }
  return [v * 256 + buf[at + 8]!, 9]
}

import { randomBytes } from 'node:crypto'
import { mkdirSync, rmSync } from 'node:fs'
import { dirname } from 'node:path'
import Database from 'better-sqlite3'
import { WalSync } from '../storage/state/wal-sync.ts'
import { documentMissing, illegalArgument, mapperParsing, SearchError, versionConflict } from './errors.ts'
import { FtsTokenizer, TOKENIZE } from './fts-terms.ts'
import {
  addProperty,
  checkProperties,
  dynamicProperty,
  flatten,
  formatAt,
  type Leaf,
  leavesOf,
  type Mapping,
  type Property,
  storedValue,
  valuesAt,
} from './mapping.ts'

/**
 * FTS rows are keyed `rid * TEXT_SLOTS + slot`: one row per document and text field, so a match
 * is narrowed to a field by its rowid and a document's rows are deleted by a rowid range.
 */
export const TEXT_SLOTS = 1024

/** A mapped leaf and where its values live. */
export interface StoredField extends Leaf {
  /** `text`: the FTS row slot; otherwise the column `c<slot>` of `docs` (or `multi.slot`). */
  slot: number
  /** Some document had several values: they live in `multi`, not in the column. */
  multi: boolean
}

/** One write of a `_bulk` request (or of the document API), as OpenSearch names its actions. */
export type WriteOp =
  | {
      op: 'index' | 'create'
      id?: string | undefined
      source: Record<string, unknown>
      /** The source as the client sent it (JSON of `source`), stored as is: OpenSearch keeps it so too. */
      text?: string | undefined
    }
  | {
      op: 'update'
      id: string
      doc?: Record<string, unknown> | undefined
      upsert?: Record<string, unknown> | undefined
      docAsUpsert?: boolean | undefined
      detectNoop?: boolean | undefined
    }
  | { op: 'delete'; id: string }

export type WriteOutcome =
  | {
      ok: true
      id: string
      version: number
      seqNo: number
      result: 'created' | 'updated' | 'deleted' | 'not_found' | 'noop'
      status: number
    }
  | { ok: false; id: string | undefined; error: SearchError }

export interface StoredDoc {
  id: string
  source: string
  version: number
  seqNo: number
}

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
  CREATE TABLE IF NOT EXISTS fields (
    path TEXT PRIMARY KEY, type TEXT NOT NULL, storage TEXT NOT NULL, slot INTEGER NOT NULL,
    multi INTEGER NOT NULL DEFAULT 0, ignore_above INTEGER);
  CREATE TABLE IF NOT EXISTS docs (
    rid INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, version INTEGER NOT NULL, seq_no INTEGER NOT NULL,
    source TEXT NOT NULL);
  CREATE TABLE IF NOT EXISTS multi (rid INTEGER NOT NULL, slot INTEGER NOT NULL, v ANY NOT NULL);
  CREATE INDEX IF NOT EXISTS multi_rid ON multi (rid);
  CREATE INDEX IF NOT EXISTS multi_v ON multi (slot, v, rid);
  CREATE VIRTUAL TABLE IF NOT EXISTS fts USING fts5(
    t, content='', contentless_delete=1, tokenize='${TOKENIZE}');
  CREATE TABLE IF NOT EXISTS terms (term TEXT PRIMARY KEY, rows INTEGER NOT NULL) WITHOUT ROWID;`

/**
 * One search index: a SQLite database of its own (WAL) with the documents' sources, a column per
 * mapped keyword, number, date or boolean field (indexed; values of fields seen with several
 * values in a side table), and an FTS5 full-text index of its text fields. Writes are committed
 * with `synchronous = NORMAL` (they survive the process being killed at once) and group-fsynced
 * off the event loop: {@link durable} resolves once they survive a power loss too; replies are
 * sent only then.
 *
 * Documents are visible to searches as soon as they are written (OpenSearch makes them visible at
 * the next refresh, within a second).
 */
export class SearchIndex {
  readonly name: string
  readonly db: Database.Database
  readonly #path: string
  readonly #sync: WalSync
  #mapping: Mapping
  readonly #fields = new Map<string, StoredField>()
  /** The leaves a source path is stored in (its field and multi-fields), as looked up so far. */
  readonly #bySource = new Map<string, StoredField[]>()
  #nextSlot = { text: 0, column: 0 }
  #seqNo: number
  /** Documents now (as writes counted them), and when the planner's statistics were last gathered. */
  #docs: number
  #analyzedAt: number
  readonly #inserts = new Map<string, Database.Statement>()
  readonly #s: ReturnType<typeof statements>
  #closed = false
  /** Splits text into terms as the full-text index does. */
  readonly tokenizer: FtsTokenizer
  /**
   * Documents from this rowid on were written with every text field now mapped: each of their
   * text values has its full-text row. (An older one may not: a field mapped after it was written.)
   */
  #textSince: number
  /** Texts added to and removed from the full-text index by the write in progress. */
  #textsIn: string[] = []
  #textsOut: string[] = []
  /** Where each text field's values are in a source (a multi-field's are its parent's). */
  readonly #sourcePaths = new Map<number, string>()

  private constructor(name: string, path: string, db: Database.Database) {
    this.name = name
    this.#path = path
    this.db = db
    this.#sync = new WalSync(path)
    this.#s = statements(db)
    this.#mapping = JSON.parse(this.#meta('mapping') ?? '{"properties":{}}') as Mapping
    this.#seqNo = Number(this.#meta('seq_no') ?? '-1')
    this.#docs = this.docCount()
    this.#analyzedAt = Number(this.#meta('analyzed_at') ?? '0')
    for (const row of db.prepare('SELECT * FROM fields').all() as FieldRow[]) this.#remember(row)
    this.tokenizer = new FtsTokenizer(db)
    this.#textSince = Number(this.#meta('text_since') ?? Number.NaN)
    if (Number.isNaN(this.#textSince)) this.#countTerms()
  }

  /**
   * An index written before the `terms` table was kept: its counts are taken from FTS5's own
   * vocabulary once (which skips deleted rows, as queries do), and its documents so far are all
   * taken as possibly missing a text field's row.
   */
  #countTerms(): void {
    this.db.transaction(() => {
      this.db.exec(
        `CREATE VIRTUAL TABLE IF NOT EXISTS temp.fts_rows USING fts5vocab(main, fts, row);
         DELETE FROM terms; INSERT INTO terms (term, rows) SELECT term, doc FROM temp.fts_rows;
         DROP TABLE temp.fts_rows`,
      )
      this.#textSince = this.#nextRid()
      this.#s.setMeta.run('text_since', String(this.#textSince))
    })()
    this.#sync.wrote()
  }

  #nextRid(): number {
    return (this.db.prepare('SELECT coalesce(max(rid), 0) + 1 AS n FROM docs').get() as { n: number }).n
  }

  /** Opens (or creates, with `mapping`) the index stored at `path`. */
  static open(name: string, path: string, create?: { mapping?: Partial<Mapping>; now: number }): SearchIndex {
    mkdirSync(dirname(path), { recursive: true })
    const db = new Database(path, { fileMustExist: create === undefined })
    db.pragma('journal_mode = WAL')
    db.pragma('synchronous = NORMAL')
    // A 1,000-document `_bulk` dirties a page of every column index per distinct value it adds
    // (thousands of pages): with SQLite's 1,000-page default every commit checkpointed (copying
    // them to the database and fsyncing it, on the event loop). A 64 MB WAL checkpoints a page once
    // for several commits. (256 MB copied a third as much, but every page a search reads is looked
    // up in the WAL's index first, one hash table per 16 MB of it: searches after a load got slower.)
    // The larger cache and the mapping keep an index's hot pages at hand.
    db.pragma('wal_autocheckpoint = 16384')
    db.pragma('cache_size = -131072')
    db.pragma('mmap_size = 1073741824')
    db.pragma('temp_store = MEMORY')
    db.exec(SCHEMA)
    const put = db.prepare('INSERT OR IGNORE INTO meta (key, value) VALUES (?, ?)')
    if (create) {
      put.run('created', String(create.now))
      put.run('uuid', randomBytes(16).toString('base64url').slice(0, 22))
    }
    const index = new SearchIndex(name, path, db)
    if (create?.mapping) index.putMapping(create.mapping)
    return index
  }

  get mapping(): Mapping {
    return this.#mapping
  }

  get uuid(): string {
    return this.#meta('uuid') ?? '_na_'
  }

  get createdAt(): number {
    return Number(this.#meta('created') ?? 0)
  }

  /** A mapped leaf by its dotted path (`title`, `title.keyword`), undefined when unmapped. */
  field(path: string): StoredField | undefined {
    return this.#fields.get(path)
  }

  fields(): StoredField[] {
    return [...this.#fields.values()]
  }

  docCount(): number {
    return (this.#s.count.get() as { n: number }).n
  }

  /** Bytes on disk (the database and its WAL). */
  sizeBytes(): number {
    const { n } = this.db
      .prepare('SELECT page_count * page_size AS n FROM pragma_page_count, pragma_page_size')
      .get() as {
      n: number
    }
    return n
  }

  get(id: string): StoredDoc | undefined {
    const row = this.#s.byId.get(id) as
      | { id: string; source: string; version: number; seq_no: number }
      | undefined
    return row && { id: row.id, source: row.source, version: row.version, seqNo: row.seq_no }
  }

  /**
   * Adds properties to the mapping (`PUT /index/_mapping`): new fields only; a field's type cannot
   * change, as in OpenSearch.
   */
  putMapping(mapping: Partial<Mapping>): void {
    const properties = checkProperties(mapping.properties ?? {})
    this.db.transaction(() => {
      for (const leaf of leavesOf(properties)) {
        const existing = this.#fields.get(leaf.path)
        if (existing && existing.type !== leaf.type)
          throw illegalArgument(
            `mapper [${leaf.path}] cannot be changed from type [${existing.type}] to [${leaf.type}]`,
          )
      }
      mergeProperties(this.#mapping.properties, properties)
      if (mapping.dynamic !== undefined) this.#mapping.dynamic = mapping.dynamic
      for (const leaf of leavesOf(properties)) if (!this.#fields.has(leaf.path)) this.#addField(leaf)
      this.#s.setMeta.run('mapping', JSON.stringify(this.#mapping))
    })()
    this.#sync.wrote()
  }

  /**
   * Applies writes in one transaction, each succeeding or failing alone (as `_bulk` items do).
   * Visible at once; await {@link durable} before acknowledging them.
   */
  write(ops: readonly WriteOp[]): WriteOutcome[] {
    if (this.#closed) throw new SearchError('index_closed_exception', 'closed', 400, { index: this.name })
    this.#textsIn = []
    this.#textsOut = []
    const out = this.db.transaction(() => {
      const outcomes = ops.map((op) => this.#apply(op))
      this.#countWrittenTerms()
      this.#s.setMeta.run('seq_no', String(this.#seqNo))
      return outcomes
    })()
    this.#sync.wrote()
    for (const o of out) if (o.ok) this.#docs += o.result === 'created' ? 1 : o.result === 'deleted' ? -1 : 0
    this.#analyzeWhenGrown()
    return out
  }

  /**
   * Gathers the query planner's statistics (`sqlite_stat1`) each time the index has doubled.
   * Without them SQLite takes any equality for selective: `payment = ? AND pickup` in an hour
   * walked a quarter of the index by `payment`, `vendor:v1 AND zone:z` a third by `vendor`.
   * A sample of each index (`analysis_limit`) keeps this to tens of milliseconds at any size.
   */
  #analyzeWhenGrown(): void {
    if (this.#docs < 1000 || this.#docs < 2 * this.#analyzedAt) return
    this.#analyzedAt = this.#docs
    this.db.pragma('analysis_limit = 10000')
    this.db.transaction(() => {
      this.db.exec('ANALYZE docs; ANALYZE multi')
      this.#s.setMeta.run('analyzed_at', String(this.#analyzedAt))
    })()
    this.#sync.wrote()
  }

  /** Resolves once every write made so far survives a power loss. */
  durable(): Promise<void> {
    return this.#sync.durable()
  }

  /** The next sequence number (for writes that change nothing, `_seq_no` stays). */
  get seqNo(): number {
    return this.#seqNo
  }

  #apply(op: WriteOp): WriteOutcome {
    const id: string = op.id ?? autoId()
    try {
      if (id === '' || Buffer.byteLength(id) > 512)
        throw new SearchError(
          'action_request_validation_exception',
          `Validation Failed: 1: id [${id}] is too long, must be no longer than 512 bytes but was: ${Buffer.byteLength(id)};`,
          400,
        )
      const existing = this.#s.byId.get(id) as Existing | undefined
      switch (op.op) {
        case 'delete': {
          if (!existing)
            return { ok: true, id, version: 1, seqNo: ++this.#seqNo, result: 'not_found', status: 404 }
          this.#remove(existing)
          return {
            ok: true,
            id,
            version: existing.version + 1,
            seqNo: ++this.#seqNo,
            result: 'deleted',
            status: 200,
          }
        }
        case 'create':
          if (existing) throw versionConflict(this.name, id, existing.version)
          return this.#put(id, op.source, undefined, op.text)
        case 'index':
          return this.#put(id, op.source, existing, op.text)
        case 'update': {
          if (!existing) {
            const upsert = op.upsert ?? (op.docAsUpsert ? op.doc : undefined)
            if (!upsert) throw documentMissing(this.name, id)
            return this.#put(id, upsert, undefined)
          }
          const current = JSON.parse(existing.source) as Record<string, unknown>
          const merged = deepMerge(current, op.doc ?? {})
          // (A stored source may be the client's text: compare it as this process writes JSON.)
          if (op.detectNoop !== false && JSON.stringify(merged) === JSON.stringify(current))
            return {
              ok: true,
              id,
              version: existing.version,
              seqNo: this.#seqNo,
              result: 'noop',
              status: 200,
            }
          return this.#put(id, merged, existing)
        }
      }
    } catch (error) {
      if (error instanceof SearchError) return { ok: false, id, error }
      throw error
    }
  }

  #put(
    id: string,
    source: Record<string, unknown>,
    existing: Existing | undefined,
    sent?: string,
  ): WriteOutcome {
    if (source === null || typeof source !== 'object' || Array.isArray(source))
      throw mapperParsing('failed to parse, document is empty')
    const text = sent ?? JSON.stringify(source)
    const { columns, multis, texts } = this.#values(id, source)
    if (existing) this.#remove(existing)
    const version = existing ? existing.version + 1 : 1
    const seqNo = ++this.#seqNo
    const slots = [...columns.keys()].sort((a, b) => a - b)
    const { lastInsertRowid } = this.#insert(slots).run(
      id,
      version,
      seqNo,
      text,
      ...slots.map((s) => columns.get(s)),
    )
    const rid = Number(lastInsertRowid)
    for (const [slot, v] of multis) this.#s.multi.run(rid, slot, v)
    for (const [slot, t] of texts) {
      this.#s.fts.run(rid * TEXT_SLOTS + slot, t)
      this.#textsIn.push(t)
    }
    return {
      ok: true,
      id,
      version,
      seqNo,
      result: existing ? 'updated' : 'created',
      status: existing ? 200 : 201,
    }
  }

  #remove({ rid, id, source }: Existing): void {
    const parsed = JSON.parse(source) as Record<string, unknown>
    for (const field of this.#fields.values()) {
      if (field.storage !== 'text') continue
      const text = this.indexedText(field, rid, id, parsed)
      if (text !== undefined) this.#textsOut.push(text)
    }
    this.#s.deleteDoc.run(rid)
    this.#s.deleteMulti.run(rid)
    this.#s.deleteFts.run(rid * TEXT_SLOTS, rid * TEXT_SLOTS + TEXT_SLOTS - 1)
  }

  /**
   * Keeps `terms` (how many full-text rows hold each term: FTS5's `bm25()` counts the same by
   * walking each term's rows) up to date with the texts the write added and removed.
   */
  #countWrittenTerms(): void {
    const delta = new Map<string, number>()
    const count = (texts: string[], by: number) => {
      for (const terms of this.tokenizer.tokenize(texts))
        for (const term of new Set(terms)) delta.set(term, (delta.get(term) ?? 0) + by)
    }
    count(this.#textsIn, 1)
    count(this.#textsOut, -1)
    this.#textsIn = []
    this.#textsOut = []
    for (const [term, by] of delta) if (by !== 0) this.#s.termRows.run(term, by)
  }

  /** How many full-text rows (documents and text fields) hold each term. */
  termRows(terms: readonly string[]): number[] {
    return terms.map((t) => (this.#s.termRowsOf.get(t) as number | undefined) ?? 0)
  }

  /**
   * The text a document's full-text row for `field` holds (undefined: it has none), from its
   * source: what {@link write} indexed, derived the same way.
   */
  indexedText(
    field: StoredField,
    rid: number,
    id: string,
    source: Record<string, unknown>,
  ): string | undefined {
    let path = this.#sourcePaths.get(field.slot)
    if (path === undefined) {
      path = isMultiField(this.#mapping.properties, field.path)
        ? field.path.slice(0, field.path.lastIndexOf('.'))
        : field.path
      this.#sourcePaths.set(field.slot, path)
    }
    const values = valuesAt(source, path)
    if (values === undefined) return undefined
    const stored = values.map((v) => storedValue(field, v, id)).filter((v) => v !== undefined)
    if (stored.length === 0) return undefined
    if (rid < this.#textSince && this.#s.hasFtsRow.get(rid * TEXT_SLOTS + field.slot) === undefined)
      return undefined
    return stored.join('\n')
  }

  /** A document's values by storage, mapping the fields dynamic mapping adds on the way. */
  #values(id: string, source: Record<string, unknown>) {
    const columns = new Map<number, string | number>()
    const multis: [number, string | number][] = []
    const texts = new Map<number, string>()
    let mappingChanged = false
    for (const [path, values] of flatten(source)) {
      let leaves = this.#leavesAt(path)
      if (leaves.length === 0) {
        const dynamic = this.#mapping.dynamic
        if (dynamic === 'strict')
          throw new SearchError(
            'strict_dynamic_mapping_exception',
            `mapping set to strict, dynamic introduction of [${path}] within [_doc] is not allowed`,
            400,
          )
        if (dynamic === false || dynamic === 'false') continue
        const property = dynamicProperty(values[0])
        if (!property) continue
        addProperty(this.#mapping.properties, path, property)
        for (const leaf of leavesOf({ [path]: property })) this.#addField(leaf)
        mappingChanged = true
        leaves = this.#leavesAt(path)
      }
      for (const field of leaves) {
        const stored = values.map((v) => storedValue(field, v, id)).filter((v) => v !== undefined)
        if (stored.length === 0) continue
        if (field.storage === 'text') {
          texts.set(field.slot, stored.join('\n'))
          continue
        }
        if (stored.length > 1 && !field.multi) this.#makeMulti(field)
        if (field.multi) for (const v of stored) multis.push([field.slot, v])
        else columns.set(field.slot, stored[0]!)
      }
    }
    if (mappingChanged) this.#s.setMeta.run('mapping', JSON.stringify(this.#mapping))
    return { columns, multis, texts }
  }

  /** The leaves stored from a source path: the field and its multi-fields (`title`, `title.keyword`). */
  #leavesAt(path: string): StoredField[] {
    const cached = this.#bySource.get(path)
    if (cached) return cached
    const own = this.#fields.get(path)
    if (!own) return []
    const out = [own]
    for (const [p, f] of this.#fields)
      if (p.startsWith(`${path}.`) && isMultiField(this.#mapping.properties, p)) out.push(f)
    this.#bySource.set(path, out)
    return out
  }

  #addField(leaf: Leaf): void {
    const text = leaf.storage === 'text'
    const slot = text ? this.#nextSlot.text++ : this.#nextSlot.column++
    if (text && slot >= TEXT_SLOTS)
      throw illegalArgument(`Limit of total text fields [${TEXT_SLOTS}] has been exceeded`)
    if (!text) {
      this.db.exec(`ALTER TABLE docs ADD COLUMN c${slot}`)
      this.db.exec(`CREATE INDEX docs_c${slot} ON docs (c${slot})`)
      this.#inserts.clear()
    } else {
      // Documents written so far have no row for this field, whatever their sources hold.
      this.#textSince = this.#nextRid()
      this.#s.setMeta.run('text_since', String(this.#textSince))
    }
    this.db
      .prepare(
        'INSERT INTO fields (path, type, storage, slot, multi, ignore_above) VALUES (?, ?, ?, ?, 0, ?)',
      )
      .run(leaf.path, leaf.type, leaf.storage, slot, leaf.ignoreAbove ?? null)
    this.#fields.set(leaf.path, { ...leaf, slot, multi: false })
    this.#bySource.clear()
  }

  /** A field got several values in one document: its values move from the column to `multi`. */
  #makeMulti(field: StoredField): void {
    const c = `c${field.slot}`
    this.db.exec(
      `INSERT INTO multi (rid, slot, v) SELECT rid, ${field.slot}, ${c} FROM docs WHERE ${c} IS NOT NULL`,
    )
    this.db.exec(`UPDATE docs SET ${c} = NULL WHERE ${c} IS NOT NULL`)
    this.db.prepare('UPDATE fields SET multi = 1 WHERE path = ?').run(field.path)
    field.multi = true
  }

  #insert(slots: number[]): Database.Statement {
    const key = slots.join(',')
    let statement = this.#inserts.get(key)
    if (!statement) {
      const cols = slots.map((s) => `, c${s}`).join('')
      const marks = slots.map(() => ', ?').join('')
      statement = this.db.prepare(
        `INSERT INTO docs (id, version, seq_no, source${cols}) VALUES (?, ?, ?, ?${marks})`,
      )
      this.#inserts.set(key, statement)
    }
    return statement
  }

  #remember(row: FieldRow): void {
    const field: StoredField = {
      path: row.path,
      type: row.type,
      storage: row.storage as StoredField['storage'],
      slot: row.slot,
      multi: row.multi === 1,
      ...(row.ignore_above === null ? {} : { ignoreAbove: row.ignore_above }),
    }
    const format = row.type === 'date' ? formatAt(this.#mapping.properties, row.path) : undefined
    if (format !== undefined) field.format = format
    this.#fields.set(row.path, field)
    if (field.storage === 'text') this.#nextSlot.text = Math.max(this.#nextSlot.text, row.slot + 1)
    else this.#nextSlot.column = Math.max(this.#nextSlot.column, row.slot + 1)
  }

  #meta(key: string): string | undefined {
    return (this.db.prepare('SELECT value FROM meta WHERE key = ?').get(key) as { value: string } | undefined)
      ?.value
  }

  close(): void {
    if (this.#closed) return
    this.#closed = true
    this.db.close()
  }

  /** Closes the index and deletes its files. */
  drop(): void {
    this.close()
    for (const suffix of ['', '-wal', '-shm']) rmSync(`${this.#path}${suffix}`, { force: true })
  }
}

interface Existing {
  rid: number
  id: string
  version: number
  source: string
}

interface FieldRow {
  path: string
  type: string
  storage: string
  slot: number
  multi: number
  ignore_above: number | null
}

function statements(db: Database.Database) {
  return {
    count: db.prepare('SELECT count(*) AS n FROM docs'),
    byId: db.prepare('SELECT rid, id, version, seq_no, source FROM docs WHERE id = ?'),
    deleteDoc: db.prepare('DELETE FROM docs WHERE rid = ?'),
    deleteMulti: db.prepare('DELETE FROM multi WHERE rid = ?'),
    deleteFts: db.prepare('DELETE FROM fts WHERE rowid BETWEEN ? AND ?'),
    multi: db.prepare('INSERT INTO multi (rid, slot, v) VALUES (?, ?, ?)'),
    fts: db.prepare('INSERT INTO fts (rowid, t) VALUES (?, ?)'),
    termRows: db.prepare(
      'INSERT INTO terms (term, rows) VALUES (?, ?) ON CONFLICT (term) DO UPDATE SET rows = rows + excluded.rows',
    ),
    termRowsOf: db.prepare('SELECT rows FROM terms WHERE term = ?').pluck(),
    hasFtsRow: db.prepare('SELECT 1 FROM fts_docsize WHERE id = ?').pluck(),
    setMeta: db.prepare(
      'INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
    ),
  }
}

/** Whether `path` is a multi-field (`title.keyword` under `title`'s `fields`) of the mapping. */
function isMultiField(properties: Record<string, Property>, path: string): boolean {
  const parts = path.split('.')
  const sub = parts.pop()!
  let level: Record<string, Property> | undefined = properties
  let property: Property | undefined
  for (const part of parts) {
    property = level?.[part]
    level = property?.properties
  }
  return property?.fields?.[sub] !== undefined
}

function mergeProperties(into: Record<string, Property>, from: Record<string, Property>): void {
  for (const [name, p] of Object.entries(from)) {
    const existing = into[name]
    if (existing?.properties && p.properties) mergeProperties(existing.properties, p.properties)
    else if (existing && p.fields) existing.fields = { ...existing.fields, ...p.fields }
    else if (!existing) into[name] = structuredClone(p)
  }
}

/** An update's partial document merged into the source, objects recursively (as `_update` does). */
function deepMerge(into: Record<string, unknown>, doc: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...into }
  for (const [k, v] of Object.entries(doc)) {
    const cur = out[k]
    out[k] =
      v && typeof v === 'object' && !Array.isArray(v) && cur && typeof cur === 'object' && !Array.isArray(cur)
        ? deepMerge(cur as Record<string, unknown>, v as Record<string, unknown>)
        : v
  }
  return out
}

/** An id as OpenSearch generates them: 20 URL-safe base64 characters. */
function autoId(): string {
  return randomBytes(15).toString('base64url')
}

import type Database from 'better-sqlite3'
import type { Changes, Condition, QueryOptions, TableKey } from '../../bindings/index.ts'
import type { StateStore } from '../../storage/state/state-store.ts'
import { conditionFailed, invalidParameter, TableConfigError, validation } from './errors.ts'
import { applyChanges, conditionHolds, parseChanges, parseCondition } from './expressions.ts'
import {
  comparePositions,
  type IndexEntry,
  indexOf,
  indexPage,
  positionOf,
  startPosition,
} from './indexes.ts'
import { decodeItem, encodeItem } from './item-codec.ts'
import {
  checkKeyValue,
  type EncodedKey,
  encodeKey,
  encodeKeyValue,
  fitsKeyType,
  type IndexDefinition,
  isKeyValue,
  itemKey,
  type Key,
  type KeyValue,
  parseKey,
  type TableDefinition,
} from './keys.ts'
import { limitOf, type Page, pageOf, type Row } from './paging.ts'
import { continueAfter, inRange, type SortRange, sortRange } from './sort-range.ts'
import { type Item, isPlainObject, itemSize, MAX_ITEM_BYTES, normalizeItem } from './values.ts'

/** The state-store tables this component owns (append-only, see StateStore.ensureSchema). */
const MIGRATIONS = [
  `CREATE TABLE table_items (
     table_name TEXT NOT NULL,
     pk BLOB NOT NULL,
     sk BLOB NOT NULL,
     item TEXT NOT NULL,
     size INTEGER NOT NULL,
     PRIMARY KEY (table_name, pk, sk)
   ) WITHOUT ROWID;
   CREATE TABLE table_schemas (
     table_name TEXT PRIMARY KEY,
     partition_key TEXT NOT NULL,
     sort_key TEXT
   );`,
]

/** DynamoDB's limit on key attribute names. */
const MAX_KEY_NAME_BYTES = 255

export interface WriteOptions {
  condition?: Condition
}

export interface ScanOptions {
  limit?: number
  startAfter?: Key | TableKey
  /** Scan this secondary index (its items, in its order) instead of the table. */
  index?: string
}

/**
 * A Query as the table service takes it: the bindings' options, with binary key values allowed
 * and, optionally, a secondary index to read instead of the table.
 */
export interface TableQuery extends Omit<QueryOptions, 'partitionKey' | 'startAfter'> {
  partitionKey: KeyValue
  startAfter?: Key | TableKey
  index?: string
}

function checkDefinition(name: string, def: TableDefinition): void {
  const bad = (attr: unknown) =>
    typeof attr !== 'string' || attr === '' || Buffer.byteLength(attr, 'utf8') > MAX_KEY_NAME_BYTES
  if (bad(def.partitionKey)) {
    throw new TableConfigError(`table '${name}': partitionKey must be an attribute name of 1-255 bytes`)
  }
  if (def.sortKey !== undefined && (bad(def.sortKey) || def.sortKey === def.partitionKey)) {
    throw new TableConfigError(
      `table '${name}': sortKey must be an attribute name of 1-255 bytes, other than the partition key`,
    )
  }
  for (const index of def.secondaryIndexes ?? []) {
    if (!index.global && def.sortKey === undefined) {
      throw new TableConfigError(
        `table '${name}': local index '${index.name}' needs the table to have a sortKey (as DynamoDB's local indexes do)`,
      )
    }
    if (index.sortKey !== undefined && index.sortKey === index.partitionKey) {
      throw new TableConfigError(`table '${name}': index '${index.name}' has the same partition and sort key`)
    }
  }
}

function writeOptions(options: unknown): Condition | undefined {
  if (options === undefined) return undefined
  if (!isPlainObject(options) || Object.keys(options).some((k) => k !== 'condition')) {
    throw validation('Invalid options: only { condition } is accepted')
  }
  return options.condition as Condition | undefined
}

/** Items one TTL sweep step deletes at most (one transaction). */
const EXPIRE_BATCH = 1000
/** DynamoDB's TTL ignores expiry times more than five years in the past. */
const TTL_MAX_AGE_SECONDS = 5 * 365 * 24 * 3600

/**
 * One DynamoDB-like table in the state store: items keyed by partition (+ sort) key, one row each,
 * with DynamoDB's validation, conditional writes and Query/Scan paging. Every write is one SQLite
 * transaction, so a condition is checked and the write applied atomically. Methods are
 * synchronous (better-sqlite3); the binding host wraps them in promises.
 *
 * @example
 * const devices = new TableService(store, 'devices', { partitionKey: 'id' })
 * devices.put({ id: 'd-1', battery: 97 }, { condition: { exists: false } })
 * devices.update({ id: 'd-1' }, { add: { readings: 1 } }) // { id: 'd-1', battery: 97, readings: 1 }
 */
export class TableService {
  readonly name: string
  readonly definition: Readonly<TableDefinition>
  readonly #store: StateStore
  readonly #statements = new Map<string, Database.Statement>()

  constructor(store: StateStore, name: string, definition: TableDefinition) {
    checkDefinition(name, definition)
    store.ensureSchema('tables', MIGRATIONS)
    this.#store = store
    this.name = name
    this.definition = Object.freeze({ ...definition })
    this.#recordKeySchema()
  }

  /** Deletes every item of a table and forgets its key schema; returns how many items went. */
  static drop(store: StateStore, name: string): number {
    store.ensureSchema('tables', MIGRATIONS)
    return store.transaction(() => {
      store.db.prepare('DELETE FROM table_schemas WHERE table_name = ?').run(name)
      return store.db.prepare('DELETE FROM table_items WHERE table_name = ?').run(name).changes
    })
  }

  #recordKeySchema(): void {
    const { partitionKey, sortKey = null } = this.definition
    this.#store.transaction(() => {
      const row = this.#stmt('SELECT partition_key, sort_key FROM table_schemas WHERE table_name = ?').get(
        this.name,
      ) as { partition_key: string; sort_key: string | null } | undefined
      if (row && (row.partition_key !== partitionKey || row.sort_key !== sortKey) && this.count() > 0) {
        const describe = (pk: string, sk: string | null) =>
          `partition key '${pk}'` + (sk === null ? ' and no sort key' : ` and sort key '${sk}'`)
        const n = this.count()
        throw new TableConfigError(
          `table '${this.name}' holds ${n} item${n === 1 ? '' : 's'} keyed by ${describe(row.partition_key, row.sort_key)}; ` +
            `its keys cannot change to ${describe(partitionKey, sortKey)}. Rename the table, or delete its items`,
        )
      }
      this.#stmt(
        `INSERT INTO table_schemas (table_name, partition_key, sort_key) VALUES (?, ?, ?)
         ON CONFLICT(table_name) DO UPDATE SET partition_key = excluded.partition_key, sort_key = excluded.sort_key`,
      ).run(this.name, partitionKey, sortKey)
    })
  }

  /**
   * One item write as one transaction, group committed: visible at once and safe from a crash of
   * the process; whoever acknowledges it (the DynamoDB API, the binding host) awaits
   * `StateStore.durable()` first, so an acknowledged write also survives a power loss.
   */
  #commit<T>(write: () => T): T {
    return this.#store.commitRelaxed(() => this.#store.transaction(write))
  }

  #stmt(sql: string): Database.Statement {
    let statement = this.#statements.get(sql)
    if (!statement) {
      statement = this.#store.db.prepare(sql)
      this.#statements.set(sql, statement)
    }
    return statement
  }

  #read(key: EncodedKey): Item | undefined {
    const row = this.#stmt('SELECT item FROM table_items WHERE table_name = ? AND pk = ? AND sk = ?').get(
      this.name,
      key.pk,
      key.sk,
    ) as { item: string } | undefined
    return row ? decodeItem(row.item) : undefined
  }

  #write(key: EncodedKey, item: Item, size: number): void {
    this.#stmt(
      `INSERT INTO table_items (table_name, pk, sk, item, size) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT(table_name, pk, sk) DO UPDATE SET item = excluded.item, size = excluded.size`,
    ).run(this.name, key.pk, key.sk, encodeItem(item), size)
  }

  /** GetItem (strongly consistent). */
  get(key: Key | TableKey): Item | undefined {
    return this.#read(encodeKey(this.definition, parseKey(this.definition, key)))
  }

  /** PutItem: replaces the whole item, if the condition holds. */
  put(item: Record<string, unknown>, options?: WriteOptions): void {
    const normalized = normalizeItem(item)
    const key = itemKey(this.definition, normalized)
    const condition = parseCondition(writeOptions(options))
    const size = itemSize(normalized)
    if (size > MAX_ITEM_BYTES) throw validation('Item size has exceeded the maximum allowed size')
    this.#commit(() => {
      if (condition && !conditionHolds(condition, this.#read(key))) throw conditionFailed()
      this.#write(key, normalized, size)
    })
  }

  /** UpdateItem with ReturnValues ALL_NEW: creates the item if absent. */
  update(key: TableKey, changes: Changes, options?: WriteOptions): Item {
    const parsedKey = parseKey(this.definition, key)
    const encoded = encodeKey(this.definition, parsedKey)
    const parsed = parseChanges(this.definition, changes)
    const condition = parseCondition(writeOptions(options))
    return this.#commit(() => {
      const current = this.#read(encoded)
      if (!conditionHolds(condition, current)) throw conditionFailed()
      const next = applyChanges(parsedKey, current, parsed)
      itemKey(this.definition, next)
      const size = itemSize(next)
      if (size > MAX_ITEM_BYTES) throw validation('Item size to update has exceeded the maximum allowed size')
      this.#write(encoded, next, size)
      return next
    })
  }

  /** DeleteItem: deleting an absent item is not an error (unless a condition says so). */
  delete(key: TableKey, options?: WriteOptions): void {
    const encoded = encodeKey(this.definition, parseKey(this.definition, key))
    const condition = parseCondition(writeOptions(options))
    this.#commit(() => {
      if (condition && !conditionHolds(condition, this.#read(encoded))) throw conditionFailed()
      this.#stmt('DELETE FROM table_items WHERE table_name = ? AND pk = ? AND sk = ?').run(
        this.name,
        encoded.pk,
        encoded.sk,
      )
    })
  }

  /**
   * Time to live: deletes up to `limit` items whose `attribute` is a Number of epoch seconds at or
   * before `nowMs`, but not more than five years before it (DynamoDB leaves those, taking the
   * value for something else). Strings, other types and items without the attribute stay.
   * Returns how many went; group committed as any delete.
   */
  expire(attribute: string, nowMs: number, limit = EXPIRE_BATCH): number {
    const now = Math.floor(nowMs / 1000)
    // Items are JSON text, or `T` + JSON when they hold B or sets (item-codec.ts); Numbers are JSON numbers either way.
    const json = "CASE WHEN substr(item, 1, 1) = 'T' THEN substr(item, 2) ELSE item END"
    const path = `$."${attribute.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`
    return this.#commit(() => {
      const expired = this.#stmt(
        `SELECT pk, sk FROM table_items WHERE table_name = ?
           AND json_type(${json}, ?) IN ('integer', 'real') AND json_extract(${json}, ?) BETWEEN ? AND ?
         LIMIT ?`,
      ).all(this.name, path, path, now - TTL_MAX_AGE_SECONDS, now, limit) as { pk: string; sk: string }[]
      const remove = this.#stmt('DELETE FROM table_items WHERE table_name = ? AND pk = ? AND sk = ?')
      for (const { pk, sk } of expired) remove.run(this.name, pk, sk)
      return expired.length
    })
  }

  /**
   * Query: one partition, optionally narrowed by a sort key condition, in sort key order. A page
   * ends at `limit` items or 1 MB; then `lastKey` is set, as DynamoDB sets LastEvaluatedKey, even
   * when no items remain.
   */
  query(given: TableQuery | QueryOptions): Page {
    if (!isPlainObject(given)) throw validation('Invalid query: expected an options object')
    const options = given as TableQuery
    const index = options.index === undefined ? undefined : indexOf(this.definition, options.index)
    const { partitionKey, sortKey } = index ?? this.definition
    const value = options.partitionKey
    if (value === undefined) throw validation(`Query condition missed key schema element: ${partitionKey}`)
    if (!isKeyValue(value) || !fitsKeyType(this.definition, partitionKey, value)) {
      throw invalidParameter('Condition parameter type does not match schema type')
    }
    checkKeyValue(partitionKey, value, true)
    const pk = encodeKeyValue(value)
    if (options.sortKey !== undefined && sortKey === undefined)
      throw validation('Query key condition not supported')
    if (options.sortKey !== undefined) {
      const bound = Object.values(options.sortKey as Record<string, unknown>).flat()
      if (bound.some((v) => isKeyValue(v) && !fitsKeyType(this.definition, sortKey!, v))) {
        throw invalidParameter('Condition parameter type does not match schema type')
      }
    }
    let range = sortRange(options.sortKey)
    if (index) return this.#queryIndex(index, pk, range, options)
    const forward = options.scanForward !== false
    const limit = limitOf(options.limit)
    if (options.startAfter !== undefined) {
      const start = encodeKey(
        this.definition,
        parseKey(this.definition, options.startAfter, 'The provided starting key is invalid'),
      )
      if (!start.pk.equals(pk)) {
        throw validation('The provided starting key is outside query boundaries based on provided conditions')
      }
      if (!inRange(range, start.sk)) {
        throw validation('The provided starting key does not match the range key predicate')
      }
      range = continueAfter(range, start.sk, forward)
    }
    const rows = this.#queryRows(pk, range, forward)
    return pageOf(this.definition, rows, limit)
  }

  #queryRows(pk: Buffer, range: SortRange, forward: boolean): IterableIterator<Row> {
    const where = ['table_name = ?', 'pk = ?']
    const params: unknown[] = [this.name, pk]
    if (range.lower) {
      where.push(range.lower.inclusive ? 'sk >= ?' : 'sk > ?')
      params.push(range.lower.value)
    }
    if (range.upper) {
      where.push(range.upper.inclusive ? 'sk <= ?' : 'sk < ?')
      params.push(range.upper.value)
    }
    const sql = `SELECT sk, item, size FROM table_items WHERE ${where.join(' AND ')} ORDER BY sk ${forward ? 'ASC' : 'DESC'}`
    return this.#stmt(sql).iterate(...params) as IterableIterator<Row>
  }

  /**
   * A Query on a secondary index: the candidate items (the partition for a local index, the table
   * for a global one) that hold the index keys, in index order.
   */
  #queryIndex(index: IndexDefinition, pk: Buffer, range: SortRange, options: TableQuery): Page {
    const forward = options.scanForward !== false
    const limit = limitOf(options.limit)
    const rows = index.global ? this.#allRows() : this.#queryRows(pk, {}, true)
    const entries = this.#indexEntries(index, rows).filter(
      (e) => e.position[0]!.equals(pk) && (index.sortKey === undefined || inRange(range, e.position[1]!)),
    )
    if (!forward) entries.reverse()
    if (options.startAfter !== undefined) {
      const from = startPosition(this.definition, index, options.startAfter)
      if (!from[0]!.equals(pk)) {
        throw validation('The provided starting key is outside query boundaries based on provided conditions')
      }
      if (index.sortKey !== undefined && !inRange(range, from[1]!)) {
        throw validation('The provided starting key does not match the range key predicate')
      }
    }
    return indexPage(this.definition, index, this.#after(index, entries, options.startAfter, forward), limit)
  }

  #allRows(): IterableIterator<Row> {
    return this.#stmt('SELECT sk, item, size FROM table_items WHERE table_name = ? ORDER BY pk, sk').iterate(
      this.name,
    ) as IterableIterator<Row>
  }

  /** The rows' items that are in the index, in index order (ascending). */
  #indexEntries(index: IndexDefinition, rows: IterableIterator<Row>): IndexEntry[] {
    const entries: IndexEntry[] = []
    for (const row of rows) {
      const item = decodeItem(row.item)
      const position = positionOf(this.definition, index, item)
      if (position) entries.push({ item, size: row.size, position })
    }
    return entries.sort((a, b) => comparePositions(a.position, b.position))
  }

  /** The entries strictly after ExclusiveStartKey (in the direction read). */
  #after(index: IndexDefinition, entries: IndexEntry[], start: unknown, forward: boolean): IndexEntry[] {
    if (start === undefined) return entries
    const from = startPosition(this.definition, index, start)
    return entries.filter((e) => {
      const c = comparePositions(e.position, from)
      return forward ? c > 0 : c < 0
    })
  }

  /** Scan: every item, in key order (DynamoDB's order is by partition hash; ours is by key). */
  scan(given: ScanOptions = {}): Page {
    if (!isPlainObject(given)) throw validation('Invalid scan: expected an options object')
    const options = given as ScanOptions
    const limit = limitOf(options.limit)
    if (options.index !== undefined) {
      const index = indexOf(this.definition, options.index)
      const entries = this.#indexEntries(index, this.#allRows())
      return indexPage(this.definition, index, this.#after(index, entries, options.startAfter, true), limit)
    }
    if (options.startAfter === undefined) {
      return pageOf(
        this.definition,
        this.#stmt('SELECT sk, item, size FROM table_items WHERE table_name = ? ORDER BY pk, sk').iterate(
          this.name,
        ) as IterableIterator<Row>,
        limit,
      )
    }
    const start = encodeKey(
      this.definition,
      parseKey(this.definition, options.startAfter, 'The provided starting key is invalid'),
    )
    const rows = this.#stmt(
      'SELECT sk, item, size FROM table_items WHERE table_name = ? AND (pk, sk) > (?, ?) ORDER BY pk, sk',
    ).iterate(this.name, start.pk, start.sk) as IterableIterator<Row>
    return pageOf(this.definition, rows, limit)
  }

  /** How many items the table holds. */
  count(): number {
    return (
      this.#stmt('SELECT COUNT(*) AS n FROM table_items WHERE table_name = ?').get(this.name) as { n: number }
    ).n
  }

  /** The table's size as DynamoDB counts it: the sum of its items' sizes. */
  sizeBytes(): number {
    return (
      this.#stmt('SELECT COALESCE(SUM(size), 0) AS n FROM table_items WHERE table_name = ?').get(
        this.name,
      ) as {
        n: number
      }
    ).n
  }

  /** How many items a secondary index holds, and their size (DescribeTable's ItemCount, IndexSizeBytes). */
  indexStats(name: string): { count: number; bytes: number } {
    const entries = this.#indexEntries(indexOf(this.definition, name), this.#allRows())
    return { count: entries.length, bytes: entries.reduce((n, e) => n + e.size, 0) }
  }
}

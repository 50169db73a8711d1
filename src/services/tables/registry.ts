import type { Statement } from 'better-sqlite3'
import { ResourceTags } from '../../storage/state/resource-tags.ts'
import type { StateStore } from '../../storage/state/state-store.ts'
import { TableError } from './errors.ts'
import type { IndexDefinition, KeyType, TableDefinition } from './keys.ts'
import { TableService } from './table-service.ts'

/** A table's record: its keys, and whether the pipeline definition declares it. */
export interface TableEntry {
  name: string
  definition: TableDefinition
  declared: boolean
  /** When it was created through the API (ms since epoch); undefined for declared tables. */
  createdAt: number | undefined
  /** The key attributes' types CreateTable (or the definition) gave. */
  attributeTypes: Readonly<Record<string, KeyType>> | undefined
}

/**
 * The pipeline's tables: those the definition declares, and those created through the DynamoDB
 * API (CreateTable), kept in the state store so they survive restarts and edits of the
 * definition. `tables` is a live map the bindings and the API read on every call.
 *
 * @example
 * const registry = new TableRegistry(store, { devices: { partitionKey: 'deviceId' } }, Date.now)
 * registry.create('sessions', { partitionKey: 'id' })
 * registry.tables.get('sessions')!.put({ id: 's-1' })
 */
export class TableRegistry {
  readonly #store: StateStore
  readonly #now: () => number
  readonly #tables = new Map<string, TableService>()
  readonly #entries = new Map<string, TableEntry>()
  readonly #insert: Statement
  readonly #delete: Statement
  /** Time to live set through the API (UpdateTimeToLive): the attribute, or null once disabled. */
  readonly #ttl = new Map<string, string | null>()
  readonly #tags: ResourceTags

  constructor(store: StateStore, declared: Readonly<Record<string, TableDefinition>>, now: () => number) {
    this.#store = store
    this.#now = now
    store.ensureSchema('api-tables', [
      `CREATE TABLE api_tables (
         name TEXT PRIMARY KEY, partition_key TEXT NOT NULL, sort_key TEXT, created_at INTEGER NOT NULL,
         attribute_types TEXT)`,
      // Secondary indexes (JSON, IndexDefinition[]) of tables created with them.
      'ALTER TABLE api_tables ADD COLUMN indexes TEXT',
    ])
    this.#insert = store.db.prepare(
      'INSERT INTO api_tables (name, partition_key, sort_key, created_at, attribute_types, indexes) VALUES (?, ?, ?, ?, ?, ?)',
    )
    this.#delete = store.db.prepare('DELETE FROM api_tables WHERE name = ?')
    this.#tags = new ResourceTags(store)
    store.ensureSchema('table-ttl', ['CREATE TABLE table_ttl (name TEXT PRIMARY KEY, attribute TEXT)'])
    for (const row of store.db.prepare('SELECT name, attribute FROM table_ttl').all() as {
      name: string
      attribute: string | null
    }[])
      this.#ttl.set(row.name, row.attribute)
    for (const [name, definition] of Object.entries(declared))
      this.#open({
        name,
        definition,
        declared: true,
        createdAt: undefined,
        attributeTypes: definition.attributeTypes,
      })
    const rows = store.db
      .prepare('SELECT name, partition_key, sort_key, created_at, attribute_types, indexes FROM api_tables')
      .all() as {
      name: string
      partition_key: string
      sort_key: string | null
      created_at: number
      attribute_types: string | null
      indexes: string | null
    }[]
    for (const row of rows) {
      // A table the definition now declares is the definition's (its keys as declared).
      if (this.#entries.has(row.name)) continue
      const attributeTypes =
        row.attribute_types === null
          ? undefined
          : (JSON.parse(row.attribute_types) as Record<string, KeyType>)
      const definition: TableDefinition = { partitionKey: row.partition_key }
      if (row.sort_key !== null) definition.sortKey = row.sort_key
      if (row.indexes !== null) definition.secondaryIndexes = JSON.parse(row.indexes) as IndexDefinition[]
      this.#open({ name: row.name, definition, declared: false, createdAt: row.created_at, attributeTypes })
    }
  }

  #open(entry: TableEntry): void {
    const { definition, attributeTypes } = entry
    this.#tables.set(
      entry.name,
      new TableService(
        this.#store,
        entry.name,
        attributeTypes ? { ...definition, attributeTypes } : definition,
      ),
    )
    this.#entries.set(entry.name, entry)
  }

  /** Every table by name, declared and created: a live view. */
  get tables(): ReadonlyMap<string, TableService> {
    return this.#tables
  }

  entry(name: string): TableEntry | undefined {
    return this.#entries.get(name)
  }

  /**
   * The attribute holding a table's items' expiry, when time to live is enabled: as
   * UpdateTimeToLive last set it, else as the definition declares it.
   */
  timeToLive(name: string): string | undefined {
    const set = this.#ttl.get(name)
    if (set !== undefined) return set ?? undefined
    return this.#entries.get(name)?.definition.timeToLiveAttribute
  }

  /**
   * UpdateTimeToLive: enables time to live on `attribute`, or disables it (undefined); durable.
   * A table whose definition declares `timeToLiveAttribute` belongs to the definition: refused.
   */
  setTimeToLive(name: string, attribute: string | undefined): void {
    const entry = this.#entries.get(name)
    if (!entry)
      throw new TableError(
        'ResourceNotFoundException',
        `Requested resource not found: Table: ${name} not found`,
      )
    if (entry.definition.timeToLiveAttribute !== undefined)
      throw new TableError(
        'ValidationException',
        `Table ${name} declares timeToLiveAttribute in the pipeline definition; change it there`,
      )
    this.#store.transaction(() => {
      this.#store.db
        .prepare(
          'INSERT INTO table_ttl (name, attribute) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET attribute = excluded.attribute',
        )
        .run(name, attribute ?? null)
    })
    this.#ttl.set(name, attribute ?? null)
  }

  /** CreateTable: a durable table; one of that name already: ResourceInUseException. */
  create(name: string, given: TableDefinition, tags: Readonly<Record<string, string>> = {}): TableEntry {
    const attributeTypes = given.attributeTypes
    if (this.#entries.has(name))
      throw new TableError('ResourceInUseException', `Table already exists: ${name}`)
    const { attributeTypes: _types, ...definition } = given
    const entry: TableEntry = { name, definition, declared: false, createdAt: this.#now(), attributeTypes }
    this.#store.transaction(() => {
      // Items left by an earlier table of this name (dropped outside the API) go first.
      TableService.drop(this.#store, name)
      this.#store.db.prepare('DELETE FROM table_ttl WHERE name = ?').run(name)
      this.#ttl.delete(name)
      const { partitionKey, sortKey } = definition
      const types = attributeTypes === undefined ? null : JSON.stringify(attributeTypes)
      const indexes = definition.secondaryIndexes?.length ? JSON.stringify(definition.secondaryIndexes) : null
      this.#insert.run(name, partitionKey, sortKey ?? null, entry.createdAt, types, indexes)
      this.#tags.removeAll(tagKey(name))
      this.#tags.put(tagKey(name), tags)
      this.#open(entry)
    })
    return entry
  }

  /**
   * UpdateTable's index changes: a created table's secondary indexes and key types replaced,
   * kept in the state store. Indexes are read from the items, so a new one holds them at once.
   * A declared table belongs to the definition: refused.
   */
  updateIndexes(
    name: string,
    secondaryIndexes: readonly IndexDefinition[],
    attributeTypes: Readonly<Record<string, KeyType>>,
  ): TableEntry {
    const current = this.#entries.get(name)
    if (!current)
      throw new TableError(
        'ResourceNotFoundException',
        `Requested resource not found: Table: ${name} not found`,
      )
    if (current.declared)
      throw new TableError(
        'ValidationException',
        `Table ${name} is declared in the pipeline definition; change its indexes there`,
      )
    const { secondaryIndexes: _old, ...keys } = current.definition
    const definition: TableDefinition = secondaryIndexes.length > 0 ? { ...keys, secondaryIndexes } : keys
    const entry: TableEntry = { ...current, definition, attributeTypes }
    this.#store.transaction(() => {
      this.#store.db
        .prepare('UPDATE api_tables SET attribute_types = ?, indexes = ? WHERE name = ?')
        .run(
          JSON.stringify(attributeTypes),
          secondaryIndexes.length > 0 ? JSON.stringify(secondaryIndexes) : null,
          name,
        )
      this.#open(entry)
    })
    return entry
  }

  /**
   * DeleteTable: a table created through the API, with its items. A declared table belongs to the
   * definition: refused (change the definition instead).
   */
  /** The table's tags (TagResource), by key; declared tables take tags too. */
  tags(name: string): Record<string, string> {
    return this.#tags.get(tagKey(name))
  }

  /** Adds or overwrites tags (committed before it returns). */
  tag(name: string, tags: Readonly<Record<string, string>>): void {
    this.#tags.put(tagKey(name), tags)
  }

  /** Removes tags by key; keys the table lacks are ignored. */
  untag(name: string, keys: readonly string[]): void {
    this.#tags.remove(tagKey(name), keys)
  }

  drop(name: string): TableEntry {
    const entry = this.#entries.get(name)
    if (!entry)
      throw new TableError(
        'ResourceNotFoundException',
        `Requested resource not found: Table: ${name} not found`,
      )
    if (entry.declared)
      throw new TableError(
        'ValidationException',
        `Table ${name} is declared in the pipeline definition; remove it there to delete it`,
      )
    this.#store.transaction(() => {
      this.#delete.run(name)
      TableService.drop(this.#store, name)
      this.#store.db.prepare('DELETE FROM table_ttl WHERE name = ?').run(name)
      this.#tags.removeAll(tagKey(name))
    })
    this.#ttl.delete(name)
    this.#tables.delete(name)
    this.#entries.delete(name)
    return entry
  }
}

/** Where a table's tags are kept in the shared resource-tags table. */
const tagKey = (name: string) => `dynamodb:table/${name}`

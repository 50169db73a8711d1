import { validation } from './errors.ts'
import {
  encodeKeyValue,
  fitsKeyType,
  type IndexDefinition,
  isKeyValue,
  type Key,
  NO_SORT_KEY,
  type TableDefinition,
} from './keys.ts'
import { MAX_PAGE_BYTES, type Page } from './paging.ts'
import { type Item, setAttribute } from './values.ts'

/*
 * Secondary indexes are derived from the table's items when they are read: an item is in an
 * index when it holds the index's key attributes (sparse indexes), ordered by the index keys and
 * then the table's keys. Nothing is kept beside the items, so an index is consistent with the
 * table at every moment, after a crash too. The price: a Query on a global index reads the whole
 * table, and one on a local index the whole partition.
 */

/** An item as an index holds it: its position (encoded keys, compared left to right). */
export interface IndexEntry {
  item: Item
  size: number
  position: Buffer[]
}

/** The index named `name`, or DynamoDB's error when the table has none of that name. */
export function indexOf(def: TableDefinition, name: string): IndexDefinition {
  const index = def.secondaryIndexes?.find((i) => i.name === name)
  if (!index) throw validation(`The table does not have the specified index: ${name}`)
  return index
}

/** The key attributes an index's LastEvaluatedKey holds: the index's, then the table's. */
export function indexKeyNames(def: TableDefinition, index: IndexDefinition): string[] {
  const names = [index.partitionKey, index.sortKey, def.partitionKey, def.sortKey].filter(
    (n): n is string => n !== undefined,
  )
  return [...new Set(names)]
}

/** Where an item sits in the index, or undefined when it lacks an index key (not in the index). */
export function positionOf(def: TableDefinition, index: IndexDefinition, item: Item): Buffer[] | undefined {
  const ipk = item[index.partitionKey]
  if (!fitsKeyType(def, index.partitionKey, ipk)) return undefined
  let isk: Buffer = NO_SORT_KEY
  if (index.sortKey !== undefined) {
    const value = item[index.sortKey]
    if (!fitsKeyType(def, index.sortKey, value)) return undefined
    isk = encodeKeyValue(value)
  }
  const tsk = def.sortKey === undefined ? NO_SORT_KEY : encodeKeyValue(item[def.sortKey] as never)
  return [encodeKeyValue(ipk), isk, encodeKeyValue(item[def.partitionKey] as never), tsk]
}

export function comparePositions(a: Buffer[], b: Buffer[]): number {
  for (let i = 0; i < a.length; i++) {
    const c = Buffer.compare(a[i]!, b[i]!)
    if (c !== 0) return c
  }
  return 0
}

/** An ExclusiveStartKey for an index: exactly the index's and the table's key attributes. */
export function startPosition(def: TableDefinition, index: IndexDefinition, key: unknown): Buffer[] {
  const names = indexKeyNames(def, index)
  const invalid = () =>
    validation('The provided starting key is invalid: The provided key element does not match the schema')
  if (key === null || typeof key !== 'object') throw invalid()
  const given = Object.entries(key).filter(([, v]) => v !== undefined)
  if (given.length !== names.length) throw invalid()
  for (const name of names) {
    if (!fitsKeyType(def, name, (key as Record<string, unknown>)[name])) throw invalid()
  }
  const position = positionOf(def, index, key as Item)
  if (!position) throw invalid()
  return position
}

/** The item as the index projects it: the keys, plus everything (ALL) or the INCLUDEd attributes. */
export function projectToIndex(def: TableDefinition, index: IndexDefinition, item: Item): Item {
  if (index.projection.type === 'ALL') return item
  const keep = new Set([...indexKeyNames(def, index), ...(index.projection.nonKeyAttributes ?? [])])
  const out: Item = {}
  for (const [name, value] of Object.entries(item)) if (keep.has(name)) setAttribute(out, name, value)
  return out
}

/** The key an index page ends at (LastEvaluatedKey): the index's keys and the table's. */
export function indexKeyOf(def: TableDefinition, index: IndexDefinition, item: Item): Key {
  const key: Key = {}
  for (const name of indexKeyNames(def, index)) {
    const value = item[name]
    if (isKeyValue(value)) setAttribute(key, name, value)
  }
  return key
}

/**
 * One page of index entries (already filtered and ordered): up to `limit` items and 1 MB, with
 * LastEvaluatedKey when the page ended early.
 */
export function indexPage(
  def: TableDefinition,
  index: IndexDefinition,
  entries: readonly IndexEntry[],
  limit: number,
): Page {
  const items: Item[] = []
  let bytes = 0
  let full = false
  for (const entry of entries) {
    if (items.length > 0 && bytes + entry.size > MAX_PAGE_BYTES) {
      full = true
      break
    }
    items.push(entry.item)
    bytes += entry.size
    if (items.length === limit) {
      full = true
      break
    }
  }
  const last = items.at(-1)
  return full && last ? { items, lastKey: indexKeyOf(def, index, last) as never } : { items }
}

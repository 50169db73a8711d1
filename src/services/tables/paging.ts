import type { TableKey } from '../../bindings/index.ts'
import { validation } from './errors.ts'
import { decodeItem } from './item-codec.ts'
import { keyOf, type TableDefinition } from './keys.ts'
import type { Item } from './values.ts'

/** DynamoDB stops a Query or Scan page after 1 MB of items and returns LastEvaluatedKey. */
export const MAX_PAGE_BYTES = 1024 * 1024

export interface Page {
  items: Item[]
  /** Typed as the bindings' keys; a B key attribute's value is a Uint8Array. */
  lastKey?: TableKey
}

/** A stored item as SQLite returns it. */
export interface Row {
  sk: Buffer
  item: string
  size: number
}

export function limitOf(limit: unknown): number {
  if (limit === undefined) return Number.POSITIVE_INFINITY
  if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1) {
    throw validation(
      `1 validation error detected: Value '${limit}' at 'limit' failed to satisfy constraint: ` +
        'Member must have value greater than or equal to 1',
    )
  }
  return limit
}

/**
 * Reads one page from `rows`: up to `limit` items and at most 1 MB (but always one item). A page
 * that ended for either reason carries `lastKey`, as DynamoDB's LastEvaluatedKey, even when no
 * items follow; breaking out of the iteration releases the statement.
 */
export function pageOf(def: TableDefinition, rows: IterableIterator<Row>, limit: number): Page {
  const items: Item[] = []
  let bytes = 0
  let full = false
  for (const row of rows) {
    if (items.length > 0 && bytes + row.size > MAX_PAGE_BYTES) {
      full = true
      break
    }
    items.push(decodeItem(row.item))
    bytes += row.size
    if (items.length === limit) {
      full = true
      break
    }
  }
  const last = items.at(-1)
  return full && last ? { items, lastKey: keyOf(def, last) as TableKey } : { items }
}

import { invalidParameter, KEY_MISMATCH, validation } from './errors.ts'
import { checkNumber, dynamoType, type Item, isPlainObject, setAttribute } from './values.ts'

/** A key attribute's type: DynamoDB's S, N or B. */
export type KeyType = 'S' | 'N' | 'B'

/** What a secondary index holds beside the keys: everything, the keys only, or some attributes. */
export interface IndexProjection {
  type: 'ALL' | 'KEYS_ONLY' | 'INCLUDE'
  /** With INCLUDE: the non-key attributes projected. */
  nonKeyAttributes?: readonly string[]
}

/**
 * A secondary index: a local one shares the table's partition key (and is read within a
 * partition); a global one has a partition key of its own.
 */
export interface IndexDefinition {
  name: string
  global: boolean
  partitionKey: string
  sortKey?: string
  projection: IndexProjection
}

/**
 * A table's key schema: attribute names, and (for tables created through CreateTable, or
 * declared with them) their types. Without types a key value may be S, N or B.
 */
export interface TableDefinition {
  partitionKey: string
  sortKey?: string
  /** The types of the key attributes (the table's and its indexes'), when known. */
  attributeTypes?: Readonly<Record<string, KeyType>>
  secondaryIndexes?: readonly IndexDefinition[]
  /** The attribute holding items' expiry (epoch seconds), when time to live is enabled. */
  timeToLiveAttribute?: string
}

export type KeyValue = string | number | Uint8Array

/** A key: its attributes' values (the table's, and with an index's LastEvaluatedKey, the index's). */
export type Key = Record<string, KeyValue>

/** https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ServiceQuotas.html */
export const MAX_PARTITION_KEY_BYTES = 2048
export const MAX_SORT_KEY_BYTES = 1024

/**
 * Key values are stored as BLOBs that SQLite's memcmp ordering sorts the way DynamoDB does:
 * a type tag (numbers before strings), then for numbers the IEEE-754 bits made order-preserving
 * (sign bit flipped for positives, every bit for negatives), for strings the UTF-8 bytes.
 */
export const NUMBER_TAG = 0x01
export const STRING_TAG = 0x02
/** Binary values sort by their bytes, unsigned, as DynamoDB sorts B keys. */
export const BINARY_TAG = 0x03

/** A table without a sort key stores this as every item's sort value. */
export const NO_SORT_KEY = Buffer.alloc(0)

export function encodeKeyValue(value: KeyValue): Buffer {
  if (value instanceof Uint8Array) {
    const out = Buffer.allocUnsafe(1 + value.length)
    out[0] = BINARY_TAG
    out.set(value, 1)
    return out
  }
  if (typeof value === 'string') {
    const out = Buffer.allocUnsafe(1 + Buffer.byteLength(value, 'utf8'))
    out[0] = STRING_TAG
    out.write(value, 1, 'utf8')
    return out
  }
  const out = Buffer.allocUnsafe(9)
  out[0] = NUMBER_TAG
  out.writeDoubleBE(value === 0 ? 0 : value, 1)
  if (out[1]! & 0x80) {
    for (let i = 1; i < 9; i++) out[i] = ~out[i]! & 0xff
  } else {
    out[1] = out[1]! | 0x80
  }
  return out
}

export interface EncodedKey {
  pk: Buffer
  sk: Buffer
}

/** DynamoDB's checks on a key value: a storable number, or a non-empty string within the size limit. */
export function checkKeyValue(attr: string, value: KeyValue, isPartition: boolean): void {
  if (typeof value === 'number') {
    checkNumber(value)
    return
  }
  if (value.length === 0) {
    const what = typeof value === 'string' ? 'string' : 'binary'
    throw validation(
      'One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain ' +
        `an empty ${what} value. Key: ${attr}`,
    )
  }
  const bytes = typeof value === 'string' ? Buffer.byteLength(value, 'utf8') : value.length
  // DynamoDB's own wording, missing space included.
  if (isPartition && bytes > MAX_PARTITION_KEY_BYTES) {
    throw invalidParameter(
      `Size of hashkey has exceeded the maximum size limit of${MAX_PARTITION_KEY_BYTES} bytes`,
    )
  }
  if (!isPartition && bytes > MAX_SORT_KEY_BYTES) {
    throw invalidParameter(
      `Aggregated size of all range keys has exceeded the size limit of ${MAX_SORT_KEY_BYTES} bytes`,
    )
  }
}

function keyAttributeNames(def: TableDefinition): string[] {
  return def.sortKey === undefined ? [def.partitionKey] : [def.partitionKey, def.sortKey]
}

export const isKeyValue = (v: unknown): v is KeyValue =>
  typeof v === 'string' || typeof v === 'number' || v instanceof Uint8Array

/** Whether `value` may be a value of key attribute `attr` (of its declared type, when known). */
export function fitsKeyType(def: TableDefinition, attr: string, value: unknown): value is KeyValue {
  if (!isKeyValue(value)) return false
  const type = def.attributeTypes?.[attr]
  return type === undefined || dynamoType(value) === type
}

/** DynamoDB's "Type mismatch" for a table key attribute of the wrong type. */
function typeMismatch(def: TableDefinition, attr: string, value: unknown) {
  const expected = def.attributeTypes?.[attr] ?? 'S, N or B'
  return invalidParameter(`Type mismatch for key ${attr} expected: ${expected} actual: ${dynamoType(value)}`)
}

/**
 * The key of an item being put: every key attribute present, of its type. An index key the item
 * holds must be of its type too (an item without it is simply not in that index).
 */
export function itemKey(def: TableDefinition, item: Item): EncodedKey {
  for (const [i, attr] of keyAttributeNames(def).entries()) {
    const value = item[attr]
    if (value === undefined) throw invalidParameter(`Missing the key ${attr} in the item`)
    if (!fitsKeyType(def, attr, value)) throw typeMismatch(def, attr, value)
    checkKeyValue(attr, value, i === 0)
  }
  for (const index of def.secondaryIndexes ?? []) {
    for (const [i, attr] of [index.partitionKey, index.sortKey].entries()) {
      if (attr === undefined || attr === def.partitionKey || attr === def.sortKey) continue
      const value = item[attr]
      if (value === undefined) continue
      if (!fitsKeyType(def, attr, value)) {
        throw invalidParameter(
          `Type mismatch for Index Key ${attr} Expected: ${def.attributeTypes?.[attr] ?? 'S, N or B'} ` +
            `Actual: ${dynamoType(value)} IndexName: ${index.name}`,
        )
      }
      if (typeof value !== 'number' && value.length === 0) {
        throw validation(
          'One or more parameter values are not valid. A value specified for a secondary index key is not ' +
            'supported. The AttributeValue for a key attribute cannot contain an empty ' +
            `${typeof value === 'string' ? 'string' : 'binary'} value. IndexName: ${index.name}, IndexKey: ${attr}`,
        )
      }
      checkKeyValue(attr, value, i === 0)
    }
  }
  return encodeKey(def, item as Key)
}

/**
 * Validates a key given to get / update / delete: exactly the key attributes, each a string or a
 * number, as DynamoDB requires (anything else is "The provided key element does not match the
 * schema").
 */
export function parseKey(def: TableDefinition, key: unknown, mismatch = KEY_MISMATCH): Key {
  const names = keyAttributeNames(def)
  if (!isPlainObject(key)) throw validation(mismatch)
  const given = Object.keys(key).filter((k) => key[k] !== undefined)
  if (given.length !== names.length) throw validation(mismatch)
  const out: Key = {}
  for (const [i, attr] of names.entries()) {
    const value = key[attr]
    if (!fitsKeyType(def, attr, value)) throw validation(mismatch)
    checkKeyValue(attr, value, i === 0)
    setAttribute(out, attr, value)
  }
  return out
}

/** Encodes a key whose attributes are known to be present and valid. */
export function encodeKey(def: TableDefinition, key: Key): EncodedKey {
  return {
    pk: encodeKeyValue(key[def.partitionKey]!),
    sk: def.sortKey === undefined ? NO_SORT_KEY : encodeKeyValue(key[def.sortKey]!),
  }
}

/** The key attributes of a stored item (what DynamoDB returns as LastEvaluatedKey). */
export function keyOf(def: TableDefinition, item: Item): Key {
  const key: Key = {}
  setAttribute(key, def.partitionKey, item[def.partitionKey] as KeyValue)
  if (def.sortKey !== undefined) setAttribute(key, def.sortKey, item[def.sortKey] as KeyValue)
  return key
}

export function isKeyAttribute(def: TableDefinition, name: string): boolean {
  return name === def.partitionKey || name === def.sortKey
}

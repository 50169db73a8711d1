import type { TableKey } from '../../bindings/index.ts'
import { invalidParameter, KEY_MISMATCH, validation } from './errors.ts'
import { checkNumber, dynamoType, type Item, isPlainObject, setAttribute } from './values.ts'

/** A table's key schema: attribute names. Key values are strings or numbers. */
export interface TableDefinition {
  partitionKey: string
  sortKey?: string
}

export type KeyValue = string | number

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

/** A table without a sort key stores this as every item's sort value. */
export const NO_SORT_KEY = Buffer.alloc(0)

export function encodeKeyValue(value: KeyValue): Buffer {
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
  if (value === '') {
    throw validation(
      'One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain ' +
        `an empty string value. Key: ${attr}`,
    )
  }
  const bytes = Buffer.byteLength(value, 'utf8')
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

const isKeyValue = (v: unknown): v is KeyValue => typeof v === 'string' || typeof v === 'number'

/** The key of an item being put: every key attribute present, a string or a number. */
export function itemKey(def: TableDefinition, item: Item): EncodedKey {
  for (const [i, attr] of keyAttributeNames(def).entries()) {
    const value = item[attr]
    if (value === undefined) throw invalidParameter(`Missing the key ${attr} in the item`)
    if (!isKeyValue(value)) {
      throw invalidParameter(`Type mismatch for key ${attr} expected: S or N actual: ${dynamoType(value)}`)
    }
    checkKeyValue(attr, value, i === 0)
  }
  return encodeKey(def, item as TableKey)
}

/**
 * Validates a key given to get / update / delete: exactly the key attributes, each a string or a
 * number, as DynamoDB requires (anything else is "The provided key element does not match the
 * schema").
 */
export function parseKey(def: TableDefinition, key: unknown, mismatch = KEY_MISMATCH): TableKey {
  const names = keyAttributeNames(def)
  if (!isPlainObject(key)) throw validation(mismatch)
  const given = Object.keys(key).filter((k) => key[k] !== undefined)
  if (given.length !== names.length) throw validation(mismatch)
  const out: TableKey = {}
  for (const [i, attr] of names.entries()) {
    const value = key[attr]
    if (!isKeyValue(value)) throw validation(mismatch)
    checkKeyValue(attr, value, i === 0)
    setAttribute(out, attr, value)
  }
  return out
}

/** Encodes a key whose attributes are known to be present and valid. */
export function encodeKey(def: TableDefinition, key: TableKey): EncodedKey {
  return {
    pk: encodeKeyValue(key[def.partitionKey]!),
    sk: def.sortKey === undefined ? NO_SORT_KEY : encodeKeyValue(key[def.sortKey]!),
  }
}

/** The key attributes of a stored item (what DynamoDB returns as LastEvaluatedKey). */
export function keyOf(def: TableDefinition, item: Item): TableKey {
  const key: TableKey = { [def.partitionKey]: item[def.partitionKey] as KeyValue }
  if (def.sortKey !== undefined) key[def.sortKey] = item[def.sortKey] as KeyValue
  return key
}

export function isKeyAttribute(def: TableDefinition, name: string): boolean {
  return name === def.partitionKey || name === def.sortKey
}

import { TableError } from '../../services/tables/errors.ts'
import {
  checkNumber,
  type Item,
  type JsonValue,
  makeSet,
  setAttribute,
  setType,
} from '../../services/tables/values.ts'
import { AwsError, validationError } from '../errors.ts'
import type { FieldSpec } from '../spec.ts'

/** DynamoDB's typed value on the wire (JSON 1.0): exactly one member set. */
export interface AttributeValue {
  S?: string
  N?: string
  B?: string
  SS?: string[]
  NS?: string[]
  BS?: string[]
  M?: Record<string, AttributeValue>
  L?: AttributeValue[]
  NULL?: boolean
  BOOL?: boolean
}

/** DynamoDB nests documents (L and M) at most 32 levels deep. */
const MAX_DEPTH = 32

function attributeValueSpec(depth: number): FieldSpec {
  const children: Record<string, FieldSpec> = {
    S: { type: 'String' },
    N: { type: 'String' },
    B: { type: 'Blob' },
    SS: { type: 'List', children: { type: 'String' } },
    NS: { type: 'List', children: { type: 'String' } },
    BS: { type: 'List', children: { type: 'Blob' } },
    NULL: { type: 'Boolean' },
    BOOL: { type: 'Boolean' },
  }
  if (depth > 0) {
    const next = attributeValueSpec(depth - 1)
    children.M = { type: 'Map', children: next }
    children.L = { type: 'List', children: next }
  }
  return { type: 'Structure', children, shape: 'AttributeValue' }
}

/**
 * The spec of an AttributeValue, unrolled to DynamoDB's nesting limit (specs are not recursive).
 * Its static type is opaque: handlers read values through {@link fromAttributeValue}.
 */
export const ATTRIBUTE_VALUE = attributeValueSpec(MAX_DEPTH) as unknown as {
  readonly type: 'Structure'
  readonly children: Record<never, never>
}
/** A map of attribute name → AttributeValue (an item, a key, ExpressionAttributeValues). */
export const ATTRIBUTE_MAP = { type: 'Map', children: ATTRIBUTE_VALUE } as const

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/
const MAX_SIGNIFICANT_DIGITS = 38

/**
 * An N value as the table service keeps it: a JavaScript number (an IEEE-754 double, so about
 * 15-17 significant digits survive, not DynamoDB's 38), with DynamoDB's checks on the text.
 */
export function parseNumber(text: string): number {
  const trimmed = text.trim()
  if (!NUMBER.test(trimmed)) throw validationError('A value provided cannot be converted into a number')
  const mantissa = trimmed.replace(/^[+-]/, '').replace(/[eE].*$/, '')
  const digits = mantissa.replace('.', '').replace(/^0+/, '').replace(/0+$/, '')
  if (digits.length > MAX_SIGNIFICANT_DIGITS) {
    throw validationError(
      `Attempting to store more than ${MAX_SIGNIFICANT_DIGITS} significant digits in a Number`,
    )
  }
  const n = Number(trimmed)
  if (!Number.isFinite(n)) {
    throw validationError(
      'Number overflow. Attempting to store a number with magnitude larger than supported range',
    )
  }
  if (n === 0 && digits.length > 0) {
    throw validationError(
      'Number underflow. Attempting to store a number with magnitude smaller than supported range',
    )
  }
  try {
    checkNumber(n)
  } catch (error) {
    // The table service's own check (magnitude), in the API's error type.
    if (error instanceof TableError) throw new AwsError(error.name, error.message)
    throw error
  }
  return n === 0 ? 0 : n
}

const bytesOf = (base64: string) => new Uint8Array(Buffer.from(base64, 'base64'))

/** A set from the wire, with DynamoDB's rules (not empty, no duplicates) and messages. */
function setOf(type: 'SS' | 'NS' | 'BS', elements: string[]): JsonValue {
  try {
    if (type === 'NS') {
      const numbers = elements.map(parseNumber)
      // Duplicates by value ("1" and "1.0"); DynamoDB's message for NS has no prefix and no list.
      if (new Set(numbers).size !== numbers.length)
        throw validationError('Input collection contains duplicates')
      return makeSet('NS', numbers)
    }
    return makeSet(type, type === 'BS' ? elements.map(bytesOf) : elements)
  } catch (error) {
    if (error instanceof TableError) throw new AwsError(error.name, error.message)
    throw error
  }
}

/** A wire AttributeValue as the table service's value (B a Uint8Array, sets Sets). */
export function fromAttributeValue(value: unknown, depth = 0): JsonValue {
  const av = (value ?? {}) as AttributeValue
  const types = Object.keys(av).filter((k) => (av as Record<string, unknown>)[k] !== undefined)
  if (types.length === 0) {
    throw validationError(
      'Supplied AttributeValue is empty, must contain exactly one of the supported datatypes',
    )
  }
  if (types.length > 1) {
    throw validationError(
      'Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes',
    )
  }
  const type = types[0]!
  if (depth > MAX_DEPTH) throw validationError('Nesting Levels have exceeded supported limits')
  switch (type) {
    case 'S':
      return av.S!
    case 'N':
      return parseNumber(av.N!)
    case 'BOOL':
      return av.BOOL!
    case 'B':
      return bytesOf(av.B!)
    case 'SS':
    case 'NS':
    case 'BS':
      return setOf(type, av[type]!)
    case 'NULL':
      if (av.NULL !== true) {
        throw validationError(
          'One or more parameter values were invalid: Null attribute value types must have the value of true',
        )
      }
      return null
    case 'L':
      return av.L!.map((v) => fromAttributeValue(v, depth + 1))
    case 'M':
      return fromAttributeMap(av.M!, depth + 1)
  }
  throw validationError(
    'Supplied AttributeValue is empty, must contain exactly one of the supported datatypes',
  )
}

/** A wire map of AttributeValues (an item, a key) as a JSON object. */
export function fromAttributeMap(map: unknown, depth = 0): Item {
  const out: Item = {}
  for (const [name, value] of Object.entries((map ?? {}) as Record<string, unknown>)) {
    setAttribute(out, name, fromAttributeValue(value, depth))
  }
  return out
}

/** How an N travels: the shortest decimal that reads back as the same double. */
export function formatNumber(n: number): string {
  return String(n)
}

const base64 = (bytes: Uint8Array) =>
  Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('base64')

export function toAttributeValue(value: JsonValue): AttributeValue {
  if (typeof value === 'string') return { S: value }
  if (typeof value === 'number') return { N: formatNumber(value) }
  if (typeof value === 'boolean') return { BOOL: value }
  if (value === null) return { NULL: true }
  if (Array.isArray(value)) return { L: value.map(toAttributeValue) }
  if (value instanceof Uint8Array) return { B: base64(value) }
  if (value instanceof Set) {
    const type = setType(value)
    const elements = [...(value as Set<string | number | Uint8Array>)]
    if (type === 'NS') return { NS: elements.map((n) => formatNumber(n as number)) }
    if (type === 'BS') return { BS: elements.map((b) => base64(b as Uint8Array)) }
    return { SS: elements as string[] }
  }
  return { M: toAttributeMap(value) }
}

export function toAttributeMap(item: Readonly<Record<string, JsonValue>>): Record<string, AttributeValue> {
  const out: Record<string, AttributeValue> = {}
  for (const [name, value] of Object.entries(item)) setAttribute(out, name, toAttributeValue(value))
  return out
}

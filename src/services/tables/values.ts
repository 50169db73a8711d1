import { invalidParameter, validation } from './errors.ts'

/** A DynamoDB set (SS, NS or BS): never empty, no duplicates, one element type. */
export type SetValue = Set<string> | Set<number> | Set<Uint8Array>

/**
 * What an item holds, as natural JS values (those lib-dynamodb's unmarshall gives): S a string,
 * N a number, BOOL, NULL null, L an array, M a plain object, B a Uint8Array, SS / NS / BS a Set
 * of strings, numbers or Uint8Arrays. (The name predates B and the sets.)
 */
export type JsonValue =
  | string
  | number
  | boolean
  | null
  | Uint8Array
  | SetValue
  | JsonValue[]
  | { [key: string]: JsonValue }
export type Item = Record<string, JsonValue>

/**
 * DynamoDB's maximum item size, attribute names included.
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ServiceQuotas.html
 */
export const MAX_ITEM_BYTES = 400 * 1024

/** Numbers DynamoDB can store: magnitudes from 1E-130 up to (not including) 1E+126, 38 digits. */
const MAX_MAGNITUDE = 1e126
const MIN_MAGNITUDE = 1e-130
const MAX_SIGNIFICANT_DIGITS = 38

/**
 * Sets an attribute as an own property. Plain assignment would treat an attribute named
 * `__proto__` (legal in DynamoDB and in JSON) as the object's prototype and lose it.
 */
export function setAttribute<T>(target: Record<string, T>, name: string, value: NoInfer<T>): void {
  if (name === '__proto__') {
    Object.defineProperty(target, name, { value, enumerable: true, writable: true, configurable: true })
  } else {
    target[name] = value
  }
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false
  const proto = Object.getPrototypeOf(value)
  return proto === Object.prototype || proto === null
}

/** DynamoDB's name for the type of a value, as its error messages spell it. */
export function dynamoType(value: unknown): string {
  if (typeof value === 'string') return 'S'
  if (typeof value === 'number') return 'N'
  if (typeof value === 'boolean') return 'BOOL'
  if (value === null) return 'NULL'
  if (Array.isArray(value)) return 'L'
  if (value instanceof Uint8Array) return 'B'
  if (value instanceof Set) return setType(value)
  if (isPlainObject(value)) return 'M'
  return typeof value === 'object' ? (value.constructor?.name ?? 'object') : typeof value
}

/** SS, NS or BS: the type of a set's elements (an empty set counts as SS). */
export function setType(set: ReadonlySet<unknown>): 'SS' | 'NS' | 'BS' {
  const first = set.values().next().value
  return typeof first === 'number' ? 'NS' : first instanceof Uint8Array ? 'BS' : 'SS'
}

/** Two binary values hold the same bytes. */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.compare(a, b) === 0
}

/** A binary value as the table keeps it: a plain Uint8Array of its own (not a Buffer or a view). */
export function ownBytes(value: Uint8Array): Uint8Array {
  return new Uint8Array(value)
}

const SET_LABEL = { SS: 'string', NS: 'number', BS: 'binary' } as const

/**
 * Builds a set from its elements with DynamoDB's rules: not empty, no duplicates (binary
 * elements compared by their bytes), with its messages.
 */
export function makeSet(
  type: 'SS' | 'NS' | 'BS',
  elements: readonly (string | number | Uint8Array)[],
): SetValue {
  if (elements.length === 0) {
    throw invalidParameter(
      type === 'BS' ? 'Binary sets should not be empty' : `An ${SET_LABEL[type]} set  may not be empty`,
    )
  }
  const show = (e: string | number | Uint8Array) =>
    e instanceof Uint8Array ? Buffer.from(e).toString('base64') : String(e)
  const duplicates = () => {
    const list = `[${elements.map(show).join(', ')}]`
    return invalidParameter(
      type === 'BS'
        ? `Input collection ${list}of type BS contains duplicates.`
        : `Input collection ${list} contains duplicates.`,
    )
  }
  if (type === 'BS') {
    const seen = new Set<string>()
    const out = new Set<Uint8Array>()
    for (const e of elements as Uint8Array[]) {
      const text = Buffer.from(e).toString('latin1')
      if (seen.has(text)) throw duplicates()
      seen.add(text)
      out.add(ownBytes(e))
    }
    return out
  }
  const out = new Set(elements as (string | number)[])
  if (out.size !== elements.length) throw duplicates()
  return out as SetValue
}

/** Rejects numbers DynamoDB cannot store, with DynamoDB's messages. */
export function checkNumber(n: number): void {
  if (!Number.isFinite(n)) {
    throw validation(`The parameter cannot be converted to a numeric value: ${n}`)
  }
  const magnitude = Math.abs(n)
  if (magnitude >= MAX_MAGNITUDE) {
    throw validation(
      'Number overflow. Attempting to store a number with magnitude larger than supported range',
    )
  }
  if (magnitude !== 0 && magnitude < MIN_MAGNITUDE) {
    throw validation(
      'Number underflow. Attempting to store a number with magnitude smaller than supported range',
    )
  }
}

/**
 * Checks that `value` is something an item can hold and returns it as stored: `undefined` members
 * of maps are dropped (as JSON does, and as the AWS SDK's `removeUndefinedValues` does), -0
 * becomes 0. Everything else that is not JSON (Date, Uint8Array, Map, functions, ...) is refused.
 */
export function normalizeValue(value: unknown, path: string): JsonValue {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value
    case 'number':
      checkNumber(value)
      return value === 0 ? 0 : value
  }
  if (value === null) return null
  if (value instanceof Uint8Array) return ownBytes(value)
  if (value instanceof Set) return normalizeSet(value, path)
  if (Array.isArray(value)) {
    return value.map((element, i) => {
      if (element === undefined) {
        throw invalidParameter(`${path}[${i}] is undefined; a list element must have a value`)
      }
      return normalizeValue(element, `${path}[${i}]`)
    })
  }
  if (isPlainObject(value)) {
    const out: Record<string, JsonValue> = {}
    for (const [key, member] of Object.entries(value)) {
      if (member !== undefined) setAttribute(out, key, normalizeValue(member, `${path}.${key}`))
    }
    return out
  }
  throw invalidParameter(
    `${path} has a value of unsupported type ${dynamoType(value)}; ` +
      'items hold strings, numbers, booleans, null, lists, maps, Uint8Arrays and Sets',
  )
}

/** A Set given by a handler: all strings, all numbers or all Uint8Arrays, and not empty. */
function normalizeSet(value: Set<unknown>, path: string): SetValue {
  const elements = [...value]
  if (elements.length === 0) {
    throw invalidParameter(`${path} is an empty set; DynamoDB sets may not be empty`)
  }
  const type = setType(value)
  const fits =
    type === 'NS'
      ? (e: unknown) => typeof e === 'number'
      : type === 'BS'
        ? (e: unknown) => e instanceof Uint8Array
        : (e: unknown) => typeof e === 'string'
  if (!elements.every(fits)) {
    throw invalidParameter(`${path} is a set of mixed types; a set holds strings, numbers or Uint8Arrays`)
  }
  if (type === 'NS') for (const n of elements as number[]) checkNumber(n)
  return makeSet(type, elements as (string | number | Uint8Array)[])
}

/** Normalizes a whole item: a plain object whose attribute names are non-empty. */
export function normalizeItem(value: unknown, what = 'item'): Item {
  if (!isPlainObject(value)) {
    throw invalidParameter(`the ${what} must be an object of attributes, got ${dynamoType(value)}`)
  }
  const item: Item = {}
  for (const [name, member] of Object.entries(value)) {
    if (name === '') throw invalidParameter('An attribute name may not be empty')
    if (member !== undefined) setAttribute(item, name, normalizeValue(member, name))
  }
  return item
}

function significantDigits(n: number): number {
  if (n === 0) return 1
  // toExponential() gives the shortest round-tripping digits, with leading and trailing zeros gone.
  const mantissa = Math.abs(n).toExponential().split('e')[0]!
  return mantissa.replace('.', '').length
}

function valueSize(value: JsonValue): number {
  if (typeof value === 'string') return Buffer.byteLength(value, 'utf8')
  if (typeof value === 'number') return Math.ceil(significantDigits(value) / 2) + 1
  if (typeof value === 'boolean' || value === null) return 1
  if (value instanceof Uint8Array) return value.length
  // Sets: the sum of their elements' sizes (no overhead).
  if (value instanceof Set) {
    let size = 0
    for (const element of value as Set<JsonValue>) size += valueSize(element)
    return size
  }
  // Lists and maps: 3 bytes of overhead plus 1 byte per element.
  if (Array.isArray(value)) return value.reduce<number>((sum, v) => sum + 1 + valueSize(v), 3)
  let size = 3
  for (const [name, member] of Object.entries(value)) {
    size += 1 + Buffer.byteLength(name, 'utf8') + valueSize(member)
  }
  return size
}

/**
 * An item's size as DynamoDB counts it: attribute names plus values, with its documented
 * overheads for numbers, lists and maps.
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/CapacityUnitCalculations.html
 */
export function itemSize(item: Item): number {
  let size = 0
  for (const [name, value] of Object.entries(item)) size += Buffer.byteLength(name, 'utf8') + valueSize(value)
  return size
}

/** DynamoDB's equality: same type and value; maps regardless of member order, lists in order. */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false
  if (a instanceof Uint8Array || b instanceof Uint8Array) {
    return a instanceof Uint8Array && b instanceof Uint8Array && bytesEqual(a, b)
  }
  if (a instanceof Set || b instanceof Set) {
    if (!(a instanceof Set) || !(b instanceof Set) || a.size !== b.size) return false
    if (setType(a) !== setType(b)) return false
    return [...a].every((x) => setHas(b, x))
  }
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false
    return a.every((v, i) => deepEqual(v, b[i]))
  }
  const ka = Object.keys(a)
  if (ka.length !== Object.keys(b).length) return false
  return ka.every((k) => Object.hasOwn(b, k) && deepEqual((a as never)[k], (b as never)[k]))
}

/** A number as an exact decimal: digits × 10^exponent (doubles print as short decimals). */
function toDecimal(n: number): { digits: bigint; exponent: number } {
  const [mantissa, exp = '0'] = String(n).split('e')
  const [whole, fraction = ''] = mantissa!.split('.')
  return { digits: BigInt(whole! + fraction), exponent: Number(exp) - fraction.length }
}

/**
 * DynamoDB's ADD: exact decimal arithmetic (0.1 + 0.2 is 0.3, as DynamoDB stores it, not
 * 0.30000000000000004), then the result as the nearest double.
 */
export function addNumbers(a: number, b: number): number {
  const x = toDecimal(a)
  const y = toDecimal(b)
  const exponent = Math.min(x.exponent, y.exponent)
  let digits =
    x.digits * 10n ** BigInt(x.exponent - exponent) + y.digits * 10n ** BigInt(y.exponent - exponent)
  let e = exponent
  while (digits !== 0n && digits % 10n === 0n) {
    digits /= 10n
    e++
  }
  const text = (digits < 0n ? -digits : digits).toString()
  if (text.length > MAX_SIGNIFICANT_DIGITS) {
    throw validation(`Attempting to store more than ${MAX_SIGNIFICANT_DIGITS} significant digits in a Number`)
  }
  const sum = Number(`${digits}e${e}`)
  checkNumber(sum)
  return sum === 0 ? 0 : sum
}

/** Whether a set holds `element` (binary elements by their bytes). */
export function setHas(set: ReadonlySet<unknown>, element: unknown): boolean {
  if (element instanceof Uint8Array) {
    for (const e of set) if (e instanceof Uint8Array && bytesEqual(e, element)) return true
    return false
  }
  return set.has(element)
}

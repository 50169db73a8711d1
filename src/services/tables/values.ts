import { invalidParameter, validation } from './errors.ts'

/** What an item holds: JSON values (DynamoDB's S, N, BOOL, NULL, L and M types). */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue }
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
  if (isPlainObject(value)) return 'M'
  return typeof value === 'object' ? (value.constructor?.name ?? 'object') : typeof value
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
      'items hold JSON values (strings, numbers, booleans, null, lists and maps)',
  )
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

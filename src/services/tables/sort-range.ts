import type { SortKeyCondition } from '../../bindings/index.ts'
import { validation } from './errors.ts'
import { BINARY_TAG, encodeKeyValue, type KeyValue, NUMBER_TAG, STRING_TAG } from './keys.ts'
import { checkNumber, dynamoType, isPlainObject } from './values.ts'

/** One end of a range of encoded sort values. */
export interface Bound {
  value: Buffer
  inclusive: boolean
}

/** A range of encoded sort values; a missing end is unbounded. */
export interface SortRange {
  lower?: Bound
  upper?: Bound
}

const TYPE_MISMATCH =
  'One or more parameter values were invalid: Condition parameter type does not match schema type'

const tagOf = (value: KeyValue) =>
  typeof value === 'number' ? NUMBER_TAG : typeof value === 'string' ? STRING_TAG : BINARY_TAG

/** The encoded values of one key type lie in [tag, tag + 1). */
function typeStart(value: KeyValue): Bound {
  return { value: Buffer.of(tagOf(value)), inclusive: true }
}

function typeEnd(value: KeyValue): Bound {
  return { value: Buffer.of(tagOf(value) + 1), inclusive: false }
}

function operand(value: unknown): KeyValue {
  if (typeof value === 'number') {
    checkNumber(value)
    return value
  }
  if (typeof value !== 'string' && !(value instanceof Uint8Array)) throw validation(TYPE_MISMATCH)
  if (value.length === 0) {
    throw validation(
      'One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain ' +
        `an empty ${typeof value === 'string' ? 'string' : 'binary'} value.`,
    )
  }
  return value
}

const at = (value: KeyValue, inclusive: boolean): Bound => ({ value: encodeKeyValue(value), inclusive })

type RangeOf = (value: unknown) => SortRange

/*
 * Each comparison stays within its operand's type, so a table whose sort values mix numbers and
 * strings (which DynamoDB's typed keys cannot hold) still answers `lessThan: 5` with numbers only.
 */
const OPERATORS: Record<string, RangeOf> = {
  equals: (v) => {
    const x = operand(v)
    return { lower: at(x, true), upper: at(x, true) }
  },
  lessThan: (v) => {
    const x = operand(v)
    return { lower: typeStart(x), upper: at(x, false) }
  },
  lessThanOrEqual: (v) => {
    const x = operand(v)
    return { lower: typeStart(x), upper: at(x, true) }
  },
  greaterThan: (v) => {
    const x = operand(v)
    return { lower: at(x, false), upper: typeEnd(x) }
  },
  greaterThanOrEqual: (v) => {
    const x = operand(v)
    return { lower: at(x, true), upper: typeEnd(x) }
  },
  between: (v) => {
    if (!Array.isArray(v) || v.length !== 2) {
      throw validation('Invalid KeyConditionExpression: between takes [lower, upper]')
    }
    const low = operand(v[0])
    const high = operand(v[1])
    if (tagOf(low) !== tagOf(high)) throw validation(TYPE_MISMATCH)
    const lower = at(low, true)
    const upper = at(high, true)
    if (Buffer.compare(lower.value, upper.value) > 0) {
      const show = (x: KeyValue) =>
        `AttributeValue: {${dynamoType(x)}:${x instanceof Uint8Array ? Buffer.from(x).toString('base64') : x}}`
      throw validation(
        'Invalid KeyConditionExpression: The BETWEEN operator requires upper bound to be greater than or ' +
          `equal to lower bound; lower bound operand: ${show(low)}, upper bound operand: ${show(high)}`,
      )
    }
    return { lower, upper }
  },
  beginsWith: (v) => {
    if (typeof v !== 'string' && !(v instanceof Uint8Array)) {
      throw validation(
        'Invalid KeyConditionExpression: Incorrect operand type for operator or function; operator or ' +
          `function: begins_with, operand type: ${dynamoType(v)}`,
      )
    }
    const prefix = encodeKeyValue(v)
    // The first value past every value with this prefix: drop trailing 0xFF bytes (binary may
    // hold them; UTF-8 never does), then bump the last byte. The tag byte is never 0xFF.
    let n = prefix.length
    while (prefix[n - 1] === 0xff) n--
    const end = Buffer.from(prefix.subarray(0, n))
    end[n - 1] = end[n - 1]! + 1
    return { lower: { value: prefix, inclusive: true }, upper: { value: end, inclusive: false } }
  },
}

/** Validates a `query` sort key condition and turns it into a range of encoded sort values. */
export function sortRange(condition: SortKeyCondition | undefined): SortRange {
  if (condition === undefined) return {}
  const parts = isPlainObject(condition) ? Object.keys(condition) : []
  const op = parts.length === 1 && Object.hasOwn(OPERATORS, parts[0]!) ? OPERATORS[parts[0]!] : undefined
  if (!op) {
    throw validation(
      'Invalid KeyConditionExpression: a sort key condition takes exactly one of equals, lessThan, ' +
        'lessThanOrEqual, greaterThan, greaterThanOrEqual, between, beginsWith',
    )
  }
  return op((condition as Record<string, unknown>)[parts[0]!])
}

export function inRange(range: SortRange, value: Buffer): boolean {
  if (range.lower) {
    const c = Buffer.compare(value, range.lower.value)
    if (c < 0 || (c === 0 && !range.lower.inclusive)) return false
  }
  if (range.upper) {
    const c = Buffer.compare(value, range.upper.value)
    if (c > 0 || (c === 0 && !range.upper.inclusive)) return false
  }
  return true
}

/** Narrows a range to the values strictly after (or, descending, before) `start`. */
export function continueAfter(range: SortRange, start: Buffer, forward: boolean): SortRange {
  const bound: Bound = { value: start, inclusive: false }
  if (forward) {
    const keep = range.lower && Buffer.compare(range.lower.value, start) > 0
    return { lower: keep ? range.lower : bound, upper: range.upper }
  }
  const keep = range.upper && Buffer.compare(range.upper.value, start) < 0
  return { lower: range.lower, upper: keep ? range.upper : bound }
}

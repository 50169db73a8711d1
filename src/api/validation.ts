/**
 * Checks a request against its operation's spec (`spec.ts`): types first (SerializationException),
 * then constraints (ValidationException), worded as AWS words them.
 */
import { serializationError, validationError } from './errors.ts'
import type { FieldSpec, OperationSpec } from './spec.ts'

type Json = unknown

function typeError(message: string | undefined) {
  return serializationError(message)
}

/**
 * How a service's deserializer words a member of the wrong JSON type. Services differ: Kinesis
 * and Firehose answer in the older Coral dialect ("class java.lang.Boolean can not be converted
 * to an String"), DynamoDB in a Jackson-based one ("TRUE_VALUE cannot be converted to String").
 */
export interface TypeDialect {
  /**
   * The message for `val`, of the wrong JSON type for `spec`. `element` is true for a list
   * member or map value (DynamoDB words a structure there differently from one in a field).
   */
  mismatch(val: unknown, spec: FieldSpec, element: boolean): string
  /** A Boolean member given a string: its value, or undefined when the service refuses it. */
  booleanFromString(val: string): boolean | undefined
  /** Why base64 text is refused, or undefined when it is well formed. */
  base64Error(val: string): string | undefined
  /** The message for a body that is not JSON at all (undefined: the error has none). */
  unreadableBody: string | undefined
}

const structureOrList = (val: object) =>
  Array.isArray(val)
    ? 'Start of list found where not expected'
    : 'Start of structure or map found where not expected.'

const TRUNCATING_BIG_NUMBER = 'class com.amazon.coral.value.json.numbers.TruncatingBigNumber'

/** Kinesis's and Firehose's wording (Coral's JSON deserializer), as recorded from AWS. */
export const CORAL_TYPE_DIALECT: TypeDialect = {
  mismatch(val, spec) {
    const number = typeof val === 'number' || typeof val === 'bigint'
    switch (spec.type) {
      case 'Boolean':
        if (number) return `${TRUNCATING_BIG_NUMBER} can not be converted to an Boolean`
        if (typeof val === 'string') return `'${val.toUpperCase()}' can not be converted to an Boolean`
        return structureOrList(val as object)
      case 'Integer':
      case 'Long':
        if (typeof val === 'boolean') return `class java.lang.Boolean can not be converted to an ${spec.type}`
        if (typeof val === 'string') return `class java.lang.String can not be converted to an ${spec.type}`
        return structureOrList(val as object)
      case 'String':
        if (typeof val === 'boolean') return 'class java.lang.Boolean can not be converted to an String'
        if (number) return `${TRUNCATING_BIG_NUMBER} can not be converted to an String`
        return structureOrList(val as object)
      case 'Blob':
        if (typeof val === 'boolean') return 'class java.lang.Boolean can not be converted to a Blob'
        if (number) return `${TRUNCATING_BIG_NUMBER} can not be converted to a Blob`
        return structureOrList(val as object)
      case 'Timestamp':
        if (typeof val === 'boolean')
          return 'class java.lang.Boolean can not be converted to milliseconds since epoch'
        if (typeof val === 'string')
          return 'class java.lang.String can not be converted to milliseconds since epoch'
        return structureOrList(val as object)
      case 'List':
        if (typeof val !== 'object') return 'Expected list or null'
        return 'Start of structure or map found where not expected.'
      case 'Map':
        if (typeof val !== 'object') return 'Expected map or null'
        return 'Start of list found where not expected'
      case 'Structure':
        if (typeof val !== 'object') return 'Expected null'
        return 'Start of list found where not expected'
    }
  },
  booleanFromString: () => undefined,
  base64Error(s) {
    if (s.length % 4) {
      return `'${s}' can not be converted to a Blob: Base64 encoded length is expected a multiple of 4 bytes but found: ${s.length}`
    }
    const bad = BASE64_INVALID.exec(s)
    if (bad) return `'${s}' can not be converted to a Blob: Invalid Base64 character: '${bad[0][0]}'`
    if (!canonicalBase64Tail(s))
      return `'${s}' can not be converted to a Blob: Invalid last non-pad Base64 character dectected`
    return undefined
  },
  unreadableBody: 'Start of structure or map found where not expected.',
}

const BASE64_INVALID = /[^a-zA-Z0-9+/=]|=[^=]/

/**
 * Converts a parsed body to the operation's shape, dropping unknown and null members, or throws
 * the SerializationException AWS's deserializer (Java) would, in the service's `dialect`. Blobs
 * stay base64 strings (or Buffers, from CBOR).
 */
export function checkTypes(
  data: Record<string, Json>,
  spec: OperationSpec,
  dialect: TypeDialect = CORAL_TYPE_DIALECT,
): Record<string, Json> {
  const out: Record<string, Json> = {}
  for (const key of Object.keys(spec)) {
    const val = data[key]
    if (val === null || val === undefined) continue
    const converted = checkType(val, spec[key]!, dialect, false)
    if (converted !== undefined) out[key] = converted
  }
  return out
}

function checkType(val: Json, spec: FieldSpec, dialect: TypeDialect, element: boolean): Json {
  if (val === null || val === undefined) return undefined
  switch (spec.type) {
    case 'Boolean': {
      if (typeof val === 'boolean') return val
      const parsed = typeof val === 'string' ? dialect.booleanFromString(val) : undefined
      if (parsed === undefined) throw typeError(dialect.mismatch(val, spec, element))
      return parsed
    }
    case 'Integer':
    case 'Long':
      if (typeof val === 'number' || typeof val === 'bigint') return toInteger(val, spec.type)
      throw typeError(dialect.mismatch(val, spec, element))
    case 'String':
      if (typeof val === 'string') return val
      throw typeError(dialect.mismatch(val, spec, element))
    case 'Blob':
      if (Buffer.isBuffer(val) || val instanceof Uint8Array) return Buffer.from(val).toString('base64')
      if (typeof val !== 'string') throw typeError(dialect.mismatch(val, spec, element))
      return checkBase64(val, dialect)
    case 'Timestamp':
      if (val instanceof Date) return finite(val.getTime() / 1000)
      if (typeof val === 'number' || typeof val === 'bigint') return finite(Number(val))
      throw typeError(dialect.mismatch(val, spec, element))
    case 'List':
      if (!Array.isArray(val)) throw typeError(dialect.mismatch(val, spec, element))
      return val.map((child) => checkType(child, spec.children, dialect, true))
    case 'Map':
      if (typeof val !== 'object' || Array.isArray(val)) throw typeError(dialect.mismatch(val, spec, element))
      // fromEntries defines own properties, so a "__proto__" key stays a key (`out[k] =` would drop it).
      return Object.fromEntries(
        Object.entries(val as Record<string, Json>).map(([k, v]) => [
          k,
          checkType(v, spec.children, dialect, true),
        ]),
      )
    case 'Structure':
      if (typeof val !== 'object' || Array.isArray(val) || Buffer.isBuffer(val))
        throw typeError(dialect.mismatch(val, spec, element))
      return checkTypes(val as Record<string, Json>, spec.children, dialect)
  }
}

function checkBase64(s: string, dialect: TypeDialect): string {
  const error = dialect.base64Error(s)
  if (error !== undefined) throw typeError(error)
  return s
}

/**
 * Java's int/long from a JSON or CBOR number: truncated, and an Integer clamped to its 32 bits.
 * CBOR can also carry NaN and infinities (and integers beyond 2^53, decoded as bigint); NaN has no
 * integer value at all, and letting it through would defeat every range check after it.
 */
function toInteger(val: number | bigint, type: 'Integer' | 'Long'): number {
  const n = typeof val === 'bigint' ? Number(val) : Math.floor(val)
  if (Number.isNaN(n)) throw serializationError()
  if (type === 'Integer') return Math.max(-2147483648, Math.min(n, 2147483647))
  return Math.max(Number.MIN_SAFE_INTEGER, Math.min(n, Number.MAX_SAFE_INTEGER))
}

/** Epoch seconds must be a real number (CBOR can encode NaN and infinities, JSON 1e400). */
function finite(seconds: number): number {
  if (!Number.isFinite(seconds)) throw serializationError()
  return seconds
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'

/** Base64 text of a length that is a multiple of 4 that decodes and re-encodes to itself (checked without decoding). */
export function isCanonicalBase64(s: string): boolean {
  return !BASE64_INVALID.test(s) && canonicalBase64Tail(s)
}

/** The unused low bits of the last character before padding must be zero (checked without decoding). */
function canonicalBase64Tail(s: string): boolean {
  if (s.endsWith('==')) return (B64.indexOf(s[s.length - 3]!) & 0x0f) === 0
  if (s.endsWith('=')) return (B64.indexOf(s[s.length - 2]!) & 0x03) === 0
  return true
}

/** Decoded length of base64 text, given as a string or as its ASCII bytes. */
export function blobLength(val: string | Buffer): number {
  const n = val.length
  if (n === 0) return 0
  const last = typeof val === 'string' ? val.charCodeAt(n - 1) : val[n - 1]
  const before = typeof val === 'string' ? val.charCodeAt(n - 2) : val[n - 2]
  const pad = last === 0x3d ? (before === 0x3d ? 2 : 1) : 0
  return (n / 4) * 3 - pad
}

/**
 * Checks constraints and throws one ValidationException listing up to 10 violations in AWS's
 * words ("2 validation errors detected: Value null at 'records' failed to satisfy constraint: ...").
 */
export function checkValidations(data: Record<string, Json>, spec: OperationSpec): void {
  for (const [key, field] of Object.entries(spec)) {
    if (field.required && data[key] == null)
      throw validationError(`The parameter '${key}' is required but was not present in the request`)
  }
  const errors: string[] = []
  checkFields(data, spec, '', errors)
  if (errors.length) {
    throw validationError(
      `${errors.length} validation error${errors.length > 1 ? 's' : ''} detected: ${errors.join('; ')}`,
    )
  }
}

function checkFields(
  data: Record<string, Json>,
  spec: OperationSpec,
  parent: string,
  errors: string[],
): void {
  for (const [key, field] of Object.entries(spec)) {
    const notNull =
      field.notNull ||
      ('notNullUnless' in field && field.notNullUnless !== undefined && data[field.notNullUnless] == null)
    checkField(key, data[key], field, notNull, parent, errors)
  }
}

function lowerFirst(s: string): string {
  return s[0]!.toLowerCase() + s.slice(1)
}

function checkField(
  key: string,
  val: Json,
  field: FieldSpec,
  notNull: boolean,
  parent: string,
  errors: string[],
): void {
  const path = (parent ? `${parent}.` : '') + lowerFirst(key)
  const fail = (message: string) => {
    if (errors.length >= 10) return
    const shown = valueString(val, field)
    errors.push(
      `Value ${shown === 'null' ? 'null' : `'${shown}'`} at '${path}' failed to satisfy constraint: ${message}`,
    )
  }
  if (val === null || val === undefined) {
    if (notNull) fail('Member must not be null')
    return
  }
  switch (field.type) {
    case 'String':
      if (field.regex !== undefined && !new RegExp(`^(?:${field.regex})$`).test(val as string)) {
        fail(`Member must satisfy regular expression pattern: ${field.regex}`)
      }
      lengthChecks(val as string, field, fail)
      if (field.enum && !field.enum.includes(val as string))
        fail(`Member must satisfy enum value set: [${field.enum.join(', ')}]`)
      return
    case 'Integer':
    case 'Long':
      if (field.greaterThanOrEqual !== undefined && (val as number) < field.greaterThanOrEqual) {
        fail(`Member must have value greater than or equal to ${field.greaterThanOrEqual}`)
      }
      if (field.lessThanOrEqual !== undefined && (val as number) > field.lessThanOrEqual) {
        fail(`Member must have value less than or equal to ${field.lessThanOrEqual}`)
      }
      return
    case 'Blob':
      if (
        field.lengthLessThanOrEqual !== undefined &&
        blobLength(val as string) > field.lengthLessThanOrEqual
      ) {
        fail(`Member must have length less than or equal to ${field.lengthLessThanOrEqual}`)
      }
      return
    case 'List': {
      const list = val as Json[]
      lengthChecks(list, field, fail)
      if (field.childLengths) {
        const [min, max] = field.childLengths
        if (!list.every((x) => (x as string).length >= min && (x as string).length <= max)) {
          fail(
            `Member must satisfy constraint: [Member must have length less than or equal to ${max}, Member must have length greater than or equal to ${min}]`,
          )
        }
      }
      list.forEach((item, i) => {
        checkField('member', item, field.children, false, `${path}.${i + 1}`, errors)
      })
      return
    }
    case 'Map': {
      const map = val as Record<string, string>
      lengthChecks(Object.keys(map), field, fail)
      if (field.childKeyLengths) {
        const [min, max] = field.childKeyLengths
        if (!Object.keys(map).every((k) => k.length >= min && k.length <= max)) {
          fail(
            `Map keys must satisfy constraint: [Member must have length less than or equal to ${max}, Member must have length greater than or equal to ${min}]`,
          )
        }
      }
      if (field.childValueLengths) {
        const [min, max] = field.childValueLengths
        if (!Object.values(map).every((v) => v.length >= min && v.length <= max)) {
          fail(
            `Map value must satisfy constraint: [Member must have length less than or equal to ${max}, Member must have length greater than or equal to ${min}]`,
          )
        }
      }
      if (field.checkValues) {
        for (const [k, v] of Object.entries(map)) {
          checkField('member', v, field.children, false, `${path}.${k}`, errors)
        }
      }
      return
    }
    case 'Structure':
      checkFields(val as Record<string, Json>, field.children, path, errors)
      return
    default:
      return
  }
}

function lengthChecks(
  val: { length: number },
  field: { lengthGreaterThanOrEqual?: number; lengthLessThanOrEqual?: number },
  fail: (m: string) => void,
): void {
  if (field.lengthGreaterThanOrEqual !== undefined && val.length < field.lengthGreaterThanOrEqual) {
    fail(`Member must have length greater than or equal to ${field.lengthGreaterThanOrEqual}`)
  }
  if (field.lengthLessThanOrEqual !== undefined && val.length > field.lengthLessThanOrEqual) {
    fail(`Member must have length less than or equal to ${field.lengthLessThanOrEqual}`)
  }
}

/** How the Java service prints a value inside `Value '...'`. */
function valueString(val: Json, field: FieldSpec): string {
  if (val === null || val === undefined) return 'null'
  switch (field.type) {
    case 'Blob': {
      const n = blobLength(val as string)
      return `java.nio.HeapByteBuffer[pos=0 lim=${n} cap=${n}]`
    }
    case 'List':
      return `[${(val as Json[]).map((item) => field.memberStr ?? String(item)).join(', ')}]`
    case 'Map':
      return `{${Object.entries(val as Record<string, Json>)
        .map(([k, v]) => `${k}=${'memberStr' in field && field.memberStr ? field.memberStr : javaString(v)}`)
        .join(', ')}}`
    default:
      return typeof val === 'object' ? JSON.stringify(val) : String(val)
  }
}

/** Java's toString of a map value: a list prints as `[a, b]` (DynamoDB's batch requests). */
function javaString(val: Json): string {
  return Array.isArray(val) ? `[${val.map(javaString).join(', ')}]` : String(val)
}

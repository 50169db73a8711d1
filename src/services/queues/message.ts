import { createHash } from 'node:crypto'
import { BASE64 } from '../../util/base64.ts'
import { QUEUE_LIMITS } from './config.ts'
import { QueueError } from './errors.ts'

/** Characters SQS accepts in a body or attribute value (XML 1.0 characters). */
const INVALID_CHARACTER = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u

/** Attribute names: letters, digits, `_`, `-`, `.`; no `AWS.`/`Amazon.` prefix, no `..`. */
const ATTRIBUTE_NAME = /^[A-Za-z0-9_-](?:[A-Za-z0-9_.-]{0,254}[A-Za-z0-9_-])?$/

export function md5Hex(data: string | Buffer): string {
  return createHash('md5').update(data).digest('hex')
}

/** Message attributes by value alone (every one a `String` attribute): what peeks show. */
export type MessageAttributes = Record<string, string>

/**
 * A message attribute with its SQS data type: `String`, `Number` or `Binary`, or one of them with a
 * custom label (`Number.int`). A `Binary` attribute's `stringValue` is its bytes in base64 (what
 * every wire form carries: `BinaryValue` in the APIs, `binaryValue` in Lambda's event).
 */
export interface TypedMessageAttribute {
  dataType: string
  stringValue: string
}

/** Whether an attribute of this data type carries bytes (its `stringValue` is base64). */
export const isBinaryType = (dataType: string) => dataType.startsWith('Binary')

/** An attribute's value as bytes: UTF-8 of a String or Number, the bytes of a Binary one. */
function valueBytes(a: TypedMessageAttribute): Buffer {
  return isBinaryType(a.dataType) ? Buffer.from(a.stringValue, 'base64') : Buffer.from(a.stringValue, 'utf8')
}

/** What a send takes: a string is a `String` attribute. */
export type SendAttributes = Record<string, string | TypedMessageAttribute>

/** Validated attributes, each with its type. */
export type TypedMessageAttributes = Record<string, TypedMessageAttribute>

/** SQS's data types: `String`, `Number` or `Binary`, optionally with a custom label after a dot. */
const DATA_TYPE = /^(String|Number|Binary)(\.[^\s]{1,245})?$/
/** A number SQS can hold: up to 38 significant digits, from -10^128 to 10^126. */
const NUMBER = /^[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?$/

/** As stored: a plain `String` attribute as its value (as before typed attributes), others with their type. */
export function storedAttributes(
  attributes: TypedMessageAttributes,
): Record<string, string | TypedMessageAttribute> {
  const out: Record<string, string | TypedMessageAttribute> = {}
  for (const [name, a] of Object.entries(attributes)) out[name] = a.dataType === 'String' ? a.stringValue : a
  return out
}

/** Stored attributes (either form) back to typed ones. */
export function typedAttributes(
  stored: Record<string, string | TypedMessageAttribute>,
): TypedMessageAttributes {
  const out: TypedMessageAttributes = {}
  for (const [name, v] of Object.entries(stored))
    out[name] = typeof v === 'string' ? { dataType: 'String', stringValue: v } : v
  return out
}

/**
 * MD5OfMessageAttributes, computed the way SQS documents it: for each attribute in name order,
 * length-prefixed (4-byte big-endian) name, data type and value, with a transport byte (1 =
 * string, 2 = binary) between type and value.
 */
export function md5OfMessageAttributes(attributes: TypedMessageAttributes): string | undefined {
  const names = Object.keys(attributes).sort()
  if (names.length === 0) return undefined
  const parts: Buffer[] = []
  const prefixed = (s: string | Buffer) => {
    const bytes = typeof s === 'string' ? Buffer.from(s, 'utf8') : s
    const len = Buffer.alloc(4)
    len.writeUInt32BE(bytes.length, 0)
    parts.push(len, bytes)
  }
  for (const name of names) {
    prefixed(name)
    const attribute = attributes[name]!
    prefixed(attribute.dataType)
    parts.push(Buffer.from([isBinaryType(attribute.dataType) ? 2 : 1]))
    prefixed(valueBytes(attribute))
  }
  return md5Hex(Buffer.concat(parts))
}

/** Bytes a message counts against MaximumMessageSize: body plus attribute names, types and values. */
export function messageSize(body: string, attributes: TypedMessageAttributes): number {
  let size = Buffer.byteLength(body, 'utf8')
  for (const [name, attribute] of Object.entries(attributes)) {
    size += Buffer.byteLength(name, 'utf8') + attribute.dataType.length + valueBytes(attribute).length
  }
  return size
}

/** Validates a body and its attributes as SendMessage does; throws SQS's error types. */
export function validateMessage(
  body: unknown,
  attributes: unknown,
  maximumMessageSize: number,
): TypedMessageAttributes {
  if (typeof body !== 'string' || body.length === 0) {
    throw new QueueError('MissingParameter', 'The request must contain the parameter MessageBody.')
  }
  if (INVALID_CHARACTER.test(body)) {
    throw new QueueError(
      'InvalidMessageContents',
      'Invalid characters found. Valid unicode characters are #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF',
    )
  }
  const attrs = validateAttributes(attributes)
  const size = messageSize(body, attrs)
  if (size > maximumMessageSize) {
    throw new QueueError(
      'InvalidParameterValue',
      `One or more parameters are invalid. Reason: Message must be shorter than ${maximumMessageSize} bytes.`,
    )
  }
  return attrs
}

function validateAttributes(attributes: unknown): TypedMessageAttributes {
  if (attributes === undefined || attributes === null) return {}
  if (typeof attributes !== 'object' || Array.isArray(attributes)) {
    throw new QueueError('InvalidParameterValue', 'Message attributes must be an object of string values.')
  }
  const entries = Object.entries(attributes as Record<string, unknown>)
  if (entries.length > QUEUE_LIMITS.messageAttributes) {
    throw new QueueError(
      'InvalidParameterValue',
      `Number of message attributes [${entries.length}] exceeds the allowed maximum [${QUEUE_LIMITS.messageAttributes}].`,
    )
  }
  const out: TypedMessageAttributes = {}
  for (const [name, given] of entries) {
    if (!ATTRIBUTE_NAME.test(name) || name.includes('..') || /^(aws|amazon)\./i.test(name)) {
      throw new QueueError('InvalidAttributeName', `The message attribute name '${name}' is invalid.`)
    }
    const typed = typeof given === 'object' && given !== null
    const dataType = typed ? (given as TypedMessageAttribute).dataType : 'String'
    const value = typed ? (given as TypedMessageAttribute).stringValue : given
    if (typeof dataType !== 'string' || !DATA_TYPE.test(dataType)) {
      throw new QueueError(
        'InvalidParameterValue',
        `The type of message (user) attribute '${name}' is invalid. You must use only the following supported type prefixes: Binary, Number, String.`,
      )
    }
    if (isBinaryType(dataType)) {
      if (typeof value !== 'string' || value.length === 0 || !BASE64.test(value))
        throw new QueueError(
          'InvalidAttributeValue',
          `Message (user) attribute '${name}' must contain a non-empty value of type '${dataType}'.`,
        )
      out[name] = { dataType, stringValue: value }
      continue
    }
    if (typeof value !== 'string' || value.length === 0) {
      throw new QueueError(
        'InvalidAttributeValue',
        `Message (user) attribute '${name}' must contain a non-empty value of type '${dataType}'.`,
      )
    }
    if (dataType.startsWith('Number') && !NUMBER.test(value)) {
      throw new QueueError(
        'InvalidParameterValue',
        `Can't cast the value of message (user) attribute '${name}' to a number.`,
      )
    }
    if (INVALID_CHARACTER.test(value)) {
      throw new QueueError(
        'InvalidMessageContents',
        `Message (user) attribute '${name}' contains invalid characters.`,
      )
    }
    out[name] = { dataType, stringValue: value }
  }
  return out
}

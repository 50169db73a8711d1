import { createHash } from 'node:crypto'
import { QUEUE_LIMITS } from './config.ts'
import { QueueError } from './errors.ts'

/** Characters SQS accepts in a body or attribute value (XML 1.0 characters). */
const INVALID_CHARACTER = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u

/** Attribute names: letters, digits, `_`, `-`, `.`; no `AWS.`/`Amazon.` prefix, no `..`. */
const ATTRIBUTE_NAME = /^[A-Za-z0-9_-](?:[A-Za-z0-9_.-]{0,254}[A-Za-z0-9_-])?$/

export function md5Hex(data: string | Buffer): string {
  return createHash('md5').update(data).digest('hex')
}

/** Message attributes as the service keeps them: every value is a `String` attribute. */
export type MessageAttributes = Record<string, string>

/**
 * MD5OfMessageAttributes, computed the way SQS documents it: for each attribute in name order,
 * length-prefixed (4-byte big-endian) name, data type and value, with a transport byte (1 =
 * string) between type and value.
 */
export function md5OfMessageAttributes(attributes: MessageAttributes): string | undefined {
  const names = Object.keys(attributes).sort()
  if (names.length === 0) return undefined
  const parts: Buffer[] = []
  const prefixed = (s: string) => {
    const bytes = Buffer.from(s, 'utf8')
    const len = Buffer.alloc(4)
    len.writeUInt32BE(bytes.length, 0)
    parts.push(len, bytes)
  }
  for (const name of names) {
    prefixed(name)
    prefixed('String')
    parts.push(Buffer.from([1]))
    prefixed(attributes[name]!)
  }
  return md5Hex(Buffer.concat(parts))
}

/** Bytes a message counts against MaximumMessageSize: body plus attribute names, types and values. */
export function messageSize(body: string, attributes: MessageAttributes): number {
  let size = Buffer.byteLength(body, 'utf8')
  for (const [name, value] of Object.entries(attributes)) {
    size += Buffer.byteLength(name, 'utf8') + 'String'.length + Buffer.byteLength(value, 'utf8')
  }
  return size
}

/** Validates a body and its attributes as SendMessage does; throws SQS's error types. */
export function validateMessage(
  body: unknown,
  attributes: unknown,
  maximumMessageSize: number,
): MessageAttributes {
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

function validateAttributes(attributes: unknown): MessageAttributes {
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
  const out: MessageAttributes = {}
  for (const [name, value] of entries) {
    if (!ATTRIBUTE_NAME.test(name) || name.includes('..') || /^(aws|amazon)\./i.test(name)) {
      throw new QueueError('InvalidAttributeName', `The message attribute name '${name}' is invalid.`)
    }
    if (typeof value !== 'string' || value.length === 0) {
      throw new QueueError(
        'InvalidAttributeValue',
        `Message (user) attribute '${name}' must contain a non-empty value of type 'String'.`,
      )
    }
    if (INVALID_CHARACTER.test(value)) {
      throw new QueueError(
        'InvalidMessageContents',
        `Message (user) attribute '${name}' contains invalid characters.`,
      )
    }
    out[name] = value
  }
  return out
}

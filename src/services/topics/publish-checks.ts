import { BASE64 } from '../../util/base64.ts'
import { TOPIC_LIMITS } from './config.ts'
import { invalidTopicParameter, invalidTopicParameterValue } from './errors.ts'
import { baseType, type TypedAttribute } from './filter-policy.ts'

export interface PublishOptions {
  /** At most 100 printable ASCII characters. */
  subject?: string
  /**
   * Message attributes, at most 10: a string is a `String` attribute; `{ type, value }` gives
   * `Number` (a decimal), `String.Array` (a JSON array) or `Binary` (bytes in base64) too.
   */
  attributes?: Record<string, string | TypedAttribute>
  /**
   * `'json'`: the message is a JSON object of messages by protocol (`sqs`, `lambda`, `email`,
   * `http`, `https`) with a `default` for the others, as SNS's MessageStructure.
   */
  messageStructure?: string
}

/** A `MessageStructure: 'json'` message: the message for each protocol key, and `default`. */
export function structuredMessages(message: string, structure: string | undefined): Record<string, string> {
  if (structure === undefined) return { default: message }
  if (structure !== 'json') throw invalidTopicParameter('MessageStructure')
  let parsed: unknown
  try {
    parsed = JSON.parse(message)
  } catch {
    throw invalidTopicParameter('Message Structure - JSON message body failed to parse')
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw invalidTopicParameter('Message Structure - JSON message body failed to parse')
  const messages = parsed as Record<string, unknown>
  if (typeof messages.default !== 'string')
    throw invalidTopicParameter('Message Structure - No default entry in JSON message body')
  const out: Record<string, string> = {}
  for (const [key, value] of Object.entries(messages)) {
    if (typeof value !== 'string')
      throw invalidTopicParameter(`Message Structure - The value for protocol ${key} must be a string`)
    out[key] = value
  }
  return out
}

const ATTRIBUTE_NAME = /^[A-Za-z0-9_-](?:[A-Za-z0-9_.-]{0,254}[A-Za-z0-9_-])?$/
/** Printable ASCII, starting with a letter, digit or punctuation (no leading space). */
const SUBJECT = /^[!-~][ -~]*$/

/** Message plus attributes (names, types, values), as SNS counts them against its limit. */
export function publishSize(message: string, attributes: Record<string, TypedAttribute>): number {
  let size = Buffer.byteLength(message, 'utf8')
  for (const [name, { type, value }] of Object.entries(attributes)) {
    const bytes =
      baseType(type) === 'Binary' ? Buffer.byteLength(value, 'base64') : Buffer.byteLength(value, 'utf8')
    size += Buffer.byteLength(name, 'utf8') + type.length + bytes
  }
  return size
}

/** SNS's Number attributes: a decimal within ±10^9 with at most 5 digits after the point. */
const NUMBER = /^[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?$/

function checkTyped(name: string, value: string | TypedAttribute): TypedAttribute {
  const attribute = typeof value === 'string' ? { type: 'String', value } : value
  if (typeof attribute !== 'object' || attribute === null || typeof attribute.value !== 'string')
    throw invalidTopicParameter(`Message attribute '${name}' must have a non-empty String value`)
  const { type } = attribute
  const base = typeof type === 'string' && type.length <= 256 ? baseType(type) : undefined
  if (base === undefined)
    throw invalidTopicParameterValue(
      `The message attribute '${name}' has an invalid message attribute type, the set of supported type prefixes is Binary, Number, and String.`,
    )
  if (attribute.value.length === 0)
    throw invalidTopicParameterValue(
      `The message attribute '${name}' must contain non-empty message attribute value for message attribute type '${type}'.`,
    )
  if (base === 'Binary' && !BASE64.test(attribute.value))
    throw invalidTopicParameterValue(
      `The message attribute '${name}' with type '${type}' must carry its bytes in base64.`,
    )
  if (base === 'Number') {
    const n = Number(attribute.value)
    if (!NUMBER.test(attribute.value) || !Number.isFinite(n) || Math.abs(n) > 1e9)
      throw invalidTopicParameter(
        `Value ${attribute.value} for message attribute ${name} of type Number is not a valid number.`,
      )
  }
  if (base === 'String.Array') {
    let array: unknown
    try {
      array = JSON.parse(attribute.value)
    } catch {}
    if (!Array.isArray(array) || array.some((v) => v !== null && typeof v === 'object'))
      throw invalidTopicParameter(
        `The message attribute '${name}' with type 'String.Array' must be a JSON array of strings, numbers, booleans or nulls.`,
      )
  }
  return { type, value: attribute.value }
}

/** Publish's checks, in SNS's terms; returns the attributes with their types. */
export function checkPublish(message: unknown, options: PublishOptions): Record<string, TypedAttribute> {
  if (typeof message !== 'string' || message.length === 0) throw invalidTopicParameter('Empty message')
  const { subject, attributes = {} } = options
  if (
    subject !== undefined &&
    (typeof subject !== 'string' || subject.length > TOPIC_LIMITS.subjectLength || !SUBJECT.test(subject))
  ) {
    throw invalidTopicParameter('Subject')
  }
  if (typeof attributes !== 'object' || attributes === null || Array.isArray(attributes)) {
    throw invalidTopicParameter('MessageAttributes')
  }
  const entries = Object.entries(attributes)
  if (entries.length > TOPIC_LIMITS.messageAttributes) {
    throw invalidTopicParameter(`MessageAttributes: at most ${TOPIC_LIMITS.messageAttributes} attributes`)
  }
  const typed: Record<string, TypedAttribute> = {}
  for (const [name, value] of entries) {
    if (!ATTRIBUTE_NAME.test(name) || name.includes('..') || /^(aws|amazon)\./i.test(name)) {
      throw invalidTopicParameter(`Message attribute name '${name}'`)
    }
    typed[name] = checkTyped(name, value)
  }
  if (publishSize(message, typed) > TOPIC_LIMITS.messageBytes) throw invalidTopicParameter('Message too long')
  return typed
}

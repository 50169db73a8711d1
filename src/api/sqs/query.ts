import { AwsError } from '../errors.ts'
import { isPreRendered, type Operation, type OperationContext } from '../operation.ts'
import {
  type QueryAction,
  type QueryParams,
  type QueryResult,
  type QueryService,
  XmlFlatList,
  XmlFlatMap,
  type XmlObject,
  type XmlValue,
} from '../query.ts'
import type { FieldSpec, OperationSpec } from '../spec.ts'
import { checkTypes, checkValidations } from '../validation.ts'
import { SQS_OPERATIONS } from './index.ts'
import { SQS_ERRORS } from './shared.ts'

/**
 * SQS on AWS's query protocol (2012-11-05), for the AWS CLI v1/v2 and boto3 releases before SQS
 * moved to JSON 1.0: `Action=SendMessage&Version=2012-11-05&QueueUrl=...` in, XML out. Each action
 * is the JSON operation of the same name: its parameters are read into the operation's JSON input
 * by its spec (SQS's *flattened* lists and maps: `AttributeName.1`, `Attribute.1.Name` /
 * `Attribute.1.Value`, `MessageAttribute.1.Value.StringValue`, `SendMessageBatchRequestEntry.1.Id`),
 * checked like a JSON request, handled, and its output rendered as SQS's XML (flattened too:
 * `<ReceiveMessageResult><Message>...</Message><Message>...`). Errors carry the query protocol's
 * codes (`AWS.SimpleQueueService.NonExistentQueue`), the ones the JSON side sends in
 * `x-amzn-query-error`.
 */

/** The name a member's flattened list or map goes by on the wire (the service model's locationName). */
const WIRE_NAMES: Readonly<Record<string, string>> = {
  AttributeNames: 'AttributeName',
  MessageAttributeNames: 'MessageAttributeName',
  MessageSystemAttributeNames: 'MessageSystemAttributeName',
  Attributes: 'Attribute',
  MessageAttributes: 'MessageAttribute',
  MessageSystemAttributes: 'MessageSystemAttribute',
  tags: 'Tag',
  Tags: 'Tag',
  TagKeys: 'TagKey',
  StringListValues: 'StringListValue',
  BinaryListValues: 'BinaryListValue',
  QueueUrls: 'QueueUrl',
  queueUrls: 'QueueUrl',
  Messages: 'Message',
  Failed: 'BatchResultErrorEntry',
}

/** Members that are maps in SQS's outputs (rendered as `<Name>`/`<Value>` entries). */
const OUTPUT_MAPS = new Set(['Attributes', 'MessageAttributes', 'Tags'])

/** A member's wire name in `action` (batch entries are named after their action). */
function wireName(member: string, action: string, output = false): string {
  if (member === 'Entries') return `${action}RequestEntry`
  if (member === 'Successful' && output) return `${action}ResultEntry`
  return WIRE_NAMES[member] ?? member
}

const invalidValue = (value: string, parameter: string, reason: string) =>
  new AwsError(
    'InvalidParameterValue',
    `Value ${value} for parameter ${parameter} is invalid. Reason: ${reason}.`,
  )

/** The form's parameters, for reading nested shapes by prefix. */
class Form {
  readonly #values: ReadonlyMap<string, string>
  readonly #names: readonly string[]

  constructor(params: QueryParams) {
    const all = params.all()
    this.#values = new Map(all)
    this.#names = all.map(([name]) => name)
  }

  get(name: string): string | undefined {
    return this.#values.get(name)
  }

  /** Whether anything is sent at `name` or under `name.`. */
  has(name: string): boolean {
    if (this.#values.has(name)) return true
    const prefix = `${name}.`
    return this.#names.some((n) => n.startsWith(prefix))
  }
}

function readStructure(form: Form, prefix: string, spec: OperationSpec, action: string) {
  const out: Record<string, unknown> = {}
  for (const [member, field] of Object.entries(spec)) {
    const value = readField(form, `${prefix}${wireName(member, action)}`, member, field, action)
    if (value !== undefined) out[member] = value
  }
  return out
}

function readField(form: Form, key: string, member: string, field: FieldSpec, action: string): unknown {
  switch (field.type) {
    case 'List': {
      // Flattened (`Name.1`), as SQS's model has it; `Name.member.1` is taken too.
      const base = !form.has(`${key}.1`) && form.has(`${key}.member.1`) ? `${key}.member` : key
      const items: unknown[] = []
      for (let i = 1; form.has(`${base}.${i}`); i++)
        items.push(readField(form, `${base}.${i}`, member, field.children, action))
      return items.length > 0 ? items : undefined
    }
    case 'Map': {
      const keyName = member === 'tags' || member === 'Tags' ? 'Key' : 'Name'
      const entries: Record<string, unknown> = {}
      let any = false
      for (let i = 1; form.has(`${key}.${i}`); i++) {
        any = true
        const name = form.get(`${key}.${i}.${keyName}`)
        if (name === undefined) throw invalidValue('(none)', `${key}.${i}.${keyName}`, 'a name is required')
        const value = readField(form, `${key}.${i}.Value`, name, field.children, action)
        if (value !== undefined) entries[name] = value
      }
      return any ? entries : undefined
    }
    case 'Structure':
      return form.has(key) ? readStructure(form, `${key}.`, field.children, action) : undefined
    default: {
      const value = form.get(key)
      if (value === undefined) return undefined
      if (field.type === 'Integer' || field.type === 'Long') {
        if (!/^-?\d{1,15}$/.test(value.trim())) throw invalidValue(value, member, 'Must be an integer')
        return Number(value)
      }
      if (field.type === 'Boolean') {
        if (value !== 'true' && value !== 'false') throw invalidValue(value, member, 'Must be a boolean')
        return value === 'true'
      }
      return value
    }
  }
}

/** An operation's JSON output as SQS's XML result (flattened lists and maps under their wire names). */
function toXml(value: unknown, action: string, member = ''): XmlValue {
  if (value === undefined || value === null) return undefined
  if (Array.isArray(value)) return new XmlFlatList(value.map((v) => toXml(v, action)))
  if (typeof value === 'object') {
    if (OUTPUT_MAPS.has(member)) {
      const entries: Record<string, XmlValue> = {}
      for (const [k, v] of Object.entries(value)) entries[k] = toXml(v, action)
      return new XmlFlatMap(entries, member === 'Tags' ? 'Key' : 'Name')
    }
    const out: Record<string, XmlValue> = {}
    for (const [k, v] of Object.entries(value)) out[wireName(k, action, true)] = toXml(v, action, k)
    return out
  }
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value
  return String(value)
}

/** The query action serving a JSON operation. */
function queryAction(operation: Operation): QueryAction {
  const { name, spec } = operation
  return {
    name,
    async handle(params: QueryParams, ctx: OperationContext): Promise<QueryResult> {
      const input = checkTypes(readStructure(new Form(params), '', spec, name), spec)
      checkValidations(input, spec)
      const output = await operation.handle(input, ctx)
      if (output === undefined) return undefined
      return toXml(isPreRendered(output) ? output.cbor() : output, name) as XmlObject
    },
  }
}

/** SQS's query-protocol actions (older AWS CLIs and boto3): the JSON operations, form in, XML out. */
export const SQS_QUERY_ACTIONS: ReadonlyMap<string, QueryAction> = new Map(
  [...SQS_OPERATIONS.values()].map((operation) => [operation.name, queryAction(operation)]),
)

export const SQS_QUERY_SERVICE: QueryService = {
  signingName: 'sqs',
  version: '2012-11-05',
  xmlns: 'http://queue.amazonaws.com/doc/2012-11-05/',
  actions: SQS_QUERY_ACTIONS,
  /** The query protocol's code for an SQS error (`AWS.SimpleQueueService.NonExistentQueue`). */
  errorCode(error) {
    const known = SQS_ERRORS[error.code]
    if (known) return { code: known[0], status: error.status }
    // A JSON-side type or constraint check: the query protocol calls it a bad parameter value.
    if (error.code === 'ValidationException' || error.code === 'SerializationException')
      return { code: 'InvalidParameterValue', status: 400 }
    return { code: error.code, status: error.status }
  },
}

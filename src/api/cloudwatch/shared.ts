import { AwsError } from '../errors.ts'
import type { Operation, OperationContext } from '../operation.ts'
import type { QueryAction, QueryParams, XmlObject, XmlValue } from '../query.ts'
import { XmlList, XmlMap } from '../query.ts'
import type { FieldSpec, InputOf, OperationSpec } from '../spec.ts'

/**
 * CloudWatch's errors by their query-protocol code (what the CLI, boto3 and the SDKs' `Code`
 * report), with the shape name the JSON protocol's `__type` carries and the HTTP status, as the
 * CloudWatch service model declares them.
 */
export const CLOUDWATCH_ERRORS: Readonly<Record<string, readonly [shape: string, status: number]>> = {
  InvalidParameterValue: ['InvalidParameterValueException', 400],
  InvalidParameterCombination: ['InvalidParameterCombinationException', 400],
  MissingParameter: ['MissingRequiredParameterException', 400],
  ResourceNotFound: ['ResourceNotFound', 404],
  /** The tagging operations' (their own shape and code). */
  ResourceNotFoundException: ['ResourceNotFoundException', 404],
  LimitExceededException: ['LimitExceededException', 400],
  InvalidNextToken: ['InvalidNextToken', 400],
  /** GetMetricData's (and PutMetricAlarm's) checks: no modelled shape, the code is the type. */
  ValidationError: ['ValidationError', 400],
  InvalidFormat: ['InvalidFormatFault', 400],
  LimitExceeded: ['LimitExceededFault', 400],
  InternalServiceError: ['InternalServiceFault', 500],
}

export type CloudWatchErrorCode = keyof typeof CLOUDWATCH_ERRORS & string

/** A CloudWatch error, by its query code, with the status the service model gives it. */
export function cwError(code: CloudWatchErrorCode, message: string): AwsError {
  return new AwsError(code, message, CLOUDWATCH_ERRORS[code]?.[1] ?? 400)
}

export const invalidValue = (message: string) => cwError('InvalidParameterValue', message)
export const invalidCombination = (message: string) => cwError('InvalidParameterCombination', message)

/** A required parameter, or MissingParameter naming it as CloudWatch does. */
export function required<T>(value: T | undefined, name: string): T {
  if (value === undefined || value === '')
    throw cwError('MissingParameter', `The parameter ${name} is required.`)
  return value
}

/**
 * A double (CloudWatch's `Value`, `Threshold`, statistic values). The spec vocabulary has no
 * Double; a `Timestamp` field is exactly a JSON number passed through unchanged (strings and
 * booleans refused), so doubles are declared as one. The query protocol tells the two apart by
 * this object's identity: a double is parsed as a number, a timestamp as ISO 8601.
 */
export const DOUBLE = { type: 'Timestamp' } as const satisfies FieldSpec
export const TIMESTAMP = { type: 'Timestamp' } as const satisfies FieldSpec

export const DIMENSION = {
  type: 'Structure',
  children: { Name: { type: 'String' }, Value: { type: 'String' } },
} as const satisfies FieldSpec

/** One implementation per operation: the JSON 1.0 operation and the query action built from it. */
export interface CloudWatchOperation {
  json: Operation
  query: QueryAction
}

/**
 * Declares a CloudWatch operation once: its spec types the JSON body (and the handler's input);
 * on the query protocol the same spec reads `Name.member.N.Field` parameters into the same input,
 * and the handler's output is rendered as XML (arrays as member lists, `ExtendedStatistics` as an
 * entry map, dates in ISO 8601).
 */
export function defineCloudWatch<const S extends OperationSpec>(definition: {
  name: string
  spec: S
  handle: (input: InputOf<S>, ctx: OperationContext) => Record<string, unknown> | undefined
}): CloudWatchOperation {
  // The handler's input is what the dispatcher's checks of this spec let through.
  const json: Operation = {
    name: definition.name,
    spec: definition.spec,
    handle: (input, ctx) => definition.handle(input as never, ctx),
  }
  const query: QueryAction = {
    name: definition.name,
    handle: (params, ctx) => {
      const input = fromQuery(params, definition.spec, '') as InputOf<S>
      const output = definition.handle(input, ctx)
      return output === undefined ? undefined : (toXml(output) as XmlObject)
    },
  }
  return { json, query }
}

/** A query request's parameters as the JSON input the spec describes. */
function fromQuery(params: QueryParams, spec: OperationSpec, prefix: string): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [key, field] of Object.entries(spec)) {
    const value = readField(params, field, `${prefix}${key}`)
    if (value !== undefined) out[key] = value
  }
  return out
}

function readField(params: QueryParams, field: FieldSpec, name: string): unknown {
  switch (field.type) {
    case 'String':
      return params.get(name)
    case 'Integer':
    case 'Long': {
      const raw = params.get(name)
      if (raw === undefined) return undefined
      const n = Number(raw)
      if (raw.trim() === '' || !Number.isInteger(n))
        throw invalidValue(`The value ${raw} for parameter ${name} is invalid.`)
      return n
    }
    case 'Boolean': {
      const raw = params.get(name)
      if (raw === undefined) return undefined
      if (raw !== 'true' && raw !== 'false')
        throw invalidValue(`The value ${raw} for parameter ${name} is invalid.`)
      return raw === 'true'
    }
    case 'Timestamp': {
      const raw = params.get(name)
      if (raw === undefined) return undefined
      if (field === DOUBLE) {
        const n = Number(raw)
        if (raw.trim() === '' || Number.isNaN(n))
          throw invalidValue(`The value ${raw} for parameter ${name} is invalid.`)
        return n
      }
      const ms = /^\d+(\.\d+)?$/.test(raw) ? Number(raw) * 1000 : Date.parse(raw)
      if (!Number.isFinite(ms)) throw invalidValue(`The value ${raw} for parameter ${name} is invalid.`)
      return ms / 1000
    }
    case 'List': {
      const items: unknown[] = []
      for (let i = 1; ; i++) {
        const member = `${name}.member.${i}`
        if (!present(params, field.children, member)) return items.length === 0 ? undefined : items
        items.push(readField(params, field.children, member))
      }
    }
    case 'Structure':
      return present(params, field, name) ? fromQuery(params, field.children, `${name}.`) : undefined
    case 'Map':
    case 'Blob':
      return undefined
  }
}

/** Whether any parameter of a field is in the request. */
function present(params: QueryParams, field: FieldSpec, name: string): boolean {
  if (field.type === 'Structure')
    return Object.entries(field.children).some(([key, child]) => present(params, child, `${name}.${key}`))
  if (field.type === 'List') return present(params, field.children, `${name}.member.1`)
  return params.get(name) !== undefined
}

/** Output members that are maps (rendered as `<entry><key>...`), not structures. */
const MAP_MEMBERS = new Set(['ExtendedStatistics'])

function toXml(value: unknown, key = ''): XmlValue {
  if (value === undefined || value === null) return undefined
  if (value instanceof Date) return value.toISOString()
  if (Array.isArray(value)) return new XmlList(value.map((v) => toXml(v)))
  if (typeof value === 'object') {
    if (MAP_MEMBERS.has(key))
      return new XmlMap(
        Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, String(v)])),
      )
    const out: Record<string, XmlValue> = {}
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) out[k] = toXml(v, k)
    return out
  }
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value
  return String(value)
}

/** Offset paging: `NextToken` is the next item's index, opaque to clients. */
export function page<T>(
  items: readonly T[],
  token: string | undefined,
  size: number,
): { items: T[]; next: string | undefined } {
  let from = 0
  if (token !== undefined) {
    const decoded = Buffer.from(token, 'base64url').toString('utf8')
    const match = /^offset:(\d+)$/.exec(decoded)
    if (!match) throw cwError('InvalidNextToken', 'The service returned an invalid NextToken.')
    from = Number(match[1])
  }
  const to = from + size
  return {
    items: items.slice(from, to),
    next: to < items.length ? Buffer.from(`offset:${to}`, 'utf8').toString('base64url') : undefined,
  }
}

/** The dimensions of a request as a record; duplicate or incomplete ones refused. */
export function dimensionsOf(
  dimensions: readonly ({ Name?: string; Value?: string } | undefined)[] | undefined,
  parameter: string,
): Record<string, string> {
  const out: Record<string, string> = {}
  if (!dimensions) return out
  if (dimensions.length > 30)
    throw invalidValue(`The collection ${parameter} must not have a size greater than 30.`)
  dimensions.forEach((d, i) => {
    const at = `${parameter}.member.${i + 1}`
    const name = required(d?.Name, `${at}.Name`)
    const value = required(d?.Value, `${at}.Value`)
    if (name.length > 255) throw invalidValue(`The value for parameter ${at}.Name is invalid.`)
    if (value.length > 1024) throw invalidValue(`The value for parameter ${at}.Value is invalid.`)
    if (name in out)
      throw invalidValue(`No metric may have duplicate dimension names: ${parameter} has ${name} twice.`)
    out[name] = value
  })
  return out
}

/** `[{Name, Value}]`, sorted by name, as CloudWatch lists a metric's dimensions. */
export function dimensionList(
  dimensions: Readonly<Record<string, string>>,
): { Name: string; Value: string }[] {
  return Object.keys(dimensions)
    .sort()
    .map((name) => ({ Name: name, Value: dimensions[name]! }))
}

import { AwsError } from './errors.ts'
import type { OperationContext } from './operation.ts'

/**
 * AWS's query protocol (SNS; SQS and CloudWatch for older clients): a form-encoded POST
 * (`Action=Publish&Version=2010-03-31&TopicArn=...`), answered in XML:
 * `<PublishResponse xmlns=...><PublishResult>...</PublishResult><ResponseMetadata>...`, errors as
 * `<ErrorResponse><Error><Type>Sender</Type><Code>NotFound</Code><Message>...`.
 * https://smithy.io/2.0/aws/protocols/aws-query-protocol.html
 */
export interface QueryService {
  /** The SigV4 service name a request is signed for, which picks the service: `sns`. */
  signingName: string
  /** The API version clients send (`Version=2010-03-31`). */
  version: string
  /** The namespace of every response: `http://sns.amazonaws.com/doc/2010-03-31/`. */
  xmlns: string
  actions: ReadonlyMap<string, QueryAction>
  /** The `<Code>` and status of an error code as the service answers it (SNS: `NotFound`, 404). */
  errorCode?(error: AwsError): { code: string; status: number }
}

/** What a query action answers: the members of `<ActionResult>`, or nothing. */
export type QueryResult = XmlObject | undefined

/**
 * A value rendered as XML: text, a structure, a list (`<member>` elements), a map (`<entry>`), or
 * a flattened list or map (SQS's: repeated elements named as the member holding them).
 */
export type XmlValue =
  | string
  | number
  | boolean
  | undefined
  | XmlObject
  | XmlList
  | XmlMap
  | XmlFlatList
  | XmlFlatMap
export interface XmlObject {
  readonly [name: string]: XmlValue
}
/** A list rendered as `<Name><member>...</member>...</Name>`. */
export class XmlList {
  constructor(readonly items: readonly XmlValue[]) {}
}

/** A map rendered as `<Name><entry><key>k</key><value>v</value></entry>...</Name>`. */
export class XmlMap {
  constructor(readonly entries: Readonly<Record<string, string>>) {}
}

/**
 * A flattened list: each item its own element named as the member holding the list, with no
 * wrapper: `{ QueueUrl: new XmlFlatList([a, b]) }` is `<QueueUrl>a</QueueUrl><QueueUrl>b</QueueUrl>`.
 */
export class XmlFlatList {
  constructor(readonly items: readonly XmlValue[]) {}
}

/**
 * A flattened map: each entry its own element named as the member holding the map:
 * `{ Attribute: new XmlFlatMap({ k: 'v' }) }` is `<Attribute><Name>k</Name><Value>v</Value></Attribute>`.
 */
export class XmlFlatMap {
  constructor(
    readonly entries: Readonly<Record<string, XmlValue>>,
    readonly keyName = 'Name',
    readonly valueName = 'Value',
  ) {}
}

export interface QueryAction {
  readonly name: string
  handle(params: QueryParams, ctx: OperationContext): QueryResult | Promise<QueryResult>
}

/** A missing or malformed parameter: the query protocol's errors name it as AWS does. */
export const missingParameter = (name: string) =>
  new AwsError('InvalidParameter', `Invalid parameter: ${name}`)

/**
 * A request's parameters, with the query protocol's flattened lists and maps:
 * `Names.member.1=a`, `Attributes.entry.1.key=k&Attributes.entry.1.value=v`.
 */
export class QueryParams {
  readonly #form: URLSearchParams

  constructor(form: URLSearchParams) {
    this.#form = form
  }

  /** A parameter's value, or undefined when absent. */
  get(name: string): string | undefined {
    return this.#form.get(name) ?? undefined
  }

  /** Whether anything is sent at `name` or under `name.` (a list or structure). */
  has(name: string): boolean {
    if (this.#form.has(name)) return true
    const prefix = `${name}.`
    for (const key of this.#form.keys()) if (key.startsWith(prefix)) return true
    return false
  }

  /** A required parameter; absent or empty: InvalidParameter naming it. */
  required(name: string): string {
    const value = this.#form.get(name)
    if (value === null || value === '') throw missingParameter(name)
    return value
  }

  /** Every parameter, in request order (for services that read their own shapes). */
  all(): [name: string, value: string][] {
    return [...this.#form]
  }

  /** `Name.member.1`, `Name.member.2`, ... (stops at the first gap). */
  list(name: string): string[] {
    const out: string[] = []
    for (let i = 1; ; i++) {
      const value = this.#form.get(`${name}.member.${i}`)
      if (value === null) return out
      out.push(value)
    }
  }

  /**
   * `Name.member.N.<field...>` structures (PublishBatch's entries), each as its own parameters
   * (`Id`, `MessageAttributes.entry.1.Name`, ...), in order; stops at the first gap.
   */
  structures(name: string): QueryParams[] {
    const byIndex = new Map<number, URLSearchParams>()
    const head = `${name}.member.`
    for (const [key, value] of this.#form) {
      if (!key.startsWith(head)) continue
      const dot = key.indexOf('.', head.length)
      const index = Number(key.slice(head.length, dot === -1 ? undefined : dot))
      if (dot === -1 || !Number.isInteger(index)) continue
      const form = byIndex.get(index) ?? new URLSearchParams()
      byIndex.set(index, form)
      form.append(key.slice(dot + 1), value)
    }
    const out: QueryParams[] = []
    for (let i = 1; byIndex.has(i); i++) out.push(new QueryParams(byIndex.get(i)!))
    return out
  }

  /**
   * `Name.entry.N.<key>` / `Name.entry.N.<value...>` entries, each as the parameters under its
   * prefix (`{ Name: 'k', 'Value.StringValue': 'v' }`), in order.
   */
  entries(name: string): Record<string, string>[] {
    const out: Record<string, string>[] = []
    for (let i = 1; ; i++) {
      const prefix = `${name}.entry.${i}.`
      const entry: Record<string, string> = {}
      for (const [key, value] of this.#form)
        if (key.startsWith(prefix)) entry[key.slice(prefix.length)] = value
      if (Object.keys(entry).length === 0) return out
      out.push(entry)
    }
  }
}

/** Text as XML character data. */
function xmlText(text: string): string {
  return text.replace(/[&<>"'\r]/g, (c) =>
    c === '&'
      ? '&amp;'
      : c === '<'
        ? '&lt;'
        : c === '>'
          ? '&gt;'
          : c === '"'
            ? '&quot;'
            : c === "'"
              ? '&apos;'
              : '&#xD;',
  )
}

function render(name: string, value: XmlValue): string {
  if (value === undefined) return ''
  if (value instanceof XmlFlatList) return value.items.map((v) => render(name, v)).join('')
  if (value instanceof XmlFlatMap)
    return Object.entries(value.entries)
      .map(
        ([k, v]) =>
          `<${name}><${value.keyName}>${xmlText(k)}</${value.keyName}>${render(value.valueName, v)}</${name}>`,
      )
      .join('')
  if (value instanceof XmlMap)
    return `<${name}>${Object.entries(value.entries)
      .map(([k, v]) => `<entry><key>${xmlText(k)}</key><value>${xmlText(v)}</value></entry>`)
      .join('')}</${name}>`
  if (value instanceof XmlList)
    return `<${name}>${value.items.map((v) => render('member', v)).join('')}</${name}>`
  if (typeof value === 'object')
    return `<${name}>${Object.entries(value)
      .map(([k, v]) => render(k, v))
      .join('')}</${name}>`
  return `<${name}>${xmlText(String(value))}</${name}>`
}

/** `<ActionResponse xmlns><ActionResult>...</ActionResult><ResponseMetadata>...` */
export function queryResponse(
  service: QueryService,
  action: string,
  result: QueryResult,
  requestId: string,
): string {
  const body = result === undefined ? '' : render(`${action}Result`, result)
  return `<?xml version="1.0"?>\n<${action}Response xmlns="${service.xmlns}">${body}<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${action}Response>\n`
}

/** `<ErrorResponse>`: Sender for 4xx, Receiver for 5xx. */
export function queryError(
  service: QueryService | undefined,
  code: string,
  message: string | undefined,
  status: number,
  requestId: string,
): string {
  const ns = service ? ` xmlns="${service.xmlns}"` : ''
  const type = status >= 500 ? 'Receiver' : 'Sender'
  const text = message === undefined ? '' : `<Message>${xmlText(message)}</Message>`
  return `<?xml version="1.0"?>\n<ErrorResponse${ns}><Error><Type>${type}</Type><Code>${code}</Code>${text}</Error><RequestId>${requestId}</RequestId></ErrorResponse>\n`
}

/** The service a SigV4 `Authorization` header's credential scope names (`.../sns/aws4_request`). */
export function signedService(authorization: string | undefined): string | undefined {
  const match = /Credential=[^/]+\/\d{8}\/[^/]+\/([^/]+)\/aws4_request/.exec(authorization ?? '')
  return match?.[1]
}

/** S3's REST-XML: the document namespace, escaping, and the `<Error>` body with S3's status codes. */

export const S3_NAMESPACE = 'http://s3.amazonaws.com/doc/2006-03-01/'

export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) =>
    c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : c === '"' ? '&quot;' : '&apos;',
  )
}

/** A nested element tree: strings are text, arrays repeat the element, undefined is left out. */
export type XmlValue = string | number | boolean | undefined | XmlNode | XmlValue[]
export interface XmlNode {
  [name: string]: XmlValue
}

function render(name: string, value: XmlValue): string {
  if (value === undefined) return ''
  if (Array.isArray(value)) return value.map((v) => render(name, v)).join('')
  if (typeof value === 'object') {
    const inner = Object.entries(value)
      .map(([k, v]) => render(k, v))
      .join('')
    return `<${name}>${inner}</${name}>`
  }
  return `<${name}>${escapeXml(String(value))}</${name}>`
}

/** A whole document: `<?xml ...?><Root xmlns="http://s3.amazonaws.com/doc/2006-03-01/">...</Root>`. */
export function xmlDocument(root: string, body: XmlNode): Buffer {
  const inner = Object.entries(body)
    .map(([k, v]) => render(k, v))
    .join('')
  return Buffer.from(
    `<?xml version="1.0" encoding="UTF-8"?>\n<${root} xmlns="${S3_NAMESPACE}">${inner}</${root}>`,
  )
}

/** Decodes the five predefined entities and character references of XML text. */
export function unescapeXml(text: string): string {
  return text.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|amp|lt|gt|quot|apos);/g, (_, ref: string) => {
    if (ref[0] === '#') {
      const code = ref[1] === 'x' ? Number.parseInt(ref.slice(2), 16) : Number.parseInt(ref.slice(1), 10)
      return String.fromCodePoint(code)
    }
    return { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" }[ref as 'amp']
  })
}

/** S3's status code for each error code this API returns. */
const STATUS: Record<string, number> = {
  AccessDenied: 403,
  AuthorizationHeaderMalformed: 400,
  BadDigest: 400,
  BucketAlreadyOwnedByYou: 409,
  BucketNotEmpty: 409,
  InvalidBucketState: 409,
  EntityTooLarge: 400,
  EntityTooSmall: 400,
  InvalidPart: 400,
  InvalidPartOrder: 400,
  IncompleteBody: 400,
  InternalError: 500,
  InvalidAccessKeyId: 403,
  InvalidArgument: 400,
  InvalidBucketName: 400,
  InvalidDigest: 400,
  InvalidRange: 416,
  InvalidRequest: 400,
  KeyTooLongError: 400,
  MalformedXML: 400,
  MetadataTooLarge: 400,
  MethodNotAllowed: 405,
  NoSuchBucket: 404,
  NoSuchTagSet: 404,
  NoSuchKey: 404,
  NoSuchUpload: 404,
  NotImplemented: 501,
  NotModified: 304,
  ObjectPathConflict: 409,
  PreconditionFailed: 412,
  RequestTimeTooSkewed: 403,
  ServiceUnavailable: 503,
  SignatureDoesNotMatch: 403,
  SlowDown: 503,
  XAmzContentSHA256Mismatch: 400,
}

/** An S3 error: its code picks the status; `fields` add elements (Key, BucketName, Condition...). */
export class S3Error extends Error {
  readonly code: string
  readonly status: number
  readonly fields: Record<string, string>
  readonly headers: Record<string, string>

  constructor(
    code: string,
    message: string,
    fields: Record<string, string> = {},
    headers: Record<string, string> = {},
  ) {
    super(message)
    this.code = code
    this.status = STATUS[code] ?? 400
    this.fields = fields
    this.headers = headers
  }

  body(requestId: string): Buffer {
    const text =
      `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${escapeXml(this.code)}</Code>` +
      `<Message>${escapeXml(this.message)}</Message>` +
      Object.entries(this.fields)
        .map(([k, v]) => `<${k}>${escapeXml(v)}</${k}>`)
        .join('') +
      `<RequestId>${requestId}</RequestId></Error>`
    return Buffer.from(text)
  }
}

export const noSuchBucket = (bucket: string) =>
  new S3Error('NoSuchBucket', 'The specified bucket does not exist', { BucketName: bucket })

export const noSuchKey = (key: string) =>
  new S3Error('NoSuchKey', 'The specified key does not exist.', { Key: key })

export const notImplemented = (what: string) =>
  new S3Error(
    'NotImplemented',
    `A header or query you provided requested a function that is not implemented: ${what}`,
  )

import { type IncomingHttpHeaders, request } from 'node:http'
import { decodeCbor } from './cbor.ts'

export const AMZ_JSON = 'application/x-amz-json-1.1'
export const AMZ_CBOR = 'application/x-amz-cbor-1.1'
export const TARGET_PREFIX = 'Kinesis_20131202'

/**
 * A well-formed (not verified) SigV4 Authorization header and its date: what passes the presence
 * checks every Kinesis endpoint runs, without needing a real signature (servers without --auth).
 */
export const FAKE_AUTH = {
  authorization:
    'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/kinesis/aws4_request, ' +
    'SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=' +
    '5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7',
  'x-amz-date': '20150830T123600Z',
}

export interface RawRequest {
  method?: string
  path?: string
  /** Sent exactly as given (after Node's own Host/Connection/Content-Length, unless overridden). */
  headers?: Record<string, string>
  /** Sent with a Content-Length (unless `headers` says otherwise). */
  body?: string | Buffer
  /** Sent with Transfer-Encoding: chunked, one write per chunk. */
  chunks?: Buffer[]
}

export interface RawResponse {
  status: number
  headers: IncomingHttpHeaders
  body: Buffer
  text: string
  /** The body parsed per its content type (JSON or CBOR), or the text when it is neither. */
  data: unknown
}

/**
 * One HTTP/1.1 request over a fresh loopback connection, with every header and byte under the
 * caller's control. Resolves with the response even when the server answers before the whole
 * body was sent (413) and then closes the connection.
 */
export function rawRequest(baseUrl: string, req: RawRequest = {}): Promise<RawResponse> {
  const url = new URL(baseUrl)
  return new Promise((resolve, reject) => {
    let answered = false
    const client = request(
      {
        host: url.hostname,
        port: url.port,
        method: req.method ?? 'POST',
        path: req.path ?? '/',
        headers: req.headers ?? {},
        agent: false,
      },
      (res) => {
        answered = true
        const chunks: Buffer[] = []
        res.on('data', (c: Buffer) => chunks.push(c))
        res.on('error', reject)
        res.on('end', () => {
          const body = Buffer.concat(chunks)
          const text = body.toString('utf8')
          const type = (res.headers['content-type'] ?? '').split(';')[0]
          let data: unknown = text
          if (body.length > 0 && (type === AMZ_JSON || type === 'application/json')) data = JSON.parse(text)
          else if (body.length > 0 && type === AMZ_CBOR) data = decodeCbor(body)
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body, text, data })
        })
      },
    )
    client.on('error', (error) => {
      // Writing the rest of a body the server already refused fails with EPIPE/ECONNRESET.
      if (!answered) reject(error)
    })
    if (req.chunks) {
      for (const chunk of req.chunks) client.write(chunk)
      client.end()
    } else {
      client.end(req.body)
    }
  })
}

/** A Kinesis JSON (or CBOR) call: content type, target and a well-formed fake signature. */
export function awsRequest(
  operation: string,
  body: string | Buffer,
  options: { contentType?: string; headers?: Record<string, string>; path?: string } = {},
): RawRequest {
  return {
    path: options.path ?? '/',
    headers: {
      'content-type': options.contentType ?? AMZ_JSON,
      'x-amz-target': `${TARGET_PREFIX}.${operation}`,
      ...FAKE_AUTH,
      ...options.headers,
    },
    body,
  }
}

/** Java's UUID shape, as in x-amzn-RequestId. */
export const UUID = /^[a-f0-9]{8}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{12}$/

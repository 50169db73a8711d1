import { type ClientHttp2Session, connect, type IncomingHttpHeaders } from 'node:http2'
import type { Readable } from 'node:stream'
import { onTestFinished } from 'vitest'
import { decodeCbor } from './cbor.ts'
import { AMZ_CBOR, AMZ_JSON, type RawRequest } from './raw-http.ts'

export interface H2Response {
  status: number
  headers: IncomingHttpHeaders
  body: Buffer
  text: string
  /** The body parsed per its content type (JSON or CBOR), or the text when it is neither. */
  data: unknown
}

export interface H2Request extends RawRequest {
  /** A body produced on demand (for uploads the server should stop early). */
  source?: Readable
}

/**
 * An HTTP/2 cleartext session with prior knowledge (what the AWS SDK v3 Kinesis client opens),
 * destroyed when the test finishes.
 */
export function h2Session(baseUrl: string): ClientHttp2Session {
  const session = connect(baseUrl)
  // A session the server ends (GOAWAY, reset) reports it on its streams; nothing to crash on here.
  session.on('error', () => undefined)
  onTestFinished(() => {
    if (!session.destroyed) session.destroy()
  })
  return session
}

/**
 * One request on an HTTP/2 session, with every header and byte under the caller's control
 * (pseudo-headers such as `:authority` included). Resolves with the response even when the
 * server answers before the whole body was sent and then resets the stream.
 */
export function h2Request(session: ClientHttp2Session, req: H2Request = {}): Promise<H2Response> {
  return new Promise((resolve, reject) => {
    const stream = session.request({
      ':method': req.method ?? 'POST',
      ':path': req.path ?? '/',
      ...req.headers,
    })
    let headers: IncomingHttpHeaders | undefined
    const chunks: Buffer[] = []
    stream.on('response', (h) => (headers = h))
    stream.on('data', (chunk: Buffer) => chunks.push(chunk))
    stream.on('error', (error) => {
      if (!headers) reject(error)
    })
    let settled = false
    const done = () => {
      if (settled) return
      settled = true
      if (!headers) {
        reject(new Error(`stream closed without a response (RST_STREAM ${stream.rstCode})`))
        return
      }
      // A server that stops an upload after its response (RST_STREAM NO_ERROR) leaves Node's
      // client stream open on the unsent rest of the body: the response is complete, drop it.
      if (!stream.destroyed) stream.destroy()
      const body = Buffer.concat(chunks)
      const text = body.toString('utf8')
      const type = String(headers['content-type'] ?? '').split(';')[0]
      let data: unknown = text
      if (body.length > 0 && (type === AMZ_JSON || type === 'application/json')) data = JSON.parse(text)
      else if (body.length > 0 && type === AMZ_CBOR) data = decodeCbor(body)
      resolve({ status: Number(headers[':status']), headers, body, text, data })
    }
    stream.once('end', done)
    stream.once('close', done)
    if (req.source) req.source.pipe(stream)
    else if (req.chunks) {
      for (const chunk of req.chunks) stream.write(chunk)
      stream.end()
    } else stream.end(req.body)
  })
}

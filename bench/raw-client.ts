// A minimal Kinesis JSON client for reads: one HTTP POST and JSON.parse, without the SDK's
// per-record deserialisation, so a drain measures the server rather than the client decode.
import http from 'node:http'

const agent = new http.Agent({ keepAlive: true, maxSockets: 64 })
// Neither server verifies signatures here; both require the header to be present and well formed.
const AUTH =
  'AWS4-HMAC-SHA256 Credential=bench/20260101/us-east-1/kinesis/aws4_request, ' +
  'SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=0'

export function rawCall<T>(endpoint: string, operation: string, input: object): Promise<T> {
  const body = JSON.stringify(input)
  return new Promise((resolve, reject) => {
    const req = http.request(
      `${endpoint}/`,
      {
        method: 'POST',
        agent,
        headers: {
          'Content-Type': 'application/x-amz-json-1.1',
          'X-Amz-Target': `Kinesis_20131202.${operation}`,
          'X-Amz-Date': '20260101T000000Z',
          Authorization: AUTH,
          'Content-Length': Buffer.byteLength(body),
        },
      },
      (res) => {
        const chunks: Buffer[] = []
        res.on('data', (c: Buffer) => chunks.push(c))
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString()
          if (res.statusCode !== 200)
            reject(new Error(`${operation}: HTTP ${res.statusCode} ${text.slice(0, 200)}`))
          else resolve(JSON.parse(text) as T)
        })
        res.on('error', reject)
      },
    )
    req.on('error', reject)
    req.end(body)
  })
}

import { randomUUID } from 'node:crypto'
import { createServer, type IncomingHttpHeaders } from 'node:http'
import type { AddressInfo } from 'node:net'
import { SMTPServer, type SMTPServerOptions } from 'smtp-server'
import { onTestFinished } from 'vitest'
import type { Notification } from '../../../src/monitor/notify/types.ts'

export const T0 = Date.UTC(2026, 0, 1, 0, 5)

/** A CloudWatch alarm state change, as CloudWatch publishes it to SNS. */
export function alarmMessage(overrides: Record<string, unknown> = {}): string {
  return JSON.stringify({
    AlarmName: 'HighIteratorAge',
    AlarmDescription: 'enrich is falling behind',
    AWSAccountId: '000000000000',
    NewStateValue: 'ALARM',
    NewStateReason:
      'Threshold Crossed: 1 out of the last 1 datapoints [120000.0 (01/01/26 00:04:00)] was greater than the threshold (60000.0) (minimum 1 datapoint for OK -> ALARM transition).',
    StateChangeTime: '2026-01-01T00:05:00.000+0000',
    Region: 'US East (N. Virginia)',
    AlarmArn: 'arn:aws:cloudwatch:us-east-1:000000000000:alarm:HighIteratorAge',
    OldStateValue: 'OK',
    Trigger: {
      MetricName: 'IteratorAge',
      Namespace: 'AWS/Lambda',
      StatisticType: 'Statistic',
      Statistic: 'MAXIMUM',
      Unit: 'Milliseconds',
      Dimensions: [{ value: 'enrich', name: 'FunctionName' }],
      Period: 60,
      EvaluationPeriods: 1,
      DatapointsToAlarm: 1,
      ComparisonOperator: 'GreaterThanThreshold',
      Threshold: 60000.0,
      TreatMissingData: 'missing',
      EvaluateLowSampleCountPercentile: '',
    },
    ...overrides,
  })
}

export function notification(overrides: Partial<Notification> = {}): Notification {
  return {
    topic: 'alerts',
    topicArn: 'arn:aws:sns:us-east-1:000000000000:alerts',
    message: alarmMessage(),
    messageId: randomUUID(),
    timestamp: new Date(T0).toISOString(),
    ...overrides,
  }
}

export interface ReceivedMail {
  from: string | undefined
  to: string[]
  user: string | undefined
  secure: boolean
  raw: string
}

/** A real SMTP server on a free loopback port, closed after the test. */
export async function startSmtpServer(options: SMTPServerOptions = {}): Promise<{
  port: number
  mails: ReceivedMail[]
  next(): Promise<ReceivedMail>
}> {
  const mails: ReceivedMail[] = []
  const waiters: ((mail: ReceivedMail) => void)[] = []
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    ...options,
    onData(stream, session, callback) {
      const chunks: Buffer[] = []
      stream.on('data', (chunk: Buffer) => chunks.push(chunk))
      stream.on('end', () => {
        const mail: ReceivedMail = {
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : undefined,
          to: session.envelope.rcptTo.map((r) => r.address),
          user: session.user === undefined ? undefined : String(session.user),
          secure: session.secure,
          raw: Buffer.concat(chunks).toString('utf8'),
        }
        mails.push(mail)
        waiters.shift()?.(mail)
        callback()
      })
    },
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  onTestFinished(() => new Promise<void>((resolve) => server.close(() => resolve())))
  const { port } = server.server.address() as AddressInfo
  return {
    port,
    mails,
    next: () =>
      mails.length > 0 ? Promise.resolve(mails.shift()!) : new Promise((resolve) => waiters.push(resolve)),
  }
}

/** Headers (unfolded, lower-case names) and the decoded text/plain and text/html parts. */
export function parseMail(raw: string): { headers: Record<string, string>; text: string; html: string } {
  const { headers, body } = splitPart(raw)
  const boundary = /boundary="?([^";]+)"?/.exec(headers['content-type'] ?? '')?.[1]
  const parts = boundary
    ? body
        .split(`--${boundary}`)
        .slice(1, -1)
        .map((p) => splitPart(p.replace(/^\r\n/, '')))
    : [{ headers, body }]
  const decoded = (type: string) => {
    const part = parts.find((p) => p.headers['content-type']?.startsWith(type))
    return part ? decode(part.body, part.headers['content-transfer-encoding']) : ''
  }
  return { headers, text: decoded('text/plain'), html: decoded('text/html') }
}

function splitPart(raw: string): { headers: Record<string, string>; body: string } {
  const end = raw.indexOf('\r\n\r\n')
  const headers: Record<string, string> = {}
  for (const line of raw
    .slice(0, end)
    .replace(/\r\n[ \t]+/g, ' ')
    .split('\r\n')) {
    const colon = line.indexOf(':')
    headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim()
  }
  return { headers, body: raw.slice(end + 4) }
}

function decode(body: string, encoding = '7bit'): string {
  if (encoding === 'base64') return Buffer.from(body, 'base64').toString('utf8')
  if (encoding !== 'quoted-printable') return body.replace(/\r\n/g, '\n')
  const bytes = body
    .replace(/=\r\n/g, '')
    .replace(/\r\n/g, '\n')
    .replace(/=([0-9A-F]{2})/g, (_, hex: string) => `%${hex}`)
  return decodeURIComponent(bytes.replace(/%(?![0-9A-F]{2})/g, '%25'))
}

export interface ReceivedRequest {
  method: string | undefined
  url: string | undefined
  headers: IncomingHttpHeaders
  body: string
}

/**
 * A real HTTP receiver on a free loopback port. Each request is answered by the next entry of
 * `answers` (the last repeats); `'hang'` never answers.
 */
export async function startReceiver(
  answers: (number | { status: number; headers?: Record<string, string> } | 'hang')[],
) {
  const requests: ReceivedRequest[] = []
  let arrivals: { count: number; resolve: (r: ReceivedRequest) => void }[] = []
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const request = {
        method: req.method,
        url: req.url,
        headers: req.headers,
        body: Buffer.concat(chunks).toString(),
      }
      const answer = answers[Math.min(requests.length, answers.length - 1)]!
      requests.push(request)
      for (const a of arrivals) if (a.count <= requests.length) a.resolve(requests[a.count - 1]!)
      arrivals = arrivals.filter((a) => a.count > requests.length)
      if (answer === 'hang') return
      const { status, headers = {} } = typeof answer === 'number' ? { status: answer } : answer
      res.writeHead(status, headers).end(status < 300 ? 'ok' : 'no')
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  onTestFinished(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  )
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}/hooks/alerts`,
    requests,
    /** Resolves with request number `count` (from 1) once it has arrived. */
    arrived: (count: number) =>
      requests.length >= count
        ? Promise.resolve(requests[count - 1]!)
        : new Promise<ReceivedRequest>((resolve) => arrivals.push({ count, resolve })),
  }
}

/** A loopback port nothing listens on. */
export async function closedPort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

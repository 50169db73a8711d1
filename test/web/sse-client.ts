import { type ClientRequest, type IncomingMessage, request } from 'node:http'
import { onTestFinished } from 'vitest'

export interface SseEvent {
  event: string
  data: unknown
}

export interface SseClient {
  res: IncomingMessage
  req: ClientRequest
  /** Resolves with the first event (already received or still to come) matching `match`. */
  next(match: (e: SseEvent) => boolean): Promise<SseEvent>
  close(): void
}

/** A minimal EventSource over node:http, for tests; closed after the test. */
export async function openSse(url: string): Promise<SseClient> {
  const received: SseEvent[] = []
  const waiters: Array<{ match: (e: SseEvent) => boolean; resolve: (e: SseEvent) => void }> = []
  const req = request(url, { headers: { accept: 'text/event-stream' } })
  const res = await new Promise<IncomingMessage>((resolve, reject) => {
    req.on('response', resolve)
    req.on('error', reject)
    req.end()
  })
  let buffer = ''
  res.setEncoding('utf8')
  res.on('data', (chunk: string) => {
    buffer += chunk
    for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
      const block = buffer.slice(0, end)
      buffer = buffer.slice(end + 2)
      const event = /^event: (.*)$/m.exec(block)?.[1]
      const data = /^data: (.*)$/m.exec(block)?.[1]
      if (!event || data === undefined) continue
      const e = { event, data: JSON.parse(data) }
      const waiter = waiters.find((w) => w.match(e))
      if (waiter) {
        waiters.splice(waiters.indexOf(waiter), 1)
        waiter.resolve(e)
      } else received.push(e)
    }
  })
  res.on('error', () => undefined)
  const close = () => {
    req.destroy()
  }
  onTestFinished(close)
  return {
    res,
    req,
    next: (match) => {
      const found = received.find(match)
      if (found) {
        received.splice(received.indexOf(found), 1)
        return Promise.resolve(found)
      }
      return new Promise((resolve) => waiters.push({ match, resolve }))
    },
    close,
  }
}

import type { IncomingMessage, ServerResponse } from 'node:http'
import { ZodError } from 'zod'
import type { FaultInjector } from './injector.ts'

/** Where the running server takes faults: under `/_tributary/`, a path no AWS API uses (S3 bucket names cannot start with `_`). */
export const FAULTS_PATH = '/_tributary/faults'

const MAX_BODY = 64 * 1024

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' })
  res.end(JSON.stringify(body))
}

function hostOf(origin: string): string | undefined {
  try {
    return new URL(origin).host
  } catch {
    return undefined
  }
}

async function readBody(req: IncomingMessage): Promise<unknown> {
  let size = 0
  const chunks: Buffer[] = []
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length
    if (size > MAX_BODY) throw new SyntaxError('body too large')
    chunks.push(chunk)
  }
  return JSON.parse(Buffer.concat(chunks).toString('utf8'))
}

/**
 * The faults API of a running server (what `tributary fault` and the dashboard use):
 * `GET` lists the active faults, `POST` (a JSON fault) adds one, `DELETE` clears them all and
 * `DELETE …/<id>` one. Changes need `content-type: application/json` and no foreign `Origin`,
 * so a web page cannot inject faults into a local server.
 */
export function faultRoute(faults: () => FaultInjector | undefined) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    const path = req.url?.split('?')[0] ?? ''
    if (path !== FAULTS_PATH && !path.startsWith(`${FAULTS_PATH}/`)) return false
    const injector = faults()
    if (!injector) {
      send(res, 503, { message: 'the engine is not running' })
      return true
    }
    const id =
      path.length > FAULTS_PATH.length ? decodeURIComponent(path.slice(FAULTS_PATH.length + 1)) : undefined
    if (req.method === 'GET' && id === undefined) {
      send(res, 200, { faults: injector.list() })
      return true
    }
    const origin = req.headers.origin
    if (req.method !== 'GET' && origin !== undefined && hostOf(origin) !== req.headers.host) {
      send(res, 403, { message: `origin ${origin} may not change faults` })
      return true
    }
    if (req.method === 'POST' && id === undefined) {
      if (!req.headers['content-type']?.startsWith('application/json')) {
        send(res, 415, { message: 'send the fault as application/json' })
        return true
      }
      try {
        send(res, 201, { fault: injector.add(await readBody(req)) })
      } catch (error) {
        const message =
          error instanceof ZodError
            ? error.issues.map((i) => `${i.path.join('.') || 'fault'}: ${i.message}`).join('; ')
            : `the body is not a JSON fault: ${(error as Error).message}`
        send(res, 400, { message })
      }
      return true
    }
    if (req.method === 'DELETE') {
      const removed = injector.clear(id)
      if (id !== undefined && removed === 0) send(res, 404, { message: `no fault ${id}` })
      else send(res, 200, { removed })
      return true
    }
    send(res, 405, { message: `${req.method} is not allowed on ${path}` })
    return true
  }
}

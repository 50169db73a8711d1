/** An encoder worker thread: runs encodeSync for each request, one at a time. */
import { parentPort } from 'node:worker_threads'
import { encodeSync } from './encode.ts'
import { type FromWorker, ownBuffer, type ToWorker, unpackRequest } from './protocol.ts'

const port = parentPort!

port.on('message', ({ id, request }: ToWorker) => {
  let reply: FromWorker
  let transfer: ArrayBuffer[] = []
  try {
    const { body, ...result } = encodeSync(unpackRequest(request))
    const owned = ownBuffer(body)
    reply = { id, ok: true, body: owned, result }
    transfer = [owned]
  } catch (error) {
    const { name, message } = error instanceof Error ? error : new Error(String(error))
    reply = { id, ok: false, name, message }
  }
  port.postMessage(reply, transfer)
})
port.postMessage({ id: 0, ready: true } satisfies FromWorker)

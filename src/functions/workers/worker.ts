/**
 * The function worker: one execution environment, like a Lambda container. It loads the handler
 * module once (module state persists across invocations), then runs one invocation at a time as
 * the pool sends them. Console output is captured and posted to the pool; bindings travel to the
 * pool as messages. The handler arrives compiled to JavaScript (compile.ts), as does this module
 * when Tributary runs from its sources: no TypeScript loader runs here.
 */
import { parentPort, workerData } from 'node:worker_threads'
// The transport lives on globalThis, so handler code reaches it whichever copy of
// `tributary-pipeline/bindings` it imports (its compiled bundle carries its own in a clone).
import { TRANSPORT_ENV } from '../../bindings/aws-env.ts'
import { setBindingTransport } from '../../bindings/index.ts'
import { describeLoadError } from '../../util/source-location.ts'
import { type Complete, createContext } from './context.ts'
import {
  HandlerNotFound,
  ImportModuleError,
  JSONStringifyError,
  toLambdaError,
  UserCodeSyntaxError,
} from './errors.ts'
import { captureOutput, LogCapture } from './log-capture.ts'
import type { FromWorker, ToWorker, WorkerInit } from './protocol.ts'

type Handler = (event: unknown, context: unknown, callback: Complete) => unknown

// Stack traces name the handler's .ts lines (the compiled module carries an inline source map).
process.setSourceMapsEnabled(true)

const init = workerData as WorkerInit
const port = parentPort!
const post = (message: FromWorker) => port.postMessage(message)

// --- Logs --------------------------------------------------------------------------------------

const capture = init.captureLogs
  ? new LogCapture(init.functionName, (logs) => post({ t: 'logs', logs }))
  : undefined
// Before the handler module loads, so its top-level output is captured too.
captureOutput(capture)

// --- Bindings ----------------------------------------------------------------------------------

interface PendingCall {
  resolve(value: unknown): void
  reject(error: Error): void
}

let nextCallId = 0
const calls = new Map<number, PendingCall>()

// TRIBUTARY_TRANSPORT=aws: the bindings take their AWS transport, as on Lambda (aws-transport-env.ts).
if (process.env[TRANSPORT_ENV] !== 'aws')
  setBindingTransport({
    call(service, resource, method, args) {
      return new Promise((resolve, reject) => {
        const id = ++nextCallId
        calls.set(id, { resolve, reject })
        try {
          post({ t: 'call', id, call: { service, resource, method, args } })
        } catch (error) {
          // Arguments that cannot be cloned (functions, symbols) fail the call, not the worker.
          calls.delete(id)
          reject(error as Error)
        }
      })
    },
  })

// --- Invocations -------------------------------------------------------------------------------

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    value !== null &&
    (typeof value === 'object' || typeof value === 'function') &&
    typeof (value as { then?: unknown }).then === 'function'
  )
}

function respond(error: unknown, result: unknown, spent: ArrayBuffer | undefined): void {
  const send = (message: FromWorker) => port.postMessage(message, spent ? [spent] : undefined)
  if (error !== undefined && error !== null) {
    send({ t: 'result', ok: false, error: toLambdaError(error), logs: capture?.take(), spent })
    return
  }
  let json: string | undefined
  try {
    // As Lambda: the response is JSON (Dates become strings, toJSON applies, undefined is null).
    json = JSON.stringify(result === undefined ? null : result) ?? 'null'
  } catch {
    send({
      t: 'result',
      ok: false,
      error: toLambdaError(new JSONStringifyError()),
      logs: capture?.take(),
      spent,
    })
    return
  }
  send({ t: 'result', ok: true, json, logs: capture?.take(), spent })
}

const decoder = new TextDecoder()

function run(handler: Handler, message: Extract<ToWorker, { t: 'invoke' }>): void {
  capture?.startInvocation(message.requestId)
  // The event's bytes go back with the result, for the pool to reuse (parsed, they are dead).
  const spent = message.json?.buffer instanceof ArrayBuffer ? message.json.buffer : undefined
  let finished = false
  const complete: Complete = (error, result) => {
    if (finished) return
    finished = true
    respond(error, result, spent)
    capture?.endInvocation()
  }
  const context = createContext(init, message.requestId, message.deadline, complete)
  let returned: unknown
  try {
    const event = message.json ? JSON.parse(decoder.decode(message.json)) : message.event
    returned = handler(event, context, complete)
  } catch (error) {
    complete(error)
    return
  }
  if (isThenable(returned)) {
    returned.then(
      (result) => complete(null, result),
      // A rejection without a reason is reported as the string 'handled', as on Lambda.
      (error: unknown) => complete(error ?? 'handled'),
    )
  } else if (handler.length < 3) {
    // A non-async handler that returns a value (the Node.js 24 runtime's rule; see docs).
    complete(null, returned)
  }
  // Otherwise a callback-style handler: it completes through its callback or context.done/succeed/fail.
}

function settleCall(message: Extract<ToWorker, { t: 'reply' }>): void {
  const pending = calls.get(message.id)
  if (!pending) return
  calls.delete(message.id)
  if (message.ok) {
    pending.resolve(message.value)
  } else {
    const error = new Error(message.message)
    error.name = message.name
    pending.reject(error)
  }
}

async function loadHandler(): Promise<Handler> {
  let module: Record<string, unknown>
  try {
    module = await import(init.moduleUrl)
  } catch (error) {
    throw classifyLoadError(error)
  }
  // A CommonJS module bundled as an ES module: its `module.exports` is the default export.
  if (init.commonJs) module = module.default as Record<string, unknown>
  // Lambda resolves dotted handler paths (`module.nested.handler`) the same way.
  const handler = init.exportName
    .split('.')
    .reduce<unknown>((value, key) => (value as Record<string, unknown> | undefined)?.[key], module)
  if (!handler) throw new HandlerNotFound(`${init.handlerString} is undefined or not exported`)
  if (typeof handler !== 'function') throw new HandlerNotFound(`${init.handlerString} is not a function`)
  return handler as Handler
}

function classifyLoadError(error: unknown): unknown {
  // Code that does not parse fails to compile (compile.ts reports it); a SyntaxError here is one
  // esbuild let through and Node refused. The message leads with `file:line:column` when known.
  if (error instanceof SyntaxError) {
    const failure = describeLoadError(error, init.file)
    const message = failure.location
      ? `${failure.location.file}:${failure.location.line}:${failure.location.column}: ${failure.message}`
      : String(error)
    return new UserCodeSyntaxError(error as Error, message)
  }
  const code = (error as { code?: unknown } | null)?.code
  if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') return new ImportModuleError(error)
  return error
}

let handler: Handler | undefined

port.on('message', (message: ToWorker) => {
  if (message.t === 'invoke') run(handler!, message)
  else settleCall(message)
})

try {
  handler = await loadHandler()
  post({ t: 'ready', logs: capture?.take() })
} catch (error) {
  post({ t: 'ready', error: toLambdaError(error), logs: capture?.take() })
}

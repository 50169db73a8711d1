import { connect } from 'node:net'
import { describe, expect, it, onTestFinished } from 'vitest'
import { MAX_RESPONSE_BYTES, RuntimeApi } from '../../../src/functions/runtimes/runtime-api.ts'
import type { LambdaError } from '../../../src/functions/workers/protocol.ts'

/** Polls wait on processes starting on a busy machine: generous, and over as soon as they match. */
const WAIT = { timeout: 30_000, interval: 20 }

/** A Runtime API with its calls recorded; the test plays the runtime with fetch. */
async function api() {
  const calls: Array<
    | { t: 'next' }
    | { t: 'response'; id: string; body: string }
    | { t: 'error'; id: string; error: LambdaError }
    | { t: 'init-error'; error: LambdaError }
  > = []
  const server = await RuntimeApi.start({
    onNext: () => calls.push({ t: 'next' }),
    onResponse: (id, body) => calls.push({ t: 'response', id, body: body.toString() }),
    onError: (id, error) => calls.push({ t: 'error', id, error }),
    onInitError: (error) => calls.push({ t: 'init-error', error }),
  })
  onTestFinished(() => server.close())
  const base = `http://${server.address}/2018-06-01/runtime`
  return { server, calls, base }
}

const invocation = (requestId: string, extra: object = {}) => ({
  requestId,
  body: JSON.stringify({ hello: requestId }),
  deadlineMs: 1_900_000_000_000,
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:f',
  ...extra,
})

async function post(url: string, body: string | Uint8Array, headers: Record<string, string> = {}) {
  const res = await fetch(url, { method: 'POST', body, headers })
  return { status: res.status, body: await res.json() }
}

describe('Lambda Runtime API', () => {
  it('hands the invocation to the waiting /next with Lambda headers, and takes its response', async () => {
    const { server, calls, base } = await api()
    expect(server.address).toMatch(/^127\.0\.0\.1:\d+$/)
    const next = fetch(`${base}/invocation/next`)
    await expect.poll(() => calls, WAIT).toEqual([{ t: 'next' }])
    server.deliver(
      invocation('r-1', { clientContext: '{"client":{}}', cognitoIdentity: '{"cognitoIdentityId":"x"}' }),
    )
    const res = await next
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ hello: 'r-1' })
    expect(res.headers.get('lambda-runtime-aws-request-id')).toBe('r-1')
    expect(res.headers.get('lambda-runtime-deadline-ms')).toBe('1900000000000')
    expect(res.headers.get('lambda-runtime-invoked-function-arn')).toBe(
      'arn:aws:lambda:us-east-1:000000000000:function:f',
    )
    expect(res.headers.get('lambda-runtime-trace-id')).toMatch(
      /^Root=1-[0-9a-f]{8}-[0-9a-f]{24};Parent=[0-9a-f]{16};Sampled=0$/,
    )
    expect(res.headers.get('lambda-runtime-client-context')).toBe('{"client":{}}')
    expect(res.headers.get('lambda-runtime-cognito-identity')).toBe('{"cognitoIdentityId":"x"}')

    expect(await post(`${base}/invocation/r-1/response`, '{"ok":true}')).toEqual({
      status: 202,
      body: { status: 'OK' },
    })
    expect(calls.at(-1)).toEqual({ t: 'response', id: 'r-1', body: '{"ok":true}' })
  })

  it('omits the client context and Cognito headers when the invoker sent none', async () => {
    const { server, base } = await api()
    server.deliver(invocation('r-2'))
    const res = await fetch(`${base}/invocation/next`)
    expect(res.headers.has('lambda-runtime-client-context')).toBe(false)
    expect(res.headers.has('lambda-runtime-cognito-identity')).toBe(false)
    await res.arrayBuffer()
  })

  it('takes an error document, with the type from the body or else the header', async () => {
    const { server, calls, base } = await api()
    server.deliver(invocation('r-1'))
    await (await fetch(`${base}/invocation/next`)).arrayBuffer()
    const doc = { errorMessage: 'boom', errorType: 'ValueError', stackTrace: ['  File "h.py", line 1'] }
    expect(
      await post(`${base}/invocation/r-1/error`, JSON.stringify(doc), {
        'Lambda-Runtime-Function-Error-Type': 'Unhandled',
      }),
    ).toEqual({ status: 202, body: { status: 'OK' } })
    expect(calls.at(-1)).toEqual({ t: 'error', id: 'r-1', error: doc })

    server.deliver(invocation('r-2'))
    await (await fetch(`${base}/invocation/next`)).arrayBuffer()
    await post(`${base}/invocation/r-2/error`, 'not json', {
      'Lambda-Runtime-Function-Error-Type': 'Runtime.Custom',
    })
    expect(calls.at(-1)).toEqual({
      t: 'error',
      id: 'r-2',
      error: { errorType: 'Runtime.Custom', errorMessage: 'not json', stackTrace: [] },
    })
  })

  it('refuses an unknown request id (400) and a second answer to the same one (403)', async () => {
    const { server, calls, base } = await api()
    expect(await post(`${base}/invocation/nope/response`, '{}')).toMatchInlineSnapshot(`
      {
        "body": {
          "errorMessage": "Invalid request ID",
          "errorType": "InvalidRequestID",
        },
        "status": 400,
      }
    `)
    server.deliver(invocation('r-1'))
    await (await fetch(`${base}/invocation/next`)).arrayBuffer()
    expect((await post(`${base}/invocation/other/response`, '{}')).status).toBe(400)
    expect((await post(`${base}/invocation/r-1/response`, '1')).status).toBe(202)
    expect(await post(`${base}/invocation/r-1/error`, '{}')).toMatchInlineSnapshot(`
      {
        "body": {
          "errorMessage": "State transition from RuntimeResponseSent to InvocationErrorResponse failed for runtime. Error: State transition is not allowed",
          "errorType": "InvalidStateTransition",
        },
        "status": 403,
      }
    `)
    expect(calls.filter((c) => c.t === 'response' || c.t === 'error')).toEqual([
      { t: 'response', id: 'r-1', body: '1' },
    ])
  })

  it('answers a response over 6 MB with 413 and fails the invocation as Lambda does', async () => {
    const { server, calls, base } = await api()
    server.deliver(invocation('r-1'))
    await (await fetch(`${base}/invocation/next`)).arrayBuffer()
    const big = new Uint8Array(MAX_RESPONSE_BYTES + 1).fill(0x61)
    expect(await post(`${base}/invocation/r-1/response`, big)).toMatchInlineSnapshot(`
      {
        "body": {
          "errorMessage": "Exceeded maximum allowed payload size (6291556 bytes).",
          "errorType": "RequestEntityTooLarge",
        },
        "status": 413,
      }
    `)
    expect(calls.at(-1)).toEqual({
      t: 'error',
      id: 'r-1',
      error: {
        errorType: 'Function.ResponseSizeTooLarge',
        errorMessage:
          'Response payload size (6291557 bytes) exceeded maximum allowed payload size (6291556 bytes).',
        stackTrace: [],
      },
    })
  })

  it('takes a response of exactly 6 MB', async () => {
    const { server, calls, base } = await api()
    server.deliver(invocation('r-1'))
    await (await fetch(`${base}/invocation/next`)).arrayBuffer()
    const body = `"${'a'.repeat(MAX_RESPONSE_BYTES - 2)}"`
    expect((await post(`${base}/invocation/r-1/response`, body)).status).toBe(202)
    expect(calls.at(-1)).toMatchObject({ t: 'response', id: 'r-1' })
  })

  it('takes an init error before the first /next, and refuses one after it', async () => {
    const { calls, base } = await api()
    const doc = { errorMessage: 'No module named x', errorType: 'Runtime.ImportModuleError', stackTrace: [] }
    expect(await post(`${base}/init/error`, JSON.stringify(doc))).toEqual({
      status: 202,
      body: { status: 'OK' },
    })
    expect(calls).toEqual([{ t: 'init-error', error: doc }])

    const other = await api()
    void fetch(`${other.base}/invocation/next`).catch(() => {})
    await expect.poll(() => other.calls, WAIT).toEqual([{ t: 'next' }])
    expect(await post(`${other.base}/init/error`, '{}')).toMatchObject({
      status: 403,
      body: { errorType: 'InvalidStateTransition' },
    })
  })

  it('refuses a second /next while an invocation is in flight', async () => {
    const { server, base } = await api()
    server.deliver(invocation('r-1'))
    await (await fetch(`${base}/invocation/next`)).arrayBuffer()
    const res = await fetch(`${base}/invocation/next`)
    expect(res.status).toBe(403)
    expect(await res.json()).toMatchObject({ errorType: 'InvalidStateTransition' })
  })

  it('survives a runtime whose connection breaks in the middle of posting its response', async () => {
    const { server, calls, base } = await api()
    server.deliver(invocation('r-1'))
    await (await fetch(`${base}/invocation/next`)).arrayBuffer()
    const url = new URL(`${base}/invocation/r-1/response`)
    const socket = connect(Number(url.port), url.hostname)
    await new Promise((resolve) => socket.once('connect', resolve))
    socket.write(`POST ${url.pathname} HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{"par`)
    socket.destroy()
    await new Promise((resolve) => socket.once('close', resolve))
    // Nothing was answered; the invocation is still the one in flight and can be answered.
    expect(calls.filter((c) => c.t === 'response')).toEqual([])
    expect((await post(`${base}/invocation/r-1/response`, '2')).status).toBe(202)
    expect(calls.at(-1)).toEqual({ t: 'response', id: 'r-1', body: '2' })
  })

  it('answers 404 for a path that is not the Runtime API', async () => {
    const { base } = await api()
    const res = await fetch(`${base}/invocation/nope`)
    expect(res.status).toBe(404)
    await res.arrayBuffer()
  })
})

/**
 * Python functions through the pool: runtimes/python/bootstrap.py in a real python3 process, over
 * the real Runtime API. What a handler returns, its `context`, Lambda's error shape and log lines,
 * timeouts, init failures.
 */
import { existsSync, readdirSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import type { InvokeOutcome } from '../../../src/contracts/functions.ts'
import { logCollector, pool } from '../workers/helpers.ts'
import { needPython, pythonCode, pythonSpec } from './python-helpers.ts'

const HANDLER = `
import json, logging, os, sys, time
logger = logging.getLogger()
logger.setLevel(logging.INFO)
PID = os.getpid()

def lambda_handler(event, context):
    action = event.get("action") if isinstance(event, dict) else None
    if action == "raise":
        raise ValueError("bad record " + str(event.get("n")))
    if action == "set":
        return {1, 2}
    if action == "none":
        return None
    if action == "sleep":
        print("sleeping", flush=True)
        time.sleep(60)
    if action == "log":
        print("printed line")
        logger.info("info %s", event["n"])
        logger.debug("not shown")
        print("to stderr", file=sys.stderr)
        return "logged"
    if action == "exit":
        os._exit(3)
    return {
        "pid": PID,
        "event": event,
        "aws_request_id": context.aws_request_id,
        "function_name": context.function_name,
        "function_version": context.function_version,
        "invoked_function_arn": context.invoked_function_arn,
        "memory_limit_in_mb": context.memory_limit_in_mb,
        "log_group_name": context.log_group_name,
        "log_stream_name": context.log_stream_name,
        "remaining": context.get_remaining_time_in_millis(),
        "client_context": context.client_context,
        "identity": [context.identity.cognito_identity_id, context.identity.cognito_identity_pool_id],
        "trace": os.environ.get("_X_AMZN_TRACE_ID"),
        "cwd": os.getcwd(),
    }
`

function ok(outcome: InvokeOutcome): Record<string, unknown> {
  if (outcome.kind !== 'ok') throw new Error(`expected ok, got ${JSON.stringify(outcome)}`)
  return outcome.result as Record<string, unknown>
}

describe('python3.x functions', () => {
  it("returns the handler's value; one warm process; Lambda's context", async (ctx) => {
    needPython(ctx)
    const dir = await pythonCode({ 'handler.py': HANDLER })
    const p = pool({ functions: [pythonSpec('py', dir, 'handler.lambda_handler', { memoryMb: 256 })] })
    const first = ok(await p.invoke('py', { n: 1 }, { requestId: 'req-1' }))
    expect(first).toMatchObject({
      event: { n: 1 },
      aws_request_id: 'req-1',
      function_name: 'py',
      function_version: '$LATEST',
      invoked_function_arn: 'arn:aws:lambda:us-east-1:000000000000:function:py',
      memory_limit_in_mb: '256',
      log_group_name: '/aws/lambda/py',
      client_context: null,
      identity: [null, null],
      cwd: dir,
    })
    expect(first.log_stream_name).toMatch(/^\d{4}\/\d{2}\/\d{2}\/\[\$LATEST\][0-9a-f]{32}$/)
    expect(first.remaining).toBeGreaterThan(0)
    expect(first.remaining).toBeLessThanOrEqual(3000)
    expect(first.trace).toMatch(/^Root=1-/)
    const second = ok(await p.invoke('py', { n: 2 }))
    expect(second.pid).toBe(first.pid)
    expect(await p.invoke('py', { action: 'none' })).toMatchObject({ kind: 'ok', result: null })
    expect(await p.invoke('py', 'a string')).toMatchObject({ kind: 'ok' })
  })

  it("an exception fails the invocation with Lambda's error shape, logged as Lambda logs it", async (ctx) => {
    needPython(ctx)
    const dir = await pythonCode({ 'handler.py': HANDLER })
    const { logs, onLog } = logCollector()
    const p = pool({ functions: [pythonSpec('raiser', dir)], onLog })
    const outcome = await p.invoke('raiser', { action: 'raise', n: 7 }, { requestId: 'req-raise' })
    expect(outcome).toMatchObject({
      kind: 'error',
      errorType: 'ValueError',
      errorMessage: 'bad record 7',
      stackTrace: [
        `  File "${dir}/handler.py", line 10, in lambda_handler\n    raise ValueError("bad record " + str(event.get("n")))\n`,
      ],
    })
    const lines = logs.filter((l) => l.requestId === 'req-raise').map((l) => l.message)
    expect(lines.slice(0, 4)).toEqual([
      '[ERROR] ValueError: bad record 7',
      'Traceback (most recent call last):',
      `  File "${dir}/handler.py", line 10, in lambda_handler`,
      '    raise ValueError("bad record " + str(event.get("n")))',
    ])
    // The process stays warm.
    expect(p.stats('raiser').workers).toBe(1)
    expect((await p.invoke('raiser', {})).kind).toBe('ok')
  })

  it('a result json cannot encode is Runtime.MarshalError', async (ctx) => {
    needPython(ctx)
    const p = pool({ functions: [pythonSpec('sets', await pythonCode({ 'handler.py': HANDLER }))] })
    expect(await p.invoke('sets', { action: 'set' })).toMatchObject({
      kind: 'error',
      errorType: 'Runtime.MarshalError',
      errorMessage: 'Unable to marshal response: Object of type set is not JSON serializable',
    })
  })

  it("logging has Lambda's format with the request id; print() and stderr are log lines", async (ctx) => {
    needPython(ctx)
    const { logs, onLog } = logCollector()
    const p = pool({ functions: [pythonSpec('logs', await pythonCode({ 'handler.py': HANDLER }))], onLog })
    await p.invoke('logs', { action: 'log', n: 5 }, { requestId: 'req-log' })
    const mine = logs.filter((l) => l.requestId === 'req-log')
    expect(mine.map((l) => l.message)).toEqual([
      'printed line',
      expect.stringMatching(/^\[INFO\]\t\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z\treq-log\tinfo 5$/),
      'to stderr',
    ])
    expect(mine.map((l) => l.level)).toEqual(['log', 'log', 'error'])
  })

  it('AWS_LAMBDA_LOG_LEVEL sets the root logger level', async (ctx) => {
    needPython(ctx)
    const dir = await pythonCode({
      'handler.py':
        'import logging\ndef lambda_handler(event, context):\n    logging.debug("dbg")\n    logging.info("inf")\n',
    })
    const { logs, onLog } = logCollector()
    const p = pool({
      functions: [
        pythonSpec('lvl', dir, 'handler.lambda_handler', { environment: { AWS_LAMBDA_LOG_LEVEL: 'DEBUG' } }),
      ],
      onLog,
    })
    await p.invoke('lvl', {}, { requestId: 'req-lvl' })
    expect(logs.filter((l) => l.requestId === 'req-lvl').map((l) => l.message.split('\t').at(-1))).toEqual([
      'dbg',
      'inf',
    ])
  })

  it("AWS_LAMBDA_LOG_FORMAT=JSON: Lambda's JSON object per logging record and for the error", async (ctx) => {
    needPython(ctx)
    const dir = await pythonCode({
      'handler.py': `import logging
log = logging.getLogger("app")
def lambda_handler(event, context):
    log.info("order %s", 7, extra={"orderId": "o-7"})
    log.debug("not shown: INFO is the default level")
    raise ValueError("bad order")
`,
    })
    const { logs, onLog } = logCollector()
    const p = pool({
      functions: [
        pythonSpec('json', dir, 'handler.lambda_handler', { environment: { AWS_LAMBDA_LOG_FORMAT: 'JSON' } }),
      ],
      onLog,
    })
    await p.invoke('json', {}, { requestId: 'req-json' })
    const [info, error, ...rest] = logs
      .filter((l) => l.requestId === 'req-json')
      .map((l) => JSON.parse(l.message))
    expect(rest).toEqual([])
    expect(info).toEqual({
      timestamp: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/),
      level: 'INFO',
      message: 'order 7',
      logger: 'app',
      requestId: 'req-json',
      orderId: 'o-7',
    })
    expect(error).toMatchObject({
      level: 'ERROR',
      errorType: 'ValueError',
      errorMessage: 'bad order',
      requestId: 'req-json',
      stackTrace: [expect.stringContaining('raise ValueError("bad order")')],
    })
  })

  it('a timeout kills the process and the next invocation gets a new one', async (ctx) => {
    needPython(ctx)
    const { logs, onLog } = logCollector()
    const dir = await pythonCode({ 'handler.py': HANDLER })
    const p = pool({
      functions: [pythonSpec('slow', dir, 'handler.lambda_handler', { timeoutMs: 1000 })],
      onLog,
    })
    const before = ok(await p.invoke('slow', {}))
    const outcome = await p.invoke('slow', { action: 'sleep' }, { requestId: 'req-slow' })
    expect(outcome).toMatchObject({ kind: 'timeout', requestId: 'req-slow' })
    expect(logs.filter((l) => l.requestId === 'req-slow').map((l) => l.message)).toEqual([
      'sleeping',
      'Task timed out after 1.00 seconds',
    ])
    const after = ok(await p.invoke('slow', {}))
    expect(after.pid).not.toBe(before.pid)
  })

  it('a process that exits mid-invocation is Runtime.ExitError and is replaced', async (ctx) => {
    needPython(ctx)
    const p = pool({ functions: [pythonSpec('dies', await pythonCode({ 'handler.py': HANDLER }))] })
    const before = ok(await p.invoke('dies', {}))
    expect(await p.invoke('dies', { action: 'exit' })).toMatchObject({
      kind: 'crash',
      errorMessage: 'Runtime exited with error: exit status 3',
    })
    expect(ok(await p.invoke('dies', {})).pid).not.toBe(before.pid)
  })

  const initFailures: [string, string, Record<string, string>, string, unknown][] = [
    [
      'a module that does not exist',
      'missing.lambda_handler',
      {},
      'Runtime.ImportModuleError',
      "Unable to import module 'missing': No module named 'missing'",
    ],
    [
      'an import the module cannot make',
      'handler.lambda_handler',
      { 'handler.py': 'import requests_that_are_not_here\n' },
      'Runtime.ImportModuleError',
      "Unable to import module 'handler': No module named 'requests_that_are_not_here'",
    ],
    [
      'a syntax error',
      'handler.lambda_handler',
      { 'handler.py': 'def lambda_handler(event, context):\n    return (\n' },
      'Runtime.UserCodeSyntaxError',
      expect.stringMatching(/^Syntax error in module 'handler': /),
    ],
    [
      'a missing handler function',
      'handler.nope',
      { 'handler.py': 'def lambda_handler(event, context):\n    return 1\n' },
      'Runtime.HandlerNotFound',
      "Handler 'nope' missing on module 'handler'",
    ],
    [
      'a module that raises while it loads',
      'handler.lambda_handler',
      { 'handler.py': 'raise RuntimeError("no config")\n' },
      'RuntimeError',
      'no config',
    ],
  ]
  for (const [what, handler, files, errorType, errorMessage] of initFailures)
    it(`init fails for ${what}: ${errorType}`, async (ctx) => {
      needPython(ctx)
      const { logs, onLog } = logCollector()
      const dir = await pythonCode({ 'other.py': '', ...files })
      const p = pool({ functions: [pythonSpec('broken', dir, handler)], onLog })
      expect(await p.invoke('broken', {})).toMatchObject({ kind: 'error', errorType, errorMessage })
      expect(logs.map((l) => l.message)).toContainEqual(
        expect.stringMatching(new RegExp(`^\\[ERROR\\] ${errorType.replace('.', '\\.')}: `)),
      )
      await expect.poll(() => p.stats('broken').workers).toBe(0)
    })

  it('a package handler, dotted or slashed, as Lambda accepts it', async (ctx) => {
    needPython(ctx)
    const dir = await pythonCode({
      'pkg/__init__.py': '',
      'pkg/mod.py': 'def fn(event, context):\n    return {"from": __name__}\n',
    })
    const p = pool({
      functions: [pythonSpec('dotted', dir, 'pkg.mod.fn'), pythonSpec('slashed', dir, 'pkg/mod.fn')],
    })
    expect(await p.invoke('dotted', {})).toMatchObject({ kind: 'ok', result: { from: 'pkg.mod' } })
    expect(await p.invoke('slashed', {})).toMatchObject({ kind: 'ok', result: { from: 'pkg.mod' } })
  })
})

/** Other interpreters the machine has (pyenv's), to hold the bootstrap to Python 3.9–3.13. */
const OTHER_PYTHONS = ['3.9', '3.10', '3.12', '3.13'].map((minor) => {
  const root = '/root/.pyenv/versions'
  const found = existsSync(root) ? readdirSync(root).find((v) => v.startsWith(`${minor}.`)) : undefined
  return { minor, python: found ? `${root}/${found}/bin/python3` : undefined }
})

describe('the bootstrap on other Python versions', () => {
  for (const { minor, python } of OTHER_PYTHONS)
    it(`Python ${minor}: value, context, error shape`, async (ctx) => {
      if (!python) {
        const why = `no Python ${minor} on this machine (/root/.pyenv/versions/${minor}.*)`
        console.warn(`skipped: ${why}`)
        ctx.skip(why)
        return
      }
      const dir = await pythonCode({ 'handler.py': HANDLER })
      const p = pool({ functions: [pythonSpec('v', dir, 'handler.lambda_handler', { interpreter: python })] })
      expect(ok(await p.invoke('v', { n: 1 }, { requestId: 'req-v' }))).toMatchObject({
        event: { n: 1 },
        aws_request_id: 'req-v',
        function_name: 'v',
      })
      expect(await p.invoke('v', { action: 'raise', n: 2 })).toMatchObject({
        kind: 'error',
        errorType: 'ValueError',
        errorMessage: 'bad record 2',
      })
    })
})

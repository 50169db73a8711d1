import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import type { InvokeOutcome } from '../../../src/contracts/functions.ts'
import type { InvocationEvent } from '../../../src/functions/workers/function-worker.ts'
import { logCollector, pool } from '../workers/helpers.ts'
import { alive, bootstrapDir, curlMissing, gate, providedSpec, SHELL_BOOTSTRAP } from './bootstraps.ts'

/** Polls wait on processes starting on a busy machine: generous, and over as soon as they match. */
const WAIT = { timeout: 30_000, interval: 20 }

type Echo = {
  pid: number
  requestId: string
  remaining: number
  arn: string
  env: Record<string, string | undefined>
  event: unknown
  cwd: string
}

function okResult(outcome: InvokeOutcome): Echo {
  if (outcome.kind !== 'ok') throw new Error(`expected ok, got ${JSON.stringify(outcome)}`)
  return outcome.result as Echo
}

describe('provided.al2023: a custom runtime process', () => {
  it('stays warm: one process serves invocation after invocation', async () => {
    const dir = await bootstrapDir()
    const p = pool({ functions: [providedSpec('custom', dir)] })
    const first = okResult(await p.invoke('custom', { n: 1 }, { requestId: 'req-1' }))
    const second = okResult(await p.invoke('custom', { n: 2 }))
    expect(first.pid).toBe(second.pid)
    expect(first.requestId).toBe('req-1')
    expect(first.event).toEqual({ n: 1 })
    expect(first.arn).toBe('arn:aws:lambda:us-east-1:000000000000:function:custom')
    expect(first.remaining).toBeGreaterThan(0)
    expect(first.remaining).toBeLessThanOrEqual(3000)
    expect(first.cwd).toBe(dir)
    expect(p.stats('custom')).toMatchObject({ workers: 1, invocations: 2 })
  })

  it("sets Lambda's environment; the function's own variables win over all but the reserved ones", async () => {
    const dir = await bootstrapDir()
    const spec = providedSpec('envy', dir, {
      memoryMb: 512,
      environment: {
        GREETING: 'hi',
        AWS_ENDPOINT_URL: 'http://elsewhere:1',
        AWS_LAMBDA_FUNCTION_NAME: 'forged',
      },
    })
    const p = pool({ functions: [spec], region: 'eu-west-1', endpointUrl: 'http://127.0.0.1:4567' })
    const names = [
      'AWS_REGION',
      'AWS_DEFAULT_REGION',
      'AWS_LAMBDA_FUNCTION_NAME',
      'AWS_LAMBDA_FUNCTION_VERSION',
      'AWS_LAMBDA_FUNCTION_MEMORY_SIZE',
      'AWS_LAMBDA_LOG_GROUP_NAME',
      'AWS_LAMBDA_LOG_STREAM_NAME',
      'AWS_LAMBDA_RUNTIME_API',
      'LAMBDA_TASK_ROOT',
      'LAMBDA_RUNTIME_DIR',
      '_HANDLER',
      'AWS_EXECUTION_ENV',
      'TZ',
      'AWS_ACCESS_KEY_ID',
      'AWS_SECRET_ACCESS_KEY',
      'AWS_ENDPOINT_URL',
      'GREETING',
    ]
    const { env } = okResult(await p.invoke('envy', { env: names }))
    expect(env).toMatchObject({
      AWS_REGION: 'eu-west-1',
      AWS_DEFAULT_REGION: 'eu-west-1',
      AWS_LAMBDA_FUNCTION_NAME: 'envy',
      AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '512',
      AWS_LAMBDA_LOG_GROUP_NAME: '/aws/lambda/envy',
      LAMBDA_TASK_ROOT: dir,
      LAMBDA_RUNTIME_DIR: dir,
      _HANDLER: 'function.handler',
      TZ: ':UTC',
      AWS_ENDPOINT_URL: 'http://elsewhere:1',
      GREETING: 'hi',
    })
    expect(env.AWS_LAMBDA_LOG_STREAM_NAME).toMatch(/^\d{4}\/\d{2}\/\d{2}\/\[\$LATEST\][0-9a-f]{32}$/)
    expect(env.AWS_LAMBDA_RUNTIME_API).toMatch(/^127\.0\.0\.1:\d+$/)
    // Lambda sets no AWS_EXECUTION_ENV for custom runtimes.
    expect(env.AWS_EXECUTION_ENV).toBeUndefined()
    expect(env.AWS_ACCESS_KEY_ID).toBeTruthy()
    expect(env.AWS_SECRET_ACCESS_KEY).toBeTruthy()
  })

  it('reports what the runtime posts to /invocation/{id}/error as a function error', async () => {
    const p = pool({ functions: [providedSpec('failing', await bootstrapDir())] })
    const outcome = await p.invoke('failing', { action: 'fail' })
    expect(outcome).toMatchObject({
      kind: 'error',
      errorType: 'ValueError',
      errorMessage: 'bad record',
      stackTrace: ['line 1'],
    })
    // The process stays: the next invocation runs on it.
    expect(p.stats('failing').workers).toBe(1)
    expect((await p.invoke('failing', {})).kind).toBe('ok')
  })

  it('fails an invocation whose response is over 6 MB (Function.ResponseSizeTooLarge)', async () => {
    const { logs, onLog } = logCollector()
    const p = pool({ functions: [providedSpec('big', await bootstrapDir())], onLog })
    const outcome = await p.invoke('big', { action: 'big' })
    expect(outcome).toMatchObject({ kind: 'error', errorType: 'Function.ResponseSizeTooLarge' })
    // The runtime saw the 413 and carried on.
    await expect.poll(() => logs.map((l) => l.message), WAIT).toContain('big answered 413')
    expect((await p.invoke('big', {})).kind).toBe('ok')
  })

  it('kills the whole process group at the timeout, counts a timeout, and starts afresh', async () => {
    const dir = await bootstrapDir()
    const { logs, onLog } = logCollector()
    const p = pool({ functions: [providedSpec('slow', dir, { timeoutMs: 1000 })], onLog })
    const first = okResult(await p.invoke('slow', {}))
    const pidFile = join(dir, 'child.pid')
    const outcome = await p.invoke('slow', { action: 'hang', pidFile }, { requestId: 'req-hang' })
    expect(outcome).toMatchObject({ kind: 'timeout', requestId: 'req-hang' })
    const child = Number(readFileSync(pidFile, 'utf8'))
    await expect.poll(() => alive(first.pid), WAIT).toBe(false)
    await expect.poll(() => alive(child), WAIT).toBe(false)
    expect(logs.filter((l) => l.requestId === 'req-hang').map((l) => l.message)).toEqual([
      'hanging',
      'Task timed out after 1.00 seconds',
    ])
    const next = okResult(await p.invoke('slow', {}))
    expect(next.pid).not.toBe(first.pid)
  })

  it('turns a process that exits mid-invocation into Runtime.ExitError and replaces it', async () => {
    const events: InvocationEvent[] = []
    const p = pool({
      functions: [providedSpec('dies', await bootstrapDir())],
      onInvocation: (e) => events.push(e),
    })
    const before = okResult(await p.invoke('dies', {}))
    const outcome = await p.invoke('dies', { action: 'exit' }, { requestId: 'req-exit' })
    expect(outcome).toMatchObject({
      kind: 'crash',
      errorMessage: 'Runtime exited with error: exit status 3',
      requestId: 'req-exit',
    })
    expect(events.find((e) => e.phase === 'end' && e.requestId === 'req-exit')).toMatchObject({
      outcome: 'crash',
    })
    const after = okResult(await p.invoke('dies', {}))
    expect(after.pid).not.toBe(before.pid)
  })

  it('reports an init error posted to /init/error, and retries init on the next invocation', async () => {
    const spec = providedSpec('broken', await bootstrapDir(), { environment: { INIT_FAIL: '1' } })
    const { logs, onLog } = logCollector()
    const p = pool({ functions: [spec], onLog })
    const outcome = await p.invoke('broken', {})
    expect(outcome).toMatchObject({
      kind: 'error',
      errorType: 'Runtime.Custom',
      errorMessage: 'init went wrong',
    })
    expect(logs.map((l) => l.message)).toContain(
      'Init Error \t{"errorType":"Runtime.Custom","errorMessage":"init went wrong","stackTrace":["at init"]}',
    )
    await expect.poll(() => p.stats('broken').workers, WAIT).toBe(0)
    expect((await p.invoke('broken', {})).kind).toBe('error')
  })

  it('reports a runtime that exits during init as Runtime.ExitError, one that never asks for work as an init timeout', async () => {
    const exits = providedSpec('exits', await bootstrapDir(), { environment: { INIT_EXIT: '1' } })
    const hangs = providedSpec('hangs', await bootstrapDir(), { environment: { INIT_HANG: '1' } })
    const p = pool({ functions: [exits] })
    expect(await p.invoke('exits', {})).toMatchObject({
      kind: 'crash',
      errorMessage: 'Runtime exited with error: exit status 7',
    })
    const q = pool({ functions: [hangs], initTimeoutMs: 500 })
    expect(await q.invoke('hangs', {})).toMatchObject({ kind: 'timeout' })
  })

  it('holds invocations while new code fails to load under dev (tryReload), like a worker thread', async () => {
    const dir = await bootstrapDir()
    const p = pool({ functions: [providedSpec('held', dir)] })
    okResult(await p.invoke('held', {}))
    const result = await p.tryReload('held', providedSpec('held', dir, { environment: { INIT_FAIL: '1' } }))
    expect(result).toMatchObject({ kind: 'failed', error: { errorType: 'Runtime.Custom' } })
    const waiting = p.invoke('held', { n: 1 })
    await expect.poll(() => p.waitingForLoad('held'), WAIT).toBe(1)
    expect(await p.tryReload('held', providedSpec('held', dir))).toMatchObject({ kind: 'loaded', held: 1 })
    expect(okResult(await waiting).event).toEqual({ n: 1 })
  })

  it('throttles beyond reserved concurrency, never queues', async () => {
    const g = await gate()
    const p = pool({ functions: [providedSpec('one', await bootstrapDir(), { reservedConcurrency: 1 })] })
    const running = p.invoke('one', { action: 'gate', gate: g.url })
    await expect.poll(() => g.arrived(), WAIT).toBe(1)
    expect(await p.invoke('one', {})).toMatchObject({ kind: 'throttled' })
    g.open()
    expect((await running).kind).toBe('ok')
    expect((await p.invoke('one', {})).kind).toBe('ok')
  })

  it('runs concurrent invocations in separate processes', async () => {
    const g = await gate()
    const p = pool({ functions: [providedSpec('many', await bootstrapDir())] })
    const runs = [1, 2, 3].map(() => p.invoke('many', { action: 'gate', gate: g.url }))
    await expect.poll(() => g.arrived(), WAIT).toBe(3)
    g.open()
    const pids = new Set((await Promise.all(runs)).map((o) => okResult(o).pid))
    expect(pids.size).toBe(3)
  })

  it("captures stdout and stderr as the invocation's log lines, verbatim, with its memory in the REPORT", async () => {
    const { logs, onLog } = logCollector()
    const events: InvocationEvent[] = []
    const p = pool({
      functions: [providedSpec('chatty', await bootstrapDir())],
      onLog,
      onInvocation: (e) => events.push(e),
    })
    await p.invoke('chatty', { action: 'log' }, { requestId: 'req-log' })
    const mine = logs.filter((l) => l.requestId === 'req-log')
    expect(mine.map((l) => [l.level, l.message, l.raw])).toEqual(
      expect.arrayContaining([
        ['log', 'to stdout', true],
        ['error', 'to stderr', true],
        ['log', 'no newline', true],
      ]),
    )
    expect(mine).toHaveLength(3)
    expect(logs.find((l) => l.message === 'init line')).toMatchObject({ requestId: undefined })
    const stream = logs[0]!.logStreamName
    expect(stream).toMatch(/\[\$LATEST\][0-9a-f]{32}$/)
    expect(mine.every((l) => l.logStreamName === stream)).toBe(true)
    const end = events.find((e) => e.phase === 'end')
    expect(end).toMatchObject({ outcome: 'ok', memorySizeMb: 128, logStreamName: stream })
    const small = end!.phase === 'end' ? end!.maxMemoryUsedMb! : 0
    expect(small).toBeGreaterThan(0)
    await p.invoke('chatty', { action: 'grow' })
    const grown = events.filter((e) => e.phase === 'end').at(-1)!
    expect(grown.phase === 'end' && grown.maxMemoryUsedMb).toBeGreaterThan(small + 50)
  })

  it('takes its runtime processes along when the engine exits without closing the pool', async () => {
    const dir = await bootstrapDir()
    const pool = fileURLToPath(new URL('../../../src/functions/workers/pool.ts', import.meta.url))
    const pidFile = join(dir, 'runtime.pid')
    // A runtime that never asks for work (so it never notices the engine is gone), in an engine
    // that exits while waiting for it.
    const spec = providedSpec('orphan', dir, { environment: { INIT_HANG: '1', PID_FILE: pidFile } })
    const script = `
      import { existsSync } from 'node:fs'
      import { FunctionPool } from ${JSON.stringify(pool)}
      const p = new FunctionPool({ functions: [${JSON.stringify(spec)}], bindings: { call: async () => null } })
      void p.invoke('orphan', {})
      setInterval(() => { if (existsSync(${JSON.stringify(pidFile)})) process.exit(0) }, 10)
    `
    const engine = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: fileURLToPath(new URL('../../..', import.meta.url)),
      encoding: 'utf8',
      timeout: 60_000,
    })
    expect(engine.status, engine.stderr).toBe(0)
    const pid = Number(readFileSync(pidFile, 'utf8'))
    await expect.poll(() => alive(pid), WAIT).toBe(false)
  })

  it('runs a POSIX shell bootstrap using curl', async (ctx) => {
    const missing = curlMissing()
    if (missing) ctx.skip(missing)
    const p = pool({ functions: [providedSpec('shell', await bootstrapDir(SHELL_BOOTSTRAP))] })
    const outcome = await p.invoke('shell', { Records: [1, 2] })
    expect(outcome).toMatchObject({
      kind: 'ok',
      result: { handler: 'function.handler', echo: { Records: [1, 2] } },
    })
  })
})

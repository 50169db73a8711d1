import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { FunctionNotFoundError } from '../../../src/functions/workers/errors.ts'
import { tempDir } from '../../helpers/tmp.ts'
import { fixture, pool, spec } from './helpers.ts'

const basic = (exportName: string) => spec(exportName, 'basic.ts', { exportName })

describe('handler shapes (the Lambda Node.js runtime contract)', () => {
  it.each([
    ['asyncReturn', { got: 7 }],
    ['syncReturn', { sync: 7 }],
    ['promiseReturn', 14],
    ['callbackOk', { callback: 7 }],
    ['callbackThenReturn', 'from callback'],
    ['contextSucceed', { legacy: true }],
    ['returnsUndefined', null],
    ['nested.inner', 'nested handler'],
  ])('%s resolves ok with the handler result', async (exportName, expected) => {
    const p = pool({ functions: [basic(exportName)] })
    const outcome = await p.invoke(exportName, { value: 7 }, { requestId: 'req-1' })
    expect(outcome).toEqual({
      kind: 'ok',
      result: expected,
      durationMs: expect.any(Number),
      requestId: 'req-1',
    })
  })

  it.each([
    ['asyncThrow', 'ValidationError', 'bad input'],
    ['syncThrow', 'TypeError', 'sync failure'],
    ['callbackError', 'RangeError', 'out of range'],
  ])('%s reports a function error with the error name, message and stack', async (name, type, message) => {
    const p = pool({ functions: [basic(name)] })
    const outcome = await p.invoke(name, {})
    expect(outcome).toMatchObject({ kind: 'error', errorType: type, errorMessage: message })
    if (outcome.kind !== 'error') throw new Error('unreachable')
    expect(outcome.stackTrace[0]).toBe(`${type}: ${message}`)
    expect(outcome.stackTrace.some((line) => line.includes('basic.ts'))).toBe(true)
  })

  it.each([
    ['throwString', 'string', 'just a string'],
    ['callbackStringError', 'string', 'plain string'],
    ['contextFail', 'string', 'legacy failure'],
    // A rejection without a reason: Lambda reports the string 'handled'.
    ['rejectUndefined', 'string', 'handled'],
  ])('%s reports a non-Error value by its typeof and text', async (name, type, message) => {
    const p = pool({ functions: [basic(name)] })
    expect(await p.invoke(name, {})).toMatchObject({
      kind: 'error',
      errorType: type,
      errorMessage: message,
      stackTrace: [],
    })
  })

  it('returns the result as Lambda serializes it: JSON', async () => {
    const p = pool({ functions: [basic('jsonShaped')] })
    expect(await p.invoke('jsonShaped', {})).toMatchObject({
      kind: 'ok',
      result: { at: '1970-01-01T00:00:00.000Z', list: [1, null] },
    })
  })

  it('fails a result that cannot be serialized with Runtime.JSONStringifyError', async () => {
    const p = pool({ functions: [basic('circular')] })
    expect(await p.invoke('circular', {})).toMatchObject({
      kind: 'error',
      errorType: 'Runtime.JSONStringifyError',
      errorMessage: 'Unable to stringify response body',
    })
  })

  it('loads CommonJS and plain ES module handlers', async () => {
    const p = pool({ functions: [spec('cjs', 'cjs-handler.cjs'), spec('mjs', 'plain.mjs')] })
    expect(await p.invoke('cjs', { a: 1 })).toMatchObject({
      kind: 'ok',
      result: { cjs: true, event: { a: 1 } },
    })
    expect(await p.invoke('mjs', { b: 2 })).toMatchObject({
      kind: 'ok',
      result: { mjs: true, event: { b: 2 } },
    })
  })

  it('loads a TypeScript handler outside any "type": "module" package (as CommonJS)', async () => {
    const dir = await tempDir()
    const file = join(dir, 'plain-dir.ts')
    await writeFile(
      file,
      'export const handler = async (event: { n: number }): Promise<number> => event.n + 1\n',
    )
    const p = pool({ functions: [spec('ts', file)] })
    expect(await p.invoke('ts', { n: 41 })).toMatchObject({ kind: 'ok', result: 42 })
  })

  it('rejects an event that cannot be cloned, and the worker stays usable', async () => {
    const p = pool({ functions: [basic('asyncReturn')] })
    expect(await p.invoke('asyncReturn', { value: 1 })).toMatchObject({ kind: 'ok' })
    await expect(p.invoke('asyncReturn', { value: () => 1 })).rejects.toThrow(/could not be cloned/)
    expect(await p.invoke('asyncReturn', { value: 2 })).toMatchObject({ kind: 'ok', result: { got: 2 } })
    expect(p.stats('asyncReturn')).toEqual({ concurrent: 0, workers: 1, invocations: 3 })
  })

  it('rejects an invocation of an unknown function', async () => {
    const p = pool({ functions: [] })
    await expect(p.invoke('ghost', {})).rejects.toBeInstanceOf(FunctionNotFoundError)
  })
})

describe('context and environment', () => {
  it('gives a Lambda-shaped context with a real, shrinking remaining time', async () => {
    const p = pool({
      functions: [
        spec('ctx', 'context.ts', { memoryMb: 256, timeoutMs: 5000, environment: { GREETING: 'hi' } }),
      ],
      region: 'eu-west-1',
      account: '123456789012',
      endpointUrl: 'http://127.0.0.1:4567',
    })
    const outcome = await p.invoke('ctx', {}, { requestId: 'the-request' })
    if (outcome.kind !== 'ok') throw new Error(`unexpected ${JSON.stringify(outcome)}`)
    const seen = outcome.result as {
      fields: Record<string, unknown>
      callbackWaitsForEmptyEventLoop: boolean
      legacy: string[]
      first: number
      second: number
      env: Record<string, string | boolean>
    }
    expect(seen.fields).toEqual({
      callbackWaitsForEmptyEventLoop: true,
      functionName: 'ctx',
      functionVersion: '$LATEST',
      invokedFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:ctx',
      memoryLimitInMB: '256',
      awsRequestId: 'the-request',
      logGroupName: '/aws/lambda/ctx',
      logStreamName: expect.stringMatching(/^\d{4}\/\d{2}\/\d{2}\/\[\$LATEST\][0-9a-f]{32}$/),
    })
    expect(seen.legacy).toEqual(['function', 'function', 'function'])
    expect(seen.first).toBeLessThanOrEqual(5000)
    expect(seen.first).toBeGreaterThan(4000)
    expect(seen.second).toBeLessThan(seen.first)
    expect(seen.env).toEqual({
      AWS_LAMBDA_FUNCTION_NAME: 'ctx',
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '256',
      AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
      AWS_REGION: 'eu-west-1',
      _HANDLER: 'test/fixtures/handlers/context.handler',
      GREETING: 'hi',
      AWS_LAMBDA_LOG_STREAM_NAME: seen.fields.logStreamName,
      // AWS SDKs in the handler reach the running server, with credentials to sign with.
      AWS_ENDPOINT_URL: 'http://127.0.0.1:4567',
      LAMBDA_TASK_ROOT: process.cwd(),
      credentials: true,
    })
  })

  it('defaults region and account', async () => {
    const p = pool({ functions: [spec('ctx', 'context.ts')] })
    expect(await p.invoke('ctx', {})).toMatchObject({
      result: { fields: { invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:ctx' } },
    })
  })
})

describe('handlers that cannot be loaded', () => {
  it('reports a missing file as Runtime.ImportModuleError, on every attempt', async () => {
    const file = fixture('does-not-exist.ts')
    const p = pool({ functions: [spec('missing', file)] })
    for (let attempt = 0; attempt < 2; attempt++) {
      expect(await p.invoke('missing', {})).toMatchObject({
        kind: 'error',
        errorType: 'Runtime.ImportModuleError',
        errorMessage: `Error: Cannot find module '${file}'`,
      })
    }
    expect(p.stats('missing').workers).toBe(0)
  })

  it('reports a missing import inside the module as Runtime.ImportModuleError', async () => {
    const dir = await tempDir()
    const file = join(dir, 'imports-missing.mjs')
    await writeFile(file, "import 'tributary-no-such-package'\nexport const handler = async () => 1\n")
    const p = pool({ functions: [spec('dep', file)] })
    expect(await p.invoke('dep', {})).toMatchObject({
      kind: 'error',
      errorType: 'Runtime.ImportModuleError',
      errorMessage: expect.stringContaining("Cannot find package 'tributary-no-such-package'"),
    })
  })

  it.each([
    ['nope', 'Runtime.HandlerNotFound', 'test/fixtures/handlers/basic.nope is undefined or not exported'],
    [
      'notAFunction',
      'Runtime.HandlerNotFound',
      'test/fixtures/handlers/basic.notAFunction is not a function',
    ],
  ])('reports export %s as %s', async (exportName, errorType, errorMessage) => {
    const p = pool({ functions: [basic(exportName)] })
    expect(await p.invoke(exportName, {})).toMatchObject({ kind: 'error', errorType, errorMessage })
  })

  it.each([
    ['broken.ts', 'export const handler = async ( => {\n', ':1:32: Unexpected "=>"'],
    ['broken.mjs', 'export const handler = async ( => {\n', ':1:32: Unexpected "=>"'],
  ])(
    'reports %s that does not parse as Runtime.UserCodeSyntaxError, with file:line:column',
    async (name, source, where) => {
      const dir = await tempDir()
      const file = join(dir, name)
      await writeFile(file, source)
      const p = pool({ functions: [spec('broken', file)] })
      const outcome = await p.invoke('broken', {})
      expect(outcome).toMatchObject({ kind: 'error', errorType: 'Runtime.UserCodeSyntaxError' })
      expect((outcome as { errorMessage: string }).errorMessage).toBe(`${file}${where}`)
    },
  )

  it('reports an error thrown by module code with its own name', async () => {
    const dir = await tempDir()
    const file = join(dir, 'throws-on-load.mjs')
    await writeFile(file, "throw new RangeError('config missing')\nexport const handler = async () => 1\n")
    const p = pool({ functions: [spec('init', file)] })
    expect(await p.invoke('init', {})).toMatchObject({
      kind: 'error',
      errorType: 'RangeError',
      errorMessage: 'config missing',
    })
  })
})

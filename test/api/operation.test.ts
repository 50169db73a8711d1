import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, expectTypeOf, it } from 'vitest'
import { Dispatcher } from '../../src/api/dispatch.ts'
import type { putRecord, putRecords } from '../../src/api/kinesis/operations/put-records.ts'
import { defineOperation, type Operation, type OperationContext } from '../../src/api/operation.ts'
import type { InputOf } from '../../src/api/spec.ts'
import { silentLogger } from '../../src/util/logger.ts'
import { filesUnder } from '../helpers/files.ts'

const API = join(import.meta.dirname, '../../src/api')

/** Source without comments and import/export-from lines (`import { a as b }` renames are not casts). */
function code(source: string): string {
  return source
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/\/\/.*$/gm, '')
    .replace(/^(?:import|export)\s[^;]*?from\s+'[^']+'$/gms, '')
}

describe('operation files', () => {
  it('hold no type casts: handler inputs are typed by their specs', async () => {
    const files = (await filesUnder(API)).filter((f) => /(^|\/)operations\/[^/]+\.ts$/.test(f))
    expect(files.length).toBeGreaterThan(15)
    const casts: string[] = []
    for (const file of files) {
      const lines = code(await readFile(join(API, file), 'utf8')).split('\n')
      lines.forEach((line, i) => {
        if (/\bas\s+(?!const\b)[\w{([]/.test(line)) casts.push(`${file}:${i + 1}: ${line.trim()}`)
      })
    }
    expect(casts).toEqual([])
  })
})

describe('InputOf', () => {
  it('makes notNull members required, converts types, keeps enums as literals and nests', () => {
    const spec = {
      Name: { type: 'String', notNull: true },
      Mode: { type: 'String', enum: ['A', 'B'] },
      Count: { type: 'Integer' },
      At: { type: 'Timestamp' },
      On: { type: 'Boolean' },
      Data: { type: 'Blob', notNull: true },
      Tags: { type: 'Map', children: { type: 'String' } },
      Items: {
        type: 'List',
        notNull: true,
        children: { type: 'Structure', children: { Key: { type: 'String', notNull: true } } },
      },
    } as const

    expectTypeOf<InputOf<typeof spec>>().toEqualTypeOf<{
      Name: string
      Data: string
      Items: { Key: string }[]
      Mode?: 'A' | 'B'
      Count?: number
      At?: number
      On?: boolean
      Tags?: Record<string, string>
    }>()
    expectTypeOf<InputOf<typeof spec, Buffer>['Data']>().toEqualTypeOf<Buffer>()
  })

  it("types the PutRecords handler's input as either path produces it", () => {
    type Input = Parameters<typeof putRecords.handle>[0]
    expectTypeOf<Input['Records'][number]['Data']>().toEqualTypeOf<string | Buffer>()
    expectTypeOf<Parameters<typeof putRecord.handle>[0]['PartitionKey']>().toEqualTypeOf<string>()
  })
})

describe('defineOperation', () => {
  it('returns its definition: nothing is wrapped around a handler', () => {
    const definition = { name: 'Noop', spec: {}, handle: () => undefined }
    expect(defineOperation(definition)).toBe(definition)
  })

  it('refuses a misspelt constraint, which would otherwise be ignored', () => {
    defineOperation({
      name: 'Typo',
      spec: {
        // @ts-expect-error: 'lengthLessThan' is no String constraint
        Name: { type: 'String', lengthLessThan: 3 },
        List: {
          type: 'List',
          // @ts-expect-error: nor is 'greaterThanOrEqual' one, however deep
          children: { type: 'Structure', children: { Key: { type: 'String', greaterThanOrEqual: 1 } } },
        },
      },
      handle: () => undefined,
    })
  })

  it('runs the spec before the typed handler, in AWS words, for a new service', async () => {
    const seen: unknown[] = []
    const echo = defineOperation({
      name: 'Echo',
      spec: {
        Name: { type: 'String', notNull: true, lengthLessThanOrEqual: 3 },
        Count: { type: 'Integer', greaterThanOrEqual: 1 },
      },
      handle(input) {
        expectTypeOf(input).toEqualTypeOf<{ Name: string; Count?: number }>()
        seen.push(input)
        return { Name: input.Name, Count: input.Count ?? 0 }
      },
    })
    const operations: ReadonlyMap<string, Operation> = new Map([[echo.name, echo]])
    const dispatcher = new Dispatcher({
      services: [{ targetPrefix: 'Toy_20240101', operations }],
      // The toy operation reaches no engine.
      context: {} as OperationContext,
      now: () => 0,
      logger: silentLogger,
    })
    const call = async (body: unknown) => {
      const res = await dispatcher.dispatch({
        method: 'POST',
        url: '/',
        headers: {
          'content-type': 'application/x-amz-json-1.1',
          'x-amz-target': 'Toy_20240101.Echo',
          'x-amz-date': '20240101T000000Z',
          authorization:
            'AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/toy/aws4_request, SignedHeaders=host, Signature=00',
        },
        body: Buffer.from(JSON.stringify(body)),
      })
      return { status: res.status, body: JSON.parse(res.body.toString()) }
    }

    expect(await call({ Name: 'abc', Count: 2.7, Other: 1 })).toEqual({
      status: 200,
      body: { Name: 'abc', Count: 2 },
    })
    expect(seen).toEqual([{ Name: 'abc', Count: 2 }])
    expect(await call({ Name: 'abcd', Count: 0 })).toMatchInlineSnapshot(`
      {
        "body": {
          "__type": "ValidationException",
          "message": "2 validation errors detected: Value 'abcd' at 'name' failed to satisfy constraint: Member must have length less than or equal to 3; Value '0' at 'count' failed to satisfy constraint: Member must have value greater than or equal to 1",
        },
        "status": 400,
      }
    `)
    expect(await call({ Name: 'a', Count: 'x' })).toMatchInlineSnapshot(`
      {
        "body": {
          "Message": "class java.lang.String can not be converted to an Integer",
          "__type": "SerializationException",
        },
        "status": 400,
      }
    `)
    expect(seen).toHaveLength(1)
  })
})

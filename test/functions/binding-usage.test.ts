/**
 * Observed binding use: which resources each function's bindings read and write, recorded by the
 * host from the worker it serves, with one warning per function and resource used undeclared.
 */
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it, onTestFinished } from 'vitest'
import type { BindingCall } from '../../src/contracts/functions.ts'
import { BindingUsage } from '../../src/functions/binding-usage.ts'
import { loadPipeline } from '../../src/pipeline/load.ts'
import { PipelineRuntime } from '../../src/pipeline/runtime.ts'
import { type Pipeline, pipelineSchema } from '../../src/pipeline/schema.ts'
import { ManualClock } from '../../src/util/clock.ts'
import { tempDir } from '../helpers/tmp.ts'

const call = (
  caller: string | undefined,
  service: string,
  resource: string,
  method: string,
  args: unknown[] = [],
) => ({ caller, service, resource, method, args }) as BindingCall

function pipeline(functions: Record<string, unknown>): Pipeline {
  return {
    ...pipelineSchema.parse({
      streams: { events: { shardCount: 1 } },
      functions,
      buckets: { raw: {} },
      tables: { metadata: { partitionKey: 'id' } },
    }),
    mappings: [],
  }
}

describe('BindingUsage', () => {
  it('records each (function, resource, access) once, counting calls (records for putMany)', () => {
    let now = 1000
    const usage = new BindingUsage({ now: () => now })
    usage.record(call('gen', 'stream', 'events', 'putMany', [[{}, {}, {}]]))
    now = 2000
    usage.record(call('gen', 'stream', 'events', 'put', [{}]))
    usage.record(call('gen', 'table', 'metadata', 'query', [{}]))
    usage.record(call('gen', 'table', 'metadata', 'update', [{}]))
    // Not a pipeline resource, not a known method, no caller (a host-side call): nothing to draw.
    usage.record(call('gen', 'metrics', 'Custom', 'put', ['n', 1]))
    usage.record(call('gen', 'table', 'metadata', 'truncate'))
    usage.record(call(undefined, 'bucket', 'raw', 'put'))
    expect(usage.list()).toEqual([
      {
        function: 'gen',
        kind: 'stream',
        resource: 'events',
        access: 'write',
        firstAt: 1000,
        count: 4,
        recent: 4,
      },
      {
        function: 'gen',
        kind: 'table',
        resource: 'metadata',
        access: 'read',
        firstAt: 2000,
        count: 1,
        recent: 1,
      },
      {
        function: 'gen',
        kind: 'table',
        resource: 'metadata',
        access: 'write',
        firstAt: 2000,
        count: 1,
        recent: 1,
      },
    ])
  })

  it('counts the calls of the last minute apart from the total, for live rates', () => {
    let now = 1_700_000_000_000
    const usage = new BindingUsage({ now: () => now })
    const put = () => usage.record(call('gen', 'bucket', 'raw', 'put'))
    for (let i = 0; i < 3; i++) put()
    now += 30_000
    put()
    expect(usage.list()[0]).toMatchObject({ count: 4, recent: 4 })
    now += 31_000
    // The first three are over a minute old.
    expect(usage.list()[0]).toMatchObject({ count: 4, recent: 1 })
    now += 60_000
    put()
    expect(usage.list()[0]).toMatchObject({ count: 5, recent: 1 })
  })

  it('warns once per function and resource used without a declaration, and keeps only pipeline resources', () => {
    const warnings: string[] = []
    const usage = new BindingUsage({ now: () => 0, onUndeclared: (m) => warnings.push(m) })
    const p = pipeline({
      proc: { handler: 'h.proc', writes: [{ table: 'metadata' }, { metrics: 'Declared' }] },
      other: { handler: 'h.other' },
    })
    for (let i = 0; i < 3; i++) {
      usage.record(call('proc', 'table', 'metadata', 'put'), p)
      usage.record(call('proc', 'bucket', 'raw', 'put'), p)
      usage.record(call('proc', 'bucket', 'raw', 'get'), p)
      usage.record(call('proc', 'table', 'metadata', 'get'), p)
      usage.record(call('other', 'bucket', 'raw', 'list'), p)
      usage.record(call('proc', 'bucket', 'elsewhere', 'put'), p)
      // A namespace is declared in writes (PutMetricData is granted per namespace on AWS), not drawn.
      usage.record(call('proc', 'metrics', 'Declared', 'put'), p)
      usage.record(call('proc', 'metrics', 'Other', 'put'), p)
    }
    expect(warnings).toEqual([
      "function proc writes bucket 'raw' but does not declare it (add writes: [{ bucket: 'raw' }]; on AWS it would lack the permission)",
      "function proc reads table 'metadata' but does not declare it (add reads: [{ table: 'metadata' }]; on AWS it would lack the permission)",
      "function other reads bucket 'raw' but does not declare it (add reads: [{ bucket: 'raw' }]; on AWS it would lack the permission)",
      "function proc writes metrics 'Other' but does not declare it (add writes: [{ metrics: 'Other' }]; on AWS it would lack the permission)",
    ])
    expect(usage.list().map((u) => `${u.function} ${u.access} ${u.kind}:${u.resource} ×${u.count}`)).toEqual([
      'proc write table:metadata ×3',
      'proc write bucket:raw ×3',
      'proc read bucket:raw ×3',
      'proc read table:metadata ×3',
      'other read bucket:raw ×3',
    ])
  })
})

const BINDINGS = fileURLToPath(new URL('../../src/bindings/index.ts', import.meta.url))

describe('a running pipeline', () => {
  it("records what a handler's bindings use, named by the host, and warns once for what it did not declare", async () => {
    const dir = await tempDir()
    await writeFile(
      join(dir, 'writer.ts'),
      `import { bucket, table } from ${JSON.stringify(BINDINGS)}
export const handler = async () => {
  await table('metadata').put({ id: 'a', n: 1 })
  await table('metadata').get({ id: 'a' })
  await bucket('raw').put('a.json', { a: 1 })
  await bucket('missing').put('a.json', {}).catch(() => undefined)
}
`,
    )
    await writeFile(
      join(dir, 'tributary.config.ts'),
      `export default {
  name: 'usage',
  functions: { writer: { handler: 'writer.handler', writes: [{ table: 'metadata' }] } },
  buckets: { raw: {} },
  tables: { metadata: { partitionKey: 'id' } },
}
`,
    )
    const warnings: string[] = []
    const runtime = await PipelineRuntime.start({
      pipeline: await loadPipeline(join(dir, 'tributary.config.ts')),
      dataDir: join(dir, 'data'),
      clock: new ManualClock(1_700_000_000_000),
      createStreamMs: 0,
      logger: { info() {}, warn: (m) => warnings.push(m), error() {} },
    })
    onTestFinished(() => runtime.close())
    expect((await runtime.pool.invoke('writer', {})).kind).toBe('ok')
    expect((await runtime.pool.invoke('writer', {})).kind).toBe('ok')
    expect(runtime.bindingUse.list()).toEqual([
      {
        function: 'writer',
        kind: 'table',
        resource: 'metadata',
        access: 'write',
        firstAt: 1_700_000_000_000,
        count: 2,
        recent: 2,
      },
      {
        function: 'writer',
        kind: 'table',
        resource: 'metadata',
        access: 'read',
        firstAt: 1_700_000_000_000,
        count: 2,
        recent: 2,
      },
      {
        function: 'writer',
        kind: 'bucket',
        resource: 'raw',
        access: 'write',
        firstAt: 1_700_000_000_000,
        count: 2,
        recent: 2,
      },
    ])
    expect(warnings).toEqual([
      "function writer reads table 'metadata' but does not declare it (add reads: [{ table: 'metadata' }]; on AWS it would lack the permission)",
      "function writer writes bucket 'raw' but does not declare it (add writes: [{ bucket: 'raw' }]; on AWS it would lack the permission)",
    ])
  })
})

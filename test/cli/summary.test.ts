import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it, onTestFinished } from 'vitest'
import { SummaryPrinter } from '../../src/cli/summary.ts'
import { putRecords } from '../../src/engine/records.ts'
import { startPipeline } from '../../src/testing/index.ts'
import { tempDir } from '../helpers/tmp.ts'

describe('the live summary', () => {
  it('prints only when something changed, with totals and rates labelled', async () => {
    const dir = await tempDir()
    await writeFile(
      join(dir, 'tributary.config.ts'),
      `export default {
  name: 'summary',
  streams: { s: { shardCount: 1 } },
  functions: { f: { handler: 'f.handler' } },
  mappings: [{ function: 'f', stream: 's', startingPosition: 'TRIM_HORIZON' }],
}
`,
    )
    await writeFile(join(dir, 'f.ts'), 'export const handler = async () => {}\n')
    const p = await startPipeline(join(dir, 'tributary.config.ts'), { teardown: onTestFinished })
    await p.active()
    const t0 = p.clock.now()
    const printer = new SummaryPrinter(t0)
    const at = (seconds: number) => new Date(t0 + seconds * 1000)

    const first = printer.render(p.runtime, at(10))
    expect(first?.split('\n')[0]).toMatch(
      /^── summary · \d\d:\d\d:\d\d UTC · totals since start, \/s since the last summary ─+$/,
    )
    expect(first).toContain('  function   invocations   /s   errors   throttles   mean duration')
    // Nothing happened: nothing to print, however often asked.
    expect(printer.render(p.runtime, at(20))).toBeUndefined()
    expect(printer.render(p.runtime, at(30))).toBeUndefined()

    await putRecords(
      p.runtime.engine,
      's',
      Array.from({ length: 20 }, (_, i) => ({
        partitionKey: `k${i}`,
        data: Buffer.from('{}').toString('base64'),
      })),
    )
    await p.until(() => p.metric('Invocations', { FunctionName: 'f' }).sum > 0)
    const busy = printer.render(p.runtime, at(40))
    expect(busy).toMatch(/\n {2}streams s: 20 records in \(2\.0\/s\)/)
    expect(busy).toMatch(/\n {2}s → f +20 +2\.0 +1 +0 /)
    // The rate falls back to 0 once: printed; then nothing again.
    expect(printer.render(p.runtime, at(50))).toMatch(/streams s: 20 records in \(0\/s\)/)
    expect(printer.render(p.runtime, at(60))).toBeUndefined()
  })

  it("names a stream's enhanced fan-out consumers, and the consumer a mapping reads through", async () => {
    const dir = await tempDir()
    await writeFile(
      join(dir, 'tributary.config.ts'),
      `export default {
  name: 'summary-efo',
  streams: { s: { shardCount: 1 } },
  functions: { f: { handler: 'f.handler' } },
  mappings: [{ function: 'f', stream: 's', consumer: 'fast', startingPosition: 'TRIM_HORIZON' }],
}
`,
    )
    await writeFile(join(dir, 'f.ts'), 'export const handler = async () => {}\n')
    const p = await startPipeline(join(dir, 'tributary.config.ts'), { teardown: onTestFinished })
    await p.active()
    await putRecords(p.runtime.engine, 's', [
      { partitionKey: 'k', data: Buffer.from('{}').toString('base64') },
    ])
    await p.until(() => p.metric('Invocations', { FunctionName: 'f' }).sum > 0)

    const out = new SummaryPrinter(p.clock.now()).render(p.runtime, new Date(p.clock.now() + 10_000))

    expect(out).toMatch(/streams s: 1 records in \([^)]*\), consumers: fast/)
    expect(out).toMatch(/\n {2}s \(consumer fast\) → f /)
  })
})

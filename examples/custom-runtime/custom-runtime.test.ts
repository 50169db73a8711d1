import { spawnSync } from 'node:child_process'
import { startPipeline } from 'tributary-pipeline/testing'
import { describe, expect, it, onTestFinished } from 'vitest'

const CONFIG = new URL('./tributary.config.ts', import.meta.url).pathname

describe('examples/custom-runtime', () => {
  it('a shell bootstrap using curl receives the Kinesis batch and answers it', async (ctx) => {
    if (spawnSync('curl', ['--version']).status !== 0) ctx.skip('curl not installed: apt-get install curl')
    const p = await startPipeline(CONFIG, { teardown: onTestFinished })
    await p.put('events', [{ n: 1 }, { n: 2 }, { n: 3 }])
    const fn = { FunctionName: 'count-records' }
    await p.until(() => p.metric('Invocations', fn).sum === 1)
    expect(p.logs.map((l) => l.message)).toContain('received 3 records')
    expect(p.metric('Invocations', fn).sum).toBe(1)
    expect(p.metric('Errors', fn).sum).toBe(0)
    expect(p.logs.map((l) => l.message)).toContain('starting count-records (handler function.handler)')

    // The function's log group: the runtime's lines verbatim between Lambda's START and END/REPORT.
    await p.until(() => p.runtime.logs.events('/aws/lambda/count-records', { limit: 100 }).events.length >= 5)
    const stored = p.runtime.logs
      .events('/aws/lambda/count-records', { limit: 100 })
      .events.map((e) => e.message)
    const start = stored.findIndex((m) => m.startsWith('START RequestId: '))
    expect(stored.slice(start + 1, start + 2)).toEqual(['received 3 records'])
    expect(stored[start + 2]).toMatch(/^END RequestId: /)
    expect(stored[start + 3]).toMatch(/^REPORT RequestId: .*Max Memory Used: \d+ MB/)
  })
})

import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { tempDir } from '../../helpers/tmp.ts'
import { logCollector, pool, spec } from './helpers.ts'

describe('a handler that runs away or kills its worker', () => {
  it('stops a handler stuck in while (true) {} at its timeout; the next invocation runs', async () => {
    const logs = logCollector()
    const p = pool({ functions: [spec('faults', 'faults.ts', { timeoutMs: 200 })], onLog: logs.onLog })
    // On a warm worker, like most invocations.
    expect(await p.invoke('faults', { action: 'warm up' })).toMatchObject({ kind: 'ok' })
    const outcome = await p.invoke('faults', { action: 'spin' }, { requestId: 'runaway' })
    expect(outcome).toEqual({ kind: 'timeout', durationMs: expect.any(Number), requestId: 'runaway' })
    if (outcome.kind !== 'timeout') throw new Error('unreachable')
    expect(outcome.durationMs).toBeGreaterThanOrEqual(190)
    // The line logged just before the loop made it out of the worker before it was stopped.
    expect(logs.logs.map((l) => [l.requestId, l.level, l.message])).toEqual([
      ['runaway', 'log', 'about to spin'],
      ['runaway', 'error', 'Task timed out after 0.20 seconds'],
    ])
    expect(await p.invoke('faults', { action: 'again' })).toMatchObject({
      kind: 'ok',
      result: 'survived again',
    })
    expect(p.stats('faults')).toEqual({ concurrent: 0, workers: 1, invocations: 3 })
  })

  it('reports process.exit() in a handler as a crash, keeps its last log lines, and recovers', async () => {
    const logs = logCollector()
    const p = pool({ functions: [spec('faults', 'faults.ts')], onLog: logs.onLog })
    expect(await p.invoke('faults', { action: 'exit' }, { requestId: 'exits' })).toEqual({
      kind: 'crash',
      errorMessage: 'Runtime exited with error: exit status 3',
      durationMs: expect.any(Number),
      requestId: 'exits',
    })
    expect(logs.logs).toContainEqual(expect.objectContaining({ requestId: 'exits', message: 'exiting now' }))
    expect(await p.invoke('faults', { action: 'next' })).toMatchObject({
      kind: 'ok',
      result: 'survived next',
    })
  })

  it.each([
    ['uncaught', 'Runtime exited with error: Error: thrown outside the handler'],
    ['unhandled-rejection', 'Runtime exited with error: Error: nobody handles this'],
  ])('reports an exception escaping the handler (%s) as a crash', async (action, errorMessage) => {
    const logs = logCollector()
    const p = pool({ functions: [spec('faults', 'faults.ts')], onLog: logs.onLog })
    expect(await p.invoke('faults', { action }, { requestId: 'r' })).toMatchObject({
      kind: 'crash',
      errorMessage,
    })
    expect(logs.logs).toContainEqual(
      expect.objectContaining({
        requestId: 'r',
        level: 'error',
        message: expect.stringMatching(/^Uncaught/),
      }),
    )
    expect(await p.invoke('faults', { action: 'next' })).toMatchObject({ kind: 'ok' })
  })

  it('times out module code that never finishes loading (the init phase)', async () => {
    const dir = await tempDir()
    const file = join(dir, 'stuck-init.mjs')
    await writeFile(file, 'while (true) {}\nexport const handler = async () => 1\n')
    const p = pool({ functions: [spec('stuck', file)], initTimeoutMs: 2000 })
    expect(await p.invoke('stuck', {})).toMatchObject({ kind: 'timeout' })
    expect(p.stats('stuck')).toMatchObject({ concurrent: 0, workers: 0 })
  })
})

import { describe, expect, it } from 'vitest'
import type { FunctionLog } from '../../../src/contracts/functions.ts'
import { logCollector, pool, spec } from './helpers.ts'

const lines = (logs: FunctionLog[], requestId: string | undefined) =>
  logs
    .filter((l) => l.requestId === requestId && l.functionName === 'logs')
    .map((l) => `${l.level} ${l.message}`)

describe('logs', () => {
  it('captures console output of module code and handler, tagged and in order, before the outcome', async () => {
    const logs = logCollector()
    const p = pool({ functions: [spec('logs', 'logs.ts')], onLog: logs.onLog })

    // 200 lines: more than one batch of lines from the worker.
    expect(await p.invoke('logs', { lines: 200 }, { requestId: 'cold' })).toMatchObject({ kind: 'ok' })
    expect(await p.invoke('logs', { lines: 2 }, { requestId: 'warm' })).toMatchObject({ kind: 'ok' })

    expect(lines(logs.logs, undefined)).toEqual(['log loading module'])
    const levels = [
      'log start { n: 200 }',
      'info info line',
      'warn warn line',
      'error error line',
      'debug debug line',
    ]
    expect(lines(logs.logs, 'cold')).toEqual([
      ...levels,
      ...Array.from({ length: 200 }, (_, i) => `log line ${i}`),
      'log end',
    ])
    expect(lines(logs.logs, 'warm')).toEqual([
      'log start { n: 2 }',
      ...levels.slice(1),
      'log line 0',
      'log line 1',
      'log end',
    ])
    // Module code ran once: the warm invocation did not log 'loading module' again.
    expect(logs.logs.filter((l) => l.message === 'loading module')).toHaveLength(1)
    expect(logs.logs.every((l) => typeof l.timestamp === 'number')).toBe(true)
  })

  it('keeps each invocation’s lines in order when several run at once', async () => {
    const logs = logCollector()
    const p = pool({ functions: [spec('logs', 'logs.ts')], onLog: logs.onLog })
    const outcomes = await Promise.all(
      ['a', 'b', 'c'].map((requestId) => p.invoke('logs', { lines: 50 }, { requestId })),
    )
    expect(outcomes.map((o) => o.kind)).toEqual(['ok', 'ok', 'ok'])
    for (const requestId of ['a', 'b', 'c']) {
      const mine = lines(logs.logs, requestId).filter((l) => l.startsWith('log line'))
      expect(mine).toEqual(Array.from({ length: 50 }, (_, i) => `log line ${i}`))
    }
  })

  it('captures writes straight to process.stdout and process.stderr, in order with console lines', async () => {
    const logs = logCollector()
    const p = pool({ functions: [spec('raw', 'raw-output.ts')], onLog: logs.onLog })
    expect(await p.invoke('raw', {}, { requestId: 'raw' })).toMatchObject({ kind: 'ok', result: 'wrote' })
    expect(logs.logs.map((l) => [l.requestId, l.level, l.message])).toEqual([
      ['raw', 'log', 'raw stdout line'],
      ['raw', 'error', 'raw stderr line'],
      ['raw', 'log', '{ dir: true }'],
    ])
  })
})

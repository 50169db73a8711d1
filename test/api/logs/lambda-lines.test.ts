import { describe, expect, it } from 'vitest'
import type { FunctionLog } from '../../../src/contracts/functions.ts'
import { consoleLine, MemorySample, reportLine } from '../../../src/monitor/logs/lambda-lines.ts'

const at = Date.UTC(2026, 11, 6, 5, 0, 0, 123)
const log = (level: FunctionLog['level'], message: string): FunctionLog => ({
  functionName: 'f',
  requestId: '3f0c2b8e-1d0a-4a57-9c1e-5f7d2b0e9a11',
  level,
  message,
  timestamp: at,
})
const ID = '3f0c2b8e-1d0a-4a57-9c1e-5f7d2b0e9a11'

describe('Lambda’s log lines', () => {
  it.each([
    ['log', 'hello', `2026-12-06T05:00:00.123Z\t${ID}\tINFO\thello`],
    ['info', 'hello', `2026-12-06T05:00:00.123Z\t${ID}\tINFO\thello`],
    ['warn', 'careful', `2026-12-06T05:00:00.123Z\t${ID}\tWARN\tcareful`],
    ['debug', 'x=1', `2026-12-06T05:00:00.123Z\t${ID}\tDEBUG\tx=1`],
    ['error', 'bad', `2026-12-06T05:00:00.123Z\t${ID}\tERROR\tbad`],
    // The platform's timeout line: spaces, no level.
    [
      'error',
      'Task timed out after 3.00 seconds',
      `2026-12-06T05:00:00.123Z ${ID} Task timed out after 3.00 seconds`,
    ],
  ] as const)('%s %j', (level, message, line) => {
    expect(consoleLine(log(level, message))).toBe(line)
  })

  it('logs a handler’s error with `stack`, as the Node.js runtime does', () => {
    const error = {
      errorType: 'TypeError',
      errorMessage: 'no id',
      stackTrace: ['TypeError: no id', '    at h (x.js:1:1)'],
    }
    expect(consoleLine(log('error', `Invoke Error \t${JSON.stringify(error)}`))).toBe(
      `2026-12-06T05:00:00.123Z\t${ID}\tERROR\tInvoke Error \t{"errorType":"TypeError","errorMessage":"no id","stack":["TypeError: no id","    at h (x.js:1:1)"]}`,
    )
  })

  it('logs an uncaught exception’s stack as the error JSON', () => {
    expect(
      consoleLine(
        log('error', 'Uncaught Exception \tRangeError: late\n    at Timeout._onTimeout (x.js:2:3)'),
      ),
    ).toBe(
      `2026-12-06T05:00:00.123Z\t${ID}\tERROR\tUncaught Exception \t{"errorType":"RangeError","errorMessage":"late","stack":["RangeError: late","    at Timeout._onTimeout (x.js:2:3)"]}`,
    )
  })

  it.each([
    [
      { durationMs: 12.345, status: 'ok' },
      'Duration: 12.35 ms\tBilled Duration: 13 ms\tMemory Size: 128 MB\tMax Memory Used: 60 MB\t',
    ],
    [
      { durationMs: 0.2, status: 'error' },
      'Duration: 0.20 ms\tBilled Duration: 1 ms\tMemory Size: 128 MB\tMax Memory Used: 60 MB\t',
    ],
    [
      { durationMs: 2.26, initDurationMs: 163.871, status: 'ok' },
      'Duration: 2.26 ms\tBilled Duration: 3 ms\tMemory Size: 128 MB\tMax Memory Used: 60 MB\tInit Duration: 163.87 ms\t',
    ],
    [
      { durationMs: 3001.5, status: 'timeout' },
      'Duration: 3001.50 ms\tBilled Duration: 3002 ms\tMemory Size: 128 MB\tMax Memory Used: 60 MB\tStatus: timeout\t',
    ],
    [
      { durationMs: 5, status: 'crash' },
      'Duration: 5.00 ms\tBilled Duration: 5 ms\tMemory Size: 128 MB\tMax Memory Used: 60 MB\tStatus: error\tError Type: Runtime.ExitError\t',
    ],
  ] as const)('REPORT %j', (r, fields) => {
    expect(reportLine({ requestId: ID, memorySizeMb: 128, maxMemoryUsedMb: 60, ...r })).toBe(
      `REPORT RequestId: ${ID}\t${fields}`,
    )
  })

  it('reads the process’s memory at most once a second', () => {
    let now = 0
    const sample = new MemorySample(() => now)
    const first = sample.mb()
    expect(first).toBeGreaterThan(0)
    const hold = new Array(2_000_000).fill(1)
    now = 999
    expect(sample.mb()).toBe(first)
    now = 1000
    expect(sample.mb()).toBeGreaterThanOrEqual(first)
    expect(hold.length).toBe(2_000_000)
  })
})

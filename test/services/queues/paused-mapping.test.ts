import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it, onTestFinished } from 'vitest'
import type { FunctionLog } from '../../../src/contracts/functions.ts'
import { SqsMapping } from '../../../src/functions/sqs/sqs-mapping.ts'
import { FunctionPool } from '../../../src/functions/workers/pool.ts'
import { tempDir } from '../../helpers/tmp.ts'
import { openQueues, settle } from './fixtures.ts'

const GOOD =
  "export const handler = async (e) => { for (const r of e.Records) console.log('got ' + r.body) }\n"
const BROKEN = 'export const handler = async (e) => {\n  for (const r of e.Records\n'

describe('an SQS mapping whose handler fails to load after an edit (tributary dev)', () => {
  it('receives nothing while paused (no receive counted, nothing redriven), then processes it all', async () => {
    const { queues, clock } = await openQueues()
    queues.declareAll({
      jobs: { visibilityTimeoutSeconds: 30, maxReceiveCount: 1, deadLetterQueue: 'jobs-dlq' },
      'jobs-dlq': {},
    })
    const file = join(await tempDir(), 'worker.ts')
    await writeFile(file, GOOD)
    const logs: FunctionLog[] = []
    let logged: (() => void) | undefined
    const pool = new FunctionPool({
      functions: [
        {
          name: 'worker',
          file,
          exportName: 'handler',
          timeoutMs: 10_000,
          memoryMb: 128,
          reservedConcurrency: undefined,
          environment: {},
        },
      ],
      bindings: { call: () => Promise.reject(new Error('no bindings')) },
      onLog: (log) => {
        logs.push(log)
        logged?.()
      },
    })
    onTestFinished(() => pool.close())

    await writeFile(file, BROKEN)
    expect(await pool.tryReload('worker')).toMatchObject({ kind: 'failed' })
    const mapping = new SqsMapping({ function: 'worker', queue: 'jobs' }, { queues, invoker: pool, clock })
    mapping.start()
    onTestFinished(() => mapping.stop())
    for (const body of ['a', 'b', 'c']) queues.send('jobs', body)
    await settle()
    // Long past the visibility timeout: a receive would have redriven them to the DLQ by now.
    clock.advance(120_000)
    await settle()
    expect(queues.depth('jobs')).toMatchObject({ visible: 3, inFlight: 0 })
    expect(queues.depth('jobs-dlq')).toMatchObject({ visible: 0 })

    await writeFile(file, GOOD)
    expect(await pool.tryReload('worker')).toMatchObject({ kind: 'loaded', recovered: true })
    const got = () =>
      logs
        .map((l) => l.message)
        .filter((m) => m.startsWith('got '))
        .sort()
    while (got().length < 3) await new Promise<void>((resolve) => (logged = resolve))
    expect(got()).toEqual(['got a', 'got b', 'got c'])
    await mapping.stop()
    expect(queues.depth('jobs')).toMatchObject({ visible: 0, inFlight: 0 })
    expect(queues.depth('jobs-dlq')).toMatchObject({ visible: 0 })
  })
})

import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { InvokeOutcome } from '../../../src/contracts/functions.ts'
import { tempDir } from '../../helpers/tmp.ts'
import { logCollector, pool, spec } from './helpers.ts'

const good = (tag: string) => `export const handler = async (e) => '${tag} ' + e.n\n`
const broken = 'export const handler = async (e) => {\n  return e.n +\n'

async function handlerFile(source: string): Promise<string> {
  const file = join(await tempDir(), 'handler.ts')
  await writeFile(file, source)
  return file
}

/** True once the promise has settled (checked after the pool had every chance to settle it). */
async function settled(p: Promise<unknown>): Promise<boolean> {
  let done = false
  void p.then(() => {
    done = true
  })
  for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r))
  return done
}

describe('tryReload: invocations wait while new code does not load (tributary dev)', () => {
  it('holds invocations while the handler is broken and runs them on the fixed code', async () => {
    const file = await handlerFile(good('v1'))
    const { logs, onLog } = logCollector()
    const p = pool({ functions: [spec('f', file)], onLog })
    expect(await p.invoke('f', { n: 1 })).toMatchObject({ kind: 'ok', result: 'v1 1' })

    await writeFile(file, broken)
    const failed = await p.tryReload('f')
    expect(failed).toMatchObject({ kind: 'failed', error: { errorType: 'Runtime.UserCodeSyntaxError' } })
    if (failed.kind !== 'failed') throw new Error('unreachable')
    expect(failed.error.errorMessage.startsWith(`${file}:3:1: `)).toBe(true)
    expect(p.loadFailure('f')).toEqual(failed.error)

    const waiting = [p.invoke('f', { n: 2 }), p.invoke('f', { n: 3 })]
    expect(await settled(Promise.race(waiting))).toBe(false)
    expect(p.waitingForLoad('f')).toBe(2)
    expect(p.runnable('f')).toBeInstanceOf(Promise)

    // Saved broken again: still waiting, nothing run.
    expect(await p.tryReload('f')).toMatchObject({ kind: 'failed' })
    expect(await settled(Promise.race(waiting))).toBe(false)

    await writeFile(file, good('v2'))
    expect(await p.tryReload('f')).toEqual({ kind: 'loaded', held: 2, recovered: true })
    const outcomes = await Promise.all(waiting)
    expect(outcomes.map((o) => (o as Extract<InvokeOutcome, { kind: 'ok' }>).result)).toEqual([
      'v2 2',
      'v2 3',
    ])
    expect(p.runnable('f')).toBeUndefined()
    expect(p.loadFailure('f')).toBeUndefined()
    // The failed loads were reported by tryReload, not logged per invocation.
    expect(logs.filter((l) => l.message.startsWith('Init Error'))).toEqual([])
  })

  it('ends waits as throttled (not run, not failed) when abandoned for a shutdown', async () => {
    const file = await handlerFile(broken)
    const p = pool({ functions: [spec('f', file)] })
    expect(await p.tryReload('f')).toMatchObject({ kind: 'failed' })
    const waiting = p.invoke('f', { n: 1 })
    const paused = p.runnable('f')!
    expect(await settled(waiting)).toBe(false)
    expect(p.abandonWaits()).toEqual(new Map([['f', 1]]))
    expect(await waiting).toMatchObject({ kind: 'throttled' })
    await paused
    expect(await p.invoke('f', { n: 2 })).toMatchObject({ kind: 'throttled' })
  })

  it('a good reload runs at once and leaves a warm worker', async () => {
    const file = await handlerFile(good('v1'))
    const p = pool({ functions: [spec('f', file)] })
    await writeFile(file, good('v2'))
    expect(await p.tryReload('f')).toEqual({ kind: 'loaded', held: 0, recovered: false })
    expect(p.stats('f').workers).toBe(1)
    expect(await p.invoke('f', { n: 1 })).toMatchObject({ kind: 'ok', result: 'v2 1' })
    expect(p.stats('f').workers).toBe(1)
  })
})

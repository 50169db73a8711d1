import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it, vi } from 'vitest'
import { FunctionNotFoundError, PoolClosedError } from '../../../src/functions/workers/errors.ts'
import { FunctionPool } from '../../../src/functions/workers/pool.ts'
import { tempDir } from '../../helpers/tmp.ts'
import { gateHost, pool, spec } from './helpers.ts'

const gated = (overrides = {}) => spec('gated', 'bindings.ts', { exportName: 'gated', ...overrides })

describe('concurrency', () => {
  it('throttles at once beyond reservedConcurrency, and runs again when a slot frees', async () => {
    const gate = gateHost()
    const p = pool({ functions: [gated({ reservedConcurrency: 2 })], bindings: gate.host })
    const first = p.invoke('gated', { id: 1 })
    const second = p.invoke('gated', { id: 2 })
    await gate.waitForCalls(2)

    expect(await p.invoke('gated', { id: 3 }, { requestId: 'r3' })).toEqual({
      kind: 'throttled',
      requestId: 'r3',
    })
    expect(p.stats('gated')).toEqual({ concurrent: 2, workers: 2, invocations: 2 })

    gate.releaseAll({ messageId: 'done' })
    expect(await first).toMatchObject({ kind: 'ok', result: { messageId: 'done' } })
    expect(await second).toMatchObject({ kind: 'ok', result: { messageId: 'done' } })
    expect(gate.held).toEqual([])

    const third = p.invoke('gated', { id: 3 })
    await gate.waitForCalls(1)
    gate.releaseAll()
    expect(await third).toMatchObject({ kind: 'ok' })
    // Warm workers were reused: no third worker.
    expect(p.stats('gated')).toEqual({ concurrent: 0, workers: 2, invocations: 3 })
  })

  it('applies maxConcurrencyPerFunction to functions without a reservation', async () => {
    const gate = gateHost()
    const p = pool({ functions: [gated()], bindings: gate.host, maxConcurrencyPerFunction: 1 })
    const first = p.invoke('gated', { id: 1 })
    await gate.waitForCalls(1)
    expect(await p.invoke('gated', { id: 2 })).toMatchObject({ kind: 'throttled' })
    gate.releaseAll()
    expect(await first).toMatchObject({ kind: 'ok' })
  })

  it('throttles every invocation at reservedConcurrency 0 (a disabled function)', async () => {
    const p = pool({ functions: [gated({ reservedConcurrency: 0 })] })
    expect(await p.invoke('gated', { id: 1 })).toMatchObject({ kind: 'throttled' })
    expect(p.stats('gated')).toEqual({ concurrent: 0, workers: 0, invocations: 0 })
  })
})

describe('warm workers and reloads', () => {
  it('keeps module state between invocations on a warm worker', async () => {
    const p = pool({ functions: [spec('counter', 'counter.ts')] })
    const a = await p.invoke('counter', {})
    const b = await p.invoke('counter', {})
    if (a.kind !== 'ok' || b.kind !== 'ok') throw new Error('unexpected outcome')
    expect(a.result).toMatchObject({ invocations: 1 })
    expect(b.result).toEqual({ invocations: 2, loadedAt: (a.result as { loadedAt: string }).loadedAt })
  })

  it('loads the changed file in fresh workers after reload', async () => {
    const dir = await tempDir()
    const file = join(dir, 'versioned.ts')
    const version = (v: number) =>
      `let n = 0\nexport const handler = async (): Promise<object> => ({ version: ${v}, n: ++n })\n`
    await writeFile(file, version(1))
    const p = pool({ functions: [spec('versioned', file)] })
    expect(await p.invoke('versioned', {})).toMatchObject({ result: { version: 1, n: 1 } })
    expect(await p.invoke('versioned', {})).toMatchObject({ result: { version: 1, n: 2 } })

    await writeFile(file, version(2))
    await p.reload('versioned')
    expect(p.stats('versioned').workers).toBe(0)
    expect(await p.invoke('versioned', {})).toMatchObject({ result: { version: 2, n: 1 } })
  })

  it('lets an invocation in flight finish on its worker before that worker is replaced', async () => {
    const gate = gateHost()
    const p = pool({ functions: [gated()], bindings: gate.host })
    const inFlight = p.invoke('gated', { id: 1 })
    await gate.waitForCalls(1)

    let reloaded = false
    const reload = p.reload('gated').then(() => {
      reloaded = true
    })
    // New invocations already go to a new worker while the old one finishes.
    const fresh = p.invoke('gated', { id: 2 })
    await gate.waitForCalls(2)
    expect(p.stats('gated')).toEqual({ concurrent: 2, workers: 2, invocations: 2 })
    expect(reloaded).toBe(false)

    gate.releaseAll()
    expect(await inFlight).toMatchObject({ kind: 'ok' })
    expect(await fresh).toMatchObject({ kind: 'ok' })
    await reload
    expect(p.stats('gated')).toEqual({ concurrent: 0, workers: 1, invocations: 2 })
  })

  it('setFunctions adds, removes and updates functions', async () => {
    const p = pool({
      functions: [
        spec('ctx', 'context.ts', { environment: { GREETING: 'hello' } }),
        spec('counter', 'counter.ts'),
      ],
    })
    expect(await p.invoke('ctx', {})).toMatchObject({ result: { env: { GREETING: 'hello' } } })
    expect(await p.invoke('counter', {})).toMatchObject({ kind: 'ok' })

    await p.setFunctions([
      spec('ctx', 'context.ts', { environment: { GREETING: 'bonjour' } }),
      spec('echo', 'plain.mjs'),
    ])

    expect(await p.invoke('ctx', {})).toMatchObject({ result: { env: { GREETING: 'bonjour' } } })
    expect(await p.invoke('echo', 1)).toMatchObject({ result: { mjs: true, event: 1 } })
    await expect(p.invoke('counter', {})).rejects.toBeInstanceOf(FunctionNotFoundError)
    expect(p.stats('counter')).toEqual({ concurrent: 0, workers: 0, invocations: 0 })
  })

  it('setFunctions changes a concurrency limit without replacing warm workers', async () => {
    const p = pool({ functions: [spec('counter', 'counter.ts')] })
    expect(await p.invoke('counter', {})).toMatchObject({ result: { invocations: 1 } })
    await p.setFunctions([spec('counter', 'counter.ts', { reservedConcurrency: 0 })])
    expect(await p.invoke('counter', {})).toMatchObject({ kind: 'throttled' })
    await p.setFunctions([spec('counter', 'counter.ts', { reservedConcurrency: 5 })])
    expect(await p.invoke('counter', {})).toMatchObject({ result: { invocations: 2 } })
  })

  it('stops workers that stay idle for idleWorkerMs', async () => {
    const p = pool({ functions: [spec('counter', 'counter.ts')], idleWorkerMs: 50 })
    expect(await p.invoke('counter', {})).toMatchObject({ kind: 'ok' })
    expect(p.stats('counter').workers).toBe(1)
    await vi.waitFor(() => expect(p.stats('counter').workers).toBe(0), { timeout: 5000, interval: 20 })
    expect(await p.invoke('counter', {})).toMatchObject({ result: { invocations: 1 } })
  })
})

describe('close', () => {
  it('waits for invocations in flight, refuses new ones, and stops every worker', async () => {
    const gate = gateHost()
    const p = new FunctionPool({ functions: [gated(), spec('counter', 'counter.ts')], bindings: gate.host })
    expect(await p.invoke('counter', {})).toMatchObject({ kind: 'ok' })
    const inFlight = p.invoke('gated', { id: 1 })
    await gate.waitForCalls(1)

    let closed = false
    const closing = p.close().then(() => {
      closed = true
    })
    await expect(p.invoke('counter', {})).rejects.toBeInstanceOf(PoolClosedError)
    expect(closed).toBe(false)

    gate.releaseAll()
    expect(await inFlight).toMatchObject({ kind: 'ok' })
    await closing
    expect(p.stats('gated').workers).toBe(0)
    expect(p.stats('counter').workers).toBe(0)
    await p.close()
  })
})

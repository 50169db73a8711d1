import { describe, expect, it } from 'vitest'
import type { BindingCall, BindingHost } from '../../../src/contracts/functions.ts'
import { pool, spec } from './helpers.ts'

class ConditionalCheckFailedException extends Error {
  override name = 'ConditionalCheckFailedException'
}

/** A stand-in for the engine's side of the bindings contract: streams accept, tables refuse. */
function fakeHost() {
  const calls: BindingCall[] = []
  const host: BindingHost = {
    async call(call) {
      calls.push(call)
      if (call.service === 'table')
        throw new ConditionalCheckFailedException('The conditional request failed')
      const [data] = call.args as [{ i: number }]
      // Answer out of order, so responses are matched by id, not by arrival.
      await new Promise((resolve) => setImmediate(resolve))
      if (data.i % 2 === 0) await new Promise((resolve) => setImmediate(resolve))
      return { shardId: 'shardId-000000000000', sequenceNumber: String(data.i) }
    },
  }
  return { host, calls }
}

describe('bindings', () => {
  it('round-trips many concurrent calls and re-throws a host error with its name', async () => {
    const { host, calls } = fakeHost()
    const p = pool({ functions: [spec('bindings', 'bindings.ts')], bindings: host })
    const outcome = await p.invoke('bindings', { count: 100 })
    expect(outcome.kind).toBe('ok')
    const result = (outcome as { result: { puts: unknown[]; failure: unknown } }).result
    expect(result.puts).toEqual(
      Array.from({ length: 100 }, (_, i) => ({ shardId: 'shardId-000000000000', sequenceNumber: String(i) })),
    )
    expect(result.failure).toEqual({
      name: 'ConditionalCheckFailedException',
      message: 'The conditional request failed',
      isError: true,
    })
    expect(calls[0]).toEqual({
      service: 'stream',
      resource: 'events',
      method: 'put',
      args: [{ i: 0 }, { partitionKey: 'k0' }],
      // Named by the host, from the worker it serves: what observed binding use is keyed by.
      caller: 'bindings',
    })
    expect(calls.at(-1)).toEqual({
      service: 'table',
      resource: 'devices',
      method: 'put',
      args: [{ id: 'd1' }, { condition: { exists: true } }],
      caller: 'bindings',
    })
  })

  it('fails the call, not the worker, when the host answers with something that cannot be cloned', async () => {
    const p = pool({
      functions: [spec('gated', 'bindings.ts', { exportName: 'gated' })],
      bindings: { call: async () => ({ fn: () => 1 }) },
    })
    expect(await p.invoke('gated', { id: 1 })).toMatchObject({ kind: 'error', errorType: 'DataCloneError' })
  })
})

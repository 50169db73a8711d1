import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import {
  GetRecordsCommand,
  GetShardIteratorCommand,
  PutRecordCommand,
  PutRecordsCommand,
} from '@aws-sdk/client-kinesis'
import { describe, expect, it, onTestFinished } from 'vitest'
import { FaultInjector } from '../../src/faults/injector.ts'
import { startPipeline } from '../../src/testing/index.ts'
import { ManualClock } from '../../src/util/clock.ts'
import { ACCOUNT, expectAwsError, shardId } from '../helpers/kinesis.ts'
import { createActiveStream, startServer, type TestServer } from '../helpers/server.ts'

const BIN = fileURLToPath(new URL('../../bin/tributary.js', import.meta.url))
const run = promisify(execFile)

async function putPattern(t: TestServer): Promise<string[]> {
  const out = await t.client.send(
    new PutRecordsCommand({
      StreamName: 's',
      Records: Array.from({ length: 200 }, (_, i) => ({ PartitionKey: `k${i}`, Data: Buffer.from('x') })),
    }),
  )
  return out.Records!.map((r) => r.ErrorCode ?? 'ok')
}

describe('fault injection', () => {
  it('draws the same hits from the same seed, other hits from another', () => {
    const draws = (seed: number) => {
      const f = new FaultInjector(new ManualClock())
      f.add({ stream: 's', effect: 'throttle', rate: 0.5, seed })
      return Array.from({ length: 64 }, () => f.fail('s', 'put') ?? 'ok')
    }
    expect(draws(7)).toEqual(draws(7))
    expect(draws(7)).not.toEqual(draws(8))
    expect(draws(7).filter((d) => d === 'throttle').length).toBeGreaterThan(16)
  })

  it('throttles the same PutRecords entries on two servers given the same seed, with AWS’s per-entry error', async () => {
    const patterns: string[][] = []
    for (let i = 0; i < 2; i++) {
      const t = await startServer({ shardLimits: false })
      await createActiveStream(t, 's')
      const fault = t.engine.faults.add({ stream: 's', effect: 'throttle', rate: 0.3, seed: 42 })
      patterns.push(await putPattern(t))
      expect(fault.id).toBe('f1')
      expect(t.engine.faults.list()[0]!.hits).toBe(patterns[i]!.filter((p) => p !== 'ok').length)
    }
    expect(patterns[0]).toEqual(patterns[1])
    const hit = patterns[0]!.filter((p) => p === 'ProvisionedThroughputExceededException').length
    expect(hit).toBeGreaterThan(30)
    expect(hit).toBeLessThan(90)
  })

  it('fails GetRecords with InternalFailure (500) and a PutRecord after a latency on the engine’s clock', async () => {
    const t = await startServer()
    await createActiveStream(t, 's')
    const it = await t.client.send(
      new GetShardIteratorCommand({ StreamName: 's', ShardId: shardId(0), ShardIteratorType: 'LATEST' }),
    )
    t.engine.faults.add({ stream: 's', effect: 'internal-failure', operations: ['get'] })
    await expectAwsError(t.client.send(new GetRecordsCommand({ ShardIterator: it.ShardIterator! })), {
      // AWS's 500 body is `{"__type":"InternalFailure"}` alone, which the SDK reports as UnknownError.
      name: 'InternalFailure',
      message: 'UnknownError',
      status: 500,
    })
    expect(t.engine.faults.clear()).toBe(1)

    t.engine.faults.add({ stream: 's', effect: 'latency', latencyMs: 250, operations: ['put'] })
    let done = false
    const put = t.client
      .send(new PutRecordCommand({ StreamName: 's', PartitionKey: 'k', Data: Buffer.from('x') }))
      .finally(() => {
        done = true
      })
    await expect.poll(() => t.engine.faults.list()[0]!.hits).toBe(1)
    t.clock.advance(249)
    expect(done).toBe(false)
    t.clock.advance(1)
    expect((await put).ShardId).toBe(shardId(0))
  })

  it('tributary fault add, list and clear reach a running server, and bad faults are one line', async () => {
    const p = await startPipeline(
      { name: 'faults', streams: { s: { shardCount: 1 } } },
      { serve: true, teardown: onTestFinished },
    )
    const cli = (...args: string[]) =>
      run(process.execPath, [BIN, 'fault', ...args, '--endpoint', p.endpoint!], {
        env: { ...process.env, NODE_OPTIONS: '' },
      })
    const added = await cli('add', '--stream', 's', '--effect', 'throttle', '--rate', '1', '--seed', '3')
    expect(added.stdout).toBe('added f1: throttle on 100% of put and get calls to stream s (seed 3, 0 hit)\n')
    const out = await p.kinesis!.send(
      new PutRecordsCommand({ StreamName: 's', Records: [{ PartitionKey: 'k', Data: Buffer.from('x') }] }),
    )
    expect(out.Records).toEqual([
      {
        ErrorCode: 'ProvisionedThroughputExceededException',
        ErrorMessage: `Rate exceeded for shard ${shardId(0)} in stream s under account ${ACCOUNT}.`,
      },
    ])
    expect(JSON.parse((await cli('list', '--json')).stdout)).toMatchObject([{ id: 'f1', hits: 1, seed: 3 }])
    const bad = await cli('add', '--stream', 's', '--effect', 'latency', '--latency-ms', '-5').catch((e) => e)
    expect(bad.code).toBe(1)
    expect(bad.stderr).toMatch(/^tributary: error: latencyMs: .*\n {2}hint: /)
    expect((await cli('clear', 'f1')).stdout).toBe('cleared 1 fault\n')
    // Other targets, with an end on the engine clock.
    const until = new Date(p.clock.now() + 30_000).toISOString()
    expect((await cli('add', '--function', 'fn', '--effect', 'timeout', '--for', '30s')).stdout).toBe(
      `added f2: timeout on 100% of invocations of function fn (seed 1, 0 hit, until ${until})\n`,
    )
    const twoTargets = await cli('add', '--bucket', 'b', '--delivery', 'd', '--effect', 'slow-down').catch(
      (e) => e,
    )
    expect(twoTargets.code).toBe(1)
    expect(twoTargets.stderr).toBe(
      'tributary: error: a fault has one target, not bucket and delivery\n  hint: pass one of --stream, --function, --bucket or --delivery\n',
    )
    p.clock.advance(30_000)
    expect((await cli('list')).stdout).toBe('no faults\n')
  })

  it('applies the definition’s faults while the pipeline runs', async () => {
    const p = await startPipeline(
      {
        name: 'declared',
        streams: { s: { shardCount: 1 } },
        faults: [{ stream: 's', effect: 'internal-failure', operations: ['put'], rate: 1, seed: 9 }],
      },
      { serve: true, teardown: onTestFinished },
    )
    expect(p.runtime.engine.faults.list()).toMatchObject([
      { id: 'f1', stream: 's', effect: 'internal-failure' },
    ])
    const out = await p.kinesis!.send(
      new PutRecordsCommand({ StreamName: 's', Records: [{ PartitionKey: 'k', Data: Buffer.from('x') }] }),
    )
    expect(out.Records).toEqual([{ ErrorCode: 'InternalFailure', ErrorMessage: 'Internal service failure.' }])
  })
})

import { describe, expect, it, onTestFinished } from 'vitest'
import { type ShardRunner, StreamFollower } from '../../src/engine/stream-follower.ts'
import type { ShardRuntime } from '../../src/engine/stream-state.ts'
import { engineWithStream } from '../helpers/engine.ts'

const MIDDLE = '80000000000000000000000000000000'

/** A runner the test finishes by hand; it records what happened to it. */
class FakeRunner implements ShardRunner {
  finished = false
  started = false
  stopped = false
  constructor(readonly shard: ShardRuntime) {}
  start(): void {
    this.started = true
  }
  async stop(): Promise<void> {
    this.stopped = true
  }
}

async function setup() {
  const { engine, settle } = await engineWithStream('s')
  const runners: FakeRunner[] = []
  const passes: number[] = []
  const follower = new StreamFollower<FakeRunner, number>({
    engine,
    stream: 's',
    pass: (stream) => passes.push(stream.state.createdAt),
    runner: (_stream, shard) => {
      const runner = new FakeRunner(shard)
      runners.push(runner)
      return runner
    },
  })
  onTestFinished(() => follower.stop())
  const running = () => [...follower.entries()].map(([index, r]) => `${index}${r.stopped ? ' stopped' : ''}`)
  return { engine, settle, follower, runners, passes, running }
}

describe('StreamFollower', () => {
  it('starts a child only once its parent is finished, and every shard once', async () => {
    const { engine, settle, follower, runners, running } = await setup()
    follower.start()
    await follower.refresh()
    expect(running()).toEqual(['0'])
    engine.beginUpdate('s', { kind: 'split', shard: 0, newStartingHashKey: MIDDLE })
    await settle()
    await follower.refresh()
    expect(running()).toEqual(['0']) // the parent is still being read
    runners[0]!.finished = true
    await follower.refresh() // "shard 0 ended"
    await follower.refresh()
    expect(running()).toEqual(['0', '1', '2'])
    expect(runners.map((r) => [r.shard.state.index, r.started])).toEqual([
      [0, true],
      [1, true],
      [2, true],
    ])
  })

  it('waits for both parents of a merge', async () => {
    const { engine, settle, follower, runners, running } = await setup()
    engine.beginUpdate('s', { kind: 'scale', target: 2 })
    await settle()
    follower.start()
    await follower.refresh()
    runners[0]!.finished = true
    await follower.refresh()
    expect(running()).toEqual(['0', '1', '2'])
    engine.beginUpdate('s', { kind: 'merge', shard: 1, adjacent: 2 })
    await settle()
    runners[1]!.finished = true
    await follower.refresh()
    expect(running()).toEqual(['0', '1', '2'])
    runners[2]!.finished = true
    await follower.refresh()
    expect(running()).toEqual(['0', '1', '2', '3'])
  })

  it('asks once per pass, before any shard of the pass starts', async () => {
    const { follower, passes, engine } = await setup()
    follower.start()
    await follower.refresh()
    const created = engine.stream('s').state.createdAt
    expect(passes).toEqual([created, created])
  })

  it('stops every runner and starts over when the stream is created again', async () => {
    const { engine, settle, follower, runners, running } = await setup()
    follower.start()
    await follower.refresh()
    engine.deleteStream('s')
    await settle()
    engine.createStream('s', { shardCount: 1 })
    await settle()
    await follower.refresh()
    expect(runners.map((r) => r.stopped)).toEqual([true, false])
    expect(running()).toEqual(['0'])
    expect(runners[1]!.started).toBe(true)
  })

  it('asks again on the next pass for a shard whose runner was not ready', async () => {
    const { engine } = await setup()
    let ready = false
    const follower = new StreamFollower({
      engine,
      stream: 's',
      runner: async (_stream, shard) => (ready ? new FakeRunner(shard) : undefined),
    })
    onTestFinished(() => follower.stop())
    follower.start()
    await follower.refresh()
    expect(follower.size).toBe(0)
    ready = true
    await follower.refresh()
    expect(follower.size).toBe(1)
    await follower.stop()
    expect(follower.size).toBe(0)
  })
})

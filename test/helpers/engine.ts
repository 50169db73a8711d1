import { onTestFinished } from 'vitest'
import { StreamEngine } from '../../src/engine/engine.ts'
import { ManualClock } from '../../src/util/clock.ts'
import { tempDir } from './tmp.ts'

/**
 * A stream engine on a manual clock whose state changes complete at the next `settle()`, with
 * `stream` created (one shard unless told), closed after the test.
 */
export async function engineWithStream(stream: string, shardCount = 1) {
  const clock = new ManualClock(Date.UTC(2026, 10, 24, 12))
  const engine = await StreamEngine.open({
    dataDir: await tempDir(),
    clock,
    createStreamMs: 0,
    updateStreamMs: 0,
    deleteStreamMs: 0,
  })
  onTestFinished(() => engine.close())
  /** Completes every state change begun so far (create, reshard, delete). */
  const settle = async () => {
    clock.advance(1)
    await engine.whenSettled()
  }
  engine.createStream(stream, { shardCount })
  await settle()
  return { engine, clock, settle }
}

import { describe, expect, it } from 'vitest'
import { DirSyncs } from '../../../src/lake/buckets/durable-file.ts'

/** A directory fsync the test finishes by hand, recording when each one started. */
function controlledSyncs() {
  const started: { dir: string; finish: () => void; fail: (error: Error) => void }[] = []
  const syncDir = (dir: string) =>
    new Promise<void>((resolve, reject) => started.push({ dir, finish: resolve, fail: reject }))
  return { started, syncDir }
}

const settled = async (p: Promise<unknown>) => {
  let done = false
  void p.then(
    () => (done = true),
    () => (done = true),
  )
  // Lets every promise reaction that is ready run (no timer involved).
  await new Promise((resolve) => setImmediate(resolve))
  return done
}

describe('DirSyncs (group commit of directory fsyncs)', () => {
  it('starts one fsync per directory, and callers arriving meanwhile share the one queued behind it', async () => {
    const { started, syncDir } = controlledSyncs()
    const syncs = new DirSyncs(true, syncDir)
    const first = syncs.sync(['/a'])
    await new Promise((resolve) => setImmediate(resolve))
    expect(started.map((s) => s.dir)).toEqual(['/a'])
    // Their renames happened after the running fsync began: it may not cover them.
    const second = syncs.sync(['/a'])
    const third = syncs.sync(['/a', '/b'])
    await new Promise((resolve) => setImmediate(resolve))
    expect(started.map((s) => s.dir)).toEqual(['/a', '/b'])
    started[0]!.finish()
    expect(await settled(first)).toBe(true)
    expect(await settled(second)).toBe(false)
    // The queued fsync of /a starts only now, after the first one ended.
    expect(started.map((s) => s.dir)).toEqual(['/a', '/b', '/a'])
    started[1]!.finish()
    expect(await settled(third)).toBe(false)
    started[2]!.finish()
    expect(await settled(second)).toBe(true)
    expect(await settled(third)).toBe(true)
    expect(started).toHaveLength(3)
  })

  it('passes a failed fsync to the callers waiting for it, and the next caller starts afresh', async () => {
    const { started, syncDir } = controlledSyncs()
    const syncs = new DirSyncs(true, syncDir)
    const first = syncs.sync(['/a'])
    await new Promise((resolve) => setImmediate(resolve))
    started[0]!.fail(new Error('EIO'))
    await expect(first).rejects.toThrow('EIO')
    const again = syncs.sync(['/a'])
    await new Promise((resolve) => setImmediate(resolve))
    expect(started).toHaveLength(2)
    started[1]!.finish()
    await expect(again).resolves.toBeUndefined()
  })

  it('does nothing when fsync is off', async () => {
    const { started, syncDir } = controlledSyncs()
    await new DirSyncs(false, syncDir).sync(['/a'])
    expect(started).toHaveLength(0)
  })
})

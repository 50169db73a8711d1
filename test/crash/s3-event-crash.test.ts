import { readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it, onTestFinished } from 'vitest'
import { startPipeline } from '../../src/testing/index.ts'
import { spawnDev } from '../helpers/child-dev.ts'
import { freePort } from '../helpers/child-server.ts'
import { tempDir } from '../helpers/tmp.ts'

const CONFIG = new URL('../fixtures/pipelines/s3-event-crash/tributary.config.ts', import.meta.url).pathname

describe('SIGKILL between an object appearing and its S3 event', () => {
  it('sends the event after restart (at least once), for the object the crashed put wrote', async () => {
    const dataDir = join(await tempDir(), 'data')
    const inbox = join(dataDir, 'lake', 'inbox', 'in')
    // The writer runs at start (--fire-schedules); its put dies right after the renames.
    const port = String(await freePort())
    const dev = spawnDev(
      [CONFIG, '--data-dir', dataDir, '--port', port, '--summary', '0', '--no-watch', '--fire-schedules'],
      { TRIBUTARY_CRASH_AT: 'lake.renamed:1' },
    )
    expect((await dev.exited).signal).toBe('SIGKILL')
    const [crashed] = await readdir(inbox)
    expect(crashed).toMatch(/\.json$/)
    expect(dev.output()).not.toContain('seen ')

    // Restart: the writer's invocation is retried (a new object) and the crashed put's event is
    // sent from what the put recorded before its object appeared.
    const p = await startPipeline(CONFIG, { dataDir, teardown: onTestFinished })
    const seen = () =>
      new Set(p.logs.filter((l) => l.message.startsWith('seen ')).map((l) => l.message.slice(5)))
    const start = p.clock.now()
    await p.until(() => seen().size >= 2 || p.clock.now() - start > 600_000)
    const objects = (await readdir(inbox)).sort()
    expect(objects).toHaveLength(2)
    expect(objects).toContain(crashed)
    expect([...seen()].sort()).toEqual(objects.map((o) => `inbox/in/${o}`))
  }, 60_000)
})

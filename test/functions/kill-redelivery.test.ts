import { join } from 'node:path'
import { PutRecordsCommand } from '@aws-sdk/client-kinesis'
import { describe, expect, it } from 'vitest'
import { spawnDev } from '../helpers/child-dev.ts'
import { freePort } from '../helpers/child-server.ts'
import { kinesisClient } from '../helpers/server.ts'
import { tempDir } from '../helpers/tmp.ts'

const CONFIG = new URL('../fixtures/pipelines/kill/tributary.config.ts', import.meta.url).pathname

describe('SIGKILL in the middle of a batch', () => {
  it('delivers the batch again after restart; nothing is skipped, finished batches are not repeated', async () => {
    const dir = await tempDir()
    const marker = join(dir, 'marker')
    const args = async () => [
      CONFIG,
      '--data-dir',
      join(dir, 'data'),
      '--port',
      String(await freePort()),
      '--summary',
      '0',
      '--no-watch',
    ]
    const first = spawnDev(await args(), { MARKER: marker })
    const [, url] = (await first.waitFor(/AWS APIs: +(http:\/\/\S+)/)) as unknown as [string, string]
    const records = Array.from({ length: 30 }, (_, i) => (i === 14 ? 'block' : `r${i + 1}`))
    const client = kinesisClient(url)
    // The stream starts out CREATING: retry the put until it is ACTIVE.
    for (;;) {
      try {
        await client.send(
          new PutRecordsCommand({
            StreamName: 'work',
            Records: records.map((r) => ({ PartitionKey: 'k', Data: Buffer.from(r) })),
          }),
        )
        break
      } catch (error) {
        if ((error as Error).name !== 'ResourceNotFoundException') throw error
        await first.waitFor(/Tributary is running/)
        await new Promise((r) => setImmediate(r))
      }
    }
    client.destroy()
    await first.waitFor(/\[worker\] blocking/)
    expect((await first.kill('SIGKILL')).signal).toBe('SIGKILL')
    const beforeKill = first.output()
    expect(beforeKill).toContain('[worker] batch r1,r2,r3,r4,r5,r6,r7,r8,r9,r10')

    const second = spawnDev(await args(), { MARKER: marker })
    await second.waitFor(/\[worker\] batch r21,.*r30/)
    const after = second.output()
    // The batch in flight at the kill comes again, from its first record; the finished one does not.
    expect(after).toContain('[worker] batch r11,r12,r13,r14,block,r16,r17,r18,r19,r20')
    expect(after).not.toContain('batch r1,')
    await second.kill('SIGTERM')
  })
})

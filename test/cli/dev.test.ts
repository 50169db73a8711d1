import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { spawnDev } from '../helpers/child-dev.ts'
import { tempDir } from '../helpers/tmp.ts'

describe('tributary dev', () => {
  it('refuses a bad pipeline before anything starts: one line naming the field, a hint, exit 1', async () => {
    const dir = await tempDir()
    const file = join(dir, 'tributary.config.ts')
    await writeFile(
      file,
      "export default { streams: { s: { shardCount: 1 } }, functions: { f: { handler: 'missing.handler' } } }\n",
    )
    const dev = spawnDev([file, '--data-dir', join(dir, 'data')])
    const { code } = await dev.exited
    expect(code).toBe(1)
    const lines = dev.output().trim().split('\n')
    expect(lines[0]).toMatch(
      /^tributary: error: .*tributary\.config\.ts: functions\.f\.handler: no file missing\{\.ts,/,
    )
    expect(lines[1]).toMatch(/^ {2}hint: /)
    expect(lines).toHaveLength(2)
  })

  it('says where it looked when there is no pipeline file', async () => {
    const dir = await tempDir()
    const dev = spawnDev([join(dir, 'nope.ts')])
    expect((await dev.exited).code).toBe(1)
    expect(dev.output()).toMatch(/tributary: error: no pipeline file at .*nope\.ts\n {2}hint: /)
  })
})

import { mkdir, readdir, readFile, symlink } from 'node:fs/promises'
import { join, relative } from 'node:path'
import { gunzipSync } from 'node:zlib'
import { describe, expect, it, onTestFinished } from 'vitest'
import { putRecords } from '../../../src/engine/records.ts'
import { startPipeline } from '../../../src/testing/index.ts'
import { tempDir } from '../../helpers/tmp.ts'

const CONFIG = new URL('../../fixtures/pipelines/delivery/tributary.config.ts', import.meta.url).pathname

/** Partition values a record may carry: each must stay data, never become a path. */
const HOSTILE: unknown[] = [
  '..',
  '.',
  '../',
  '../../../../tmp/pwn',
  'a/../../b',
  '%2e%2e',
  '%2e%2e/',
  '%252e%252e%252f',
  '%2F',
  '/etc/passwd',
  '/abs',
  'a/b',
  'a\\b',
  '..\\x',
  'C:\\windows',
  'nul\u0000byte',
  'line\nbreak',
  'tab\tx',
  '\u007f',
  'x'.repeat(5000),
  '',
  '   ',
  '\u202egnp.exe',
  'zero\u200bwidth',
  '\uff0e\uff0e',
  '\uff0fetc',
  null,
  { nested: true },
]

async function walk(root: string): Promise<string[]> {
  const out: string[] = []
  const go = async (d: string) => {
    for (const e of await readdir(d, { withFileTypes: true }).catch(() => [])) {
      const p = join(d, e.name)
      if (e.isDirectory()) await go(p)
      else out.push(relative(root, p))
    }
  }
  await go(root)
  return out.sort()
}

describe('hostile partition values and keys in a delivery stream', () => {
  it(`never write outside the bucket; ${HOSTILE.length} values and a planted symlink land in the error prefix with a reason`, async () => {
    const outside = await tempDir()
    const p = await startPipeline(CONFIG, { teardown: onTestFinished })
    await p.active()
    const bucketDir = join(p.dataDir, 'lake', 'lake')
    // A symbolic link planted where a partition folder will go, pointing outside the lake.
    await mkdir(join(bucketDir, 'by-device'), { recursive: true })
    await symlink(outside, join(bucketDir, 'by-device', 'device=planted'))

    const records = [...HOSTILE.map((device, i) => ({ i, device })), { i: HOSTILE.length, device: 'planted' }]
    records.push({ i: records.length, device: 'fine' })
    const result = await putRecords(
      p.runtime.engine,
      'sensors',
      records.map((r) => ({
        partitionKey: `k${r.i}`,
        data: Buffer.from(JSON.stringify(r)).toString('base64'),
      })),
    )
    expect(result.outcomes.every((o) => o.ok)).toBe(true)
    const errorsDir = join(bucketDir, 'by-device-errors')
    const envelopes = async () => {
      const lines: Record<string, unknown>[] = []
      for (const f of await walk(errorsDir))
        for (const line of gunzipSync(await readFile(join(errorsDir, f)))
          .toString()
          .split('\n'))
          if (line) lines.push(JSON.parse(line))
      return lines
    }
    await p.until(async () => (await envelopes()).length === records.length - 1)

    expect(await walk(outside)).toEqual([])
    const byIndex = new Map(
      (await envelopes()).map((e) => {
        const raw = JSON.parse(Buffer.from(e.rawData as string, 'base64').toString()) as { i: number }
        return [raw.i, e]
      }),
    )
    for (const r of records.slice(0, -1)) {
      const e = byIndex.get(r.i)
      expect(e, `record ${r.i} (${JSON.stringify(r.device)?.slice(0, 40)}) in the error prefix`).toBeDefined()
      expect(String(e!.errorMessage).length).toBeGreaterThan(5)
    }
    expect(String(byIndex.get(HOSTILE.length)!.errorMessage)).toMatch(/symbolic link/)
    // The one good record is where it belongs; nothing else was written in the data prefix.
    // (`device=planted` is the link itself, still pointing at an empty directory.)
    const data = await walk(join(bucketDir, 'by-device'))
    expect(data).toEqual([expect.stringMatching(/^device=fine\//), 'device=planted'])
  })
})

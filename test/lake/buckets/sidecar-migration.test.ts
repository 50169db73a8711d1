import { mkdir, readFile, rename, rm, symlink, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { BucketStore } from '../../../src/lake/buckets/index.ts'
import { sidecarKey } from '../../../src/lake/buckets/sidecar-layout.ts'
import { tempDir } from '../../helpers/tmp.ts'
import { openStore, tree } from './helpers.ts'

const KEYS = ['year=2026/part-0.parquet', 'year=2026/part-1.json.gz', 'flat.json']

/**
 * A lake as the previous layout left it: each sidecar at `.meta/<bucket>/<key>`, named like its
 * data file (the bytes were the same JSON as now, so moving today's sidecars there recreates it).
 */
async function legacyLake() {
  const { root, store, clock } = await openStore(['raw'])
  for (const [i, key] of KEYS.entries()) {
    clock.advance(1000)
    await store.putObject('raw', key, `body ${i}`, { contentType: `type/${i}`, metadata: { n: String(i) } })
  }
  const heads = await Promise.all(KEYS.map((k) => store.headObject('raw', k)))
  for (const key of KEYS) {
    const legacy = join(root, '.meta', 'raw', ...key.split('/'))
    await mkdir(dirname(legacy), { recursive: true })
    await rename(join(root, '.sidecars', 'raw', sidecarKey(key)), legacy)
  }
  await rm(join(root, '.sidecars'), { recursive: true })
  return { root, heads }
}

describe('sidecars of the old layout', () => {
  it('are moved once at open: metadata kept, no JSON left under a data file name', async () => {
    const { root, heads } = await legacyLake()
    const reopened = await BucketStore.open({ root, buckets: ['raw'] })
    for (const [i, key] of KEYS.entries()) {
      const head = await reopened.headObject('raw', key)
      expect(head).toEqual(heads[i])
      expect(head).toMatchObject({ contentType: `type/${i}`, metadata: { n: String(i) } })
    }
    const files = (await tree(root)).filter((f) => !f.endsWith('/'))
    expect(files.filter((f) => !f.startsWith('raw/'))).toEqual(
      KEYS.map((k) => `.sidecars/raw/${sidecarKey(k)}`).sort(),
    )
    expect(files.some((f) => f.startsWith('.meta'))).toBe(false)
  })

  it('finishes a move a crash interrupted', async () => {
    const { root, heads } = await legacyLake()
    // The first sidecar was moved before the crash; the others were not.
    const target = join(root, '.sidecars', 'raw', sidecarKey(KEYS[0]!))
    await mkdir(dirname(target), { recursive: true })
    await rename(join(root, '.meta', 'raw', 'year=2026', 'part-0.parquet'), target)
    const reopened = await BucketStore.open({ root, buckets: ['raw'] })
    expect(await Promise.all(KEYS.map((k) => reopened.headObject('raw', k)))).toEqual(heads)
    expect((await tree(root)).some((f) => f.startsWith('.meta'))).toBe(false)
  })

  it('never follows a symbolic link planted in the old tree', async () => {
    const { root } = await legacyLake()
    const outside = await tempDir('tributary-outside-')
    await writeFile(join(outside, 'secret'), 'keep me')
    await symlink(outside, join(root, '.meta', 'raw', 'link'))
    await BucketStore.open({ root, buckets: ['raw'] })
    expect(await readFile(join(outside, 'secret'), 'utf8')).toBe('keep me')
    expect(
      (await tree(root)).filter((f) => f.startsWith('.sidecars/raw/') && f.endsWith('.s3meta')),
    ).toHaveLength(KEYS.length)
  })
})

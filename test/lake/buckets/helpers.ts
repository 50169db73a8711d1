import { readdir } from 'node:fs/promises'
import { join, relative } from 'node:path'
import { BucketStore, type BucketStoreOptions } from '../../../src/lake/buckets/index.ts'
import { ManualClock } from '../../../src/util/clock.ts'
import { tempDir } from '../../helpers/tmp.ts'

/** A store under a fresh temp dir: `<dir>/lake` with the given buckets, on a manual clock. */
export async function openStore(buckets = ['raw'], options: Partial<BucketStoreOptions> = {}) {
  const dir = await tempDir('tributary-buckets-')
  const root = join(dir, 'lake')
  const clock = new ManualClock(Date.UTC(2026, 10, 5, 12, 0, 0))
  const store = await BucketStore.open({ root, buckets, clock, ...options })
  return { dir, root, clock, store }
}

/** Every file and directory under `dir`, relative, sorted; symbolic links are not followed. */
export async function tree(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true })
  return entries.map((e) => relative(dir, join(e.parentPath, e.name)) + (e.isDirectory() ? '/' : '')).sort()
}

/** The `{ name, message }` a promise rejects with (or fails the test if it resolves). */
export async function errorOf(fn: () => Promise<unknown>): Promise<{ name: string; message: string }> {
  try {
    await fn()
  } catch (error) {
    return { name: (error as Error).name, message: (error as Error).message }
  }
  throw new Error('expected a rejection')
}

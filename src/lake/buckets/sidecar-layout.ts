import { createHash } from 'node:crypto'
import type { Dirent } from 'node:fs'
import { mkdir, readdir, rename, rm } from 'node:fs/promises'
import { dirname, join, relative, sep } from 'node:path'
import { syncDirs } from './durable-file.ts'
import { checkObjectKey } from './object-key.ts'

/**
 * Where sidecars live: `<root>/.sidecars/<bucket>/<h[0..2]>/<h>.s3meta`, `h` being the SHA-256 of
 * the object key in hex.
 *
 * - No data reader picks them up. DuckDB's `**` descends into hidden directories, so a glob over
 *   the whole lake (`read_parquet('lake/**\/*.parquet')`, `read_json('lake/**\/*.json')`) meets
 *   every file under `<root>`: a sidecar must not end in an extension a data file can have.
 * - A hashed name never collides with another key's folders (a mirrored `a.meta` for key `a`
 *   would, with key `a.meta/b`) and never exceeds the 255-byte file name limit, however long the
 *   key's last segment.
 */
export const SIDECAR_DIR = '.sidecars'
export const SIDECAR_EXTENSION = '.s3meta'
/** Where sidecars were kept before: a mirror of the data tree with the data files' own names. */
export const LEGACY_SIDECAR_DIR = '.meta'

/** The sidecar's path relative to `<root>/.sidecars/<bucket>`, as a key of that tree. */
export function sidecarKey(key: string): string {
  const hash = createHash('sha256').update(key, 'utf8').digest('hex')
  return `${hash.slice(0, 2)}/${hash}${SIDECAR_EXTENSION}`
}

/**
 * Moves sidecars of the old layout (`<root>/.meta/<bucket>/<key>`, named like the data files, so
 * `read_parquet('lake/**\/*.parquet')` failed on them) to the current one, then removes the old
 * tree. Runs when a store opens, before any put: a crash part way leaves some sidecars in each
 * tree and the next open finishes the move. A rename keeps the bytes, so the sidecar still names
 * its data file's inode and stays valid. Symbolic links are never followed. Returns how many
 * sidecars moved.
 */
export async function migrateLegacySidecars(
  root: string,
  isBucketName: (name: string) => boolean,
  fsync: boolean,
): Promise<number> {
  const legacy = join(root, LEGACY_SIDECAR_DIR)
  let buckets: Dirent[]
  try {
    buckets = await readdir(legacy, { withFileTypes: true })
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOENT' || code === 'ENOTDIR') return 0
    throw error
  }
  let moved = 0
  const touched = new Set<string>([join(root, SIDECAR_DIR)])
  for (const bucket of buckets) {
    if (!bucket.isDirectory() || !isBucketName(bucket.name)) continue
    const from = join(legacy, bucket.name)
    const to = join(root, SIDECAR_DIR, bucket.name)
    for (const file of await regularFiles(from)) {
      const key = relative(from, file).split(sep).join('/')
      if (!checkObjectKey(key).ok) continue
      const target = join(to, sidecarKey(key))
      await mkdir(dirname(target), { recursive: true })
      await rename(file, target)
      touched
        .add(dirname(target))
        .add(dirname(dirname(target)))
        .add(dirname(file))
      moved++
    }
  }
  // The moves must be durable before the old tree (the only other copy) goes.
  if (moved > 0) await syncDirs([...touched], fsync)
  await rm(legacy, { recursive: true, force: true })
  await syncDirs([root], fsync)
  return moved
}

/** Regular files under `dir`, recursively, without following symbolic links. */
async function regularFiles(dir: string): Promise<string[]> {
  const out: string[] = []
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) out.push(...(await regularFiles(path)))
    else if (entry.isFile()) out.push(path)
  }
  return out
}

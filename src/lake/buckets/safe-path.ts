import { lstatSync } from 'node:fs'
import { lstat, mkdir, rmdir } from 'node:fs/promises'
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path'
import { BucketError, invalidArgument } from './errors.ts'
import { checkObjectKey } from './object-key.ts'

/** Where a key lives in one tree (the bucket's data tree or its sidecar tree). */
export interface KeyPath {
  /** The tree's root directory (`<root>/<bucket>` or `<root>/.sidecars/<bucket>`). */
  base: string
  /** Absolute path of the object's file. */
  file: string
  /** Absolute paths of the directories between `base` (exclusive) and the file, outermost first. */
  dirs: string[]
}

const errno = (error: unknown) => (error as NodeJS.ErrnoException).code

/** Checks the key and maps it into `base`, proving the result lies strictly inside `base`. */
export function keyPath(base: string, key: string): KeyPath {
  const check = checkObjectKey(key)
  if (!check.ok) throw new BucketError(check.code, `Object key refused: ${check.reason}`)
  const segments = key.split('/')
  const file = resolve(base, ...segments)
  // Belt and braces: checkObjectKey already rules out '..' and absolute paths.
  const rel = relative(base, file)
  const escapes = rel === '' || rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel)
  if (escapes || !file.startsWith(base + sep)) {
    throw invalidArgument('Object key refused: it resolves outside its bucket')
  }
  const dirs: string[] = []
  for (let i = 1; i < segments.length; i++) dirs.push(join(base, ...segments.slice(0, i)))
  return { base, file, dirs }
}

/**
 * lstat that reports a missing path as undefined. Synchronous on purpose: the folders on a key's
 * way are in the kernel's dentry cache, where an lstat takes microseconds, while each promise
 * lstat costs a thread-pool round trip; a put or get walks several of them (the profile of
 * PutObject showed a fifth of its CPU there).
 */
export async function lstatOrUndefined(path: string) {
  try {
    return lstatSync(path, { throwIfNoEntry: false })
  } catch (error) {
    if (errno(error) === 'ENOENT' || errno(error) === 'ENOTDIR') return undefined
    throw error
  }
}

const symlinkRefused = (path: string, base: string) =>
  invalidArgument(
    `Object key refused: '${relative(base, path)}' is a symbolic link, which the bucket store never follows`,
  )

/**
 * Walks the directories on the way to a key without following symbolic links. Returns false when
 * one is missing (the object cannot exist). A symbolic link anywhere on the way is refused: a
 * link planted in the lake must never redirect a read or a write outside the bucket.
 */
export async function checkExistingDirs(path: KeyPath): Promise<boolean> {
  for (const dir of [path.base, ...path.dirs]) {
    const stat = await lstatOrUndefined(dir)
    if (!stat) return false
    if (stat.isSymbolicLink()) throw symlinkRefused(dir, path.base)
    if (!stat.isDirectory()) return false
  }
  return true
}

export type ParentConflict = (dir: string) => Promise<'removed' | 'conflict'>

/**
 * Creates the directories on the way to a key one level at a time (never following a link) and
 * returns those it created, so the caller can fsync their parents. `onFile` decides what to do when
 * a regular file stands where a directory is needed.
 */
export async function ensureDirs(path: KeyPath, onFile: ParentConflict): Promise<string[]> {
  const created: string[] = []
  for (const dir of [path.base, ...path.dirs]) {
    let stat = await lstatOrUndefined(dir)
    if (stat?.isFile() && (await onFile(dir)) === 'removed') stat = undefined
    if (!stat) {
      try {
        await mkdir(dir)
        created.push(dir)
        continue
      } catch (error) {
        if (errno(error) !== 'EEXIST') throw error
        stat = await lstat(dir)
      }
    }
    if (stat.isSymbolicLink()) throw symlinkRefused(dir, path.base)
    if (!stat.isDirectory()) {
      throw new BucketError(
        'ObjectPathConflict',
        `Object key refused: '${relative(path.base, dir)}' is an object, so it cannot also be a folder`,
      )
    }
  }
  return created
}

/**
 * Makes the final path of a key ready to be replaced by rename: refuses a symbolic link, removes
 * an empty directory left behind by deleted objects, refuses a directory that still holds objects.
 */
export async function clearTarget(path: KeyPath): Promise<void> {
  const stat = await lstatOrUndefined(path.file)
  if (!stat || stat.isFile()) return
  if (stat.isSymbolicLink()) throw symlinkRefused(path.file, path.base)
  if (stat.isDirectory()) {
    try {
      await rmdir(path.file)
      return
    } catch (error) {
      if (errno(error) !== 'ENOTEMPTY' && errno(error) !== 'EEXIST') throw error
    }
  }
  throw new BucketError(
    'ObjectPathConflict',
    `Object key refused: '${relative(path.base, path.file)}' is a folder holding other objects`,
  )
}

/** The directories whose entries change when `created` directories and `file` appear. */
export function dirsToSync(file: string, created: readonly string[]): string[] {
  return [...new Set([...created.map((d) => dirname(d)), dirname(file)])]
}

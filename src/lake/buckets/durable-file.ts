import { randomBytes } from 'node:crypto'
import { constants } from 'node:fs'
import { mkdir, open, readdir, rm } from 'node:fs/promises'
import { join } from 'node:path'

/**
 * Temp files live in `<root>/.tmp/`: on the same filesystem as the buckets (so rename is atomic)
 * but outside every bucket tree, so a reader globbing `lake/<bucket>/**` never sees a partial file.
 */
export class TempFiles {
  #next = 0
  readonly #prefix = `${process.pid}-${randomBytes(4).toString('hex')}`

  constructor(
    readonly dir: string,
    readonly fsync: boolean,
  ) {}

  /** Creates the temp directory and removes what a crashed run left in it. */
  async open(): Promise<number> {
    await mkdir(this.dir, { recursive: true })
    const stale = await readdir(this.dir)
    await Promise.all(stale.map((name) => rm(join(this.dir, name), { recursive: true, force: true })))
    return stale.length
  }

  /** Writes `data` to a fresh temp file, fsyncs it, and returns its path, inode number and mtime. */
  async write(data: Uint8Array): Promise<{ path: string; ino: string; mtimeNs: string }> {
    const path = join(this.dir, `${this.#prefix}-${++this.#next}.tmp`)
    const handle = await open(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o644)
    try {
      await handle.writeFile(data)
      if (this.fsync) await handle.sync()
      const stat = await handle.stat({ bigint: true })
      return { path, ino: stat.ino.toString(), mtimeNs: stat.mtimeNs.toString() }
    } finally {
      await handle.close()
    }
  }
}

/**
 * fsyncs directories so that renames, new entries and removals in them survive a power loss.
 * Without this a rename can be lost even after the file's data was fsynced.
 */
export async function syncDirs(dirs: readonly string[], enabled: boolean): Promise<void> {
  if (!enabled) return
  await Promise.all(
    dirs.map(async (dir) => {
      const handle = await open(dir, constants.O_RDONLY | constants.O_DIRECTORY)
      try {
        await handle.sync()
      } finally {
        await handle.close()
      }
    }),
  )
}

import { randomBytes } from 'node:crypto'
import { close, closeSync, constants, fstatSync, fsync, open, openSync, writeSync } from 'node:fs'
import { mkdir, open as openHandle, readdir, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'

const openFd = promisify(open)
const fsyncFd = promisify(fsync)
const closeFd = promisify(close)

/**
 * Bodies up to this size are written to their temp file on the calling thread: creating a file
 * and copying a few KiB into the page cache take microseconds, less than a trip through libuv's
 * thread pool (and no FileHandle to collect). Larger bodies are written on the pool, so the
 * event loop never copies megabytes. The fsync is always on the pool.
 */
const SYNC_WRITE_MAX = 64 * 1024

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
    const staged = await this.stage(data)
    await staged.settle()
    return staged
  }

  /**
   * Writes `data` to a fresh temp file and returns its path, inode number and mtime with the file
   * still open: `settle()` fsyncs (if enabled) and closes it, and must be called (and awaited)
   * before the file is relied on. Staging two files and settling both at once lets their fsyncs run
   * side by side on the thread pool instead of one after the other.
   */
  async stage(data: Uint8Array): Promise<StagedFile> {
    if (data.length <= SYNC_WRITE_MAX) return this.#stageSync(data)
    const path = this.#nextPath()
    const handle = await openHandle(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o644)
    try {
      await handle.writeFile(data)
      const stat = await handle.stat({ bigint: true })
      let settled: Promise<void> | undefined
      const settle = () => {
        settled ??= (async () => {
          try {
            if (this.fsync) await handle.sync()
          } finally {
            await handle.close()
          }
        })()
        return settled
      }
      return { path, ino: stat.ino.toString(), mtimeNs: stat.mtimeNs.toString(), settle }
    } catch (error) {
      await handle.close()
      throw error
    }
  }

  #nextPath(): string {
    return join(this.dir, `${this.#prefix}-${++this.#next}.tmp`)
  }

  /** {@link stage} for a small body: created, written and stat'ed here; fsynced and closed on the pool. */
  #stageSync(data: Uint8Array): StagedFile {
    const path = this.#nextPath()
    const fd = openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o644)
    try {
      for (let written = 0; written < data.length; )
        written += writeSync(fd, data, written, data.length - written)
      const stat = fstatSync(fd, { bigint: true })
      let settled: Promise<void> | undefined
      const settle = () => {
        settled ??= (async () => {
          try {
            if (this.fsync) await fsyncFd(fd)
          } finally {
            await closeFd(fd)
          }
        })()
        return settled
      }
      return { path, ino: stat.ino.toString(), mtimeNs: stat.mtimeNs.toString(), settle }
    } catch (error) {
      closeSync(fd)
      throw error
    }
  }
}

/** A temp file written but not yet fsynced and closed (see {@link TempFiles.stage}). */
export interface StagedFile {
  path: string
  ino: string
  mtimeNs: string
  /** fsyncs (if enabled) and closes the file; the same promise on every call. */
  settle(): Promise<void>
}

/**
 * Directory fsyncs shared by concurrent writers (group commit for directory entries): a caller
 * that asks for a directory to be synced after its rename waits for the next fsync of that
 * directory that starts after its call; callers arriving while one is in flight share the one
 * queued behind it. Under load, sixteen puts into one folder cost two directory fsyncs, not
 * sixteen.
 */
export class DirSyncs {
  readonly #dirs = new Map<string, { running?: Promise<void>; queued?: Promise<void> }>()

  constructor(
    readonly enabled: boolean,
    readonly syncDir: (dir: string) => Promise<void> = (dir) => syncDirs([dir], true),
  ) {}

  /** Resolves once every entry change made in `dirs` before the call is durable. */
  async sync(dirs: readonly string[]): Promise<void> {
    if (!this.enabled) return
    await Promise.all(dirs.map((dir) => this.#syncOne(dir)))
  }

  #syncOne(dir: string): Promise<void> {
    let state = this.#dirs.get(dir)
    if (!state) {
      state = {}
      this.#dirs.set(dir, state)
    }
    const s = state
    if (s.queued) return s.queued
    const start = (): Promise<void> => {
      const run: Promise<void> = this.syncDir(dir).finally(() => {
        if (s.running === run) s.running = undefined
        if (!s.running && !s.queued && this.#dirs.get(dir) === s) this.#dirs.delete(dir)
      })
      s.running = run
      return run
    }
    if (!s.running) return start()
    // An fsync in flight may have started before the caller's change: queue the next one.
    const queued = s.running
      .catch(() => undefined)
      .then(() => {
        s.queued = undefined
        return start()
      })
    s.queued = queued
    return queued
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
      // A plain descriptor, not a FileHandle: one object fewer to collect per directory fsync.
      const fd = await openFd(dir, constants.O_RDONLY | constants.O_DIRECTORY)
      try {
        await fsyncFd(fd)
      } finally {
        await closeFd(fd)
      }
    }),
  )
}

/**
 * A {@link LogIo} that simulates power loss, modelled on SQLite's crash VFS (src/test6.c).
 *
 * Every operation is applied to the real file at once (write-through: `ShardLog` also reads,
 * lists, stats and unlinks files with `node:fs` directly, so the disk must always look current),
 * while a model kept on the side remembers what would survive a power failure:
 *
 * - file contents up to the last `fdatasync` are durable; later writes and truncations are
 *   pending, in order;
 * - a file's directory entry is durable if the file existed when the model first saw it, or once
 *   its directory has been fsynced (`fsyncDirectory`) after it was created.
 *
 * `crash()` freezes the model at that instant (every later operation fails, as if the process
 * had died) and returns the state a power loss would leave: pending changes dropped, kept, or a
 * random prefix of them kept (writes torn at 512-byte sector boundaries), or (`subset`, as test6.c
 * does) any subset of sectors written, holes reading as zeros; files whose entry is not durable
 * may vanish. `CrashImage.apply()` then writes that state to the real files so the log can be
 * reopened on it.
 *
 * `fdatasync` does not sync the real file: nothing here needs real durability, and skipping it
 * keeps hundreds of crash cycles fast.
 */
import { existsSync } from 'node:fs'
import { readdir, readFile, rm, stat, truncate, writeFile } from 'node:fs/promises'
import { dirname, join, resolve } from 'node:path'
import { type LogIo, nodeLogIo } from '../../src/storage/log/io.ts'
import type { Prng } from './prng.ts'

export const SECTOR = 512

/** The error every operation fails with once the simulated machine has lost power. */
export class SimulatedCrash extends Error {
  override readonly name = 'SimulatedCrash'
  constructor(op: string) {
    super(`simulated power loss (${op})`)
  }
}

/**
 * What happens to changes not yet synced when the power goes:
 * - `drop`: all lost;
 * - `keep`: all written (what kill -9 leaves, since the kernel still flushes its page cache);
 * - `prefix`: the first k sector writes / truncations land, in order, the rest are lost;
 * - `subset`: each sector write / truncation lands or not independently (the disk reorders
 *   writes in its cache); a gap inside a file reads as zeros;
 * - `random`: one of drop, keep and prefix, chosen per file.
 */
export type UnsyncedFate = 'drop' | 'keep' | 'prefix' | 'subset' | 'random'

type Change = { kind: 'write'; position: number; data: Buffer } | { kind: 'truncate'; length: number }

interface FileModel {
  path: string
  /** What survives a power loss: the content as of the last fdatasync. */
  durable: Buffer
  /** Changes since the last fdatasync, in order (already applied to the real file). */
  pending: Change[]
  /** The directory entry survives a power loss. */
  entryDurable: boolean
}

export interface SimFsOptions {
  /**
   * Lose power right after the n-th operation that changes or syncs something (1-based; open,
   * writev, ftruncate, fdatasync, fsyncDirectory) has taken effect; that operation then fails
   * like every later one. Undefined: only when `crash()` is called.
   */
  crashAfterOp?: number
  /** Lose power right after an operation for which this returns true (same rules). */
  crashWhen?: (op: string, n: number) => boolean
  /** Told when the automatic crash happens. */
  onCrash?: (image: CrashImage) => void
  /**
   * Called when an fdatasync starts and when it has completed (before the caller sees it); `id`
   * pairs the two calls.
   */
  onSync?: (phase: 'start' | 'done', id: number, path: string) => void
  /**
   * Directories created with plain `mkdir` (which LogIo does not see) whose own entry in their
   * parent is therefore not durable until `fsyncDirectory(parent)`: at a crash such a directory
   * vanishes with everything in it, unless its parent was fsynced.
   */
  unsyncedDirs?: string[]
  /**
   * Names of files written behind the model's back (plain `node:fs`, never synced) that a crash
   * may delete or cut short if written since the model started. Default: none.
   */
  foreign?: RegExp
}

export interface FileFate {
  path: string
  /** Bytes of the file after the crash; undefined when the file vanished. */
  size: number | undefined
  durableBytes: number
  pendingChanges: number
  /** Sector writes / truncations that landed of those pending. */
  landed: number
  pendingUnits: number
}

/** The on-disk state after a power loss. */
export class CrashImage {
  readonly files: ReadonlyMap<string, Buffer | undefined>
  readonly fates: FileFate[]
  readonly #dirs: string[]
  /** Directories that vanish with everything in them. */
  readonly #lostDirs: string[]
  readonly #rng: Prng
  readonly #foreign: RegExp | undefined
  readonly #since: number

  constructor(
    files: Map<string, Buffer | undefined>,
    fates: FileFate[],
    dirs: string[],
    lostDirs: string[],
    rng: Prng,
    foreign: RegExp | undefined,
    since: number,
  ) {
    this.#since = since
    this.files = files
    this.fates = fates
    this.#dirs = dirs
    this.#lostDirs = lostDirs
    this.#rng = rng
    this.#foreign = foreign
  }

  /**
   * Writes the crash state to the real files. Files in the same directories that the model never
   * saw (written with plain `node:fs`, like index files, never synced) are kept, or when their
   * name matches `foreign` and they were written since the model started, randomly kept, deleted
   * or cut short (older ones the kernel has long since written back).
   */
  async apply(): Promise<void> {
    for (const [path, content] of this.files) {
      if (content === undefined) await rm(path, { force: true })
      else await writeFile(path, content)
    }
    for (const dir of this.#lostDirs) await rm(dir, { recursive: true, force: true })
    if (this.#foreign === undefined) return
    for (const dir of this.#dirs) {
      const names = await readdir(dir).catch(() => [] as string[])
      for (const name of names.sort()) {
        const path = join(dir, name)
        if (this.files.has(path) || !this.#foreign.test(name)) continue
        const info = await stat(path).catch(() => undefined)
        if (!info?.isFile() || info.mtimeMs < this.#since) continue
        const r = this.#rng.next()
        if (r < 0.5) continue
        if (r < 0.75) {
          await rm(path, { force: true, recursive: false }).catch(() => undefined)
        } else {
          const content = await readFile(path).catch(() => undefined)
          if (content) await truncate(path, this.#rng.int(0, content.length))
        }
      }
    }
  }
}

/** Applies `change` to `content`, growing it with zeros as a real file would. */
function applyChange(content: Buffer, change: Change): Buffer {
  if (change.kind === 'truncate') {
    if (change.length <= content.length) return content.subarray(0, change.length)
    return Buffer.concat([content, Buffer.alloc(change.length - content.length)])
  }
  const end = change.position + change.data.length
  const out = end > content.length ? Buffer.concat([content, Buffer.alloc(end - content.length)]) : content
  change.data.copy(out, change.position)
  return out
}

/** Splits pending changes into the units that can land or not: sectors of writes, truncations. */
function units(pending: Change[]): Change[] {
  const out: Change[] = []
  for (const change of pending) {
    if (change.kind === 'truncate') {
      out.push(change)
      continue
    }
    let at = change.position
    const end = change.position + change.data.length
    while (at < end) {
      const next = Math.min(end, (Math.floor(at / SECTOR) + 1) * SECTOR)
      out.push({
        kind: 'write',
        position: at,
        data: change.data.subarray(at - change.position, next - change.position),
      })
      at = next
    }
  }
  return out
}

export class SimFs implements LogIo {
  readonly #files = new Map<string, FileModel>()
  readonly #fds = new Map<number, FileModel>()
  readonly #dirs = new Set<string>()
  readonly #options: SimFsOptions
  readonly #rng: Prng
  readonly #fate: UnsyncedFate
  readonly #foreign: RegExp | undefined
  readonly #unsyncedDirs: Set<string>
  /** Files not written through the model since then are safely on disk. */
  readonly #started = Date.now()
  #ops = 0
  #syncs = 0
  #image: CrashImage | undefined

  /**
   * @param rng decides the fate of unsynced data at the crash
   * @param fate what happens to unsynced changes (see {@link UnsyncedFate})
   */
  constructor(rng: Prng, fate: UnsyncedFate = 'random', options: SimFsOptions = {}) {
    this.#rng = rng
    this.#fate = fate
    this.#foreign = options.foreign
    this.#options = options
    this.#unsyncedDirs = new Set((options.unsyncedDirs ?? []).map((d) => resolve(d)))
  }

  /** Operations that changed or synced something so far. */
  get ops(): number {
    return this.#ops
  }

  get crashed(): boolean {
    return this.#image !== undefined
  }

  /** The state left by the crash, once it has happened. */
  get image(): CrashImage | undefined {
    return this.#image
  }

  #alive(op: string): void {
    if (this.#image) throw new SimulatedCrash(op)
  }

  /** Counts a state-changing operation that has just taken effect; crashes if it is the chosen one. */
  #tick(op: string): void {
    this.#ops++
    const { crashAfterOp, crashWhen } = this.#options
    if ((crashAfterOp !== undefined && this.#ops >= crashAfterOp) || crashWhen?.(op, this.#ops)) {
      const image = this.crash()
      this.#options.onCrash?.(image)
      throw new SimulatedCrash(op)
    }
  }

  #model(fd: number): FileModel {
    const model = this.#fds.get(fd)
    if (!model) throw new Error(`SimFs: fd ${fd} is not open`)
    return model
  }

  async open(path: string, flags: string): Promise<number> {
    this.#alive('open')
    const full = resolve(path)
    const existed = existsSync(full)
    const fd = await nodeLogIo.open(full, flags)
    this.#alive('open')
    let model = this.#files.get(full)
    if (!model || !existed) {
      // First sight of a file that was already there: it survived whatever came before us.
      const content = existed ? await readFile(full) : Buffer.alloc(0)
      model = { path: full, durable: content, pending: [], entryDurable: existed }
      this.#files.set(full, model)
    }
    if (flags.includes('w') && existed) model.pending.push({ kind: 'truncate', length: 0 })
    this.#dirs.add(dirname(full))
    this.#fds.set(fd, model)
    if (!existed || flags.includes('w')) {
      try {
        this.#tick('open')
      } catch (error) {
        await this.close(fd)
        throw error
      }
    }
    return fd
  }

  async close(fd: number): Promise<void> {
    this.#fds.delete(fd)
    // Even a dead process's descriptors are closed (by the kernel); keep the test from leaking.
    await nodeLogIo.close(fd)
  }

  async writev(fd: number, buffers: Buffer[], position: number): Promise<number> {
    this.#alive('writev')
    const model = this.#model(fd)
    const written = await nodeLogIo.writev(fd, buffers, position)
    this.#alive('writev')
    const data = Buffer.concat(buffers).subarray(0, written)
    model.pending.push({ kind: 'write', position, data: Buffer.from(data) })
    this.#tick('writev')
    return written
  }

  async read(fd: number, buffer: Buffer, offset: number, length: number, position: number): Promise<number> {
    this.#alive('read')
    this.#model(fd)
    return nodeLogIo.read(fd, buffer, offset, length, position)
  }

  async fdatasync(fd: number): Promise<void> {
    this.#alive('fdatasync')
    const model = this.#model(fd)
    const id = ++this.#syncs
    this.#options.onSync?.('start', id, model.path)
    // A real fdatasync takes a while: let other work interleave, as it would.
    await new Promise((r) => setImmediate(r))
    this.#alive('fdatasync')
    let content: Buffer = Buffer.from(model.durable)
    for (const change of model.pending) content = applyChange(content, change)
    model.durable = content
    model.pending = []
    this.#tick('fdatasync')
    this.#options.onSync?.('done', id, model.path)
  }

  async ftruncate(fd: number, length: number): Promise<void> {
    this.#alive('ftruncate')
    const model = this.#model(fd)
    await nodeLogIo.ftruncate(fd, length)
    this.#alive('ftruncate')
    model.pending.push({ kind: 'truncate', length })
    this.#tick('ftruncate')
  }

  async fsyncDirectory(path: string): Promise<void> {
    this.#alive('fsyncDirectory')
    const dir = resolve(path)
    await new Promise((r) => setImmediate(r))
    this.#alive('fsyncDirectory')
    for (const model of this.#files.values()) {
      if (dirname(model.path) === dir && existsSync(model.path)) model.entryDurable = true
    }
    for (const d of this.#unsyncedDirs) if (dirname(d) === dir) this.#unsyncedDirs.delete(d)
    this.#tick('fsyncDirectory')
  }

  /**
   * Loses power now: computes what survives and makes every later operation fail (except close).
   * Nothing is written to disk until `image.apply()`.
   */
  crash(): CrashImage {
    if (this.#image) return this.#image
    const files = new Map<string, Buffer | undefined>()
    const fates: FileFate[] = []
    for (const model of this.#files.values()) {
      if (!existsSync(model.path)) continue // unlinked with node:fs: stays gone
      const fate = this.#fate === 'random' ? this.#rng.pick(['drop', 'keep', 'prefix'] as const) : this.#fate
      const pending = units(model.pending)
      const cut = fate === 'prefix' ? this.#rng.int(0, pending.length) : 0
      const lands = (i: number) =>
        fate === 'keep' || (fate === 'prefix' && i < cut) || (fate === 'subset' && this.#rng.chance(0.5))
      let content: Buffer = Buffer.from(model.durable)
      let landed = 0
      for (let i = 0; i < pending.length; i++) {
        if (!lands(i)) continue
        content = applyChange(content, pending[i]!)
        landed++
      }
      const dirGone = [...this.#unsyncedDirs].some((d) => model.path.startsWith(`${d}/`))
      const vanishes = dirGone || (!model.entryDurable && fate !== 'keep' && this.#rng.chance(0.5))
      files.set(model.path, vanishes ? undefined : content)
      fates.push({
        path: model.path,
        size: vanishes ? undefined : content.length,
        durableBytes: model.durable.length,
        pendingChanges: model.pending.length,
        landed,
        pendingUnits: pending.length,
      })
    }
    this.#image = new CrashImage(
      files,
      fates,
      [...this.#dirs],
      [...this.#unsyncedDirs],
      this.#rng,
      this.#foreign,
      this.#started,
    )
    return this.#image
  }

  /**
   * Compares the model's view of every live file (durable plus pending) with the real file.
   * Returns the paths that differ: nothing should write them behind the model's back.
   */
  async mirrorMismatches(): Promise<string[]> {
    const bad: string[] = []
    for (const model of this.#files.values()) {
      if (!existsSync(model.path)) continue
      let content: Buffer = Buffer.from(model.durable)
      for (const change of model.pending) content = applyChange(content, change)
      const real = await readFile(model.path)
      if (!real.equals(content)) bad.push(model.path)
    }
    return bad
  }
}

import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  rmdirSync,
  rmSync,
  unlinkSync,
  writeSync,
} from 'node:fs'
import { join } from 'node:path'

/** Raised when another live process already serves the data directory. */
export class DataDirInUseError extends Error {
  override readonly name = 'DataDirInUseError'
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/**
 * Takes the data directory for this process: two servers writing one log would corrupt it. A
 * lock left by a process that died (kill -9) is taken over.
 */
export function lockDataDir(dataDir: string): () => void {
  mkdirSync(dataDir, { recursive: true })
  const path = join(dataDir, 'LOCK')
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx')
      writeSync(fd, String(process.pid))
      closeSync(fd)
      return () => {
        try {
          if (readFileSync(path, 'utf8') === String(process.pid)) unlinkSync(path)
        } catch {
          // Already gone: nothing to release.
        }
      }
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
      const holder = Number.parseInt(readFileSync(path, 'utf8'), 10)
      if (Number.isInteger(holder) && holder !== process.pid && alive(holder)) {
        throw new DataDirInUseError(`data directory ${dataDir} is in use by process ${holder}`)
      }
      unlinkSync(path)
    }
  }
  throw new DataDirInUseError(`could not lock data directory ${dataDir}`)
}

/** Where pipelines keep their state unless `--data-dir` says otherwise: one directory each below. */
export const STATE_ROOT = '.tributary'

/**
 * Every top-level entry the engine and its parts create in a data directory. `reset` deletes these
 * and nothing else, so a `--data-dir` pointed at the wrong place cannot take other files with it.
 * Keep in sync with what writes below the data directory (engine, lake, delivery, outbox).
 */
export const DATA_DIR_ENTRIES = [
  'state.db',
  'state.db-wal',
  'state.db-shm',
  'streams',
  'lake',
  'deliveries',
  'outbox.ndjson',
  'LOCK',
] as const

/** Raised for a pipeline name that cannot name a directory of its own. */
export class DataDirNameError extends Error {
  override readonly name = 'DataDirNameError'
}

/**
 * The data directory of a pipeline: `<root>/<pipeline name>`. Keyed by name, not by the config
 * file's path, so the same pipeline finds its state whichever path it is run by (relative,
 * absolute, the directory, a symlink) and after the file moves; names are `[a-zA-Z0-9_.-]`, so
 * safe as one path segment except `.` and `..`.
 */
export function pipelineDataDir(pipelineName: string, root = STATE_ROOT): string {
  if (/^\.+$/.test(pipelineName) || !/^[a-zA-Z0-9_.-]{1,128}$/.test(pipelineName))
    throw new DataDirNameError(`pipeline name '${pipelineName}' cannot name a data directory`)
  return join(root, pipelineName)
}

/** True when `dir` holds Tributary state (the state store is the one thing every data dir has). */
export function isDataDir(dir: string): boolean {
  return existsSync(join(dir, 'state.db'))
}

/** The pid of a live process holding the data directory, if any. */
export function dataDirHolder(dir: string): number | undefined {
  let holder: number
  try {
    holder = Number.parseInt(readFileSync(join(dir, 'LOCK'), 'utf8'), 10)
  } catch {
    return undefined
  }
  return Number.isInteger(holder) && holder !== process.pid && alive(holder) ? holder : undefined
}

/**
 * Deletes a data directory's Tributary entries ({@link DATA_DIR_ENTRIES}), then the directory if
 * that left it empty. Anything else in it is kept and reported: a pipeline's state dirs below the
 * old shared `./.tributary`, or files that were never Tributary's.
 */
export function removeDataDir(dir: string): { removed: string[]; kept: string[] } {
  const removed: string[] = []
  for (const entry of DATA_DIR_ENTRIES) {
    const path = join(dir, entry)
    if (!existsSync(path)) continue
    rmSync(path, { recursive: true, force: true })
    removed.push(entry)
  }
  const kept = readdirSync(dir)
  if (kept.length === 0) rmdirSync(dir)
  return { removed, kept }
}

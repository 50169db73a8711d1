import { readdirSync } from 'node:fs'
import { join, relative, resolve } from 'node:path'
import { Option } from 'commander'
import { DataDirNameError, isDataDir, pipelineDataDir, STATE_ROOT } from '../storage/data-dir.ts'
import { CliError } from './cli-error.ts'

/** Where a command's state lives, and whether it was derived from the pipeline or given. */
export interface StateDir {
  /** Absolute. */
  dir: string
  /** True when `--data-dir` was not given and the dir comes from the pipeline's name. */
  derived: boolean
}

/** `-d, --data-dir`, with no default: when absent, the pipeline's own directory is used. */
export function dataDirOption(what = "where this pipeline's state lives"): Option {
  return new Option('-d, --data-dir <dir>', `${what} (default: ./${STATE_ROOT}/<pipeline name>)`)
}

/** The data directory of a pipeline: `--data-dir` when given, else `./.tributary/<pipeline name>`. */
export function stateDirOf(pipelineName: string, explicit: string | undefined): StateDir {
  if (explicit !== undefined) return { dir: resolve(explicit), derived: false }
  try {
    return { dir: resolve(pipelineDataDir(pipelineName)), derived: true }
  } catch (error) {
    if (error instanceof DataDirNameError) throw new CliError(error.message, 'pass --data-dir <dir>')
    throw error
  }
}

/** A path as the user would type it from here. */
export function shown(path: string): string {
  const rel = relative(process.cwd(), path)
  return rel === '' ? '.' : rel.startsWith('..') ? path : `./${rel}`
}

/**
 * Before each pipeline had its own directory, every pipeline shared `./.tributary` itself. That
 * state is left alone (it may hold the only copy of someone's lake), and said once, at start.
 */
export function legacyStateNotice(state: StateDir): string | undefined {
  const root = resolve(STATE_ROOT)
  if (!state.derived || !isDataDir(root)) return undefined
  return (
    `note: ./${STATE_ROOT} holds state from before each pipeline had its own directory; it is not used ` +
    `(this pipeline's is ${shown(state.dir)}). Keep using it: --data-dir ${STATE_ROOT}. ` +
    `Delete it: tributary reset --data-dir ${STATE_ROOT}`
  )
}

/** The pipelines' data directories below `./.tributary`, for a hint when a path was mistyped. */
export function knownDataDirs(): string[] {
  const root = resolve(STATE_ROOT)
  let names: string[]
  try {
    names = readdirSync(root)
  } catch {
    return []
  }
  return names.filter((name) => isDataDir(join(root, name))).map((name) => `./${STATE_ROOT}/${name}`)
}

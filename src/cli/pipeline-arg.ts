import { resolve } from 'node:path'
import { findPipelineFile, type LoadedPipeline, loadPipeline } from '../pipeline/load.ts'
import { PipelineError } from '../pipeline/validate.ts'
import { CliError } from './cli-error.ts'
import { type StateDir, stateDirOf } from './state-dir.ts'

/**
 * Loads the pipeline a command was given (a file, or a directory holding tributary.config.ts);
 * its problems become one-line CLI errors. `hint` replaces the loader's hint: what else the
 * command accepts.
 */
export async function loadForCommand(file: string, hint?: string): Promise<LoadedPipeline> {
  try {
    return await loadPipeline(file)
  } catch (error) {
    if (error instanceof PipelineError) throw new CliError(error.message, hint ?? error.hint)
    throw error
  }
}

function pipelineHere(): boolean {
  try {
    findPipelineFile('.')
    return true
  } catch {
    return false
  }
}

/**
 * For the commands that read a pipeline's state (query, alarms): the pipeline they were given,
 * or the one in the working directory, and its data directory (`--data-dir` wins). Without a
 * pipeline, `--data-dir` is needed.
 */
export async function pipelineAndState(
  file: string | undefined,
  dataDir: string | undefined,
  command: string,
): Promise<{ loaded?: LoadedPipeline; state: StateDir }> {
  if (file !== undefined || pipelineHere()) {
    const loaded = await loadForCommand(file ?? '.')
    return { loaded, state: stateDirOf(loaded.pipeline.name, dataDir) }
  }
  if (dataDir !== undefined) return { state: { dir: resolve(dataDir), derived: false } }
  throw new CliError(
    'no pipeline here to find the data directory from',
    `pass the pipeline file (tributary ${command} … path/to/tributary.config.ts) or --data-dir <dir>`,
  )
}

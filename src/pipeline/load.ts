import { existsSync, statSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { tsImport } from 'tsx/esm/api'
import type { AnyKind } from '../kind/kind.ts'
import { describeLoadError, formatLoadFailure, locateSyntaxError } from '../util/source-location.ts'
import { PipelineError, type ValidatedPipeline, validatePipeline } from './validate.ts'

export const DEFAULT_PIPELINE_FILE = 'tributary.config.ts'

/** The names a pipeline file is looked up by in a directory, in this order. */
export const PIPELINE_FILE_NAMES = [
  'tributary.config.ts',
  'tributary.config.mts',
  'tributary.config.js',
  'tributary.config.mjs',
] as const

/**
 * The pipeline file a command was given: the path itself, or for a directory the
 * {@link PIPELINE_FILE_NAMES} in it. A {@link PipelineError} says where it looked otherwise.
 */
export function findPipelineFile(path = DEFAULT_PIPELINE_FILE): string {
  const file = resolve(path)
  const shown = relative(process.cwd(), file) || '.'
  let isDirectory = false
  try {
    isDirectory = statSync(file).isDirectory()
  } catch {
    throw new PipelineError(
      `no pipeline file at ${shown}`,
      'pass the path (tributary dev path/to/tributary.config.ts) or create tributary.config.ts',
    )
  }
  if (!isDirectory) return file
  for (const name of PIPELINE_FILE_NAMES) if (existsSync(join(file, name))) return join(file, name)
  throw new PipelineError(
    `no pipeline file in ${shown}/ (looked for ${PIPELINE_FILE_NAMES.join(', ')})`,
    'pass the pipeline file itself, or create tributary.config.ts there',
  )
}

export interface LoadedPipeline extends ValidatedPipeline {
  /** Absolute path of the pipeline file. */
  file: string
  /** Directory handler paths are resolved against. */
  dir: string
}

/**
 * Loads a pipeline file (TypeScript runs directly), takes its default export (or `pipeline`) and
 * validates it completely; every problem is a {@link PipelineError} naming the field.
 */
export async function loadPipeline(
  path = DEFAULT_PIPELINE_FILE,
  kinds?: readonly AnyKind[],
): Promise<LoadedPipeline> {
  const file = findPipelineFile(path)
  let module: Record<string, unknown>
  try {
    // A query string makes every load a fresh module, so a changed file is read again.
    module = (await tsImport(`${pathToFileURL(file).href}?t=${Date.now()}`, import.meta.url)) as Record<
      string,
      unknown
    >
  } catch (error) {
    let failure = describeLoadError(error, file)
    if (!failure.location && error instanceof SyntaxError)
      failure = (await locateSyntaxError(file)) ?? failure
    // Without a place in the file (a missing import, say), the file is named instead.
    const where = failure.location ? '' : `${relative(process.cwd(), file)}: `
    throw new PipelineError(
      `${where}${formatLoadFailure(failure)}`,
      'the pipeline file does not load: fix it and run again',
    )
  }
  let definition = module.default ?? module.pipeline
  // A pipeline file outside an ESM package is compiled as CommonJS: its default export then
  // arrives one level down.
  if (definition && typeof definition === 'object' && 'default' in definition) {
    definition = (definition as { default: unknown }).default
  }
  if (definition === undefined) {
    throw new PipelineError(
      `${relative(process.cwd(), file)} exports no pipeline`,
      'export default definePipeline({...})',
    )
  }
  const dir = dirname(file)
  try {
    return { file, dir, ...validatePipeline(definition, dir, kinds) }
  } catch (error) {
    if (error instanceof PipelineError) {
      throw new PipelineError(`${relative(process.cwd(), file)}: ${error.message}`, error.hint)
    }
    throw error
  }
}

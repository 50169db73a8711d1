import { existsSync } from 'node:fs'
import { dirname, relative, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { tsImport } from 'tsx/esm/api'
import { PipelineError, type ValidatedPipeline, type ValidationHooks, validatePipeline } from './validate.ts'

export const DEFAULT_PIPELINE_FILE = 'tributary.config.ts'

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
  hooks?: ValidationHooks,
): Promise<LoadedPipeline> {
  const file = resolve(path)
  if (!existsSync(file)) {
    throw new PipelineError(
      `no pipeline file at ${relative(process.cwd(), file) || file}`,
      'pass the path (tributary dev path/to/tributary.config.ts) or create tributary.config.ts',
    )
  }
  let module: Record<string, unknown>
  try {
    // A query string makes every load a fresh module, so a changed file is read again.
    module = (await tsImport(`${pathToFileURL(file).href}?t=${Date.now()}`, import.meta.url)) as Record<
      string,
      unknown
    >
  } catch (error) {
    throw new PipelineError(
      `${relative(process.cwd(), file)} failed to load: ${(error as Error).message.split('\n')[0]}`,
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
    return { file, dir, ...validatePipeline(definition, dir, hooks) }
  } catch (error) {
    if (error instanceof PipelineError) {
      throw new PipelineError(`${relative(process.cwd(), file)}: ${error.message}`, error.hint)
    }
    throw error
  }
}

import { join } from 'node:path'
import type { Synthesized } from '../../src/deploy/app.ts'
import type { LoadedPipeline } from '../../src/pipeline/load.ts'
import { validatePipeline } from '../../src/pipeline/validate.ts'

/** A directory with a Node.js handler (`functions/handler.handler`) and a Python one (`py/`). */
export const FIXTURE_DIR = join(import.meta.dirname, 'fixture')

/** A definition as `tributary synth` would load it from a file in {@link FIXTURE_DIR}. */
export function loaded(definition: Record<string, unknown>): LoadedPipeline {
  const validated = validatePipeline(definition, FIXTURE_DIR)
  return { ...validated, file: join(FIXTURE_DIR, 'tributary.config.ts'), dir: FIXTURE_DIR }
}

/** Synthesizes a definition (aws-cdk-lib loaded as the CLI loads it: on first use). */
export async function synth(
  definition: Record<string, unknown>,
  nag = true,
  validate = false,
): Promise<Synthesized> {
  const { synthesize } = await import('../../src/deploy/app.ts')
  return synthesize(loaded(definition), { nag, validate })
}

/** The message a definition's synth fails with. */
export async function synthError(definition: Record<string, unknown>): Promise<string> {
  try {
    ;(await synth(definition, false)).dispose()
  } catch (error) {
    return (error as Error).message
  }
  throw new Error('the synth did not fail')
}

type Resources = Record<string, { Type: string; Properties?: Record<string, unknown>; DependsOn?: unknown }>

/** The template's resources of one CloudFormation type. */
export function resourcesOfType(template: Record<string, unknown>, type: string): Resources[string][] {
  return Object.values((template.Resources ?? {}) as Resources).filter((r) => r.Type === type)
}

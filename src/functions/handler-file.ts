import { existsSync } from 'node:fs'
import { join, relative } from 'node:path'
import type { FunctionSpec } from '../contracts/functions.ts'
import { ConfigProblem } from '../kind/kind.ts'
import type { FunctionConfig } from './config.ts'

/** The extensions a handler file may have (tried in this order when the handler names none). */
export const HANDLER_EXTENSIONS = ['.ts', '.mts', '.js', '.mjs', '.cjs']

/** Resolves `path/to/file.exportName` against the pipeline file's directory. */
export function resolveHandler(
  dir: string,
  handler: string,
): { file: string; exportName: string } | undefined {
  const dot = handler.lastIndexOf('.')
  const base = handler.slice(0, dot)
  const exportName = handler.slice(dot + 1)
  for (const ext of ['', ...HANDLER_EXTENSIONS]) {
    const file = join(dir, base + ext)
    if (ext !== '' || HANDLER_EXTENSIONS.some((e) => base.endsWith(e))) {
      if (existsSync(file)) return { file, exportName }
    }
  }
  return undefined
}

/**
 * A declared function as the worker pool runs it. Throws a {@link ConfigProblem} at `handler`
 * when no handler file is there.
 */
export function functionSpec(name: string, f: FunctionConfig, dir: string): FunctionSpec {
  const resolved = resolveHandler(dir, f.handler)
  if (!resolved) {
    const base = f.handler.slice(0, f.handler.lastIndexOf('.'))
    throw new ConfigProblem(
      `no file ${base}{${HANDLER_EXTENSIONS.join(',')}} in ${relative(process.cwd(), dir) || '.'}`,
      ['handler'],
      "handler is 'path/to/file.exportName', relative to the pipeline file",
    )
  }
  return {
    name,
    file: resolved.file,
    exportName: resolved.exportName,
    timeoutMs: f.timeout * 1000,
    memoryMb: f.memorySize,
    reservedConcurrency: f.reservedConcurrency,
    environment: f.environment,
  }
}

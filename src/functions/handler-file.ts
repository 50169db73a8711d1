import { accessSync, constants, existsSync, statSync } from 'node:fs'
import { join, relative, resolve } from 'node:path'
import type { FunctionSpec } from '../contracts/functions.ts'
import { ConfigProblem } from '../kind/kind.ts'
import type { FunctionConfig } from './config.ts'
import { type RuntimeFamily, runtimeFamily } from './runtimes/catalog.ts'

/** The extensions a handler file may have (tried in this order when the handler names none). */
export const HANDLER_EXTENSIONS = ['.ts', '.mts', '.js', '.mjs', '.cjs']

const FILE_EXPORT = /^[^\s]+\.[A-Za-z_$][\w$]*$/

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

function shownDir(dir: string): string {
  return relative(process.cwd(), dir) || '.'
}

/** The file a function's code starts from, per runtime family (a problem when it is not there). */
const ENTRY_FILES: Record<
  RuntimeFamily,
  (f: FunctionConfig, codeDir: string) => { file: string; exportName: string }
> = {
  nodejs(f, codeDir) {
    if (!FILE_EXPORT.test(f.handler))
      throw new ConfigProblem(
        `must look like 'path/to/file.exportName' (got ${JSON.stringify(f.handler)})`,
        ['handler'],
        "handler is 'path/to/file.exportName', relative to the pipeline file",
      )
    const resolved = resolveHandler(codeDir, f.handler)
    if (resolved) return resolved
    const base = f.handler.slice(0, f.handler.lastIndexOf('.'))
    throw new ConfigProblem(
      `no file ${base}{${HANDLER_EXTENSIONS.join(',')}} in ${shownDir(codeDir)}`,
      ['handler'],
      "handler is 'path/to/file.exportName', relative to the pipeline file",
    )
  },
  // As Lambda's Python runtime reads it: `module.function`, the module dotted or slashed.
  python(f, codeDir) {
    const dot = f.handler.lastIndexOf('.')
    const hint = "a Python handler is 'module.function' (e.g. 'handler.lambda_handler'), relative to code"
    if (dot <= 0 || dot === f.handler.length - 1)
      throw new ConfigProblem(
        `must look like 'module.function' (got ${JSON.stringify(f.handler)})`,
        ['handler'],
        hint,
      )
    const module = f.handler.slice(0, dot).replaceAll('.', '/')
    for (const file of [join(codeDir, `${module}.py`), join(codeDir, module, '__init__.py')])
      if (existsSync(file)) return { file, exportName: f.handler.slice(dot + 1) }
    throw new ConfigProblem(`no file ${module}.py in ${shownDir(codeDir)}`, ['handler'], hint)
  },
  provided(f, codeDir) {
    const file = join(codeDir, 'bootstrap')
    const hint =
      'a custom runtime is an executable file named bootstrap in the code directory (chmod +x bootstrap)'
    if (!existsSync(file)) throw new ConfigProblem(`no bootstrap in ${shownDir(codeDir)}`, ['code'], hint)
    try {
      accessSync(file, constants.X_OK)
    } catch {
      throw new ConfigProblem(`${shownDir(file)} is not executable`, ['code'], hint)
    }
    return { file, exportName: f.handler }
  },
}

/**
 * A declared function as the pool runs it. Throws a {@link ConfigProblem} at `handler` (or
 * `code`) when its code is not there.
 */
export function functionSpec(name: string, f: FunctionConfig, dir: string): FunctionSpec {
  const codeDir = f.code === undefined ? dir : resolve(dir, f.code)
  if (f.code !== undefined && !(existsSync(codeDir) && statSync(codeDir).isDirectory()))
    throw new ConfigProblem(
      `no directory ${shownDir(codeDir)}`,
      ['code'],
      'code is a directory, relative to the pipeline file',
    )
  const { file, exportName } = ENTRY_FILES[runtimeFamily(f.runtime)](f, codeDir)
  return {
    name,
    file,
    exportName,
    timeoutMs: f.timeout * 1000,
    memoryMb: f.memorySize,
    reservedConcurrency: f.reservedConcurrency,
    environment: f.environment,
    runtime: f.runtime,
    handler: f.handler,
    codeDir,
  }
}

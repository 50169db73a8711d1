import { mkdir, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import type { FunctionSpec } from '../../../src/contracts/functions.ts'
import { findBoto3, requireClient } from '../../helpers/real-clients.ts'
import { tempDir } from '../../helpers/tmp.ts'

/**
 * Python functions for the runtime tests: a code directory of handler modules and a python3.12
 * spec running on Debian's /usr/bin/python3 (with python3-boto3), or why the machine cannot.
 */
export const debianPython = findBoto3()

/** Skips the test (visibly) when Debian's python3 with boto3 is missing; else its path. */
export function needPython(ctx: { skip(note?: string): never }): string {
  requireClient(debianPython, ctx)
  return debianPython.python
}

/** A code directory holding the given files (paths relative to it). */
export async function pythonCode(files: Record<string, string>): Promise<string> {
  const dir = await tempDir('tributary-python-')
  for (const [path, text] of Object.entries(files)) {
    await mkdir(dirname(join(dir, path)), { recursive: true })
    await writeFile(join(dir, path), text)
  }
  return dir
}

/** A python3.12 function spec for a code directory, on Debian's python3. */
export function pythonSpec(
  name: string,
  codeDir: string,
  handler = 'handler.lambda_handler',
  overrides: Partial<FunctionSpec> = {},
): FunctionSpec {
  return {
    name,
    file: join(codeDir, `${handler.slice(0, handler.lastIndexOf('.')).replaceAll('.', '/')}.py`),
    exportName: handler.slice(handler.lastIndexOf('.') + 1),
    timeoutMs: 3000,
    memoryMb: 128,
    reservedConcurrency: undefined,
    environment: {},
    runtime: 'python3.12',
    handler,
    codeDir,
    interpreter: '/usr/bin/python3',
    ...overrides,
  }
}

import { existsSync } from 'node:fs'
import { mkdir, readdir, utimes, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { describe, expect, it } from 'vitest'
import type { InvokeOutcome } from '../../../src/contracts/functions.ts'
import {
  CACHE_MAX_AGE_MS,
  cacheDir,
  compileHandler,
  pruneCache,
} from '../../../src/functions/workers/compile.ts'
import { tempDir } from '../../helpers/tmp.ts'
import { fixture, pool, spec } from './helpers.ts'

/** Writes `files` (path relative to a fresh directory → contents) and returns the directory. */
async function project(files: Record<string, string>): Promise<string> {
  const dir = await tempDir()
  for (const [path, contents] of Object.entries(files)) {
    await mkdir(join(dir, path, '..'), { recursive: true })
    await writeFile(join(dir, path), contents)
  }
  return dir
}

function ok(outcome: InvokeOutcome): unknown {
  if (outcome.kind !== 'ok') throw new Error(`expected ok, got ${JSON.stringify(outcome)}`)
  return outcome.result
}

describe('handlers are compiled once to plain JavaScript (esbuild)', () => {
  it('runs a TypeScript handler in a worker with no TypeScript loader at all', async () => {
    const dir = await project({
      'handler.ts': [
        "import { createRequire } from 'node:module'",
        'export const handler = async (event: { other: string }) => {',
        '  const hooks = createRequire(import.meta.url).extensions',
        '  // A .ts file the bundle does not contain: only a TypeScript loader could import it.',
        '  const loaded = await import(event.other).then(() => "loaded", (e: { code?: string }) => e.code)',
        "  return { cjsHook: '.ts' in hooks, loaded }",
        '}',
      ].join('\n'),
      'other.ts': 'export const typed: number = 1\n',
    })
    const p = pool({ functions: [spec('ts', join(dir, 'handler.ts'))] })
    const other = pathToFileURL(join(dir, 'other.ts')).href
    // tsx registered `.ts` for require() and import(); Node 20 alone knows neither.
    expect(ok(await p.invoke('ts', { other }))).toEqual({
      cjsHook: false,
      loaded: 'ERR_UNKNOWN_FILE_EXTENSION',
    })
  })

  it('maps stack traces to the .ts lines, through the inline source map', async () => {
    const dir = await project({
      'fails.ts': [
        'interface Input {',
        '  n: number',
        '}',
        "import { check } from './lib/check.ts'",
        'export const handler = async (event: Input): Promise<number> => {',
        '  return check(event.n)',
        '}',
      ].join('\n'),
      'lib/check.ts': [
        'type Checked = number',
        'export function check(n: number): Checked {',
        "  if (n < 0) throw new RangeError('negative')",
        '  return n',
        '}',
      ].join('\n'),
    })
    const p = pool({ functions: [spec('fails', join(dir, 'fails.ts'))] })
    const outcome = await p.invoke('fails', { n: -1 })
    expect(outcome).toMatchObject({ kind: 'error', errorType: 'RangeError', errorMessage: 'negative' })
    const stack = (outcome as { stackTrace: string[] }).stackTrace
    expect(stack[1]).toContain(`${join(dir, 'lib/check.ts')}:3:20`)
    expect(stack[2]).toContain(`${join(dir, 'fails.ts')}:6:10`)
  })

  it('gives each bundled file its own import.meta.url, __dirname and __filename', async () => {
    const dir = await project({
      'handler.mjs': [
        "import { where } from './lib/where.cjs'",
        'export const handler = async () => ({ meta: import.meta.url, lib: where() })',
      ].join('\n'),
      'lib/where.cjs': 'exports.where = () => ({ dir: __dirname, file: __filename })\n',
    })
    const p = pool({ functions: [spec('where', join(dir, 'handler.mjs'))] })
    expect(ok(await p.invoke('where', {}))).toEqual({
      meta: pathToFileURL(join(dir, 'handler.mjs')).href,
      lib: { dir: join(dir, 'lib'), file: join(dir, 'lib/where.cjs') },
    })
  })

  it('imports packages from node_modules as they are, resolved from the handler (ESM and CommonJS)', async () => {
    const dir = await project({
      'node_modules/dual-pkg/package.json': JSON.stringify({
        name: 'dual-pkg',
        exports: { import: './esm.mjs', require: './cjs.cjs' },
      }),
      'node_modules/dual-pkg/esm.mjs': 'export const from = import.meta.url\n',
      'node_modules/dual-pkg/cjs.cjs': 'exports.from = __filename\n',
      'functions/handler.ts': [
        "import { from as esm } from 'dual-pkg'",
        "import { viaRequire } from './legacy.cjs'",
        'export const handler = async () => ({ esm, cjs: viaRequire() })',
      ].join('\n'),
      'functions/legacy.cjs': "exports.viaRequire = () => require('dual-pkg').from\n",
    })
    const p = pool({ functions: [spec('pkg', join(dir, 'functions/handler.ts'))] })
    expect(ok(await p.invoke('pkg', {}))).toEqual({
      esm: pathToFileURL(join(dir, 'node_modules/dual-pkg/esm.mjs')).href,
      cjs: join(dir, 'node_modules/dual-pkg/cjs.cjs'),
    })
  })

  it('loads CommonJS handlers: .cjs, and a .ts using module.exports outside a "type": "module" package', async () => {
    const dir = await project({
      'exports.ts': 'module.exports = { handler: async (e: { n: number }) => e.n * 2 }\n',
    })
    const p = pool({
      functions: [spec('cjs', 'cjs-handler.cjs'), spec('exports', join(dir, 'exports.ts'))],
    })
    expect(ok(await p.invoke('cjs', { a: 1 }))).toEqual({ cjs: true, event: { a: 1 } })
    expect(ok(await p.invoke('exports', { n: 21 }))).toBe(42)
    expect((await compileHandler(fixture('cjs-handler.cjs'))).commonJs).toBe(true)
    expect((await compileHandler(fixture('plain.mjs'))).commonJs).toBe(false)
  })

  it('recompiles on reload when any file of the bundle changed, and only then', async () => {
    const dir = await project({
      'handler.ts': "import { tag } from './tag.ts'\nexport const handler = async () => tag\n",
      'tag.ts': "export const tag: string = 'v1'\n",
    })
    const file = join(dir, 'handler.ts')
    const first = await compileHandler(file)
    expect(await compileHandler(file)).toBe(first)
    expect(first.inputs.sort()).toEqual([file, join(dir, 'tag.ts')])

    const p = pool({ functions: [spec('f', file)] })
    expect(ok(await p.invoke('f', {}))).toBe('v1')
    await writeFile(join(dir, 'tag.ts'), "export const tag: string = 'v2'\n")
    expect(await p.tryReload('f')).toMatchObject({ kind: 'loaded' })
    expect(ok(await p.invoke('f', {}))).toBe('v2')
    expect((await compileHandler(file)).url).not.toBe(first.url)
  })

  it('reports a compile error as the load failure, file:line:column first, and loads once fixed', async () => {
    const dir = await project({ 'handler.ts': 'export const handler = async () => 1\n' })
    const file = join(dir, 'handler.ts')
    const p = pool({ functions: [spec('f', file)] })
    expect(ok(await p.invoke('f', {}))).toBe(1)

    await writeFile(file, "import { x } from './missing.ts'\nexport const handler = async () => x\n")
    expect(await p.tryReload('f')).toEqual({
      kind: 'failed',
      error: {
        errorType: 'Runtime.ImportModuleError',
        errorMessage: `${file}:1:19: Could not resolve "./missing.ts"`,
        stackTrace: expect.any(Array),
      },
    })
    await writeFile(file, 'export const handler = async (): number => {\n  return 1 +\n}\n')
    const failed = await p.tryReload('f')
    expect(failed).toMatchObject({ kind: 'failed', error: { errorType: 'Runtime.UserCodeSyntaxError' } })
    expect((failed as { error: { errorMessage: string } }).error.errorMessage).toBe(
      `${file}:3:1: Unexpected "}"`,
    )
    const waiting = p.invoke('f', {})
    await writeFile(file, 'export const handler = async () => 2\n')
    expect(await p.tryReload('f')).toEqual({ kind: 'loaded', held: 1, recovered: true })
    expect(ok(await waiting)).toBe(2)
  })

  it('fails the compile on a missing package in an import statement; leaves import() and require() to run', async () => {
    const dir = await project({
      'static.ts': "import 'tributary-no-such-package'\nexport const handler = async () => 1\n",
      'dynamic.ts': [
        'export const handler = async () => {',
        "  const imported = await import('tributary-no-such-package').then(() => 'loaded', (e) => e.code)",
        "  let required = 'loaded'",
        '  try {',
        "    require('tributary-no-such-package')",
        '  } catch (e) {',
        '    required = (e as { code: string }).code',
        '  }',
        '  return { imported, required }',
        '}',
      ].join('\n'),
    })
    const p = pool({
      functions: [spec('static', join(dir, 'static.ts')), spec('dynamic', join(dir, 'dynamic.ts'))],
    })
    expect(await p.invoke('static', {})).toMatchObject({
      kind: 'error',
      errorType: 'Runtime.ImportModuleError',
      errorMessage: `${join(dir, 'static.ts')}:1:8: Cannot find package 'tributary-no-such-package'`,
    })
    expect(ok(await p.invoke('dynamic', {}))).toEqual({
      imported: 'ERR_MODULE_NOT_FOUND',
      required: 'MODULE_NOT_FOUND',
    })
  })

  it('says which cache directory it cannot write, and how to choose another', async () => {
    const dir = await project({ 'handler.ts': 'export const handler = async () => 1\n', 'not-a-dir': '' })
    const previous = process.env.TRIBUTARY_CACHE_DIR
    process.env.TRIBUTARY_CACHE_DIR = join(dir, 'not-a-dir')
    try {
      await expect(compileHandler(join(dir, 'handler.ts'))).rejects.toThrow(
        `cannot write the compiled handler to ${join(dir, 'not-a-dir', 'functions')} (ENOTDIR); set TRIBUTARY_CACHE_DIR to a writable directory`,
      )
    } finally {
      if (previous === undefined) delete process.env.TRIBUTARY_CACHE_DIR
      else process.env.TRIBUTARY_CACHE_DIR = previous
    }
  })

  it('prunes outputs untouched for a week, keeping newer ones; a pruned handler is rebuilt when next needed', async () => {
    const cache = await tempDir()
    const previous = process.env.TRIBUTARY_CACHE_DIR
    process.env.TRIBUTARY_CACHE_DIR = cache
    try {
      const dir = await project({ 'handler.ts': 'export const handler = async () => 41 + 1\n' })
      const compiled = await compileHandler(join(dir, 'handler.ts'))
      const output = fileURLToPath(compiled.url)
      await mkdir(join(cache, 'runtime'), { recursive: true })
      const stale = [join(cache, 'functions', 'gone-0.mjs'), join(cache, 'runtime', 'worker-old.mjs')]
      const recent = join(cache, 'functions', 'kept-0.mjs')
      for (const file of [...stale, recent]) await writeFile(file, 'export {}\n')
      const now = Date.now()
      const age = (ms: number) => new Date(now - ms)
      for (const file of stale)
        await utimes(file, age(CACHE_MAX_AGE_MS + 60_000), age(CACHE_MAX_AGE_MS + 60_000))
      await utimes(recent, age(CACHE_MAX_AGE_MS - 60_000), age(CACHE_MAX_AGE_MS - 60_000))
      // The handler's output, eight days on: pruned too (as another process would, a week later).
      await utimes(output, age(8 * 86_400_000), age(8 * 86_400_000))
      pruneCache(now)
      const left = [...(await readdir(join(cache, 'functions'))), ...(await readdir(join(cache, 'runtime')))]
      expect(left.sort()).toEqual(['kept-0.mjs'])
      const again = await compileHandler(join(dir, 'handler.ts'))
      expect(existsSync(fileURLToPath(again.url))).toBe(true)
      const p = pool({ functions: [spec('pruned', join(dir, 'handler.ts'))] })
      expect(ok(await p.invoke('pruned', {}))).toBe(42)
    } finally {
      if (previous === undefined) delete process.env.TRIBUTARY_CACHE_DIR
      else process.env.TRIBUTARY_CACHE_DIR = previous
    }
  })

  it('writes outputs to the cache directory, named by their inputs', async () => {
    const compiled = await compileHandler(fixture('noop.ts'))
    const name = compiled.url.split('/').pop()!
    expect(name).toMatch(/^noop-[0-9a-f]{8}-[0-9a-f]{16}\.mjs$/)
    expect(await readdir(join(cacheDir(), 'functions'))).toContain(name)
  })
})

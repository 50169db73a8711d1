/**
 * Compiles handler modules to plain JavaScript, once, with esbuild, so a function worker loads
 * JavaScript: no TypeScript loader in any worker (each used to start tsx: about 35 MB and half a
 * second of CPU per worker). Every handler is compiled, TypeScript or not, the same way: its own
 * files bundled into one ES module, packages left where they are (imported by absolute path, so
 * they resolve as they would from the handler's own directory), an inline source map so stack
 * traces name the handler's .ts lines, and `import.meta.url`, `__dirname` and `__filename` kept
 * pointing at each source file. Outputs go to a cache directory, named by a hash of the
 * contents of every file bundled; a handler is rebuilt only when one of them changed (a hot reload
 * under `tributary dev`). Run from a clone (src/), the worker runtime itself is compiled the same
 * way, once per process.
 */
import { createHash } from 'node:crypto'
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs'
import { isBuiltin } from 'node:module'
import { homedir } from 'node:os'
import { basename, extname, join, resolve } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import * as esbuild from 'esbuild'
import { ImportModuleError, UserCodeSyntaxError } from './errors.ts'

/** What a worker loads for a handler. */
export interface CompiledHandler {
  /** The compiled module's file URL. */
  url: string
  /** The handler is a CommonJS module: its exports are the compiled module's default export. */
  commonJs: boolean
  /** Every source file bundled into it (absolute paths). */
  inputs: string[]
}

/** Running from src/ (a clone, or under vitest) rather than the compiled dist/. */
const SOURCE_MODE = import.meta.url.endsWith('.ts')
/** See src/util/source-mode.mjs: our package's exports point at src/ under this condition. */
const SOURCE_CONDITION = 'tributary-source'

/**
 * `TRIBUTARY_CACHE_DIR`, else `$XDG_CACHE_HOME/tributary`, else `~/.cache/tributary`: outputs are
 * derived data, safe to delete at any time.
 */
export function cacheDir(): string {
  if (process.env.TRIBUTARY_CACHE_DIR) return resolve(process.env.TRIBUTARY_CACHE_DIR)
  return join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'tributary')
}

/** Compiled outputs untouched this long are deleted (every start rewrites or touches the ones in use). */
export const CACHE_MAX_AGE_MS = 7 * 24 * 60 * 60 * 1000

let pruned = false

/**
 * Deletes compiled outputs (handlers and the worker runtime) not written or used for
 * {@link CACHE_MAX_AGE_MS}: edits and other projects leave old ones behind, and nothing else
 * would ever remove them. Once a process, before its first build. A handler whose output another
 * process pruned is rebuilt when a worker next needs it (its output is checked before use).
 */
export function pruneCache(now = Date.now()): void {
  for (const sub of ['functions', 'runtime']) {
    const dir = join(cacheDir(), sub)
    let names: string[]
    try {
      names = readdirSync(dir)
    } catch {
      continue
    }
    for (const name of names) {
      const path = join(dir, name)
      try {
        if (now - statSync(path).mtimeMs > CACHE_MAX_AGE_MS) rmSync(path, { force: true })
      } catch {
        // Gone already (another process pruned it).
      }
    }
  }
}

function pruneOnce(): void {
  if (pruned) return
  pruned = true
  pruneCache()
}

interface Built {
  key: string
  output: string
  result: CompiledHandler
}

const built = new Map<string, Built>()
const building = new Map<string, Promise<Built>>()
/** The output each handler had before its latest one: a worker started just before may still load it. */
const retired = new Map<string, string>()

/**
 * The handler `file` compiled, from the cache when none of its inputs changed. Rejects with the
 * `Runtime.*` error a load failure reports: `ImportModuleError` for a missing file or import,
 * `UserCodeSyntaxError` for code that does not parse, each led by the place
 * (`file:line:column: message`); a missing handler file is `Error: Cannot find module '<file>'`,
 * as the Node.js runtime says.
 *
 * @example
 * const { url, commonJs } = await compileHandler('/project/functions/consumer.ts')
 */
export async function compileHandler(file: string): Promise<CompiledHandler> {
  // Named plainly, as the Node.js runtime names a missing handler module.
  if (!existsSync(file)) throw new ImportModuleError(`Error: Cannot find module '${file}'`)
  // A build that started before the latest save may have read the old code: check after it too.
  for (let attempt = 0; ; attempt++) {
    const last = built.get(file)
    const fresh = last && inputsKey(last.result.inputs) === last.key && existsSync(last.output)
    // Saved again during each of three builds: the newest build will do.
    if (last && (fresh || attempt === 3)) return last.result
    let pending = building.get(file)
    if (!pending) {
      pending = build(file).finally(() => building.delete(file))
      building.set(file, pending)
    }
    const next = await pending
    if (last && last.output !== next.output && built.get(file) === last) {
      const old = retired.get(file)
      if (old && old !== next.output) rmSync(old, { force: true })
      retired.set(file, last.output)
    }
    built.set(file, next)
  }
}

/** Builds in flight; esbuild's service process is stopped a moment after the last one. */
let active = 0
let idleTimer: NodeJS.Timeout | undefined
const SERVICE_IDLE_MS = 2000

/**
 * esbuild runs as a child process (about 16 MB) that stays until stopped; compiles come in bursts
 * (startup, a save), so it is stopped once idle and started again by the next build.
 */
async function withEsbuild<T>(work: () => Promise<T>): Promise<T> {
  active++
  clearTimeout(idleTimer)
  try {
    return await work()
  } finally {
    if (--active === 0) {
      idleTimer = setTimeout(() => {
        if (active === 0) void esbuild.stop()
      }, SERVICE_IDLE_MS).unref()
    }
  }
}

async function build(file: string): Promise<Built> {
  pruneOnce()
  let result: esbuild.BuildResult<{ metafile: true; write: false }>
  try {
    const outfile = join(cacheDir(), 'functions', 'out.mjs')
    result = await withEsbuild(() => esbuild.build({ ...handlerOptions(file), outfile }))
  } catch (error) {
    throw compileError(error)
  }
  const inputs = Object.keys(result.metafile.inputs).map((input) => resolve(input))
  const key = inputsKey(inputs)
  const entry = result.metafile.inputs[Object.keys(result.metafile.inputs).find((i) => resolve(i) === file)!]
  const name = `${basename(file, extname(file))}-${hash(file).slice(0, 8)}-${key.slice(0, 16)}.mjs`
  const output = join(cacheDir(), 'functions', name)
  // Sources in the map are relative to the output's directory, whatever name it is given.
  writeAtomically(output, result.outputFiles[0]!.contents)
  return {
    key,
    output,
    result: { url: pathToFileURL(output).href, commonJs: entry?.format === 'cjs', inputs },
  }
}

const entries = new Map<string, Promise<URL>>()

/**
 * A worker thread's entry module compiled to plain JavaScript in the cache, once per process (the
 * function workers' runtime, the delivery encoders): from a clone, workers would otherwise need
 * a TypeScript loader each (worker threads do not inherit the parent's hooks in Node 20).
 */
export function compiledEntry(file: string): Promise<URL> {
  let entry = entries.get(file)
  if (!entry) {
    entry = (async () => {
      pruneOnce()
      const outdir = join(cacheDir(), 'runtime')
      const outfile = join(outdir, 'out.mjs')
      const result = await withEsbuild(() => esbuild.build({ ...handlerOptions(file), outfile }))
      const contents = result.outputFiles[0]!.contents
      const output = join(outdir, `${basename(file, extname(file))}-${hash(contents).slice(0, 16)}.mjs`)
      if (existsSync(output)) {
        const now = new Date()
        utimesSync(output, now, now)
      } else writeAtomically(output, contents)
      return pathToFileURL(output)
    })()
    // A failed build is not cached: the next worker tries again.
    entry.catch(() => entries.delete(file))
    entries.set(file, entry)
  }
  return entry
}

/**
 * The module a worker thread starts with. From dist/, the compiled worker beside this file; from
 * src/, worker.ts compiled once per process into the cache (so workers never need tsx).
 */
export function workerRuntime(): Promise<URL> {
  if (!SOURCE_MODE) return Promise.resolve(new URL('./worker.js', import.meta.url))
  return compiledEntry(fileURLToPath(new URL('./worker.ts', import.meta.url)))
}

function handlerOptions(entry: string) {
  return {
    entryPoints: [entry],
    bundle: true,
    write: false,
    metafile: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    sourcemap: 'inline',
    sourcesContent: false,
    // Node's own resolution: no `module` condition or main field (esbuild's defaults add them).
    conditions: SOURCE_MODE ? [SOURCE_CONDITION] : [],
    mainFields: ['main'],
    logLevel: 'silent',
    // esbuild's `require()` in an ES module bundle needs a `require` in scope (a CommonJS file
    // that requires a package); esbuild renames any the handler declares itself.
    banner: {
      js: `import { createRequire as __tributaryCreateRequire } from 'node:module'; var require = __tributaryCreateRequire(${JSON.stringify(pathToFileURL(entry).href)});`,
    },
    define: {
      'import.meta.url': '__tributary_import_meta_url',
      __dirname: '__tributary_dirname',
      __filename: '__tributary_filename',
    },
    plugins: [packagesInPlace, sourcePlaces],
  } satisfies esbuild.BuildOptions
}

/** `some-pkg`, `@scope/pkg/sub`: not `./x`, `../x` or `/x`. */
const BARE = /^[^./]|^\.[^./]|^\.\.[^/]/
const RESOLVING = Symbol('resolving')

/**
 * Packages stay out of the bundle (esbuild's `packages: 'external'`), but as absolute paths,
 * resolved from the importing file: the output lives in the cache, where a bare name would not
 * resolve. TypeScript reached through a package (our own package's `tributary-source` condition
 * in a clone) is bundled, since Node cannot load it. A name that does not resolve stays as it
 * is in a dynamic `import()` or a `require()` (code may expect that to fail, and Node reports it
 * as it would); in an import statement, nothing can run, so the compile fails there.
 */
const packagesInPlace: esbuild.Plugin = {
  name: 'tributary-packages-in-place',
  setup(build) {
    build.onResolve({ filter: BARE }, async (args) => {
      if (args.pluginData === RESOLVING) return undefined
      if (isBuiltin(args.path)) return { path: args.path, external: true }
      const found = await build.resolve(args.path, {
        kind: args.kind,
        resolveDir: args.resolveDir,
        importer: args.importer,
        pluginData: RESOLVING,
      })
      if (found.errors.length > 0 || found.external || !found.path) {
        if (args.kind === 'import-statement')
          return { errors: [{ text: `Cannot find package '${args.path}'` }] }
        return { path: args.path, external: true }
      }
      if (/\.[cm]?tsx?$/.test(found.path)) return { path: found.path, sideEffects: found.sideEffects }
      const required = args.kind === 'require-call' || args.kind === 'require-resolve'
      return { path: required ? found.path : pathToFileURL(found.path).href, external: true }
    })
  },
}

const PLACE_SENSITIVE = /import\.meta|__dirname|__filename/
const LOADERS: Record<string, esbuild.Loader> = {
  '.ts': 'ts',
  '.mts': 'ts',
  '.cts': 'ts',
  '.tsx': 'tsx',
  '.js': 'js',
  '.mjs': 'js',
  '.cjs': 'js',
  '.jsx': 'jsx',
}

/**
 * Each bundled file that asks where it is (`import.meta.url`, `__dirname`, `__filename`) gets its
 * own answer: the defines above rename those to variables declared at the top of that file, on
 * its first line, so line numbers (and the source map) stay as they are.
 */
const sourcePlaces: esbuild.Plugin = {
  name: 'tributary-source-places',
  setup(build) {
    build.onLoad({ filter: /\.[cm]?[jt]sx?$/ }, (args) => {
      if (args.path.includes('/node_modules/')) return undefined
      const source = readFileSync(args.path, 'utf8')
      if (!PLACE_SENSITIVE.test(source)) return undefined
      const place =
        `var __tributary_import_meta_url = ${JSON.stringify(pathToFileURL(args.path).href)}, ` +
        `__tributary_filename = ${JSON.stringify(args.path)}, ` +
        `__tributary_dirname = ${JSON.stringify(join(args.path, '..'))};`
      // After a hashbang line, which must stay first.
      const hashbang = source.startsWith('#!')
      const at = hashbang ? source.indexOf('\n') + 1 : 0
      if (hashbang && at === 0) return undefined
      const contents = source.slice(0, at) + place + source.slice(at)
      return { contents, loader: LOADERS[extname(args.path)] ?? 'js' }
    })
  },
}

/** esbuild's first error as Lambda's load failure, led by `file:line:column`. */
function compileError(error: unknown): Error {
  const first = (error as Partial<esbuild.BuildFailure>).errors?.[0]
  if (!first) return error as Error
  const where = first.location
    ? `${resolve(first.location.file)}:${first.location.line}:${first.location.column + 1}: `
    : ''
  const more = ((error as esbuild.BuildFailure).errors.length ?? 1) - 1
  const message = `${where}${first.text}${more > 0 ? ` (and ${more} more error${more > 1 ? 's' : ''})` : ''}`
  if (/^(Could not resolve|Cannot find package) /.test(first.text)) return new ImportModuleError(message)
  return new UserCodeSyntaxError(error as Error, message)
}

function inputsKey(inputs: string[]): string {
  const h = createHash('sha256')
  for (const input of [...inputs].sort()) {
    h.update(input).update('\0')
    try {
      h.update(readFileSync(input))
    } catch {
      h.update('\0missing')
    }
    h.update('\0')
  }
  return h.digest('hex')
}

function hash(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex')
}

/** Readers (other processes sharing the cache) see the whole file or none of it. */
function writeAtomically(path: string, contents: Uint8Array): void {
  const temp = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`
  try {
    mkdirSync(join(path, '..'), { recursive: true })
    writeFileSync(temp, contents)
    renameSync(temp, path)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error)
    throw new Error(
      `cannot write the compiled handler to ${join(path, '..')} (${code}); set TRIBUTARY_CACHE_DIR to a writable directory`,
    )
  }
}

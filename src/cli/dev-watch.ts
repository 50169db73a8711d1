import { type FSWatcher, watch } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { reloadsOn } from '../functions/runtimes/catalog.ts'
import { compileHandler } from '../functions/workers/compile.ts'
import { type LoadedPipeline, loadPipeline } from '../pipeline/load.ts'
import type { PipelineRuntime } from '../pipeline/runtime.ts'
import { describeLambdaError } from './function-log.ts'

export interface WatchOutput {
  out(text: string): void
  err(text: string): void
}

/**
 * Reloads a function when its handler file changes, and the whole pipeline (functions, mappings,
 * schedules; never streams) when the pipeline file changes. A broken pipeline file is reported in
 * one line and the running version stays. A handler that fails to load after an edit pauses its
 * function: its mappings and other triggers wait (records stay in the stream, nothing is retried
 * into a dead-letter queue) until a save makes it load; both are said once. Directories are
 * watched, not files, so a save that replaces the file (write to a temp file, rename over) is
 * seen too; after the pipeline file changes, the handler files of the new definition are watched.
 * A Python or custom-runtime function is reloaded (its processes restarted) when a file of its
 * code directory changes: any `.py` (or `requirements.txt`), or the `bootstrap`.
 */
export function watchFiles(
  runtime: PipelineRuntime,
  initial: LoadedPipeline,
  output: WatchOutput,
): { close(): void } {
  const file = relative(process.cwd(), initial.file)
  const timers = new Map<string, NodeJS.Timeout>()
  /** Functions whose handler does not load, with what was last said about why. */
  const failing = new Map<string, string>()
  /** A pipeline change that waits for every handler to load (a rebuild would start them unpaused). */
  let pipelineWaits = false
  // One change at a time: a reload never interleaves with a rebuild of the pipeline.
  let chain: Promise<void> = Promise.resolve()
  const debounce = (key: string, fn: () => Promise<void>) => {
    clearTimeout(timers.get(key))
    timers.set(
      key,
      setTimeout(() => {
        chain = chain.then(fn).catch((error) => output.err(`tributary: error: ${(error as Error).message}\n`))
      }, 100),
    )
  }

  const reloadFunction = async (name: string, spec?: LoadedPipeline['functions'][number]) => {
    const result = await runtime.pool.tryReload(name, spec)
    if (result.kind === 'superseded') return true
    if (result.kind === 'failed') {
      const why = describeLambdaError(result.error)
      if (failing.get(name) !== why)
        output.err(
          failing.has(name)
            ? `tributary: ${name}: handler still fails to load (${why})\n`
            : `tributary: ${name}: handler failed to load (${why}); its mappings and other triggers are paused until it loads\n`,
        )
      failing.set(name, why)
      return false
    }
    if (failing.delete(name)) {
      const waited = result.held > 0 ? ` (${result.held} invocations waited)` : ''
      output.out(
        `tributary: reloaded function ${name}: its handler loads again; its mappings and other triggers resume${waited}\n`,
      )
    } else output.out(`tributary: reloaded function ${name}\n`)
    return true
  }

  const reloadPipeline = async () => {
    let next: LoadedPipeline
    try {
      next = await loadPipeline(initial.file)
    } catch (error) {
      output.err(`tributary: error: ${(error as Error).message} (keeping the running pipeline)\n`)
      return
    }
    for (const name of [...failing.keys()]) {
      const spec = next.functions.find((f) => f.name === name)
      if (!spec) {
        failing.delete(name)
        continue
      }
      if (!(await reloadFunction(name, spec))) {
        output.err(`tributary: the change to ${file} applies once ${name}'s handler loads\n`)
        pipelineWaits = true
        return
      }
    }
    pipelineWaits = false
    // Only functions the new definition drops can still have invocations waiting for their code:
    // their event sources must stop for the rebuild, so the waits end (nothing runs or fails).
    runtime.pool.abandonWaits()
    await runtime.reconfigure(next)
    follow(next)
    output.out(`tributary: reloaded ${file}\n`)
  }

  /** Watched file → what its change does. */
  let actions = new Map<string, () => Promise<void>>()
  const dirs = new Map<string, FSWatcher>()
  /** Code directories of process runtimes (watched recursively) → their functions. */
  let codeDirs = new Map<string, { name: string; matches: (path: string) => boolean }[]>()
  const codeWatchers = new Map<string, FSWatcher>()
  const reloadNames = async (names: string[]) => {
    for (const name of names) await reloadFunction(name)
    if (pipelineWaits && failing.size === 0) await reloadPipeline()
  }
  const followCode = (pipeline: LoadedPipeline) => {
    codeDirs = new Map()
    for (const fn of pipeline.functions) {
      const matches = reloadsOn(fn.runtime)
      if (!matches || !fn.codeDir) continue
      codeDirs.set(fn.codeDir, [...(codeDirs.get(fn.codeDir) ?? []), { name: fn.name, matches }])
    }
    for (const [dir, watcher] of codeWatchers) {
      if (codeDirs.has(dir)) continue
      watcher.close()
      codeWatchers.delete(dir)
    }
    for (const dir of codeDirs.keys()) {
      if (codeWatchers.has(dir)) continue
      try {
        codeWatchers.set(
          dir,
          watch(dir, { recursive: true }, (_event, name) => {
            if (!name) return
            const path = name.toString()
            // New requirements are installed when the functions are built again: a pipeline reload.
            if (path === 'requirements.txt') {
              debounce(resolve(initial.file), reloadPipeline)
              return
            }
            const names = (codeDirs.get(dir) ?? []).filter((f) => f.matches(path)).map((f) => f.name)
            if (names.length > 0) debounce(`code:${dir}:${names.join(',')}`, () => reloadNames(names))
          }),
        )
      } catch {
        // A directory that vanished: reported when the pipeline is next loaded.
      }
    }
  }
  /** Node.js handler file → the other files of its compiled bundle (its own imports). */
  const imports = new Map<string, string[]>()
  let followed = initial
  /** Learns what each handler imports from its compile (cached: the pool compiled it already). */
  const learnImports = async (pipeline: LoadedPipeline) => {
    let changed = false
    for (const fn of pipeline.functions) {
      if (reloadsOn(fn.runtime)) continue
      const file = resolve(fn.file)
      // One that does not compile keeps what it imported last; its reload says why.
      const inputs = await compileHandler(file).then(
        (c) => c.inputs.filter((i) => i !== file),
        () => undefined,
      )
      if (!inputs || inputs.join('\n') === imports.get(file)?.join('\n')) continue
      imports.set(file, inputs)
      changed = true
    }
    if (changed && pipeline === followed) follow(pipeline, false)
  }
  const follow = (pipeline: LoadedPipeline, learn = true) => {
    followed = pipeline
    followCode(pipeline)
    const byFile = new Map<string, string[]>()
    for (const fn of pipeline.functions) {
      if (reloadsOn(fn.runtime)) continue
      byFile.set(fn.file, [...(byFile.get(fn.file) ?? []), fn.name])
    }
    actions = new Map([[resolve(initial.file), reloadPipeline]])
    for (const [handlerFile, names] of byFile) {
      if (actions.has(resolve(handlerFile))) continue
      actions.set(resolve(handlerFile), async () => {
        await reloadNames(names)
        await learnImports(followed)
      })
    }
    // A file a handler imports reloads every function whose bundle has it.
    const byImport = new Map<string, string[]>()
    for (const [handlerFile, names] of byFile)
      for (const input of imports.get(resolve(handlerFile)) ?? [])
        byImport.set(input, [...(byImport.get(input) ?? []), ...names])
    for (const [input, names] of byImport) {
      if (actions.has(input)) continue
      actions.set(input, async () => {
        await reloadNames(names)
        await learnImports(followed)
      })
    }
    if (learn) void learnImports(pipeline)
    const wanted = new Set([...actions.keys()].map((f) => dirname(f)))
    for (const [dir, watcher] of dirs) {
      if (wanted.has(dir)) continue
      watcher.close()
      dirs.delete(dir)
    }
    for (const dir of wanted) {
      if (dirs.has(dir)) continue
      try {
        dirs.set(
          dir,
          watch(dir, (_event, name) => {
            const changed = name ? join(dir, name.toString()) : undefined
            const action = changed ? actions.get(changed) : undefined
            if (changed && action) debounce(changed, action)
          }),
        )
      } catch {
        // A directory that vanished: its files are reported when the pipeline is next loaded.
      }
    }
  }
  follow(initial)
  return {
    close() {
      for (const watcher of dirs.values()) watcher.close()
      for (const watcher of codeWatchers.values()) watcher.close()
      for (const timer of timers.values()) clearTimeout(timer)
    },
  }
}

import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { fileURLToPath, pathToFileURL } from 'node:url'

/**
 * Where a module failed to load, read from the error the loader threw: esbuild's transform errors
 * (through tsx) carry `file:line:column: ERROR: text` in their message, Node's own SyntaxErrors
 * put `file:line`, the code and a caret at the top of their stack, and an error thrown while the
 * module runs (a TypeError at top level) names its place in a stack frame.
 */
export interface SourceLocation {
  file: string
  line: number
  /** 1-based, as editors and Node's stack frames count (esbuild's own are 0-based). */
  column: number
}

export interface LoadFailure {
  /** The message without the loader's wrapping ("Transform failed with 1 error:"). */
  message: string
  location: SourceLocation | undefined
}

const ESBUILD_LINE = /^(.+?):(\d+):(\d+): ERROR: (.*)$/m
const ESBUILD_HEAD = /^Transform failed with (\d+) errors?:/
/** Node's SyntaxError stack: `/path/file.mjs:3` (or a file URL), the line of code, the caret. */
const NODE_SYNTAX_HEAD = /^(?:file:\/\/)?(\/[^\n]*?|[A-Za-z]:\\[^\n]*?):(\d+)\n([^\n]*)\n( *)\^/
/** `at fn (/path/file.ts:12:5)` or `at /path/file.ts:12:5`; not `node:internal/...` nor `data:` URLs. */
const FRAME = /(?:\(|at )((?:file:\/\/)?(?:\/|[A-Za-z]:\\)[^()]+?):(\d+):(\d+)\)?\s*$/

function fromFileUrl(path: string): string {
  return path.startsWith('file://') ? decodeURIComponent(path.slice('file://'.length)) : path
}

/** Tributary's own code (source or compiled): its frames are where a load was called from. */
const OWN_CODE = ['src/', 'dist/', 'bin/'].map((dir) =>
  fileURLToPath(new URL(`../../${dir}`, import.meta.url)),
)

/** Frames of Tributary, Node or dependencies are never where the user's mistake is. */
function isUserFrame(path: string): boolean {
  return !path.includes('/node_modules/') && !OWN_CODE.some((dir) => path.startsWith(dir))
}

/**
 * Reads the location and the plain message out of a module load error. `preferFile` picks the
 * frame in that file when a stack names several.
 *
 * @example
 * describeLoadError(error) // { message: 'Expected "}" but found end of file', location: { file, line: 5, column: 1 } }
 */
export function describeLoadError(error: unknown, preferFile?: string): LoadFailure {
  const e = error as Partial<Error> | null | undefined
  const message = typeof e?.message === 'string' ? e.message : String(error)
  const stack = typeof e?.stack === 'string' ? e.stack : ''
  return describeText(message, stack, typeof e?.name === 'string' ? e.name : undefined, preferFile)
}

/** {@link describeLoadError} for an error already turned into text (Lambda's error document). */
export function describeText(
  message: string,
  stack: string,
  name?: string,
  preferFile?: string,
): LoadFailure {
  const head = ESBUILD_HEAD.exec(message)
  const esbuild = ESBUILD_LINE.exec(message)
  if (head && esbuild) {
    const more = Number(head[1]) - 1
    return {
      message: `${esbuild[4]}${more > 0 ? ` (and ${more} more error${more > 1 ? 's' : ''})` : ''}`,
      location: { file: esbuild[1]!, line: Number(esbuild[2]), column: Number(esbuild[3]) + 1 },
    }
  }
  const named = name && name !== 'Error' && !message.startsWith(`${name}:`) ? `${name}: ${message}` : message
  const syntax = NODE_SYNTAX_HEAD.exec(stack)
  if (syntax) {
    return {
      message: named,
      location: { file: fromFileUrl(syntax[1]!), line: Number(syntax[2]), column: syntax[4]!.length + 1 },
    }
  }
  const frames: SourceLocation[] = []
  for (const line of stack.split('\n')) {
    if (!/^\s+at /.test(line)) continue
    const m = FRAME.exec(line)
    if (!m) continue
    const file = fromFileUrl(m[1]!)
    if (isUserFrame(file)) frames.push({ file, line: Number(m[2]), column: Number(m[3]) })
  }
  const location = frames.find((f) => f.file === preferFile) ?? frames[0]
  return { message: named, location }
}

/** `file:line:column: message`, the file relative to `cwd` when it lies below it. */
export function formatLoadFailure(failure: LoadFailure, cwd = process.cwd()): string {
  const l = failure.location
  if (!l) return failure.message
  const file = l.file.startsWith(`${cwd}/`) ? l.file.slice(cwd.length + 1) : l.file
  return `${file}:${l.line}:${l.column}: ${failure.message}`
}

/**
 * Finds where a JavaScript file stops parsing. Node 20 keeps the place of an ES module's
 * SyntaxError out of the error it throws (it is printed only when uncaught), so the file is
 * parsed again with esbuild, the parser tsx already brings; only on this failure path.
 */
export async function locateSyntaxError(file: string): Promise<LoadFailure | undefined> {
  try {
    const source = readFileSync(file, 'utf8')
    const fromTsx = createRequire(createRequire(import.meta.url).resolve('tsx/package.json'))
    const esbuild = (await import(pathToFileURL(fromTsx.resolve('esbuild')).href)) as typeof import('esbuild')
    const loader = /\.[cm]?tsx?$/.test(file) ? 'ts' : 'js'
    esbuild.transformSync(source, { loader, sourcefile: file, format: 'esm' })
  } catch (error) {
    const first = (
      error as { errors?: { text: string; location: { line: number; column: number } | null }[] }
    ).errors?.[0]
    if (first?.location)
      return {
        message: first.text,
        location: { file, line: first.location.line, column: first.location.column + 1 },
      }
  }
  return undefined
}

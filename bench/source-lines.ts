// Maps a position in tsx-transformed code back to a line of the TypeScript source. tsx compiles
// each file with esbuild onto one line, so a .cpuprofile of the server only says "line 1".
// Re-running the same transform (tsx's options, checked against its cache) gives the same code and
// a source map. esbuild comes with tsx; without it, positions are shown as they are.
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'

interface Transform {
  transformSync(
    source: string,
    options: Record<string, unknown>,
  ): {
    map: string
  }
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'

/** Per generated line: [generated column, source line] pairs in column order. */
type LineMap = [number, number][][]

function decodeMappings(mappings: string): LineMap {
  const lines: LineMap = []
  let srcLine = 0
  for (const line of mappings.split(';')) {
    const segments: [number, number][] = []
    let col = 0
    for (const segment of line.split(',')) {
      if (!segment) continue
      const fields: number[] = []
      let value = 0
      let shift = 0
      for (const ch of segment) {
        const digit = B64.indexOf(ch)
        value += (digit & 31) << shift
        if (digit & 32) shift += 5
        else {
          fields.push(value & 1 ? -(value >>> 1) : value >>> 1)
          value = 0
          shift = 0
        }
      }
      col += fields[0] ?? 0
      if (fields.length >= 4) {
        srcLine += fields[2]!
        segments.push([col, srcLine])
      }
    }
    lines.push(segments)
  }
  return lines
}

let esbuild: Transform | null | undefined
const cache = new Map<string, LineMap | null>()

function lineMap(url: string): LineMap | null {
  if (cache.has(url)) return cache.get(url)!
  let map: LineMap | null = null
  try {
    esbuild ??= createRequire(import.meta.url)('esbuild') as Transform
    const file = fileURLToPath(url)
    const out = esbuild.transformSync(readFileSync(file, 'utf8'), {
      loader: file.endsWith('.tsx') ? 'tsx' : 'ts',
      format: 'esm',
      sourcemap: true,
      minifyWhitespace: true,
      keepNames: true,
      target: `node${process.versions.node}`,
      sourcefile: file,
    })
    map = decodeMappings((JSON.parse(out.map) as { mappings: string }).mappings)
  } catch {
    esbuild = esbuild ?? null
  }
  cache.set(url, map)
  return map
}

/** 1-based source line for a 0-based generated position, or undefined if unknown. */
export function sourceLine(url: string, line: number, column: number): number | undefined {
  if (!url.startsWith('file://') || !/\.tsx?$/.test(url)) return undefined
  const segments = lineMap(url)?.[line]
  if (!segments) return undefined
  let found: number | undefined
  for (const [col, src] of segments) {
    if (col > column) break
    found = src + 1
  }
  return found
}

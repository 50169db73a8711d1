// `npm run build`: compiles src/ to dist/ (JavaScript and type declarations) for the published
// package, then copies every file that is not TypeScript (the dashboard's assets, the worker entry
// modules) to the same place under dist/, where the compiled code looks for them beside itself.
// The clone never needs this: the bin and the workers run src/ directly (see src/util/source-mode.mjs).
import { execFileSync } from 'node:child_process'
import { cpSync, readdirSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const src = join(root, 'src')
const dist = join(root, 'dist')

rmSync(dist, { recursive: true, force: true })
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc')
try {
  execFileSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit' })
} catch {
  console.error('build: tsc failed (its errors are above)')
  process.exit(1)
}

let copied = 0
for (const entry of readdirSync(src, { recursive: true, withFileTypes: true })) {
  if (!entry.isFile() || entry.name.endsWith('.ts')) continue
  const from = join(entry.parentPath, entry.name)
  cpSync(from, join(dist, relative(src, from)))
  copied++
}
console.log(`build: dist/ compiled from src/, ${copied} other files copied`)

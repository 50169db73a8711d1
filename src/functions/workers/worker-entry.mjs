// Entry point of a function worker thread. Worker threads do not inherit the loader hooks of the
// thread that starts them (Node 20), and vitest's transform never reaches them, so the worker
// registers tsx itself before loading any TypeScript: the handler and, in a clone, the runtime
// module below. Both halves: the ESM hooks for `import()`, and the CommonJS hooks for a .ts handler
// in a package without "type": "module" (Node loads it as CommonJS, and it fails to load without
// them).
import { existsSync } from 'node:fs'
import { register as registerCommonJs } from 'tsx/cjs/api'
import { register } from 'tsx/esm/api'

register()
registerCommonJs()
// Run from src/ (a clone) or from the compiled dist/ (the installed package, no worker.ts there).
const source = new URL('./worker.ts', import.meta.url)
if (existsSync(source)) {
  // Handlers in a clone import the package by name: resolve it to src/ as the main thread does.
  const { registerSourceMode } = await import('../../util/source-mode.mjs')
  registerSourceMode()
  await import(source.href)
} else {
  await import('./worker.js')
}

#!/usr/bin/env node
// The installed package runs the compiled CLI in dist/. A clone has src/ (the package does not
// ship it) and runs the TypeScript sources through tsx, no build step; dist/ is then ignored even
// if an earlier `npm run build` left one, so an edit to src/ always takes effect.
import { existsSync } from 'node:fs'

const source = new URL('../src/cli/main.ts', import.meta.url)
if (existsSync(source)) {
  const { registerSourceMode } = await import('../src/util/source-mode.mjs')
  registerSourceMode()
  const { register } = await import('tsx/esm/api')
  register()
  await import(source.href)
} else {
  await import('../dist/cli/main.js')
}

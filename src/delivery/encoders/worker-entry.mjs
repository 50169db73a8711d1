// Entry point of an encoder worker thread. Run from src/ (a clone), it loads the TypeScript
// worker: worker threads do not inherit the loader hooks of the thread that starts them (Node 20),
// and vitest's transform never reaches them, so it registers tsx itself first (as
// src/functions/workers does). Run from the compiled dist/ (the installed package, no worker.ts
// there) it needs no loader at all.
import { existsSync } from 'node:fs'

const source = new URL('./worker.ts', import.meta.url)
if (existsSync(source)) {
  const { register } = await import('tsx/esm/api')
  register()
  await import(source.href)
} else {
  await import('./worker.js')
}

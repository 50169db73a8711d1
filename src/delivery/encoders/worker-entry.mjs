// Entry point of an encoder worker thread. Worker threads do not inherit the loader hooks of the
// thread that starts them (Node 20), and vitest's transform never reaches them, so the worker
// registers tsx itself before loading the TypeScript worker (as src/functions/runtime does).
import { register } from 'tsx/esm/api'

register()
await import('./worker.ts')

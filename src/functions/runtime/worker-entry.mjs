// Entry point of a function worker thread. Worker threads do not inherit the loader hooks of the
// thread that starts them (Node 20), and vitest's transform never reaches them, so the worker
// registers tsx itself before loading any TypeScript: the runtime module below and the handler.
// Both halves: the ESM hooks for `import()`, and the CommonJS hooks for a .ts handler in a package
// without "type": "module" (Node loads it as CommonJS, and it fails to load without them).
import { register as registerCommonJs } from 'tsx/cjs/api'
import { register } from 'tsx/esm/api'

register()
registerCommonJs()
await import('./worker.ts')

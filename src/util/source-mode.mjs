// Source mode: Tributary running from a clone, its TypeScript sources as they are, with no build.
//
// The package's `exports` point at the compiled dist/ for everyone who installs it, and list a
// `tributary-source` condition first that points at src/. In a clone, the examples, the test
// fixtures and handlers import the package by its own name (as a user's project does), so they
// must resolve to src/ too: dist/ may be missing, or stale from an earlier build, and half the
// process on each would be worse. Node applies a custom condition only when told to, and a worker
// thread does not inherit its parent's loader hooks (Node 20), so every entry point that runs the
// sources calls `registerSourceMode()`: the bin, and the worker entries when they run from src/.
// This module is also the hooks module itself (`module.register` loads it on the loader thread).
import { register } from 'node:module'

export const SOURCE_CONDITION = 'tributary-source'

/** Makes `import 'tributary-pipeline'` (and its subpaths) resolve to src/ in this thread. */
export function registerSourceMode() {
  register(import.meta.url)
}

/** Node's resolve hook: only this package declares the condition, so adding it everywhere is safe. */
export async function resolve(specifier, context, nextResolve) {
  if (context.conditions.includes(SOURCE_CONDITION)) return nextResolve(specifier, context)
  return nextResolve(specifier, { ...context, conditions: [SOURCE_CONDITION, ...context.conditions] })
}

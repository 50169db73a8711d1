import { defaultServerConditions } from 'vite'
import { defineConfig } from 'vitest/config'

export default defineConfig({
  // The package imports itself by name (examples, fixtures, handlers a test imports): that name
  // resolves to src/ through the 'tributary-source' export condition, never to dist/, which a
  // clone need not have. Vite resolves what test files import; Node (the forks and their worker
  // threads) what the pipeline loader and handler workers import.
  // Vitest's own default is Vite's server conditions without 'module' (externalized packages are
  // loaded by Node, which must not pick their bundler builds): keep it, with ours first.
  ssr: {
    resolve: {
      conditions: ['tributary-source', ...defaultServerConditions.filter((c) => c !== 'module')],
    },
  },
  test: {
    include: ['test/**/*.test.ts', 'examples/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    execArgv: ['--conditions=tributary-source'],
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  },
})

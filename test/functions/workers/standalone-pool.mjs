// Runs a pool in a process of its own, started the way bin/tributary.js starts the engine (tsx
// registered programmatically, nothing inherited by workers), for lifecycle.test.ts:
//
//   node standalone-pool.mjs close|no-close
//
// Prints the captured log messages as one JSON line, and nothing else: handler output must not
// reach this process's stdout. The process must then exit on its own.
import { register } from 'tsx/esm/api'

register()
const { FunctionPool } = await import('../../../src/functions/workers/pool.ts')

const handlers = new URL('../../fixtures/handlers/', import.meta.url).pathname
const spec = (name, file, timeoutMs) => ({
  name,
  file: handlers + file,
  exportName: 'handler',
  timeoutMs,
  memoryMb: 128,
  reservedConcurrency: undefined,
  environment: {},
})
const messages = []
const pool = new FunctionPool({
  functions: [
    spec('logs', 'logs.ts', 3000),
    spec('faults', 'faults.ts', 200),
    spec('raw', 'raw-output.ts', 3000),
  ],
  bindings: { call: async () => undefined },
  onLog: (log) => messages.push(log.message),
})
const outcomes = await Promise.all([
  pool.invoke('logs', { lines: 1 }),
  pool.invoke('faults', { action: 'spin' }),
  pool.invoke('faults', { action: 'exit' }),
  pool.invoke('raw', {}),
])
if (process.argv[2] === 'close') await pool.close()
process.stdout.write(`${JSON.stringify({ kinds: outcomes.map((o) => o.kind), messages })}\n`)

/**
 * Measures what starting function workers costs (not a test; run by hand). The main thread
 * registers tsx in-process, as bin/tributary.js does: `node --import tsx` would make every worker
 * thread load tsx too (workers inherit `--import`), which is not how Tributary runs.
 *
 *   node test/functions/workers/measure-startup.mjs
 *
 * Environment: WORKERS (default 4), CHECKOUT (the Tributary checkout to measure, default this one).
 *
 * Starts `workers` warm workers of one TypeScript handler (test/fixtures/handlers/noop.ts, one
 * invocation each, all at once) in a fresh pool of the given checkout, and prints the wall time
 * until all have answered, the process's CPU time (all threads) and its RSS growth, then the same
 * for a second round after the pool closed (the handler already compiled).
 */
import { resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { register } from 'tsx/esm/api'

register()

const workers = Number(process.env.WORKERS ?? 4)
const root = resolve(process.env.CHECKOUT ?? '.')
const { FunctionPool } = await import(pathToFileURL(resolve(root, 'src/functions/workers/pool.ts')).href)
const file = resolve(root, 'test/fixtures/handlers/noop.ts')

async function round(label) {
  const names = Array.from({ length: workers }, (_, i) => `noop${i}`)
  const pool = new FunctionPool({
    functions: names.map((name) => ({
      name,
      file,
      exportName: 'handler',
      timeoutMs: 30_000,
      memoryMb: 128,
      reservedConcurrency: undefined,
      environment: {},
    })),
    bindings: { call: async () => undefined },
  })
  const rss0 = process.memoryUsage().rss
  const cpu0 = process.cpuUsage()
  const t0 = performance.now()
  const outcomes = await Promise.all(names.map((name) => pool.invoke(name, { Records: [] })))
  const wallMs = performance.now() - t0
  const cpu = process.cpuUsage(cpu0)
  const rss = process.memoryUsage().rss
  const failed = outcomes.filter((o) => o.kind !== 'ok')
  if (failed.length > 0) throw new Error(`invocations failed: ${JSON.stringify(failed[0])}`)
  const mb = (bytes) => (bytes / 1024 / 1024).toFixed(1)
  console.log(
    `${label}: ${workers} workers warm in ${wallMs.toFixed(0)} ms, CPU ${((cpu.user + cpu.system) / 1000).toFixed(0)} ms, ` +
      `RSS ${mb(rss0)} → ${mb(rss)} MB (+${mb(rss - rss0)} MB, ${mb((rss - rss0) / workers)} MB per worker)`,
  )
  await pool.close()
}

await round('first')
await round('second')

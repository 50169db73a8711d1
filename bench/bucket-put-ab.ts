/**
 * A/B of the bucket store's PutObject path between two checkouts, in one process, rounds
 * alternating so that a noisy machine weighs on both alike (the aws-apis group runs each server
 * once per case, and on a shared VM its figures move by more than such a change):
 *
 *   node --import tsx bench/bucket-put-ab.ts <checkout A> [<checkout B, default: this one>]
 *
 * 1,500 puts of 1 KiB per round (keys cycling over 64 per worker, so objects are overwritten),
 * at 1 and 16 in flight, fsync on; six rounds per checkout, the first dropped as warm-up; prints
 * the medians of puts per second and of process CPU (event loop and libuv's pool) per put.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'

type Store = {
  putObject(bucket: string, key: string, body: Uint8Array): Promise<unknown>
}
type StoreClass = { open(options: Record<string, unknown>): Promise<Store> }

const [a, b = resolve(import.meta.dirname, '..')] = process.argv.slice(2)
if (!a) {
  console.error('usage: node --import tsx bench/bucket-put-ab.ts <checkout A> [<checkout B>]')
  process.exit(2)
}
const load = async (dir: string) =>
  (await import(join(resolve(dir), 'src/lake/buckets/bucket-store.ts'))).BucketStore as StoreClass
const impls = { A: await load(a), B: await load(b) }
const quiet = { info() {}, warn() {}, error() {}, debug() {} }
const body = Buffer.alloc(1024, 7)

async function round(store: StoreClass, concurrency: number, n: number) {
  const root = mkdtempSync(join(tmpdir(), 'bucket-put-ab-'))
  try {
    const s = await store.open({ root, buckets: ['b'], logger: quiet })
    const cpu = process.cpuUsage()
    const t0 = performance.now()
    let next = 0
    await Promise.all(
      Array.from({ length: concurrency }, async (_, w) => {
        while (next < n) await s.putObject('b', `w${w}/k${next++ % 64}`, body)
      }),
    )
    const seconds = (performance.now() - t0) / 1000
    const used = process.cpuUsage(cpu)
    return { perSecond: n / seconds, cpuMsPerPut: (used.user + used.system) / 1000 / n }
  } finally {
    rmSync(root, { recursive: true, force: true })
  }
}

const median = (xs: number[]) => xs.sort((x, y) => x - y)[Math.floor(xs.length / 2)]!
for (const concurrency of [1, 16]) {
  const runs: Record<'A' | 'B', { perSecond: number; cpuMsPerPut: number }[]> = { A: [], B: [] }
  for (let r = 0; r < 6; r++)
    for (const which of r % 2 ? (['B', 'A'] as const) : (['A', 'B'] as const))
      runs[which].push(await round(impls[which], concurrency, 1500))
  for (const which of ['A', 'B'] as const) {
    const kept = runs[which].slice(1)
    console.log(
      `${which} (${which === 'A' ? a : b}), ${concurrency} in flight: ` +
        `${median(kept.map((x) => x.perSecond)).toFixed(0)} puts/s, ` +
        `${median(kept.map((x) => x.cpuMsPerPut)).toFixed(3)} CPU ms/put`,
    )
  }
}

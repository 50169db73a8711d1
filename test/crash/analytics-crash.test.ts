import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it, onTestFinished } from 'vitest'
import { AnalyticsJobsToken } from '../../src/analytics/tokens.ts'
import { searchIndex } from '../../src/search/search.ts'
import { SearchIndexesToken } from '../../src/search/tokens.ts'
import { startPipeline } from '../../src/testing/index.ts'
import { resources } from '../fixtures/pipelines/analytics-crash/tributary.config.ts'
import { spawnDev } from '../helpers/child-dev.ts'
import { freePort } from '../helpers/child-server.ts'
import { filesUnder } from '../helpers/files.ts'
import { Prng } from '../helpers/prng.ts'
import { tempDir } from '../helpers/tmp.ts'

const CONFIG = new URL('../fixtures/pipelines/analytics-crash/tributary.config.ts', import.meta.url).pathname

/** Where `tributary dev` kills itself: inside a batch's transaction, after its commit, between deliveries. */
const CRASHES: [string, number][] = [
  ['analytics.batch', 1],
  ['analytics.committed', 2],
  ['analytics.delivered', 3],
  ['analytics.batch', 2],
  ['analytics.delivered', 5],
]
const RECORDS = 8_000
const ZONES = ['JFK', 'LGA', 'Midtown', 'Harlem', 'SoHo', 'Astoria', 'Flushing']
const T0 = Date.UTC(2026, 0, 1, 10, 0, 0)

/** Trips out of order by up to the watermark's bound, then one far-future trip per zone, which closes every window before it. */
function trips(): { zone: string; fare: number; ts: string }[] {
  const prng = new Prng(4)
  const out = Array.from({ length: RECORDS }, (_, i) => ({
    zone: ZONES[prng.int(0, ZONES.length - 1)]!,
    fare: prng.int(250, 9_000) / 100,
    ts: new Date(T0 + i * 10 - prng.int(0, 5_000)).toISOString(),
  }))
  for (const zone of ZONES) out.push({ zone, fare: 1, ts: new Date(T0 + 86_400_000).toISOString() })
  return out
}

/** A data directory whose stream holds the trips (put by a pipeline without the analytics). */
async function loaded(): Promise<string> {
  const dataDir = join(await tempDir(), 'data')
  const setup = await startPipeline({ ...resources }, { dataDir, teardown: onTestFinished })
  const all = trips()
  for (let i = 0; i < all.length; i += 500) {
    const put = await setup.put('trips', all.slice(i, i + 500), { partitionKey: (t) => t.zone })
    if (i === 0) expect(new Set(put.map((p) => p.shardId)).size).toBe(2)
  }
  await setup.close()
  return dataDir
}

/** Runs the pipeline in-process until the analytics are caught up; returns the sinks' contents. */
async function finish(
  dataDir: string,
): Promise<{ table: unknown[]; lake: Record<string, string>; docs: [string, unknown][] }> {
  const p = await startPipeline(CONFIG, { dataDir, teardown: onTestFinished })
  const job = () => p.runtime.offered(AnalyticsJobsToken)?.get('fares')
  await p.until(() => job()?.caughtUp() === true)
  const table: unknown[] = []
  let page = p.table('stats').scan({})
  for (;;) {
    table.push(...page.items)
    if (!page.lastKey) break
    page = p.table('stats').scan({ startAfter: page.lastKey })
  }
  const bucket = join(dataDir, 'lake', 'lake')
  const lake: Record<string, string> = {}
  for (const f of await filesUnder(bucket))
    if (!f.startsWith('.')) lake[f] = await readFile(join(bucket, f), 'utf8')
  // The search index, by id: with a primary key (zone_docs) and without one (count_docs, hashed ids).
  const index = p.runtime.offered(SearchIndexesToken)!.get('zone-stats')
  const docs = searchIndex(index, { size: 10_000 }, 0)
    .hits.hits.map((h): [string, unknown] => [h._id, h._source])
    .sort(([a], [b]) => (a < b ? -1 : 1))
  await p.close()
  return { table, lake, docs }
}

describe('SIGKILL along the streaming SQL path', () => {
  it(`gives the same sink contents after ${CRASHES.length} kills as an uninterrupted run`, async () => {
    const reference = await finish(await loaded())
    expect(reference.table.length).toBeGreaterThan(40)
    expect(Object.keys(reference.lake).length).toBeGreaterThan(10)
    expect(reference.docs.length).toBe(reference.table.length * 2)

    const dataDir = await loaded()
    for (const [point, n] of CRASHES) {
      const dev = spawnDev(
        [CONFIG, '--data-dir', dataDir, '--port', String(await freePort()), '--summary', '0', '--no-watch'],
        { TRIBUTARY_CRASH_AT: `${point}:${n}` },
      )
      // The child must kill itself at the crash point (not be stopped by us).
      const { signal } = await dev.exited
      expect(signal, `${point}:${n}: ${dev.output()}`).toBe('SIGKILL')
    }
    const crashed = await finish(dataDir)
    expect(crashed.table).toEqual(reference.table)
    expect(Object.keys(crashed.lake).sort()).toEqual(Object.keys(reference.lake).sort())
    for (const [key, body] of Object.entries(reference.lake)) expect(crashed.lake[key], key).toBe(body)
    expect(crashed.docs).toEqual(reference.docs)
  }, 300_000)
})

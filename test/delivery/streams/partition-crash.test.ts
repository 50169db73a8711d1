import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { PutRecordsCommand } from '@aws-sdk/client-kinesis'
import Database from 'better-sqlite3'
import { describe, expect, it, onTestFinished } from 'vitest'
import { DeliveryCheckpoints } from '../../../src/delivery/streams/checkpoints.ts'
import { StateStore } from '../../../src/storage/state/state-store.ts'
import { startPipeline } from '../../../src/testing/index.ts'
import { spawnDev } from '../../helpers/child-dev.ts'
import { freePort } from '../../helpers/child-server.ts'
import { filesUnder } from '../../helpers/files.ts'
import { kinesisClient } from '../../helpers/server.ts'
import { tempDir } from '../../helpers/tmp.ts'
import { readPartitionLake, valueEntries } from './partition-lake.ts'

const CONFIG = new URL('./fixtures/partitions/tributary.config.ts', import.meta.url).pathname
const SHARDS = ['shardId-000000000000', 'shardId-000000000001']

async function digests(dir: string): Promise<Map<string, string>> {
  const out = new Map<string, string>()
  for (const f of await filesUnder(dir))
    out.set(
      f,
      createHash('sha256')
        .update(await readFile(join(dir, f)))
        .digest('hex'),
    )
  return out
}

/** The quota's decisions as recorded in the state store: admitted and refused values. */
function decisions(dataDir: string): { admitted: string[]; refused: string[] } {
  const db = new Database(join(dataDir, 'state.db'), { readonly: true })
  try {
    const rows = db.prepare('SELECT prefix, admitted FROM delivery_partitions').all() as {
      prefix: string
      admitted: number
    }[]
    const value = (prefix: string) => /value=([^/]+)\//.exec(prefix)![1]!
    return {
      admitted: rows
        .filter((r) => r.admitted === 1)
        .map((r) => value(r.prefix))
        .sort(),
      refused: rows
        .filter((r) => r.admitted === 0)
        .map((r) => value(r.prefix))
        .sort(),
    }
  } finally {
    db.close()
  }
}

describe('the active-partition quota across a crash', () => {
  it('a buffer replayed after SIGKILL writes the same files and the same error records', async () => {
    const dataDir = join(await tempDir(), 'data')
    const setup = await startPipeline(CONFIG, { dataDir, teardown: onTestFinished })
    await setup.active()
    await setup.close()

    // A real `tributary dev` that kills itself at the 150th object renamed into the lake.
    const dev = spawnDev(
      [CONFIG, '--data-dir', dataDir, '--port', String(await freePort()), '--summary', '0', '--no-watch'],
      { TRIBUTARY_CRASH_AT: 'lake.renamed:150' },
    )
    const [, url] = (await dev.waitFor(/AWS APIs: +(http:\/\/\S+)/)) as unknown as [string, string]
    const client = kinesisClient(url)
    for (const [from, shard] of [
      [0, 0],
      [300, 1],
    ] as const) {
      const out = await client.send(
        new PutRecordsCommand({
          StreamName: 'values',
          Records: valueEntries(from, 300, shard).map((e) => ({
            PartitionKey: e.partitionKey,
            ExplicitHashKey: e.explicitHashKey,
            Data: e.data,
          })),
        }),
      )
      expect(out.FailedRecordCount).toBe(0)
    }
    client.destroy()
    expect((await dev.exited).signal).toBe('SIGKILL')

    const bucketDir = join(dataDir, 'lake', 'lake')
    const beforeFiles = await digests(bucketDir)
    const beforeDecisions = decisions(dataDir)
    const state = StateStore.open(join(dataDir, 'state.db'))
    const checkpoints = new DeliveryCheckpoints(state)
    const intents = SHARDS.map((s) => checkpoints.intent('byValue', s))
    state.close()
    // The crash came in the middle of writing a buffer, after the quota had decided.
    expect(intents.some((i) => i !== undefined)).toBe(true)
    expect(beforeFiles.size).toBeGreaterThan(0)
    expect(beforeDecisions.admitted.length).toBeGreaterThan(0)

    const final = await startPipeline(CONFIG, { dataDir, teardown: onTestFinished })
    const finalCheckpoints = new DeliveryCheckpoints(final.runtime.engine.state)
    await final.until(() =>
      final.runtime.engine
        .stream('values')
        .orderedShards()
        .every((s) => finalCheckpoints.position('byValue', s.id)?.nextOrdinal === s.log!.durableOrdinal),
    )

    const lake = await readPartitionLake(bucketDir)
    expect(lake.data.length).toBe(500)
    expect(lake.errors.length).toBe(100)
    expect([...lake.written, ...lake.errors.map((e) => e.value)].sort()).toEqual(
      Array.from({ length: 600 }, (_, i) => `v${i}`).sort(),
    )
    // Files written before the crash were written again byte for byte, none removed.
    const after = await digests(bucketDir)
    for (const [f, digest] of beforeFiles) expect(after.get(f), f).toBe(digest)
    // The interrupted buffer wrote exactly the objects it had planned before the crash.
    SHARDS.forEach((shard, i) => {
      const intent = intents[i]
      if (!intent) return
      expect(lake.all.filter((f) => f.includes(`-${shard}-`)).sort()).toEqual(
        intent.keys.map((k) => k).sort(),
      )
    })
    // Decisions made before the crash held: what was admitted is written, what was refused is
    // in the error output.
    const written = new Set(lake.written)
    const refused = new Set(lake.errors.map((e) => e.value))
    for (const v of beforeDecisions.admitted) expect(written.has(v), v).toBe(true)
    for (const v of beforeDecisions.refused) expect(refused.has(v), v).toBe(true)
  }, 120_000)
})

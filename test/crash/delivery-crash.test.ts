import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { gunzipSync } from 'node:zlib'
import { PutRecordsCommand } from '@aws-sdk/client-kinesis'
import { describe, expect, it, onTestFinished } from 'vitest'
import { DeliveryCheckpoints } from '../../src/delivery/streams/checkpoints.ts'
import { startPipeline } from '../../src/testing/index.ts'
import { spawnDev } from '../helpers/child-dev.ts'
import { freePort } from '../helpers/child-server.ts'
import { filesUnder } from '../helpers/files.ts'
import { kinesisClient } from '../helpers/server.ts'
import { tempDir } from '../helpers/tmp.ts'

const CONFIG = new URL('../fixtures/pipelines/delivery-crash/tributary.config.ts', import.meta.url).pathname

/** Where `tributary dev` kills itself (TRIBUTARY_CRASH_AT): every step of a flush, several times. */
const CRASHES: [string, number][] = [
  ['delivery.intent', 1],
  ['lake.temp-written', 1],
  ['lake.renamed', 1],
  ['delivery.written', 1],
  ['delivery.committed', 1],
  ['delivery.intent', 3],
  ['lake.temp-written', 4],
  ['lake.renamed', 3],
  ['delivery.written', 2],
  ['delivery.committed', 3],
  ['lake.renamed', 6],
  ['delivery.intent', 5],
]
const BATCH = 50
const MAX_BATCHES_PER_RUN = 200

/** Every record id in the bucket's data files, with repeats. */
async function idsInLake(bucketDir: string): Promise<string[]> {
  const ids: string[] = []
  for (const f of await filesUnder(bucketDir)) {
    for (const line of gunzipSync(await readFile(join(bucketDir, f)))
      .toString()
      .split('\n'))
      if (line) ids.push(JSON.parse(line).id)
  }
  return ids
}

describe('SIGKILL along the delivery path', () => {
  it(`leaves every record in the lake exactly once after ${CRASHES.length} kills`, async () => {
    const dir = await tempDir()
    const dataDir = join(dir, 'data')
    // Create the stream once (in-process, manual clock) so each child finds it ACTIVE.
    const setup = await startPipeline(CONFIG, { dataDir, teardown: onTestFinished })
    await setup.active()
    await setup.close()

    const acked = new Set<string>()
    const attempted = new Set<string>()
    let next = 0
    const DEV_FLAGS = ['--summary', '0', '--no-watch', '--shard-limits', 'off']
    for (const [point, n] of CRASHES) {
      const dev = spawnDev(
        // Batches as fast as the server takes them: about crash points, not AWS's shard limits.
        [CONFIG, '--data-dir', dataDir, '--port', String(await freePort()), ...DEV_FLAGS],
        { TRIBUTARY_CRASH_AT: `${point}:${n}` },
      )
      const [, url] = (await dev.waitFor(/AWS APIs: +(http:\/\/\S+)/)) as unknown as [string, string]
      const client = kinesisClient(url)
      let exited = false
      void dev.exited.then(() => {
        exited = true
      })
      for (let b = 0; b < MAX_BATCHES_PER_RUN && !exited; b++) {
        const ids = Array.from({ length: BATCH }, () => `r${next++}`)
        for (const id of ids) attempted.add(id)
        try {
          const out = await client.send(
            new PutRecordsCommand({
              StreamName: 'events',
              Records: ids.map((id) => ({ PartitionKey: id, Data: Buffer.from(JSON.stringify({ id })) })),
            }),
          )
          out.Records?.forEach((r, i) => {
            if (!r.ErrorCode) acked.add(ids[i]!)
          })
        } catch {
          // The process died under this call: its records may or may not be in the stream.
        }
      }
      client.destroy()
      // The child must have killed itself at the crash point (not been stopped by us).
      expect(exited, `${point}:${n} was never reached`).toBe(true)
      const { signal } = await dev.kill('SIGKILL')
      expect(signal).toBe('SIGKILL')
    }

    // A last, clean run delivers what is left; then the lake must hold each record once.
    const final = await startPipeline(CONFIG, { dataDir, teardown: onTestFinished })
    const checkpoints = new DeliveryCheckpoints(final.runtime.engine.state)
    const caughtUp = () =>
      final.runtime.engine
        .stream('events')
        .orderedShards()
        .every((s) => checkpoints.position('raw', s.id)?.nextOrdinal === s.log!.durableOrdinal)
    await final.until(caughtUp)
    const bucketDir = join(dataDir, 'lake', 'lake')
    const ids = await idsInLake(join(bucketDir, 'raw'))
    const unique = new Set(ids)
    expect(ids.length).toBe(unique.size) // no duplicates
    for (const id of acked) expect(unique.has(id)).toBe(true) // nothing acknowledged lost
    for (const id of unique) expect(attempted.has(id)).toBe(true)
    expect(acked.size).toBeGreaterThan(CRASHES.length * BATCH)
    // Readers only ever see complete, named objects: no temp files, no error output.
    for (const f of await filesUnder(bucketDir))
      expect(f).toMatch(/^raw\/hour=\d{4}-\d{2}-\d{2}-\d{2}\/raw-shardId-\d{12}-\d+-\d+\.json\.gz$/)
    console.log(
      `delivery crash: ${CRASHES.length} kills, ${acked.size} records acknowledged, ${unique.size} in the lake exactly once`,
    )
  }, 180_000)
})

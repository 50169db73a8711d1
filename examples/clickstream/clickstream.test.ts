import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { gunzipSync } from 'node:zlib'
import { ManualClock, startPipeline } from 'tributary-pipeline/testing'
import { describe, expect, it, onTestFinished } from 'vitest'
import { putRecords } from '../../src/engine/records.ts'
import { openLakeQuery } from '../../src/query/index.ts'
import { filesUnder } from '../../test/helpers/files.ts'
import { type ClickEvent, generateBatch } from './functions/generator.ts'
import { invalidReason } from './functions/validate.ts'

const CONFIG = new URL('./tributary.config.ts', import.meta.url).pathname
const START = Date.UTC(2026, 10, 23, 10, 0, 0)
const INPUT = { count: 300, seed: 2026, time: '2026-11-23T10:59:00.000Z' }

/** Order-independent digest of a set of records. */
const digest = (lines: string[]) =>
  createHash('sha256')
    .update([...lines].sort().join('\n'))
    .digest('hex')

const b64 = (s: string) => Buffer.from(s).toString('base64')

describe('examples/clickstream (seed 003)', () => {
  it('validates the scheduled clickstream, partitions it by its metadata into the lake, and keeps invalid events with their reason', async () => {
    // Once, at 11:00 (the test's clock jumps from timer to timer while functions work, so a rate
    // schedule would fire again and again); one reproducible batch.
    const p = await startPipeline(CONFIG, {
      clock: new ManualClock(START),
      env: { CLICKSTREAM_SCHEDULE: 'cron(0 11 23 11 ? 2026)', CLICKSTREAM_INPUT: JSON.stringify(INPUT) },
      teardown: onTestFinished,
    })
    await p.active()

    // What the producer will put, and which of it is valid.
    const batch = generateBatch(INPUT.count, INPUT.seed, Date.parse(INPUT.time))
    const valid = batch.filter((e) => invalidReason(e) === undefined)
    const invalid = batch.filter((e) => invalidReason(e) !== undefined)
    expect(invalid.length).toBe(INPUT.count / 25)

    // Two poison records from elsewhere: bytes that are not JSON, and a site that is a path.
    const hostile = JSON.stringify({
      ...(JSON.parse(valid[0]!) as ClickEvent),
      metadata: { event_type: 'view', site: '../../etc', source: 'web', schema_version: '1.0' },
    })
    const poison = await putRecords(p.runtime.engine, 'clickstream', [
      { partitionKey: 'poison-1', data: b64('\u0000\u0001 not json') },
      { partitionKey: 'poison-2', data: b64(hostile) },
    ])
    expect(poison.outcomes.every((o) => o.ok)).toBe(true)

    p.clock.set(Date.UTC(2026, 10, 23, 11, 0, 0))
    const delivered = () =>
      p.metric('DeliveryToS3.Records', { DeliveryStreamName: 'events' }, 'AWS/Firehose').sum
    const failedObjects = async () => (await p.runtime.buckets.listObjects('failed')).objects
    await p.until(async () => delivered() === valid.length && (await failedObjects()).length === 14)
    expect(
      p.logs.some((l) => l.functionName === 'generator' && /put 300 clickstream events/.test(l.message)),
    ).toBe(true)
    expect(p.metric('Invocations', { FunctionName: 'generator' }).sum).toBe(1)

    // The lake: one file per (site, event type, day) and shard buffer, nothing in the error prefix.
    const lake = join(p.dataDir, 'lake', 'lake')
    const all = await filesUnder(lake)
    expect(all.filter((f) => f.startsWith('errors/'))).toEqual([])
    const landed: string[] = []
    const perPartition = new Map<string, number>()
    for (const f of all) {
      const m =
        /^events\/site=(shop-us|shop-de|shop-jp)\/event_type=(view|add_to_cart|purchase)\/dt=2026-11-23\/events-shardId-\d{12}-\d+-\d+\.json\.gz$/.exec(
          f,
        )
      expect(m, f).not.toBeNull()
      const lines = gunzipSync(await readFile(join(lake, f)))
        .toString('utf8')
        .split('\n')
      expect(lines.pop()).toBe('') // appendNewline: every record ends with a newline
      for (const line of lines) {
        const e = JSON.parse(line) as ClickEvent
        expect([e.metadata.site, e.metadata.event_type]).toEqual([m![1], m![2]])
        landed.push(line)
      }
      const partition = `${m![1]}/${m![2]}`
      perPartition.set(partition, (perPartition.get(partition) ?? 0) + lines.length)
    }
    // Exactly the valid events, byte for byte, each once.
    expect(landed.length).toBe(valid.length)
    expect(digest(landed)).toBe(digest(valid))
    const expectedPartitions = new Map<string, number>()
    for (const line of valid) {
      const { metadata } = JSON.parse(line) as ClickEvent
      const key = `${metadata.site}/${metadata.event_type}`
      expectedPartitions.set(key, (expectedPartitions.get(key) ?? 0) + 1)
    }
    expect(perPartition).toEqual(expectedPartitions)
    expect(perPartition.size).toBe(9) // 3 sites × 3 event types
    expect(all.some((f) => f.includes('etc'))).toBe(false)

    // The failed bucket: every invalid event, raw, with the reason it was refused.
    const failed = await Promise.all(
      (await failedObjects()).map(async (o) => {
        expect(o.key).toMatch(/^invalid\/dt=2026-11-23\/shardId-\d{12}-\d+\.json$/)
        const body = (await p.runtime.buckets.getObject('failed', o.key)).body.toString('utf8')
        return JSON.parse(body) as { reason: string; rawData: string; kinesisRecordMetadata: unknown }
      }),
    )
    expect(digest(failed.map((f) => f.rawData))).toBe(digest([...invalid, '\u0000\u0001 not json', hostile]))
    expect(failed.map((f) => f.reason).sort()).toEqual(
      [
        ...invalid.map((e) => invalidReason(e)!),
        'not valid JSON',
        'invalid metadata.site "../../etc"',
      ].sort(),
    )
    expect(new Set(failed.map((f) => f.reason))).toEqual(
      new Set([
        'missing metadata',
        'unknown metadata.event_type "hover"',
        'invalid product.price',
        'not valid JSON',
        'invalid metadata.site "../../etc"',
      ]),
    )
    for (const f of failed)
      expect(f.kinesisRecordMetadata).toMatchObject({ partitionKey: expect.any(String) })

    // SQL over the lake through the catalog table.
    const q = await openLakeQuery({ dataDir: p.dataDir, catalog: p.runtime.pipeline.catalog })
    try {
      const byType = await q.query(
        `SELECT event_type, count(*) AS n, count(DISTINCT event_id) AS ids,
                sum(product.price * coalesce(quantity, 1)) AS amount
           FROM clickstream_events WHERE dt = DATE '2026-11-23' GROUP BY event_type ORDER BY event_type`,
      )
      const events = valid.map((l) => JSON.parse(l) as ClickEvent)
      const expected = (['add_to_cart', 'purchase', 'view'] as const).map((type) => {
        const of = events.filter((e) => e.metadata.event_type === type)
        const amount = of.reduce((s, e) => s + Math.round(e.product.price * 100) * (e.quantity ?? 1), 0) / 100
        return [type, of.length, of.length, amount]
      })
      expect(byType.rows).toEqual(expected)
      const sites = await q.query(
        'SELECT site, count(*) FROM clickstream_events WHERE event_type = ? GROUP BY site ORDER BY site',
        ['purchase'],
      )
      expect(sites.rows).toEqual(
        ['shop-de', 'shop-jp', 'shop-us']
          .map((s) => [
            s,
            events.filter((e) => e.metadata.site === s && e.metadata.event_type === 'purchase').length,
          ])
          .filter(([, n]) => n !== 0),
      )
    } finally {
      await q.close()
    }
  })
})

import { createHash } from 'node:crypto'
import { ManualClock, startPipeline } from 'tributary-pipeline/testing'
import { describe, expect, it, onTestFinished } from 'vitest'
import { putRecords } from '../../src/engine/records.ts'
import { openLakeQuery } from '../../src/query/index.ts'
import { openTables } from '../../src/services/tables/index.ts'
import { generateBatch, type PipelineEvent } from './functions/generator.ts'
import type { ObjectMetadata } from './functions/processor.ts'
import { enrich, type ProcessedEvent } from './functions/transformer.ts'

const CONFIG = new URL('./tributary.config.ts', import.meta.url).pathname
const START = Date.UTC(2026, 10, 23, 10, 0, 0)
const INPUT = { count: 200, seed: 1, time: '2026-11-23T10:59:00.000Z' }

/** Order-independent digest of a set of records. */
const digest = (lines: string[]) =>
  createHash('sha256')
    .update([...lines].sort().join('\n'))
    .digest('hex')

const b64 = (s: string) => Buffer.from(s).toString('base64')

describe('examples/event-driven (seed 001)', () => {
  it('stream → processor → raw bucket + metadata → transformer → processed bucket, with both dead-letter queues', async () => {
    // Once, at 11:00 (a rate schedule would fire again as the test's clock jumps from timer to
    // timer while functions work); one reproducible batch.
    const p = await startPipeline(CONFIG, {
      clock: new ManualClock(START),
      env: { EVENTS_SCHEDULE: 'cron(0 11 23 11 ? 2026)', EVENTS_INPUT: JSON.stringify(INPUT) },
      teardown: onTestFinished,
    })
    await p.active()

    // A batch of our own, straddling midnight (two day partitions), with a poison record in the
    // middle; one partition key, so one shard and one batch.
    const late = generateBatch(40, 99, Date.parse('2026-11-22T23:59:50.000Z'))
    const entries = late.map((data) => ({ partitionKey: 'user-late', data: b64(data) }))
    entries.splice(20, 0, { partitionKey: 'user-late', data: b64('{"event_id": "poison", "event_type": ') })
    const put = await putRecords(p.runtime.engine, 'events', entries)
    expect(put.outcomes.every((o) => o.ok)).toBe(true)
    const poison = put.outcomes[20] as { sequenceNumber: string; shardId: string }

    // An object the transformer cannot read, dropped into the raw bucket by hand.
    await p.runtime.buckets.putObject(
      'raw',
      'manual/poison.json',
      Buffer.from('{"event_id":"x","timestamp":"2026-11-23T10:00:00Z"}\nnot json\n'),
      {
        contentType: 'application/json',
      },
    )

    p.clock.set(Date.UTC(2026, 10, 23, 11, 0, 0))
    const scheduled = generateBatch(INPUT.count, INPUT.seed, Date.parse(INPUT.time))
    const valid = [...scheduled, ...late]

    const metadata = openTables(p.runtime.engine.state, { metadata: { partitionKey: 'object_key' } }).get(
      'metadata',
    )!
    const rows = () => metadata.scan({ limit: 1000 }).items as ObjectMetadata[]
    const depth = (q: string) => p.runtime.queues.depth(q).visible
    await p.until(() => {
      const raw = rows().filter((r) => r.object_key.startsWith('events/'))
      return (
        raw.length > 0 &&
        raw.every((r) => r.status === 'PROCESSED') &&
        raw.reduce((n, r) => n + r.record_count, 0) === valid.length &&
        depth('processor-dlq') === 1 &&
        depth('transformer-dlq') === 1 &&
        depth('transformer-failures') === 1
      )
    })
    expect(p.logs.some((l) => l.functionName === 'generator' && /put 200 events/.test(l.message))).toBe(true)
    expect(p.metric('Invocations', { FunctionName: 'generator' }).sum).toBe(1)

    // Raw bucket: day partitions by event time, each event once, byte for byte.
    const { objects } = await p.runtime.buckets.listObjects('raw', { prefix: 'events/' })
    const rawLines: string[] = []
    const perDay = new Map<string, number>()
    for (const { key } of objects) {
      const m = /^events\/year=2026\/month=11\/day=(22|23)\/shardId-\d{12}-\d+-\d+\.json$/.exec(key)
      expect(m, key).not.toBeNull()
      const lines = (await p.runtime.buckets.getObject('raw', key)).body.toString('utf8').split('\n')
      expect(lines.pop()).toBe('')
      for (const line of lines) {
        expect((JSON.parse(line) as PipelineEvent).timestamp.slice(8, 10)).toBe(m![1])
        rawLines.push(line)
      }
      perDay.set(m![1]!, (perDay.get(m![1]!) ?? 0) + lines.length)
    }
    expect(rawLines.length).toBe(valid.length)
    expect(digest(rawLines)).toBe(digest(valid))
    expect(perDay).toEqual(
      new Map([
        ['22', 20],
        ['23', 220],
      ]),
    )

    // Metadata: a row per raw object, PROCESSED, with its counts; the hand-dropped object FAILED.
    const all = rows()
    expect(all.map((r) => r.object_key).sort()).toEqual(
      [...objects.map((o) => o.key), 'manual/poison.json'].sort(),
    )
    for (const o of objects) {
      const row = all.find((r) => r.object_key === o.key)!
      const lines =
        (await p.runtime.buckets.getObject('raw', o.key)).body.toString('utf8').split('\n').length - 1
      expect(row).toMatchObject({
        status: 'PROCESSED',
        bucket: 'raw',
        record_count: lines,
        processed_count: lines,
        processed_key: o.key,
      })
      expect(o.key).toContain(`${row.shard_id}-${row.first_sequence}-${row.last_sequence}.json`)
    }
    const failedRow = all.find((r) => r.object_key === 'manual/poison.json')!
    expect(failedRow).toMatchObject({ status: 'FAILED', bucket: 'raw' })
    expect(failedRow.error).toMatch(/^line 2: /)

    // Processed bucket: the same keys, each raw event enriched.
    const processed = await p.runtime.buckets.listObjects('processed')
    expect(processed.objects.map((o) => o.key)).toEqual(objects.map((o) => o.key))
    const produced: string[] = []
    const expected: string[] = []
    for (const { key } of processed.objects) {
      const out = (await p.runtime.buckets.getObject('processed', key)).body.toString('utf8').split('\n')
      out.pop()
      const rawOf = (await p.runtime.buckets.getObject('raw', key)).body.toString('utf8').split('\n')
      rawOf.pop()
      expect(out.length).toBe(rawOf.length)
      const at = (JSON.parse(out[0]!) as ProcessedEvent).processed_at
      produced.push(...out)
      expected.push(...rawOf.map((l) => JSON.stringify(enrich(JSON.parse(l), `raw/${key}`, at))))
    }
    expect(digest(produced)).toBe(digest(expected))
    const enriched = produced.map((l) => JSON.parse(l) as ProcessedEvent)
    expect(enriched.some((e) => e.is_high_value)).toBe(true)
    expect(enriched.filter((e) => e.category === 'commerce').every((e) => e.amount_usd !== null)).toBe(true)

    // Processor DLQ: Lambda's metadata-only record for the poison record alone (bisected out).
    const [dlq] = p.runtime.queues.peek('processor-dlq').messages
    const failure = JSON.parse(dlq!.body)
    expect(failure.requestContext.condition).toBe('RetryAttemptsExhausted')
    // The bisections down to the poison record, then the record alone: first try and 2 retries.
    expect(failure.requestContext.approximateInvokeCount).toBeGreaterThanOrEqual(3)
    expect(failure.KinesisBatchInfo).toMatchObject({
      shardId: poison.shardId,
      startSequenceNumber: poison.sequenceNumber,
      endSequenceNumber: poison.sequenceNumber,
      batchSize: 1,
    })
    expect(p.metric('Errors', { FunctionName: 'processor' }).sum).toBeGreaterThanOrEqual(3)

    // Transformer: after Lambda's 2 retries the S3 event is in the DLQ, and the invocation record
    // (with the reason) at the on-failure destination.
    const [tdlq] = p.runtime.queues.peek('transformer-dlq').messages
    expect(JSON.parse(tdlq!.body)).toMatchObject({
      Records: [{ s3: { bucket: { name: 'raw' }, object: { key: 'manual/poison.json' } } }],
    })
    const [invocation] = p.runtime.queues.peek('transformer-failures').messages
    expect(JSON.parse(invocation!.body)).toMatchObject({
      requestContext: { condition: 'RetriesExhausted', approximateInvokeCount: 3 },
      responsePayload: { errorMessage: expect.stringMatching(/^line 2: /) },
    })
    expect(p.metric('Errors', { FunctionName: 'transformer' }).sum).toBe(3)

    // SQL over both buckets through the catalog tables.
    const q = await openLakeQuery({ dataDir: p.dataDir, catalog: p.runtime.pipeline.catalog })
    try {
      const raw = await q.query(
        'SELECT day, count(*), count(DISTINCT event_id) FROM raw_events GROUP BY day ORDER BY day',
      )
      expect(raw.rows).toEqual([
        [22, 20, 20],
        [23, 220, 220],
      ])
      const byCategory = await q.query(
        `SELECT category, count(*) AS n, sum(amount_usd) AS usd, count(*) FILTER (WHERE is_high_value) AS high
           FROM processed_events WHERE year = 2026 AND month = 11 GROUP BY category ORDER BY category`,
      )
      const want = ['account', 'commerce', 'fulfilment'].map((c) => {
        const of = enriched.filter((e) => e.category === c)
        const usd = of.reduce((s, e) => s + Math.round((e.amount_usd ?? 0) * 100), 0) / 100
        return [
          c,
          of.length,
          of.some((e) => e.amount_usd !== null) ? usd : null,
          of.filter((e) => e.is_high_value).length,
        ]
      })
      expect(byCategory.rows).toEqual(want)
    } finally {
      await q.close()
    }
  })
})

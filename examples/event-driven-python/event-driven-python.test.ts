import { spawnSync } from 'node:child_process'
import { PutRecordsCommand } from '@aws-sdk/client-kinesis'
import { startPipeline, type TestPipeline } from 'tributary-pipeline/testing'
import { describe, expect, it, onTestFinished } from 'vitest'
import { openTables } from '../../src/services/tables/index.ts'
import { findBoto3, run } from '../../test/helpers/real-clients.ts'

const CONFIG = new URL('./tributary.config.ts', import.meta.url).pathname
const PRODUCER = new URL('./producer.py', import.meta.url).pathname
const TYPES = ['user_signup', 'order_placed', 'payment_processed', 'item_shipped']
const RATE: Record<string, number> = { USD: 1, EUR: 1.08, GBP: 1.27 }

interface RawEvent {
  event_id: string
  event_type: string
  user_id: string
  timestamp: string
  source: string
  payload: { amount?: number; currency?: string; item_count?: number; plan?: string }
}

/**
 * The functions run on the `python3` Tributary finds (on PATH); the producer on Debian's, as a
 * user would run it. Both need boto3.
 */
function missingPython(): string | undefined {
  const debian = findBoto3()
  if ('missing' in debian) return debian.missing
  const probe = spawnSync('python3', ['-c', 'import boto3'], { encoding: 'utf8', timeout: 30_000 })
  if (probe.error) return `no python3 on PATH (${probe.error.message}): apt-get install python3-boto3`
  if (probe.status !== 0)
    return `the python3 on PATH cannot import boto3 (${probe.stderr.trim().split('\n').at(-1)}): apt-get install python3-boto3`
  return undefined
}
const missing = missingPython()

const rowsOf = (p: TestPipeline) =>
  openTables(p.runtime.engine.state, { metadata: { partitionKey: 'object_key' } })
    .get('metadata')!
    .scan({ limit: 1000 }).items as Record<string, unknown>[]

const logged = (p: TestPipeline, fn: string, pattern: RegExp) =>
  p.logs.filter((l) => l.functionName === fn && pattern.test(l.message)).map((l) => l.message)

const lines = (body: Buffer) => body.toString('utf8').split('\n').filter(Boolean)

describe('examples/event-driven-python (seed 001, Python functions with boto3)', () => {
  it('producer → processor → raw bucket + metadata → transformer → processed bucket, dead-letter queues and a partial batch failure', async (ctx) => {
    if (missing) {
      console.warn(`skipped: ${missing}`)
      ctx.skip(missing)
    }
    const p = await startPipeline(CONFIG, { serve: true, teardown: onTestFinished })

    // 60 events, half a second apart from 10:59:40: two hour partitions, four event types.
    const out = await run('/usr/bin/python3', [
      PRODUCER,
      '--endpoint-url',
      p.endpoint!,
      '--count',
      '60',
      '--seed',
      '1',
      '--time',
      '2026-11-23T10:59:40Z',
      '--print',
    ])
    const produced = lines(Buffer.from(out)).map((l) => JSON.parse(l) as RawEvent)
    expect(produced).toHaveLength(60)

    // One batch on one shard: two valid events, three invalid ones, and last a valid event the
    // processor cannot store (its event type makes the object key longer than S3's 1,024 bytes).
    const event = (id: string, type = 'order_placed'): RawEvent => ({
      event_id: id,
      event_type: type,
      user_id: 'user-7',
      timestamp: '2026-11-23T12:30:00.000Z',
      source: 'web',
      payload: { amount: 640, currency: 'EUR', item_count: 2 },
    })
    const batch = [
      JSON.stringify(event('late-1')),
      'not json',
      JSON.stringify(event('late-2', 'item_shipped')),
      JSON.stringify({ event_id: 'no-user', event_type: 'order_placed', timestamp: '2026-11-23T12:30:00Z' }),
      JSON.stringify(event('bad-type', 'Order Placed')),
      JSON.stringify(event('unstorable', `order_${'x'.repeat(1100)}`)),
    ]
    const put = await p.kinesis!.send(
      new PutRecordsCommand({
        StreamName: 'events',
        Records: batch.map((data) => ({ Data: Buffer.from(data), PartitionKey: 'user-7' })),
      }),
    )
    expect(put.FailedRecordCount).toBe(0)
    const sequence = put.Records!.map((r) => r.SequenceNumber!)
    const valid = [...produced, event('late-1'), event('late-2', 'item_shipped')]

    // An object the transformer cannot read, dropped into the raw bucket by hand.
    await p.runtime.buckets.putObject(
      'raw',
      'manual/bad.json',
      Buffer.from(`${JSON.stringify(event('manual-1'))}\nnot json\n`),
    )

    const depth = (q: string) => p.runtime.queues.depth(q).visible
    const stored = () =>
      rowsOf(p).filter((r) => r.status === 'PROCESSED' && String(r.object_key).startsWith('events/'))
    await p.until(
      () =>
        stored().reduce((n, r) => n + Number(r.record_count), 0) === valid.length &&
        depth('processor-dlq') === 3 &&
        depth('processor-failures') === 1 &&
        depth('transformer-dlq') === 1 &&
        depth('transformer-failures') === 1,
    )

    // Raw bucket: one object per event type and hour of each batch, each valid event once.
    const { objects } = await p.runtime.buckets.listObjects('raw', { prefix: 'events/' })
    const rawEvents: RawEvent[] = []
    for (const { key } of objects) {
      const m =
        /^events\/event_type=([a-z_]+)\/year=2026\/month=11\/day=23\/hour=(\d\d)\/(shardId-\d{12})-(\d+)-(\d+)\.json$/.exec(
          key,
        )
      expect(m, key).not.toBeNull()
      const object = await p.runtime.buckets.getObject('raw', key)
      expect(object.contentType).toBe('application/x-ndjson')
      const events = lines(object.body).map((l) => JSON.parse(l) as RawEvent)
      for (const e of events) {
        expect(e.event_type).toBe(m![1])
        expect(e.timestamp.slice(11, 13)).toBe(m![2])
      }
      expect(object.metadata).toMatchObject({
        'event-type': m![1],
        'record-count': String(events.length),
        'shard-id': m![3],
        'first-sequence': m![4],
        'last-sequence': m![5],
      })
      rawEvents.push(...events)
    }
    const ids = (es: RawEvent[]) => es.map((e) => e.event_id).sort()
    expect(ids(rawEvents)).toEqual(ids(valid))
    expect(rawEvents).toEqual(expect.arrayContaining(valid))
    expect(new Set(objects.map((o) => o.key.split('/')[5]))).toEqual(
      new Set(['hour=10', 'hour=11', 'hour=12']),
    )
    expect(new Set(rawEvents.map((e) => e.event_type))).toEqual(new Set(TYPES))

    // Metadata: a PROCESSED row per raw object with its counts; FAILED rows say why.
    const rows = rowsOf(p)
    for (const { key } of objects) {
      const row = rows.find((r) => r.object_key === key)
      expect(row, key).toMatchObject({ bucket: 'raw', status: 'PROCESSED', processed_key: key })
      expect(row!.processed_count).toBe(row!.record_count)
    }
    const unstorable = rows.find((r) => String(r.event_type).startsWith('order_xxx'))
    expect(unstorable).toMatchObject({ status: 'FAILED', first_sequence: sequence[5] })
    expect(unstorable!.error).toMatch(/KeyTooLongError|MetadataTooLarge/)
    const manual = rows.find((r) => r.object_key === 'manual/bad.json')
    expect(manual).toMatchObject({ status: 'FAILED', bucket: 'raw' })
    expect(manual!.error).toMatch(/^line 2: Expecting value/)

    // Processed bucket: the same keys, every event enriched.
    const processed = await p.runtime.buckets.listObjects('processed')
    expect(processed.objects.map((o) => o.key)).toEqual(objects.map((o) => o.key))
    const enriched = []
    for (const { key } of processed.objects) {
      const object = await p.runtime.buckets.getObject('processed', key)
      expect(object.metadata).toMatchObject({ 'source-object': `raw/${key}` })
      enriched.push(...lines(object.body).map((l) => JSON.parse(l)))
    }
    expect(enriched).toHaveLength(valid.length)
    for (const e of valid) {
      const out = enriched.find((x) => x.event_id === e.event_id)
      const usd =
        e.payload.amount === undefined
          ? null
          : Math.round(e.payload.amount * RATE[e.payload.currency!]! * 100) / 100
      expect(out).toMatchObject({
        event_type: e.event_type,
        category: { user_signup: 'account', item_shipped: 'fulfilment' }[e.event_type] ?? 'commerce',
        event_date: '2026-11-23',
        event_hour: Number(e.timestamp.slice(11, 13)),
        amount_usd: usd,
        is_high_value: usd !== null && usd >= 500,
        item_count: e.payload.item_count ?? null,
      })
    }

    // Processor DLQ: the three invalid records, sent by the handler with the reason and the data.
    const invalid = p.runtime.queues.peek('processor-dlq').messages.map((m) => JSON.parse(m.body))
    expect(invalid.map((m) => [m.sequenceNumber, m.reason]).sort()).toEqual(
      [
        [sequence[1], 'not JSON'],
        [sequence[3], 'missing or not a string: user_id'],
        [sequence[4], "event_type 'Order Placed' is not a lower-case identifier"],
      ].sort(),
    )
    expect(Buffer.from(invalid.find((m) => m.sequenceNumber === sequence[1]).data, 'base64').toString()).toBe(
      'not json',
    )

    // Partial batch response: the batch wrote what it could and reported the unstorable record;
    // Lambda retried from it alone (twice), nothing before it again, then gave up on it.
    const summaries = logged(p, 'processor', /, [1-9]\d* failed$/)
    expect(summaries.map((m) => m.split('\t').at(-1))).toEqual([
      '6 records: 2 written in 2 object(s), 3 invalid, 1 failed',
      '1 records: 0 written in 0 object(s), 0 invalid, 1 failed',
      '1 records: 0 written in 0 object(s), 0 invalid, 1 failed',
    ])
    const [gaveUp] = p.runtime.queues.peek('processor-failures').messages
    expect(JSON.parse(gaveUp!.body)).toMatchObject({
      requestContext: { condition: 'RetryAttemptsExhausted', approximateInvokeCount: 3 },
      KinesisBatchInfo: { startSequenceNumber: sequence[5], endSequenceNumber: sequence[5], batchSize: 1 },
    })

    // Transformer: after Lambda's 2 retries the S3 event is in its DLQ, the invocation record at
    // the on-failure destination.
    const [tdlq] = p.runtime.queues.peek('transformer-dlq').messages
    expect(JSON.parse(tdlq!.body)).toMatchObject({
      Records: [{ s3: { bucket: { name: 'raw' }, object: { key: 'manual/bad.json' } } }],
    })
    const [record] = p.runtime.queues.peek('transformer-failures').messages
    expect(JSON.parse(record!.body)).toMatchObject({
      requestContext: { condition: 'RetriesExhausted', approximateInvokeCount: 3 },
      responsePayload: { errorType: 'ValueError', errorMessage: expect.stringMatching(/^line 2: /) },
    })
  }, 300_000)
})

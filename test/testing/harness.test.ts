import { existsSync } from 'node:fs'
import { PutRecordsCommand } from '@aws-sdk/client-kinesis'
import { describe, expect, it, onTestFinished } from 'vitest'
import { startPipeline } from '../../src/testing/index.ts'

const CONFIG = new URL('./fixture/tributary.config.ts', import.meta.url)

describe('tributary-pipeline/testing', () => {
  it('put, then settle: the handler has run, on the clock as it was', async () => {
    const p = await startPipeline(CONFIG, { teardown: onTestFinished })
    const before = p.clock.now()

    const [click, view] = await p.put('events', [{ type: 'click' }, { type: 'view' }])
    await p.settle()

    expect(p.clock.now()).toBe(before)
    expect(p.metric('Invocations', { FunctionName: 'store' }).sum).toBe(1)
    expect(await p.lake.keys('out')).toEqual([
      `click/${click!.sequenceNumber}.json`,
      `view/${view!.sequenceNumber}.json`,
    ])
    expect(await p.lake.json('out', `click/${click!.sequenceNumber}.json`)).toEqual({
      type: 'click',
      seq: click!.sequenceNumber,
    })
    expect(p.table('seen').get({ type: 'view', seq: view!.sequenceNumber })).toEqual({
      type: 'view',
      seq: view!.sequenceNumber,
    })
    expect(p.table('seen').query({ partitionKey: 'click' }).items).toHaveLength(1)
    expect(p.table('seen').scan().items).toHaveLength(2)
  })

  it('advance: a delivery buffer waits for its interval, then its rows are in the lake (gzip NDJSON)', async () => {
    const p = await startPipeline(CONFIG, { teardown: onTestFinished })
    const events = Array.from({ length: 20 }, (_, i) => ({ type: 'reading', i }))

    await p.put('events', events)
    await p.settle()
    expect(await p.lake.keys('lake')).toEqual([])

    await p.advance(60_000)
    expect(await p.lake.keys('lake')).toEqual([]) // due once more than the interval has passed, as on Firehose
    await p.advance(1)
    const [key] = await p.lake.keys('lake', 'events/')
    expect(key).toMatch(
      /^events\/\d{4}\/\d{2}\/\d{2}\/\d{2}\/archive-shardId-000000000000-\d+-\d+\.json\.gz$/,
    )
    expect(await p.lake.rows('lake', key!)).toEqual(events)
    expect(await p.lake.rowsUnder('lake')).toEqual(events)
    expect(p.metric('DeliveryToS3.Records', { DeliveryStreamName: 'archive' }, 'AWS/Firehose').sum).toBe(20)
  })

  it('a failing batch: its on-failure record in the queue, the alarm in ALARM, the notification in the outbox', async () => {
    const p = await startPipeline(CONFIG, { teardown: onTestFinished })

    await p.put('events', ['poison'])
    await p.settle()
    expect(p.queue('failed').depth().visible).toBe(1)
    const [failure] = p.queue('failed').json<{ requestContext: { condition: string } }>()
    expect(failure!.requestContext.condition).toBe('RetryAttemptsExhausted')
    expect(p.queue('failed').messages()[0]!.state).toBe('visible')

    await p.advance(180_000)
    expect(p.alarms().map((a) => [a.name, a.state])).toEqual([['store-errors', 'ALARM']])
    expect(p.alarmHistory('store-errors').some((h) => h.newState === 'ALARM')).toBe(true)
    expect((await p.outbox()).map((e) => e.alarm?.name)).toEqual(['store-errors'])
  })

  it('serve: records put through the Kinesis API with the AWS SDK', async () => {
    const p = await startPipeline(CONFIG, { serve: true, teardown: onTestFinished })
    expect(p.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)

    const put = await p.kinesis!.send(
      new PutRecordsCommand({
        StreamName: 'events',
        Records: [{ PartitionKey: 'k', Data: Buffer.from(JSON.stringify({ type: 'click' })) }],
      }),
    )
    await p.settle()

    expect(await p.lake.keys('out')).toEqual([`click/${put.Records![0]!.SequenceNumber}.json`])
  })

  it('starts a definition written in the test, handlers relative to dir', async () => {
    const p = await startPipeline(
      {
        streams: { events: { shardCount: 2 } },
        functions: { store: { handler: 'functions/store.handler' } },
        mappings: [{ function: 'store', stream: 'events', startingPosition: 'TRIM_HORIZON' }],
        buckets: { out: {} },
        tables: { seen: { partitionKey: 'type', sortKey: 'seq' } },
      },
      { dir: new URL('./fixture/', import.meta.url).pathname, teardown: onTestFinished },
    )

    await p.put(
      'events',
      ['a', 'b', 'c', 'd'].map((type) => ({ type })),
      { partitionKey: (e) => e.type },
    )
    await p.settle()

    expect(await p.lake.keys('out')).toHaveLength(4)
    expect(p.table('seen').count()).toBe(4)
  })

  it('close keeps the data directory for a restart; dispose deletes the one it made', async () => {
    let dispose: (() => Promise<void>) | undefined
    const p = await startPipeline(CONFIG, { teardown: (d) => (dispose = d) })
    await p.put('events', [{ type: 'click' }])
    await p.settle()
    await p.close()

    const again = await startPipeline(CONFIG, { dataDir: p.dataDir, teardown: onTestFinished })
    expect(await again.lake.keys('out')).toHaveLength(1)
    await again.close()

    await dispose!()
    expect(existsSync(p.dataDir)).toBe(false)
  })

  it('sets env while the pipeline file loads, and restores it', async () => {
    process.env.HARNESS_PROBE = 'before'
    onTestFinished(() => {
      delete process.env.HARNESS_PROBE
    })
    await startPipeline(CONFIG, { env: { HARNESS_PROBE: 'during' }, teardown: onTestFinished })
    expect(process.env.HARNESS_PROBE).toBe('before')
  })
})

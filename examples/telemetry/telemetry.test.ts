import { join } from 'node:path'
import { PutRecordCommand } from '@aws-sdk/client-kinesis'
import { startPipeline } from 'tributary-pipeline/testing'
import { describe, expect, it, onTestFinished } from 'vitest'
import { openLakeQuery } from '../../src/query/index.ts'
import { filesUnder } from '../../test/helpers/files.ts'
import { kinesisClient } from '../../test/helpers/server.ts'

const CONFIG = new URL('./tributary.config.ts', import.meta.url).pathname

/**
 * The pipeline with an hourly schedule, so the test's clock jumps (to retries and the like) never
 * start a run it did not ask for, and a run that puts 50 events at once instead of streaming for
 * a minute of real time.
 */
function startTelemetry() {
  return startPipeline(CONFIG, {
    env: { TELEMETRY_SCHEDULE: 'rate(1 hour)', TELEMETRY_BATCH: '50' },
    teardown: onTestFinished,
  })
}

describe('examples/telemetry (seed 002)', () => {
  it('the scheduled producer puts telemetry events; the consumer counts them and Firehose lands them in S3, queryable', async () => {
    const p = await startTelemetry()
    const consumer = { FunctionName: 'consumeKinesisEvents' }
    // The first run of a rate schedule is one period after start.
    p.clock.advance(3_600_000)
    await p.until(async () => {
      const stats = await p.runtime.pool.stats('produceKinesisEvents')
      return stats.invocations >= 1 && p.metric('Invocations', consumer).sum >= 1
    }, 100)
    const table = await import('../../src/services/tables/index.ts')
    const tables = table.openTables(p.runtime.engine.state, {
      'telemetry-stats': { partitionKey: 'hemisphere' },
    })
    const stats = tables.get('telemetry-stats')!
    await p.until(() => {
      const total = ['north', 'south'].reduce(
        (n, h) => n + Number(stats.get({ hemisphere: h })?.events ?? 0),
        0,
      )
      return total === 50
    }, 100)
    expect(
      p.logs.some(
        (l) => l.functionName === 'produceKinesisEvents' && /put 50 telemetry events/.test(l.message),
      ),
    ).toBe(true)
    expect(p.metric('Errors', consumer).sum).toBe(0)

    // The Firehose leg: the same events land in the archive bucket once the 60 s buffer is cut,
    // as gzipped JSON lines under hour partitions, and the catalog table reads them.
    const delivered = () =>
      p.metric('DeliveryToS3.Records', { DeliveryStreamName: 'telemetry-to-s3' }, 'AWS/Firehose').sum
    await p.until(() => delivered() === 50, 100)
    const archive = await filesUnder(join(p.dataDir, 'lake', 'telemetry-archive'))
    expect(archive.length).toBeGreaterThan(0)
    for (const f of archive)
      expect(f).toMatch(
        /^events\/year=\d{4}\/month=\d{2}\/day=\d{2}\/hour=\d{2}\/telemetry-to-s3-shardId-\d{12}-\d+-\d+\.json\.gz$/,
      )
    const q = await openLakeQuery({ dataDir: p.dataDir, catalog: p.runtime.pipeline.catalog })
    try {
      const lake = await q.query(
        `SELECT count(*), count(DISTINCT id), count(*) FILTER (WHERE latitude >= 0),
                bool_and(latitude BETWEEN -90 AND 90 AND longitude BETWEEN 0 AND 180)
           FROM telemetry_events`,
      )
      const north = Number(stats.get({ hemisphere: 'north' })?.events ?? 0)
      expect(lake.rows).toEqual([[50, 50, north, true]])
    } finally {
      await q.close()
    }
  })

  it('reports a record it cannot decode to the failure queue, metadata only, and keeps going', async () => {
    const p = await startTelemetry()
    await p.until(() => p.runtime.engine.streams().some((s) => s.state.status === 'ACTIVE'))
    const server = await (await import('../../src/api/server.ts')).TributaryServer.start({
      engine: p.runtime.engine,
      port: 0,
    })
    const client = kinesisClient(server.url)
    const put = await client.send(
      new PutRecordCommand({
        StreamName: 'TelemetricsStream',
        PartitionKey: 'x',
        Data: Buffer.from('not json'),
      }),
    )
    await p.until(() => p.runtime.queues.depth('telemetry-failures').visible === 1)
    const [message] = p.runtime.queues.peek('telemetry-failures', { limit: 1 }).messages
    const failure = JSON.parse(message!.body)
    expect(failure.requestContext.condition).toBe('RetryAttemptsExhausted')
    expect(failure.KinesisBatchInfo).toMatchObject({
      startSequenceNumber: put.SequenceNumber,
      endSequenceNumber: put.SequenceNumber,
      batchSize: 1,
    })
    expect(message!.body).not.toContain('not json')
    client.destroy()
    await server.close()
  })
})

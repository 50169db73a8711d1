import { PutRecordCommand } from '@aws-sdk/client-kinesis'
import { describe, expect, it } from 'vitest'
import { startPipeline } from '../../test/helpers/runtime.ts'
import { kinesisClient } from '../../test/helpers/server.ts'

const CONFIG = new URL('./tributary.config.ts', import.meta.url).pathname

/**
 * The pipeline with an hourly schedule, so the test's clock jumps (to retries and the like) never
 * start a run it did not ask for, and a run that puts 50 events at once instead of streaming for
 * a minute of real time.
 */
async function startTelemetry() {
  process.env.TELEMETRY_SCHEDULE = 'rate(1 hour)'
  process.env.TELEMETRY_BATCH = '50'
  try {
    return await startPipeline(CONFIG)
  } finally {
    delete process.env.TELEMETRY_SCHEDULE
    delete process.env.TELEMETRY_BATCH
  }
}

describe('examples/telemetry (seed 002)', () => {
  it('the scheduled producer puts telemetry events and the consumer decodes and counts them', async () => {
    const p = await startTelemetry()
    const consumer = { FunctionName: 'consumeKinesisEvents' }
    // The first run of a rate schedule is one period after start.
    p.clock.advance(3_600_000)
    await p.until(async () => {
      const stats = await p.runtime.pool.stats('produceKinesisEvents')
      return stats.invocations >= 1 && p.metric('Invocations', consumer).sum >= 1
    }, 100)
    const table = await import('../../src/functions/tables/index.ts')
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

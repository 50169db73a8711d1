import { describe, expect, it, onTestFinished } from 'vitest'
import { KinesisProducer, type UserRecordResult } from '../../src/producer/index.ts'
import { startPipeline } from '../../src/testing/index.ts'
import { ManualClock } from '../../src/util/clock.ts'
import { readStream } from './helpers.ts'

// Against the engine's own shard limits (AWS's 1,000 records/s per shard, on the pipeline's
// manual clock): the throttles are real PutRecords answers, not injected.
describe('the producer against a shard with AWS limits', () => {
  it('per-record ProvisionedThroughputExceededException: retried until every record is in, once', async () => {
    const p = await startPipeline(
      { name: 'limits', streams: { events: { shardCount: 1 } } },
      { serve: true, teardown: onTestFinished },
    )
    const clock = new ManualClock()
    const kpl = new KinesisProducer({
      streamName: 'events',
      endpoint: p.endpoint!,
      credentials: { accessKeyId: 'AKIDLIMITS', secretAccessKey: 'secret' },
      aggregationEnabled: false,
      clock,
    })
    onTestFinished(() => kpl.close())
    await kpl.ready()
    const results: UserRecordResult[] = []
    for (let i = 0; i < 1500; i++) {
      const { result } = await kpl.put({ partitionKey: `k${i % 10}`, data: `r${i}` })
      void result.then((r) => results.push(r))
    }
    await expect
      .poll(
        () => {
          // Time passes for both: the producer's backoff, the shard's token buckets.
          clock.advance(50)
          p.clock.advance(50)
          return results.length
        },
        { timeout: 60_000, interval: 5 },
      )
      .toBe(1500)
    expect(results.every((r) => r.successful)).toBe(true)
    const throttled = results.filter((r) => r.attempts.length > 1)
    // The shard's bucket holds one second (1,000 records); the producer's 150 % let 1,500 go.
    expect(throttled.length).toBeGreaterThanOrEqual(400)
    expect(throttled[0]!.attempts[0]).toMatchObject({
      success: false,
      errorCode: 'ProvisionedThroughputExceededException',
      errorMessage: expect.stringMatching(
        /^Rate exceeded for shard shardId-000000000000 in stream events under account \d{12}\.$/,
      ),
    })
    expect(kpl.metrics().ErrorsByCode.ProvisionedThroughputExceededException).toBeGreaterThanOrEqual(400)
    const stored = [...(await readStream(p.kinesis!, 'events')).values()]
      .flat()
      .map((r) => Buffer.from(r.Data!).toString())
    expect(stored).toHaveLength(1500)
    expect(new Set(stored).size).toBe(1500)
  }, 120_000)
})

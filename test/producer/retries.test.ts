import { describe, expect, it, onTestFinished } from 'vitest'
import { deaggregate, KinesisProducer } from '../../src/producer/index.ts'
import { ManualClock } from '../../src/util/clock.ts'
import { Prng } from '../helpers/prng.ts'
import { type Decision, fakeKinesis } from './fake-kinesis.ts'

const credentials = { accessKeyId: 'AKIDPRODUCER', secretAccessKey: 'secret' }

function producer(
  endpoint: string,
  clock: ManualClock,
  config: Partial<ConstructorParameters<typeof KinesisProducer>[0]> = {},
) {
  const prng = new Prng(7)
  const p = new KinesisProducer({
    streamName: 'events',
    endpoint,
    credentials,
    clock,
    random: () => prng.next(),
    ...config,
  })
  onTestFinished(async () => {
    await Promise.race([p.close(), Promise.resolve()])
  })
  return p
}

// These run against a tiny real HTTP server that answers per-record failures on demand (see
// fake-kinesis.ts): InternalFailure, KMS errors and a throttle on a chosen attempt are not what the
// engine produces at will. Throttles from the engine's real shard limits: shard-limits.test.ts.
describe('per-record failures', () => {
  it('retries throttled and internally failed records with backoff until they are put, attempts recorded', async () => {
    const failures = new Map<string, Decision[]>([
      ['a', ['ProvisionedThroughputExceededException', 'ProvisionedThroughputExceededException']],
      ['b', ['InternalFailure']],
    ])
    const fake = await fakeKinesis((entry) => failures.get(entry.PartitionKey)?.shift() ?? 'ok')
    const clock = new ManualClock()
    const kpl = producer(fake.endpoint, clock, { aggregationEnabled: false })
    const tickets = await Promise.all(['a', 'b', 'c'].map((k) => kpl.put({ partitionKey: k, data: k })))
    const settled: unknown[] = []
    for (const t of tickets) void t.result.then((r) => settled.push(r))
    await expect
      .poll(() => {
        clock.advance(50)
        return settled.length
      })
      .toBe(3)
    const [a, b, c] = await Promise.all(tickets.map((t) => t.result))
    expect(a).toMatchObject({ successful: true, shardId: 'shardId-000000000000' })
    expect(a!.attempts.map((x) => x.errorCode ?? 'ok')).toEqual([
      'ProvisionedThroughputExceededException',
      'ProvisionedThroughputExceededException',
      'ok',
    ])
    expect(a!.attempts[0]!.errorMessage).toMatch(/^Rate exceeded for shard/)
    expect(b!.attempts.map((x) => x.errorCode ?? 'ok')).toEqual(['InternalFailure', 'ok'])
    expect(c!.attempts).toHaveLength(1)
    // Each retry waited (backoff) before its attempt started.
    expect(a!.attempts[1]!.delay).toBeGreaterThanOrEqual(0)
    const m = kpl.metrics()
    expect(m.ErrorsByCode).toEqual({ ProvisionedThroughputExceededException: 2, InternalFailure: 1 })
    expect(m.AllErrors).toBe(3)
    expect(m.RetriesPerRecord).toMatchObject({ count: 3, sum: 3, max: 2 })
    // Only failed records were sent again.
    expect(
      fake.received
        .flat()
        .map((e) => e.PartitionKey)
        .sort(),
    ).toEqual(['a', 'a', 'a', 'b', 'b', 'c'])
  })

  it('a throttled aggregate is split back into user records and re-aggregated', async () => {
    let calls = 0
    const fake = await fakeKinesis((_, call) => {
      calls = call
      return call === 0 ? 'ProvisionedThroughputExceededException' : 'ok'
    })
    const clock = new ManualClock()
    const kpl = producer(fake.endpoint, clock)
    const tickets = []
    for (let i = 0; i < 20; i++) tickets.push(await kpl.put({ partitionKey: `k${i}`, data: `d${i}` }))
    let done = 0
    for (const t of tickets) void t.result.then(() => done++)
    await expect
      .poll(() => {
        clock.advance(50)
        return done
      })
      .toBe(20)
    expect(calls).toBeGreaterThanOrEqual(1)
    const results = await Promise.all(tickets.map((t) => t.result))
    expect(results.every((r) => r.successful && r.attempts.length === 2)).toBe(true)
    const delivered = fake.received
      .slice(1)
      .flat()
      .flatMap((e) => deaggregate(e.Data))
    expect(delivered.map((u) => u.data.toString()).sort()).toEqual(
      Array.from({ length: 20 }, (_, i) => `d${i}`).sort(),
    )
  })

  it('a record still failing when its RecordTtl runs out fails as Expired, with every attempt', async () => {
    const fake = await fakeKinesis(() => 'ProvisionedThroughputExceededException')
    const clock = new ManualClock()
    const kpl = producer(fake.endpoint, clock, { recordTtl: 1000 })
    const { result } = await kpl.put({ partitionKey: 'k', data: 'never' })
    let final: Awaited<typeof result> | undefined
    void result.then((r) => {
      final = r
    })
    const start = clock.now()
    await expect
      .poll(
        () => {
          if (clock.now() - start < 5_000) clock.advance(100)
          return final
        },
        { timeout: 10_000, interval: 10 },
      )
      .toBeDefined()
    expect(final).toMatchObject({ successful: false, errorCode: 'Expired' })
    const codes = final!.attempts.map((a) => a.errorCode)
    expect(codes.at(-1)).toBe('Expired')
    expect(codes.slice(0, -1).every((c) => c === 'ProvisionedThroughputExceededException')).toBe(true)
    expect(codes.length).toBeGreaterThan(2)
    expect(kpl.metrics()).toMatchObject({ UserRecordExpired: 1, UserRecordsPut: 0, UserRecordsPending: 0 })
  })

  it('FailIfThrottled fails a throttled record at once; a KMS access error is never retried', async () => {
    const fake = await fakeKinesis((entry) =>
      entry.PartitionKey === 'kms' ? 'KMSAccessDeniedException' : 'ProvisionedThroughputExceededException',
    )
    const clock = new ManualClock()
    const kpl = producer(fake.endpoint, clock, { failIfThrottled: true, aggregationEnabled: false })
    const t1 = await kpl.put({ partitionKey: 'k', data: 'x' })
    const t2 = await kpl.put({ partitionKey: 'kms', data: 'y' })
    await kpl.flush()
    expect(await t1.result).toMatchObject({
      successful: false,
      errorCode: 'ProvisionedThroughputExceededException',
    })
    expect(await t2.result).toMatchObject({ successful: false, errorCode: 'KMSAccessDeniedException' })
    expect((await t2.result).attempts).toHaveLength(1)
  })
})

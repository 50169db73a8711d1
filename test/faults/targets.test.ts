import { fileURLToPath } from 'node:url'
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3'
import { describe, expect, it, onTestFinished } from 'vitest'
import { FaultInjector } from '../../src/faults/injector.ts'
import { InvokerToken } from '../../src/kind/tokens.ts'
import { startPipeline, type TestPipeline } from '../../src/testing/index.ts'
import { ManualClock } from '../../src/util/clock.ts'

const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' }

const HANDLERS = fileURLToPath(new URL('../fixtures/handlers', import.meta.url))

const ran = (p: TestPipeline) => p.logs.filter((l) => l.message.startsWith('ran ')).length

describe('faults on functions, buckets and delivery streams', () => {
  it('fails a mapping’s invocations as function errors (counted, retried, then to the on-failure destination) while a declared fault is active', async () => {
    const p = await startPipeline(
      {
        name: 'function-faults',
        streams: { s: { shardCount: 1 } },
        functions: { consumer: { handler: 'fault-targets.consumer' } },
        mappings: [
          {
            function: 'consumer',
            stream: 's',
            startingPosition: 'TRIM_HORIZON',
            maximumRetryAttempts: 2,
            destinationConfig: { onFailure: { queue: 'failures' } },
          },
        ],
        queues: { failures: {} },
        faults: [{ function: 'consumer', effect: 'error', seed: 3 }],
      },
      { dir: HANDLERS, teardown: onTestFinished },
    )
    await p.put('s', ['a', 'b', 'c'])
    await p.until(() => p.queue('failures').depth().visible === 1)
    const [failure] = p.queue('failures').json<{ requestContext: Record<string, unknown> }>()
    expect(failure!.requestContext).toMatchObject({
      condition: 'RetryAttemptsExhausted',
      approximateInvokeCount: 3,
      functionArn: expect.stringContaining(':function:consumer'),
    })
    // Three invocations, each a function error; the handler never ran.
    expect(p.metric('Invocations', { FunctionName: 'consumer' }).sum).toBe(3)
    expect(p.metric('Errors', { FunctionName: 'consumer' }).sum).toBe(3)
    expect(ran(p)).toBe(0)
    expect(p.runtime.engine.faults.list()).toMatchObject([{ id: 'f1', function: 'consumer', hits: 3 }])
    // Each faulted invocation is logged as Lambda logs a function error: START, the error, END, REPORT.
    p.runtime.logs.flush()
    const lines = p.runtime.logs.events('/aws/lambda/consumer', { limit: 100 }).events.map((e) => e.message)
    expect(lines).toHaveLength(12)
    expect(lines.slice(0, 4)).toEqual([
      expect.stringMatching(/^START RequestId: [0-9a-f-]{36} Version: \$LATEST$/),
      expect.stringMatching(
        /\tERROR\tInvoke Error \t\{"errorType":"InjectedFault","errorMessage":"fault f1 failed/,
      ),
      expect.stringMatching(/^END RequestId: [0-9a-f-]{36}$/),
      expect.stringMatching(/^REPORT RequestId: [0-9a-f-]{36}\tDuration: 0\.00 ms\t.*Memory Size: 128 MB\t/),
    ])

    // Cleared: the next records reach the handler.
    expect(p.runtime.engine.faults.clear('f1')).toBe(1)
    await p.put('s', ['d'])
    await p.until(() => ran(p) === 1)
    expect(p.metric('Errors', { FunctionName: 'consumer' }).sum).toBe(3)
  })

  it('times an invocation out after the function’s timeout on the engine clock, as Lambda would', async () => {
    const p = await startPipeline(
      {
        name: 'timeout-faults',
        functions: {
          consumer: {
            handler: 'fault-targets.consumer',
            timeout: 7,
            asyncInvokeConfig: {
              maximumRetryAttempts: 0,
              destinationConfig: { onFailure: { queue: 'failures' } },
            },
          },
        },
        buckets: { inbox: { notifications: [{ function: 'consumer' }] } },
        queues: { failures: {} },
      },
      { dir: HANDLERS, teardown: onTestFinished },
    )
    p.runtime.engine.faults.add({ function: 'consumer', effect: 'timeout' })
    const invoked = p.clock.now()
    const outcome = p.runtime.offered(InvokerToken)!.invoke('consumer', { direct: true })
    let settled = false
    void outcome.finally(() => {
      settled = true
    })
    await p.settle()
    p.clock.advance(6999)
    await p.settle()
    expect(settled).toBe(false)
    p.clock.advance(1)
    expect(await outcome).toMatchObject({ kind: 'timeout', durationMs: 7000 })
    expect(p.clock.now() - invoked).toBe(7000)

    // Asynchronously (an S3 event): Lambda's timeout record goes to the on-failure destination.
    await p.runtime.buckets.putObject('inbox', 'x.json', '{}')
    await p.until(() => p.queue('failures').depth().visible === 1)
    const [failure] = p.queue('failures').json<Record<string, Record<string, unknown>>>()
    expect(failure!.responsePayload).toEqual({
      errorMessage: 'Task timed out after 7.00 seconds',
      errorType: 'Sandbox.Timedout',
    })
    expect(p.metric('Errors', { FunctionName: 'consumer' }).sum).toBe(2)
    expect(p.metric('Duration', { FunctionName: 'consumer' }).max).toBe(7000)
    expect(ran(p)).toBe(0)
    p.runtime.logs.flush()
    const lines = p.runtime.logs.events('/aws/lambda/consumer', { limit: 100 }).events.map((e) => e.message)
    expect(lines.slice(0, 4)).toEqual([
      expect.stringMatching(/^START RequestId: /),
      expect.stringMatching(/Task timed out after 7\.00 seconds$/),
      expect.stringMatching(/^END RequestId: /),
      expect.stringMatching(/^REPORT RequestId: .*Duration: 7000\.00 ms.*Status: timeout/),
    ])
  })

  it('fails bucket writes as S3 does: PutObject answers 503 SlowDown / 500 InternalError, the binding throws them', async () => {
    const p = await startPipeline(
      {
        name: 'bucket-faults',
        buckets: { raw: {} },
        functions: { writer: { handler: 'fault-targets.writer' } },
      },
      { dir: HANDLERS, serve: true, teardown: onTestFinished },
    )
    const s3 = new S3Client({
      endpoint: p.endpoint!,
      region: 'us-east-1',
      credentials,
      forcePathStyle: true,
      maxAttempts: 1,
    })
    onTestFinished(() => s3.destroy())
    const put = () =>
      s3.send(new PutObjectCommand({ Bucket: 'raw', Key: 'k.json', Body: '{}' })).then(
        () => 'ok',
        (e: { name: string; message: string; $metadata: { httpStatusCode: number } }) =>
          `${e.$metadata.httpStatusCode} ${e.name}: ${e.message}`,
      )
    const faults = p.runtime.engine.faults
    faults.add({ bucket: 'raw', effect: 'slow-down' })
    expect(await put()).toBe('503 SlowDown: Please reduce your request rate.')
    faults.clear()
    faults.add({ bucket: 'raw', effect: 'internal-error' })
    expect(await put()).toBe('500 InternalError: We encountered an internal error. Please try again.')
    faults.clear()
    faults.add({ bucket: 'raw', effect: 'slow-down' })
    const invoke = () => p.runtime.offered(InvokerToken)!.invoke('writer', {})
    expect(await invoke()).toMatchObject({ kind: 'ok', result: 'SlowDown: Please reduce your request rate.' })
    expect(await p.lake.keys('raw')).toEqual([])
    faults.clear()
    expect(await invoke()).toMatchObject({ kind: 'ok', result: 'written' })
    expect(await put()).toBe('ok')
    expect(await p.lake.keys('raw')).toEqual(['a.json', 'k.json'])
  })

  it('fails the same PutObject calls on two servers given the same seed', async () => {
    const patterns: string[][] = []
    for (let run = 0; run < 2; run++) {
      const p = await startPipeline(
        { name: 'bucket-seed', buckets: { raw: {} } },
        { serve: true, teardown: onTestFinished },
      )
      const s3 = new S3Client({
        endpoint: p.endpoint!,
        region: 'us-east-1',
        credentials,
        forcePathStyle: true,
        maxAttempts: 1,
      })
      onTestFinished(() => s3.destroy())
      p.runtime.engine.faults.add({ bucket: 'raw', effect: 'internal-error', rate: 0.5, seed: 11 })
      const pattern: string[] = []
      for (let i = 0; i < 24; i++)
        pattern.push(
          await s3.send(new PutObjectCommand({ Bucket: 'raw', Key: `k${i}`, Body: 'x' })).then(
            () => 'ok',
            (e: Error) => e.name,
          ),
        )
      patterns.push(pattern)
    }
    expect(patterns[0]).toEqual(patterns[1])
    const failed = patterns[0]!.filter((r) => r === 'InternalError').length
    expect(failed).toBeGreaterThan(4)
    expect(failed).toBeLessThan(20)
  })

  it('fails a delivery stream’s deliveries until the fault expires on the engine clock, then retries them into the lake', async () => {
    const p = await startPipeline(
      {
        name: 'delivery-faults',
        streams: { events: { shardCount: 1 } },
        buckets: { lake: {} },
        deliveries: {
          raw: {
            stream: 'events',
            bucket: 'lake',
            prefix: 'raw/',
            startingPosition: 'TRIM_HORIZON',
            bufferingHints: { sizeInMBs: 1, intervalInSeconds: 60 },
          },
        },
      },
      { teardown: onTestFinished },
    )
    await p.active()
    const fault = p.runtime.engine.faults.add({ delivery: 'raw', effect: 'slow-down', for: '3m', seed: 5 })
    expect(fault.expiresAt).toBe(p.clock.now() + 180_000)
    await p.put('events', ['a', 'b', 'c'])
    const delivered = () =>
      p.metric('DeliveryToS3.Records', { DeliveryStreamName: 'raw' }, 'AWS/Firehose').sum
    const success = () => p.metric('DeliveryToS3.Success', { DeliveryStreamName: 'raw' }, 'AWS/Firehose')
    await p.until(() => p.clock.now() - fault.addedAt > 120_000)
    // The buffer was due after 60 s; every attempt since failed (retried every 5 s, as Firehose does).
    expect(delivered()).toBe(0)
    expect(await p.lake.keys('lake')).toEqual([])
    expect(success().count).toBeGreaterThan(5)
    expect(success().sum).toBe(0)
    expect(p.runtime.engine.faults.list()[0]!.hits).toBe(success().count)

    await p.until(() => delivered() === 3)
    expect(p.clock.now()).toBeGreaterThanOrEqual(fault.expiresAt!)
    expect(p.runtime.engine.faults.list()).toEqual([])
    expect(success().sum).toBe(1)
    expect(await p.lake.keys('lake')).toHaveLength(1)
  })
})

describe('the fault injector', () => {
  it.each([
    { stream: 's', effect: 'throttle' },
    { function: 'f', effect: 'error' },
    { bucket: 'b', effect: 'slow-down' },
    { delivery: 'd', effect: 'internal-error' },
  ])('draws the same hits from the same seed for %o', (spec) => {
    const draws = (seed: number) => {
      const f = new FaultInjector(new ManualClock())
      f.add({ ...spec, rate: 0.5, seed })
      const [target, name] = Object.entries(spec)[0]!
      return Array.from({ length: 64 }, () => f.strike(target as 'stream', name)?.id ?? '-').join('')
    }
    expect(draws(7)).toEqual(draws(7))
    expect(draws(7)).not.toEqual(draws(8))
    expect(draws(7).split('f1').length - 1).toBeGreaterThan(16)
  })

  it('hits only its own target', () => {
    const f = new FaultInjector(new ManualClock())
    f.add({ function: 'a', effect: 'error' })
    expect(f.strike('function', 'b')).toBeUndefined()
    expect(f.strike('bucket', 'a')).toBeUndefined()
    expect(f.fail('a', 'put')).toBeUndefined()
    expect(f.strike('function', 'a')?.id).toBe('f1')
  })

  it('expires a fault at its end on the manual clock (for, until), telling its listeners', () => {
    const clock = new ManualClock(Date.UTC(2026, 0, 1))
    const f = new FaultInjector(clock)
    const changes: string[] = []
    f.onChange((c) =>
      changes.push(
        'added' in c ? `added ${c.added.id}` : 'expired' in c ? `expired ${c.expired.id}` : 'cleared',
      ),
    )
    f.add({ stream: 's', effect: 'throttle', for: '30s' })
    f.add({ bucket: 'b', effect: 'slow-down', until: '2026-01-01T00:01:00Z' })
    expect(f.list().map((x) => x.expiresAt)).toEqual([
      Date.UTC(2026, 0, 1, 0, 0, 30),
      Date.UTC(2026, 0, 1, 0, 1),
    ])
    clock.advance(29_999)
    expect(f.fail('s', 'put')).toBe('throttle')
    clock.advance(1)
    expect(changes).toEqual(['added f1', 'added f2', 'expired f1'])
    expect(f.fail('s', 'put')).toBeUndefined()
    expect(f.list().map((x) => x.id)).toEqual(['f2'])
    clock.advance(30_000)
    expect(changes.at(-1)).toBe('expired f2')
    expect(f.size).toBe(0)
  })

  it('refuses faults that do not fit their target, with what the target expects', () => {
    const f = new FaultInjector(new ManualClock())
    expect(() => f.add({ function: 'a', effect: 'throttle' })).toThrow(
      /a function fault's effect is 'error' or 'timeout', not 'throttle'/,
    )
    expect(() => f.add({ effect: 'error' })).toThrow(/names its target: stream, function, bucket or delivery/)
    expect(() => f.add({ bucket: 'b', effect: 'slow-down', for: 'soon' })).toThrow(/duration such as 30s/)
    expect(() =>
      f.add({ bucket: 'b', effect: 'slow-down', for: '1s', until: '2026-01-01T00:00:00Z' }),
    ).toThrow(/not both/)
  })
})

import { describe, expect, it } from 'vitest'
import { type Call, mappingHarness, numbered } from './harness.ts'

const POISON = 'r437'
const seqOf = (calls: Call[], data: string) => {
  for (const c of calls) {
    const i = c.records.indexOf(data)
    if (i >= 0) return c.event.Records[i]!.kinesis.sequenceNumber
  }
  throw new Error(`${data} was never delivered`)
}
const processed = (calls: Call[], failing: Set<number>) =>
  new Set(calls.filter((_, i) => !failing.has(i + 1)).flatMap((c) => c.records))

describe('Kinesis mapping: a poison record in 1,000 (reliability plan T5)', () => {
  it('A: with the defaults the shard blocks at the poison batch, retrying forever', async () => {
    const h = await mappingHarness()
    await h.put(numbered(1000))
    const failed = new Set<number>()
    h.setHandler((event, call) => {
      if (event.Records.some((r) => Buffer.from(r.kinesis.data, 'base64').toString() === POISON)) {
        failed.add(call)
        throw new Error('poison')
      }
    })
    h.map({ batchSize: 100 })
    await h.until(() => h.calls.length >= 30, { stepMs: 1000 })
    const ok = processed(h.calls, failed)
    expect(ok.has('r400')).toBe(true)
    expect(ok.has('r401')).toBe(false)
    expect(ok.has('r501')).toBe(false)
    // Every call after the first four retried the same batch 401-500.
    expect(h.calls.slice(4).every((c) => c.records[0] === 'r401' && c.records.length === 100)).toBe(true)
    expect(h.sent).toEqual([])
    await h.close()
  })

  it('B: bisect + 2 retries: one metadata-only failure record for the poison, everything else flows', async () => {
    const h = await mappingHarness()
    await h.put(numbered(1000))
    h.setHandler((event) => {
      if (event.Records.some((r) => Buffer.from(r.kinesis.data, 'base64').toString() === POISON))
        throw new Error('poison')
    })
    h.map({
      batchSize: 100,
      bisectBatchOnFunctionError: true,
      maximumRetryAttempts: 2,
      destinationConfig: { onFailure: { queue: 'dlq' } },
    })
    await h.until(() => h.calls.some((c) => c.records.includes('r1000')), { stepMs: 500 })
    expect(h.sent).toHaveLength(1)
    const doc = h.sent[0]!.message as Record<string, Record<string, unknown>>
    const poisonSeq = seqOf(h.calls, POISON)
    expect(doc.KinesisBatchInfo).toMatchObject({
      shardId: 'shardId-000000000000',
      startSequenceNumber: poisonSeq,
      endSequenceNumber: poisonSeq,
      batchSize: 1,
      streamArn: 'arn:aws:kinesis:us-east-1:000000000000:stream/events',
    })
    expect(doc.requestContext).toMatchObject({
      condition: 'RetryAttemptsExhausted',
      functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:consumer',
      // Every invocation that carried the poison record: the bisections plus the 1 + 2 retries.
      approximateInvokeCount: h.calls.filter((c) => c.records.includes(POISON)).length,
    })
    expect(h.calls.filter((c) => c.records.length === 1 && c.records[0] === POISON)).toHaveLength(3)
    expect(doc.responseContext).toEqual({
      statusCode: 200,
      executedVersion: '$LATEST',
      functionError: 'Unhandled',
    })
    expect(JSON.stringify(doc)).not.toContain('r437')
    const delivered = new Set(h.calls.flatMap((c) => c.records))
    for (let i = 1; i <= 1000; i++) expect(delivered.has(`r${i}`)).toBe(true)
    expect(h.calls.length).toBeLessThanOrEqual(40)
    await h.close()
  })

  it('C: a partial batch response checkpoints at the failed record and redelivers from it only', async () => {
    const h = await mappingHarness()
    await h.put(numbered(1000))
    let failedOnce = false
    h.setHandler((event) => {
      const i = event.Records.findIndex((r) => Buffer.from(r.kinesis.data, 'base64').toString() === POISON)
      if (i >= 0 && !failedOnce) {
        failedOnce = true
        return { batchItemFailures: [{ itemIdentifier: event.Records[i]!.kinesis.sequenceNumber }] }
      }
      return { batchItemFailures: [] }
    })
    h.map({ batchSize: 100, functionResponseTypes: ['ReportBatchItemFailures'] })
    await h.until(() => h.calls.some((c) => c.records.includes('r1000')), { stepMs: 500 })
    const retry = h.calls.find((c, i) => i > 0 && c.records[0] === POISON)!
    expect(retry.records).toEqual(Array.from({ length: 64 }, (_, i) => `r${437 + i}`))
    const counts = new Map<string, number>()
    for (const r of h.calls.flatMap((c) => c.records)) counts.set(r, (counts.get(r) ?? 0) + 1)
    expect(counts.get('r436')).toBe(1)
    expect(counts.get('r401')).toBe(1)
    expect(counts.get('r437')).toBe(2)
    await h.close()
  })

  it('D: records older than maximumRecordAgeInSeconds are discarded and processing continues', async () => {
    const h = await mappingHarness()
    await h.put(numbered(300))
    h.setHandler(() => {
      throw new Error('always failing')
    })
    h.map({
      batchSize: 100,
      maximumRecordAgeInSeconds: 60,
      destinationConfig: { onFailure: { topic: 'failures' } },
    })
    await h.until(() => h.sent.length >= 3, { stepMs: 1000 })
    expect(h.sent.map((s) => (s.message.requestContext as { condition: string }).condition)).toEqual([
      'RecordAgeExceeded',
      'RecordAgeExceeded',
      'RecordAgeExceeded',
    ])
    expect(h.sent.map((s) => (s.message.KinesisBatchInfo as { batchSize: number }).batchSize)).toEqual([
      100, 100, 100,
    ])
    await h.put(numbered(1).map(() => ({ key: 'k', data: 'fresh' })))
    await h.until(() => h.calls.some((c) => c.records.includes('fresh')))
    await h.close()
  })

  it('E: a timeout counts as a function error: retried, never checkpointed past', async () => {
    const h = await mappingHarness()
    await h.put(numbered(10))
    let calls = 0
    h.setHandler(() => (++calls <= 2 ? { kind: 'timeout', durationMs: 3000, requestId: 'x' } : undefined))
    h.map({ batchSize: 10 })
    await h.until(() => calls >= 3)
    expect(h.calls.map((c) => c.records[0])).toEqual(['r1', 'r1', 'r1'])
    await h.close()
  })

  it('F: a batch in flight at a crash is redelivered after restart (at least once)', async () => {
    const first = await mappingHarness()
    await first.put(numbered(50))
    let release: (() => void) | undefined
    first.setHandler((_event, call) =>
      call === 2 ? new Promise<void>((resolve) => (release = resolve)) : undefined,
    )
    first.map({ batchSize: 10 })
    await first.until(() => first.calls.length === 2)
    // "Crash": the engine stops while batch 2 is still in its handler; its checkpoint never moves.
    const inFlight = first.calls[1]!.records
    const { dataDir, clock } = first
    await first.engine.close()
    release?.()
    const second = await mappingHarness({ dataDir, clock })
    second.map({ batchSize: 10 })
    await second.until(() => second.calls.some((c) => c.records.includes('r50')))
    expect(second.calls[0]!.records).toEqual(inFlight)
    await second.close()
  })
})

describe('Kinesis mapping: ordering', () => {
  it('keeps shard order on first delivery with parallelization factor 1', async () => {
    const h = await mappingHarness()
    await h.put(numbered(500))
    h.map({ batchSize: 37 })
    await h.until(() => h.calls.flatMap((c) => c.records).length === 500)
    expect(h.calls.flatMap((c) => c.records)).toEqual(numbered(500).map((r) => r.data))
    await h.close()
  })

  it('keeps order per partition key with parallelization factor 4, spreading keys over lanes', async () => {
    const h = await mappingHarness()
    const records = numbered(1000, (i) => `key-${i % 10}`)
    await h.put(records)
    let concurrent = 0
    let maxConcurrent = 0
    const gates: (() => void)[] = []
    h.setHandler(async () => {
      maxConcurrent = Math.max(maxConcurrent, ++concurrent)
      await new Promise<void>((resolve) => gates.push(resolve))
      concurrent--
    })
    h.map({ batchSize: 50, parallelizationFactor: 4 })
    await h.until(() => {
      while (gates.length) gates.shift()!()
      return h.calls.flatMap((c) => c.records).length === 1000
    })
    const byKey = new Map<string, number[]>()
    for (const c of h.calls) {
      for (const r of c.event.Records) {
        const n = Number(Buffer.from(r.kinesis.data, 'base64').toString().slice(1))
        byKey.set(r.kinesis.partitionKey, [...(byKey.get(r.kinesis.partitionKey) ?? []), n])
      }
    }
    for (const seq of byKey.values()) expect(seq).toEqual([...seq].sort((a, b) => a - b))
    expect(maxConcurrent).toBeGreaterThan(1)
    expect(maxConcurrent).toBeLessThanOrEqual(4)
    await h.close()
  })
})

describe('Kinesis mapping: batching, filters, windows', () => {
  it('drops records the filter does not match and checkpoints past them', async () => {
    const h = await mappingHarness()
    await h.put(
      Array.from({ length: 20 }, (_, i) => ({
        key: `k${i}`,
        data: JSON.stringify({ temperature: i * 5, id: i }),
      })),
    )
    const mapping = h.map({
      batchSize: 100,
      filterCriteria: { filters: [{ pattern: '{"data":{"temperature":[{"numeric":[">=",50]}]}}' }] },
    })
    await h.until(() => h.calls.length === 1)
    expect(h.calls[0]!.records.map((r) => JSON.parse(r).id)).toEqual([10, 11, 12, 13, 14, 15, 16, 17, 18, 19])
    const dims = { EventSourceMappingUUID: mapping.uuid }
    expect(h.metrics.get('AWS/Lambda', 'FilteredOutEventCount', dims).sum).toBe(10)
    expect(h.metrics.get('AWS/Lambda', 'PolledEventCount', dims).sum).toBe(20)
    // The filtered-out records are behind the checkpoint: after a restart nothing comes back.
    await mapping.stop()
    expect(mapping.status().shards).toEqual([])
    await h.close()
  })

  it('waits up to the batching window for a fuller batch', async () => {
    const h = await mappingHarness()
    h.map({ batchSize: 100, maximumBatchingWindowInSeconds: 5 })
    await h.put(numbered(10))
    await h.until(() => h.calls.length === 1, { stepMs: 100 })
    expect(h.calls[0]!.records).toHaveLength(10)
    await h.close()
  })

  it('aggregates in tumbling windows, carrying state across invocations to a final invoke', async () => {
    const h = await mappingHarness()
    const finals: { window: unknown; state: unknown }[] = []
    h.setHandler((event) => {
      const state = (event.state as { sum?: number }) ?? {}
      const sum = (state.sum ?? 0) + event.Records.length
      if (event.isFinalInvokeForWindow) finals.push({ window: event.window, state: { sum } })
      return { state: { sum } }
    })
    h.map({ batchSize: 10, tumblingWindowInSeconds: 60 })
    await h.put(numbered(35))
    await h.until(() => h.calls.length >= 4)
    h.clock.advance(61_000)
    await h.put(numbered(3))
    await h.until(() => finals.length === 1)
    expect(finals[0]!.state).toEqual({ sum: 35 })
    await h.close()
  })
})

describe('Kinesis mapping: resharding', () => {
  it('follows a split: children start after the parent is drained, order per key holds', async () => {
    const h = await mappingHarness()
    await h.put(numbered(200, () => 'same-key'))
    const gate: { release?: () => void } = {}
    let first = true
    h.setHandler(async () => {
      if (first) {
        first = false
        await new Promise<void>((resolve) => (gate.release = resolve))
      }
    })
    h.map({ batchSize: 50 })
    await h.until(() => gate.release !== undefined)
    // Split while the parent's first batch is still in the handler.
    h.engine.beginUpdate('events', {
      kind: 'split',
      shard: 0,
      newStartingHashKey: '80000000000000000000000000000000',
    })
    h.clock.advance(1000)
    await h.engine.whenSettled()
    await h.put(numbered(100, () => 'same-key').map((r) => ({ ...r, data: `c${r.data}` })))
    gate.release!()
    await h.until(() => h.calls.flatMap((c) => c.records).length === 300)
    const seen = h.calls.flatMap((c) => c.records)
    expect(seen.slice(0, 200)).toEqual(numbered(200).map((r) => r.data))
    expect(seen.slice(200)).toEqual(numbered(100).map((r) => `c${r.data}`))
    await h.close()
  })

  it.each([['LATEST'], ['AT_TIMESTAMP']] as const)(
    'a new %s mapping on a split stream starts every shard there, the closed parent’s children included',
    async (position) => {
      const h = await mappingHarness()
      await h.put(numbered(20).map((r) => ({ ...r, data: `parent-${r.data}` })))
      h.engine.beginUpdate('events', {
        kind: 'split',
        shard: 0,
        newStartingHashKey: '80000000000000000000000000000000',
      })
      h.clock.advance(1000)
      await h.engine.whenSettled()
      // Written to the children before the mapping exists: not for a mapping created after them.
      await h.put(numbered(20).map((r) => ({ ...r, data: `old-${r.data}` })))
      h.clock.advance(1000)
      const createdAt = h.clock.now()
      const mapping = h.map(
        position === 'LATEST'
          ? { startingPosition: 'LATEST' }
          : { startingPosition: 'AT_TIMESTAMP', startingPositionTimestamp: createdAt / 1000 },
      )
      // The parent is at its end at once, so its children start: all three shards are followed.
      await h.until(() => mapping.status().shards.length === 3)
      await h.put(numbered(20).map((r) => ({ ...r, data: `new-${r.data}` })))
      // In each child the old records come before the new: had they been delivered, they are in by now.
      const delivered = () => h.calls.flatMap((c) => c.records)
      await h.until(() => delivered().filter((d) => d.startsWith('new-')).length === 20)
      expect(delivered().sort()).toEqual(
        numbered(20)
          .map((r) => `new-${r.data}`)
          .sort(),
      )
      await h.close()
    },
  )
})

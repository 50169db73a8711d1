import { setImmediate as tick } from 'node:timers/promises'
import type { InvokeOutcome, Invoker } from '../../../src/contracts/functions.ts'
import { StreamEngine } from '../../../src/engine/engine.ts'
import { putRecords } from '../../../src/engine/records.ts'
import { EncodedEvent } from '../../../src/functions/encoded-event.ts'
import { CheckpointStore } from '../../../src/functions/kinesis/checkpoints.ts'
import { type KinesisMappingDefinition, kinesisMappingSchema } from '../../../src/functions/kinesis/config.ts'
import { KinesisMapping } from '../../../src/functions/kinesis/mapping.ts'
import { MetricTotals } from '../../../src/monitor/metrics.ts'
import { ManualClock } from '../../../src/util/clock.ts'
import { tempDir } from '../../helpers/tmp.ts'

export interface Call {
  event: { Records: { kinesis: { data: string; sequenceNumber: string; partitionKey: string } }[] } & Record<
    string,
    unknown
  >
  records: string[]
}

/** A handler for tests: a plain function behind the Invoker contract (the real pool has its own tests). */
export type TestHandler = (event: Call['event'], call: number) => unknown

export async function mappingHarness(
  options: { shards?: number; dataDir?: string; clock?: ManualClock } = {},
) {
  const dataDir = options.dataDir ?? (await tempDir())
  const clock = options.clock ?? new ManualClock(Date.UTC(2026, 0, 1))
  const engine = await StreamEngine.open({ dataDir, clock, createStreamMs: 0 })
  if (!engine.streams().some((s) => s.state.name === 'events')) {
    engine.createStream('events', { shardCount: options.shards ?? 1 })
    clock.advance(1)
    await engine.whenSettled()
  }
  const calls: Call[] = []
  const sent: { destination: unknown; message: Record<string, unknown> }[] = []
  let handler: TestHandler = () => undefined
  const invoker: Invoker = {
    async invoke(_name, event) {
      // Mappings hand over their events as JSON bytes (the pool's fast path).
      const e = (event instanceof EncodedEvent ? event.parse() : event) as Call['event']
      calls.push({
        event: e,
        records: e.Records.map((r) => Buffer.from(r.kinesis.data, 'base64').toString()),
      })
      try {
        const result = await handler(e, calls.length)
        if (result && typeof result === 'object' && 'kind' in result) return result as InvokeOutcome
        return { kind: 'ok', result, durationMs: 1, requestId: `req-${calls.length}` }
      } catch (error) {
        return {
          kind: 'error',
          errorType: (error as Error).name,
          errorMessage: (error as Error).message,
          stackTrace: [],
          durationMs: 1,
          requestId: `req-${calls.length}`,
        }
      }
    },
  }
  const metrics = new MetricTotals()
  const checkpoints = new CheckpointStore(engine.state)
  const mappings: KinesisMapping[] = []
  return {
    engine,
    clock,
    dataDir,
    calls,
    sent,
    metrics,
    setHandler(h: TestHandler) {
      handler = h
    },
    async put(records: { key: string; data: string }[]) {
      for (let i = 0; i < records.length; i += 500) {
        const chunk = records.slice(i, i + 500)
        const r = await putRecords(
          engine,
          'events',
          chunk.map((x) => ({ partitionKey: x.key, data: Buffer.from(x.data).toString('base64') })),
        )
        if (r.outcomes.some((o) => !o.ok)) throw new Error('put failed')
      }
    },
    map(
      definition: Omit<KinesisMappingDefinition, 'stream' | 'function' | 'startingPosition'> &
        Partial<KinesisMappingDefinition>,
    ) {
      const config = kinesisMappingSchema.parse({
        function: 'consumer',
        stream: 'events',
        startingPosition: 'TRIM_HORIZON',
        ...definition,
      })
      const mapping = new KinesisMapping(config, {
        engine,
        invoker,
        checkpoints,
        destinations: {
          async send(destination, message) {
            sent.push({ destination, message: JSON.parse(message) })
          },
        },
        metrics,
        logger: { info() {}, warn() {}, error() {} },
      })
      mappings.push(mapping)
      mapping.start()
      return mapping
    },
    /**
     * Runs the event loop (and the manual clock, `stepMs` per idle turn) until `done()` holds.
     * Real I/O completes between turns; nothing sleeps.
     */
    async until(done: () => boolean, { stepMs = 50, maxTurns = 20_000 } = {}) {
      for (let turn = 0; turn < maxTurns; turn++) {
        if (done()) return
        await tick()
        if (turn % 4 === 3) clock.advance(stepMs)
      }
      throw new Error('condition not reached')
    },
    async close() {
      await Promise.all(mappings.map((m) => m.stop()))
      await engine.close()
    },
  }
}

export const numbered = (n: number, key = (i: number) => `k${i % 10}`) =>
  Array.from({ length: n }, (_, i) => ({ key: key(i + 1), data: `r${i + 1}` }))

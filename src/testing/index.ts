/**
 * `tributary-pipeline/testing`: run a pipeline inside a test, with no sleeps. The pipeline runs
 * whole in the test's process (handlers in worker threads) on a manual clock with its own data
 * directory; the test puts records, moves the clock, waits until the pipeline has settled, and
 * reads what it did: lake objects and their rows, tables, queues, the outbox, alarms and metrics.
 * Works with any test runner (vitest, node:test, ...). Guide: docs/testing.md.
 *
 * @example
 * import { startPipeline } from 'tributary-pipeline/testing'
 *
 * const p = await startPipeline('tributary.config.ts', { teardown: onTestFinished })
 * await p.put('events', [{ type: 'click' }])
 * await p.settle()
 * expect(await p.lake.keys('processed')).toHaveLength(1)
 */

export type { FunctionLog } from '../contracts/functions.ts'
export { ManualClock } from '../util/clock.ts'
export type { LakeRow } from './decode.ts'
export { Inspectors, type MetricTotalsOf, type QueueView } from './inspectors.ts'
export { LakeInspector } from './lake.ts'
export { type PipelineSource, type StartPipelineOptions, startPipeline } from './start.ts'
export { type PutOptions, type PutRecordResult, TestPipeline } from './test-pipeline.ts'

/** `reads` / `writes` on a function: the resources its bindings use, checked like every other reference. */
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { PipelineError, validatePipeline } from '../../src/pipeline/validate.ts'
import { tempDir } from '../helpers/tmp.ts'

async function project() {
  const dir = await tempDir()
  await mkdir(join(dir, 'functions'))
  await writeFile(join(dir, 'functions', 'worker.ts'), 'export const handler = async () => {}\n')
  return dir
}

const definition = (worker: Record<string, unknown>) => ({
  streams: { events: { shardCount: 1 } },
  functions: { worker: { handler: 'functions/worker.handler', ...worker } },
  buckets: { raw: {} },
  tables: { metadata: { partitionKey: 'id' } },
  queues: { jobs: {} },
  topics: { alerts: {} },
  searchIndexes: { trips: {} },
})

function problem(dir: string, input: unknown): { message: string; hint: string | undefined } {
  try {
    validatePipeline(input, dir)
  } catch (error) {
    expect(error).toBeInstanceOf(PipelineError)
    return { message: (error as PipelineError).message, hint: (error as PipelineError).hint }
  }
  throw new Error('no problem found')
}

describe('declared binding use (reads / writes)', () => {
  it('accepts a reference to each kind of resource and keeps them as written', async () => {
    const dir = await project()
    const reads = [{ bucket: 'raw' }, { table: 'metadata' }, { index: 'trips' }]
    const writes = [
      { index: 'trips' },
      { stream: 'events' },
      { queue: 'jobs' },
      { topic: 'alerts' },
      { table: 'metadata' },
      { metrics: 'Telemetry' },
    ]
    const { pipeline } = validatePipeline(definition({ reads, writes }), dir)
    expect(pipeline.functions.worker).toMatchObject({ reads, writes })
  })

  it('is optional', async () => {
    const { pipeline } = validatePipeline(definition({}), await project())
    expect(pipeline.functions.worker?.reads).toBeUndefined()
    expect(pipeline.functions.worker?.writes).toBeUndefined()
  })

  it.each([
    [
      { reads: [{ bucket: 'raw' }, { bucket: 'processed' }] },
      "functions.worker.reads[1].bucket: no bucket named 'processed'",
      'declared buckets: raw',
    ],
    [
      { writes: [{ table: 'meta' }] },
      "functions.worker.writes[0].table: no table named 'meta'",
      'declared tables: metadata',
    ],
    [
      { writes: [{ stream: 'telemetry' }] },
      "functions.worker.writes[0].stream: no stream named 'telemetry'",
      'declared streams: events',
    ],
    [
      { writes: [{ queue: 'job' }] },
      "functions.worker.writes[0].queue: no queue named 'job'",
      'declared queues: jobs',
    ],
    [
      { writes: [{ topic: 'alert' }] },
      "functions.worker.writes[0].topic: no topic named 'alert'",
      'declared topics: alerts',
    ],
    [
      { writes: [{ index: 'trip' }] },
      "functions.worker.writes[0].index: no index named 'trip'",
      'declared searchIndexes: trips',
    ],
  ])('names the field of a reference to nothing: %j', async (worker, message, hint) => {
    expect(problem(await project(), definition(worker))).toEqual({ message, hint })
  })

  it.each([
    [{ reads: [{ buckets: 'raw' }] }, 'functions.worker.reads[0]: must name one resource'],
    [
      { writes: [{ bucket: 'raw', table: 'metadata' }] },
      'functions.worker.writes[0]: must name one resource',
    ],
    [{ writes: [{ delivery: 'x' }] }, 'functions.worker.writes[0]: must name one resource'],
    [{ writes: { bucket: 'raw' } }, 'functions.worker.writes: must be an array'],
    // A namespace is written, never read; AWS/ namespaces are AWS's own.
    [{ reads: [{ metrics: 'Telemetry' }] }, 'functions.worker.reads[0]: must name one resource'],
    [{ writes: [{ metrics: 'AWS/Lambda' }] }, 'functions.worker.writes[0].metrics: must not start with AWS/'],
    [{ writes: [{ metrics: '' }] }, 'functions.worker.writes[0].metrics'],
  ])('rejects a malformed reference: %j', async (worker, start) => {
    expect(problem(await project(), definition(worker)).message).toMatch(
      new RegExp(`^${start.replace(/[[\].]/g, '\\$&')}`),
    )
  })
})

import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { PipelineError, validatePipeline } from '../../src/pipeline/validate.ts'
import { tempDir } from '../helpers/tmp.ts'

async function project() {
  const dir = await tempDir()
  await mkdir(join(dir, 'functions'))
  await writeFile(join(dir, 'functions', 'consumer.ts'), 'export const handler = async () => {}\n')
  await mkdir(join(dir, 'plain'))
  await writeFile(join(dir, 'plain', 'bootstrap'), '#!/bin/sh\n')
  return dir
}

const base = () => ({
  streams: { events: { shardCount: 1 } },
  functions: { consumer: { handler: 'functions/consumer.handler' } },
  mappings: [{ function: 'consumer', stream: 'events', startingPosition: 'TRIM_HORIZON' }] as Record<
    string,
    unknown
  >[],
  queues: { dlq: {} } as Record<string, unknown>,
})

function problem(dir: string, definition: unknown): string {
  try {
    validatePipeline(definition, dir)
  } catch (error) {
    expect(error).toBeInstanceOf(PipelineError)
    return (error as Error).message
  }
  throw new Error('no problem found')
}

describe('pipeline validation', () => {
  it('fills in AWS defaults and resolves handlers', async () => {
    const dir = await project()
    const { pipeline, functions } = validatePipeline(base(), dir)
    expect(pipeline.mappings[0]).toMatchObject({
      batchSize: 100,
      maximumRetryAttempts: -1,
      parallelizationFactor: 1,
    })
    expect(functions).toEqual([
      {
        name: 'consumer',
        file: join(dir, 'functions', 'consumer.ts'),
        exportName: 'handler',
        timeoutMs: 3000,
        memoryMb: 128,
        reservedConcurrency: undefined,
        environment: {},
        runtime: 'nodejs24.x',
        handler: 'functions/consumer.handler',
        codeDir: dir,
      },
    ])
  })

  it.each([
    [
      'an out-of-range knob',
      (d: ReturnType<typeof base>) => Object.assign(d.mappings[0]!, { batchSize: 20_000 }),
      'mappings[0].batchSize: must be at most 10000 (got 20000)',
    ],
    [
      'an unknown field',
      (d: ReturnType<typeof base>) => Object.assign(d.mappings[0]!, { batchsize: 5 }),
      "mappings[0]: unknown field 'batchsize'",
    ],
    [
      'a bad enum',
      (d: ReturnType<typeof base>) => Object.assign(d.mappings[0]!, { startingPosition: 'EARLIEST' }),
      'mappings[0].startingPosition: must be one of "TRIM_HORIZON", "LATEST", "AT_TIMESTAMP" (got "EARLIEST")',
    ],
    [
      'an unknown function',
      (d: ReturnType<typeof base>) => Object.assign(d.mappings[0]!, { function: 'nope' }),
      "mappings[0].function: no function named 'nope'",
    ],
    [
      'an unknown stream',
      (d: ReturnType<typeof base>) => Object.assign(d.mappings[0]!, { stream: 'nope' }),
      "mappings[0].stream: no stream named 'nope'",
    ],
    [
      'a fault on an undeclared function',
      (d: ReturnType<typeof base>) => Object.assign(d, { faults: [{ function: 'nope', effect: 'error' }] }),
      "faults[0].function: no function named 'nope'",
    ],
    [
      'a fault whose effect does not fit its target',
      (d: ReturnType<typeof base>) => Object.assign(d, { faults: [{ stream: 'events', effect: 'timeout' }] }),
      "faults[0].effect: a stream fault's effect is 'throttle' or 'internal-failure' or 'latency', not 'timeout'",
    ],
    [
      'an unknown destination',
      (d: ReturnType<typeof base>) =>
        Object.assign(d.mappings[0]!, { destinationConfig: { onFailure: { queue: 'x' } } }),
      "mappings[0].destinationConfig.onFailure.queue: no queue named 'x'",
    ],
    [
      'a missing handler file',
      (d: ReturnType<typeof base>) =>
        Object.assign(d.functions.consumer, { handler: 'functions/missing.handler' }),
      'functions.consumer.handler: no file functions/missing{.ts,.mts,.js,.mjs,.cjs}',
    ],
    [
      'an unknown runtime',
      (d: ReturnType<typeof base>) => Object.assign(d.functions.consumer, { runtime: 'python2.7' }),
      'functions.consumer.runtime: must be one of "nodejs18.x", "nodejs20.x", "nodejs22.x", "nodejs24.x", "python3.9", "python3.10", "python3.11", "python3.12", "python3.13", "python3.14", "provided.al2023", "provided.al2" (got "python2.7")',
    ],
    [
      'a Python handler whose module is missing',
      (d: ReturnType<typeof base>) =>
        Object.assign(d.functions.consumer, { runtime: 'python3.12', handler: 'app.lambda_handler' }),
      'functions.consumer.handler: no file app.py in',
    ],
    [
      'a custom runtime without a bootstrap',
      (d: ReturnType<typeof base>) =>
        Object.assign(d.functions.consumer, { runtime: 'provided.al2023', code: 'functions' }),
      'functions.consumer.code: no bootstrap in',
    ],
    [
      'a custom runtime whose bootstrap is not executable',
      (d: ReturnType<typeof base>) =>
        Object.assign(d.functions.consumer, { runtime: 'provided.al2', code: 'plain' }),
      'plain/bootstrap is not executable',
    ],
    [
      'a code directory that is not there',
      (d: ReturnType<typeof base>) => Object.assign(d.functions.consumer, { code: 'nowhere' }),
      'functions.consumer.code: no directory',
    ],
    [
      'a Node.js handler without an export',
      (d: ReturnType<typeof base>) => Object.assign(d.functions.consumer, { handler: 'consumer' }),
      "functions.consumer.handler: must look like 'path/to/file.exportName'",
    ],
    [
      'a timeout over 900 s',
      (d: ReturnType<typeof base>) => Object.assign(d.functions.consumer, { timeout: 901 }),
      'functions.consumer.timeout: must be at most 900 (got 901)',
    ],
    [
      'a provisioned stream without shards',
      (d: ReturnType<typeof base>) => Object.assign(d.streams, { events: {} }),
      'streams.events.shardCount: is required for a PROVISIONED stream',
    ],
    [
      'a mapping without a source',
      (d: ReturnType<typeof base>) => d.mappings.push({ function: 'consumer' }),
      "mappings[1]: needs a 'stream' (Kinesis) or a 'queue' (SQS) to read from",
    ],
    [
      'a record age of 30',
      (d: ReturnType<typeof base>) => Object.assign(d.mappings[0]!, { maximumRecordAgeInSeconds: 30 }),
      'mappings[0].maximumRecordAgeInSeconds: must be -1 or between 60 and 604800 (got 30)',
    ],
    [
      'AT_TIMESTAMP without a timestamp',
      (d: ReturnType<typeof base>) => Object.assign(d.mappings[0]!, { startingPosition: 'AT_TIMESTAMP' }),
      'mappings[0].startingPositionTimestamp: is required with AT_TIMESTAMP',
    ],
    [
      'a bad filter pattern',
      (d: ReturnType<typeof base>) =>
        Object.assign(d.mappings[0]!, { filterCriteria: { filters: [{ pattern: '{' }] } }),
      'mappings[0].filterCriteria.filters[0].pattern: is not valid JSON',
    ],
    [
      'an SQS batch over 10 without a window',
      (d: ReturnType<typeof base>) => d.mappings.push({ function: 'consumer', queue: 'dlq', batchSize: 100 }),
      'mappings[1].maximumBatchingWindowInSeconds: a batchSize above 10 needs',
    ],
    [
      'a queue that is its own DLQ',
      (d: ReturnType<typeof base>) =>
        Object.assign(d.queues, { dlq: { deadLetterQueue: { queue: 'dlq', maxReceiveCount: 3 } } }),
      'queues.dlq.deadLetterQueue.queue: a queue cannot be its own dead-letter queue',
    ],
    [
      'windows with parallelization',
      (d: ReturnType<typeof base>) =>
        Object.assign(d.mappings[0]!, { tumblingWindowInSeconds: 60, parallelizationFactor: 2 }),
      'mappings[0].tumblingWindowInSeconds: tumbling windows need parallelizationFactor 1',
    ],
    [
      'a bad resource name',
      (d: ReturnType<typeof base>) => Object.assign(d.streams, { 'a/b': { shardCount: 1 } }),
      'streams',
    ],
  ])('reports %s in one line naming the field', async (_name, mutate, expected) => {
    const dir = await project()
    const definition = base()
    mutate(definition)
    const message = problem(dir, definition)
    expect(message).toContain(expected)
    expect(message).not.toContain('\n')
  })
})

describe('pipeline validation of buckets, deliveries and the catalog', () => {
  const lake = () => ({
    ...base(),
    buckets: { lake: {} } as Record<string, unknown>,
    catalog: {
      readings: { bucket: 'lake', columns: [{ name: 'id', type: 'string' }] },
    } as Record<string, Record<string, unknown>>,
    deliveries: { raw: { stream: 'events', bucket: 'lake' } } as Record<string, Record<string, unknown>>,
  })
  it.each([
    [
      'an unknown bucket',
      (d: ReturnType<typeof lake>) => Object.assign(d.deliveries.raw!, { bucket: 'x' }),
      "deliveries.raw.bucket: no bucket named 'x'",
    ],
    [
      'an unknown stream',
      (d: ReturnType<typeof lake>) => Object.assign(d.deliveries.raw!, { stream: 'x' }),
      "deliveries.raw.stream: no stream named 'x'",
    ],
    [
      'an unknown transformation function',
      (d: ReturnType<typeof lake>) => Object.assign(d.deliveries.raw!, { processing: { function: 'x' } }),
      "deliveries.raw.processing.function: no function named 'x'",
    ],
    [
      'an unknown catalog table',
      (d: ReturnType<typeof lake>) =>
        Object.assign(d.deliveries.raw!, { format: { parquet: { table: 'x' } } }),
      "deliveries.raw.format.parquet.table: no catalog named 'x'",
    ],
    [
      'Parquet with compression',
      (d: ReturnType<typeof lake>) =>
        Object.assign(d.deliveries.raw!, { format: { parquet: { table: 'readings' } }, compression: 'GZIP' }),
      "deliveries.raw.compression: must be 'UNCOMPRESSED' with Parquet output (got 'GZIP')",
    ],
    [
      'buffering out of range',
      (d: ReturnType<typeof lake>) =>
        Object.assign(d.deliveries.raw!, { bufferingHints: { sizeInMBs: 129 } }),
      'deliveries.raw.bufferingHints.sizeInMBs: must be at most 128 (got 129)',
    ],
    [
      'a prefix with expressions and no error prefix',
      (d: ReturnType<typeof lake>) => Object.assign(d.deliveries.raw!, { prefix: 'x/!{timestamp:yyyy}/' }),
      "deliveries.raw.prefix: ErrorOutputPrefix can't be null when Prefix contains expressions.",
    ],
    [
      'an unknown catalog bucket',
      (d: ReturnType<typeof lake>) => Object.assign(d.catalog.readings!, { bucket: 'x' }),
      "catalog.readings.bucket: no bucket named 'x'",
    ],
    [
      'a notification to an unknown function',
      (d: ReturnType<typeof lake>) =>
        Object.assign(d.buckets, { lake: { notifications: [{ function: 'x' }] } }),
      "buckets.lake.notifications[0].function: no function named 'x'",
    ],
  ])('names the field for %s', async (_, change, message) => {
    const dir = await project()
    const d = lake()
    change(d)
    expect(problem(dir, d)).toBe(message)
  })
})

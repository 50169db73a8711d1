import { describe, expect, it } from 'vitest'
import { PipelineError } from '../../src/pipeline/validate.ts'
import { loaded, resourcesOfType, synth, synthError } from './synth-helpers.ts'

const fn = { handler: 'functions/handler.handler' }

/** Definitions `dev` runs but AWS would refuse: synth fails with one line naming the field. */
describe('tributary synth refuses what AWS would reject, naming the field', () => {
  it.each([
    {
      what: 'a fractional function timeout',
      definition: { functions: { f: { ...fn, timeout: 2.5 } } },
      message: 'functions.f.timeout: Lambda takes whole seconds (got 2.5)',
    },
    {
      what: 'a variable Lambda reserves',
      definition: { functions: { f: { ...fn, environment: { AWS_REGION: 'x' } } } },
      message: 'functions.f.environment.AWS_REGION: Lambda sets this variable itself and refuses it',
    },
    {
      what: "variables over Lambda's 4 KB",
      definition: { functions: { f: { ...fn, environment: { BIG: 'x'.repeat(4094) } } } },
      message: 'functions.f.environment: Lambda takes at most 4096 bytes of variables (got 4097)',
    },
    {
      what: 'a variable name Lambda refuses',
      definition: { functions: { f: { ...fn, environment: { 'MY-VAR': 'x' } } } },
      message:
        'functions.f.environment.MY-VAR: Lambda takes variable names of letters, digits and _ starting with a letter',
    },
    {
      what: 'dynamic partitioning with a small buffer',
      definition: {
        streams: { s: { shardCount: 1 } },
        buckets: { b: {} },
        deliveries: {
          d: {
            stream: 's',
            bucket: 'b',
            prefix: 'x/!{partitionKeyFromQuery:k}/',
            errorOutputPrefix: 'errors/',
            dynamicPartitioning: { metadataExtraction: { queries: { k: '.k' } } },
          },
        },
      },
      message:
        'deliveries.d.bufferingHints.sizeInMBs: Firehose needs at least 64 MB with dynamic partitioning (got 5)',
    },
    {
      what: 'KPL de-aggregation without a stream',
      definition: { buckets: { b: {} }, deliveries: { d: { bucket: 'b', deaggregation: true } } },
      message:
        'deliveries.d.deaggregation: Firehose de-aggregates KPL records only when it reads a Kinesis stream',
    },
    {
      what: 'an SQS mapping whose queue shows messages again mid-invocation',
      definition: {
        functions: { f: { ...fn, timeout: 60 } },
        queues: { q: { visibilityTimeout: 30 } },
        mappings: [{ function: 'f', queue: 'q' }],
      },
      message:
        "mappings[0].queue: queue 'q' has visibilityTimeout 30 s, below function 'f' timeout 60 s: Lambda refuses the mapping",
    },
    {
      what: 'an SQS mapping of a FIFO queue with a batch over 10',
      definition: {
        functions: { f: fn },
        queues: { 'q.fifo': { fifo: true } },
        mappings: [{ function: 'f', queue: 'q.fifo', batchSize: 20, maximumBatchingWindowInSeconds: 1 }],
      },
      message: "mappings[0].batchSize: queue 'q.fifo' is FIFO: Lambda takes a batchSize of at most 10",
    },
    {
      what: 'an SQS mapping of a FIFO queue with a batching window',
      definition: {
        functions: { f: fn },
        queues: { 'q.fifo': { fifo: true } },
        mappings: [{ function: 'f', queue: 'q.fifo', maximumBatchingWindowInSeconds: 5 }],
      },
      message:
        "mappings[0].maximumBatchingWindowInSeconds: queue 'q.fifo' is FIFO: Lambda supports no batching window on it",
    },
    {
      what: 'two mappings of one stream to one function',
      definition: {
        streams: { s: { shardCount: 1 } },
        functions: { f: fn },
        mappings: [
          { function: 'f', stream: 's', startingPosition: 'LATEST' },
          { function: 'f', stream: 's', startingPosition: 'TRIM_HORIZON' },
        ],
      },
      message: "mappings[1].stream: a second mapping of stream 's' to function 'f': Lambda allows one",
    },
    {
      what: 'an alarm period CloudWatch refuses',
      definition: {
        alarms: {
          a: {
            metric: { namespace: 'AWS/Lambda', name: 'Errors', stat: 'Sum' },
            period: 15,
            evaluationPeriods: 1,
            comparisonOperator: 'GreaterThanThreshold',
            threshold: 0,
          },
        },
      },
      message: 'alarms.a.period: CloudWatch takes 10, 20, 30 or a multiple of 60 seconds (got 15)',
    },
    {
      what: 'a catalog table name Glue would lowercase',
      definition: {
        buckets: { b: {} },
        catalog: { Readings: { bucket: 'b', columns: [{ name: 'x', type: 'string' }] } },
      },
      message:
        'catalog.Readings: Glue table names are lower case letters, digits and _ (Glue lowercases others, Athena refuses - and .)',
    },
    {
      what: 'a column type Glue does not have',
      definition: {
        buckets: { b: {} },
        catalog: { readings: { bucket: 'b', columns: [{ name: 'x', type: 'text' }] } },
      },
      message: /^catalog\.readings\.columns\[0\]\.type: is not a Glue type/,
    },
  ])('$what', async ({ definition, message }) => {
    const error = await synthError(definition)
    if (typeof message === 'string') expect(error).toBe(message)
    else expect(error).toMatch(message)
    expect(error).not.toContain('\n')
  })
})

/**
 * Names: the pipeline's names are logical (construct ids); CloudFormation generates the physical
 * names AWS takes, so a bucket name S3 itself would refuse deploys, and a name no AWS service takes
 * fails validation (as under `dev`), with one line naming the field.
 */
describe('tributary synth and names AWS would refuse as physical names', () => {
  it("deploys a bucket, stream and table named outside their services' rules under generated names", async () => {
    const out = await synth(
      {
        buckets: { Raw_Events: {} },
        streams: { 'Events.v2': { shardCount: 1 } },
        tables: { 'devices.v1': { partitionKey: 'id' } },
      },
      false,
    )
    try {
      for (const [type, field] of [
        ['AWS::S3::Bucket', 'BucketName'],
        ['AWS::Kinesis::Stream', 'Name'],
        ['AWS::DynamoDB::GlobalTable', 'TableName'],
      ] as const) {
        const [resource] = resourcesOfType(out.template, type)
        expect(resource?.Properties?.[field], type).toBeUndefined()
      }
    } finally {
      out.dispose()
    }
  }, 120_000)

  it.each([
    [
      'a stream name over 128 characters',
      { streams: { ['s'.repeat(129)]: { shardCount: 1 } } },
      /^streams\.s{129}: /,
    ],
    ['a bucket name with a space', { buckets: { 'raw events': {} } }, /^buckets\.raw events: /],
    ['a table name with a slash', { tables: { 'a/b': { partitionKey: 'id' } } }, /^tables\.a\/b: /],
  ])('refuses %s before synthesizing, naming it', (_what, definition, message) => {
    let error: unknown
    try {
      loaded(definition)
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(PipelineError)
    expect((error as Error).message).toMatch(message)
    expect((error as Error).message).not.toContain('\n')
  })
})

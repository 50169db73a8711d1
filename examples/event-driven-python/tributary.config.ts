import { definePipeline } from 'tributary-pipeline'

/**
 * Seed 001 with its functions in Python, as the seed writes them: a producer (producer.py, boto3)
 * puts JSON events on a Kinesis stream; the processor (functions/processor.py) dead-letters the
 * records that are not valid events, writes the rest to the raw bucket partitioned by event type
 * and hour, and records each object in the metadata table; the raw bucket's object-created
 * notification runs the transformer (functions/transformer.py), which enriches the events into
 * the processed bucket and marks the object PROCESSED. Both functions use plain boto3 clients:
 * under `tributary dev` they reach this pipeline's S3, DynamoDB and SQS with no code change.
 * Resource names reach them through `environment`, as Terraform outputs would on AWS.
 */
export default definePipeline({
  name: 'event-driven-python',
  streams: {
    events: { shardCount: 2 },
  },
  functions: {
    processor: {
      runtime: 'python3.12',
      code: 'functions',
      handler: 'processor.lambda_handler',
      timeout: 60,
      memorySize: 512,
      environment: { RAW_BUCKET: 'raw', METADATA_TABLE: 'metadata', INVALID_QUEUE: 'processor-dlq' },
      writes: [{ bucket: 'raw' }, { table: 'metadata' }, { queue: 'processor-dlq' }],
    },
    transformer: {
      runtime: 'python3.12',
      code: 'functions',
      handler: 'transformer.lambda_handler',
      timeout: 60,
      memorySize: 512,
      // Two Python processes at most: S3 events beyond them are throttled and retried by
      // Lambda's asynchronous queue, as on AWS.
      reservedConcurrency: 2,
      environment: { PROCESSED_BUCKET: 'processed', METADATA_TABLE: 'metadata' },
      reads: [{ bucket: 'raw' }],
      writes: [{ bucket: 'processed' }, { table: 'metadata' }],
      // S3 invokes the transformer asynchronously: after Lambda's retries, the S3 event goes to
      // the dead-letter queue and Lambda's invocation record (with the error) to the failures queue.
      asyncInvokeConfig: {
        maximumRetryAttempts: 2,
        destinationConfig: { onFailure: { queue: 'transformer-failures' } },
      },
      deadLetterQueue: { queue: 'transformer-dlq' },
    },
  },
  mappings: [
    {
      function: 'processor',
      stream: 'events',
      startingPosition: 'TRIM_HORIZON',
      batchSize: 100,
      // The processor returns {"batchItemFailures": [...]}: Lambda retries from the lowest one.
      functionResponseTypes: ['ReportBatchItemFailures'],
      maximumRetryAttempts: 2,
      // Records still failing after the retries: Lambda's metadata-only record (shard, sequence
      // numbers) to replay them from the stream.
      destinationConfig: { onFailure: { queue: 'processor-failures' } },
    },
  ],
  queues: {
    // Invalid records, sent by the processor itself with the reason and the data.
    'processor-dlq': { messageRetentionPeriod: 1_209_600 },
    'processor-failures': { messageRetentionPeriod: 1_209_600 },
    'transformer-dlq': { messageRetentionPeriod: 1_209_600 },
    'transformer-failures': { messageRetentionPeriod: 1_209_600 },
  },
  tables: {
    metadata: { partitionKey: 'object_key' },
  },
  buckets: {
    raw: {
      notifications: [{ function: 'transformer', events: ['s3:ObjectCreated:*'], suffix: '.json' }],
    },
    processed: {},
  },
})

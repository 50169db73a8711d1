import { definePipeline } from 'tributary-pipeline'

/**
 * Seed 001, "Event-Driven Data Pipeline with S3, Lambda & Kinesis": a producer puts JSON events
 * on a Kinesis stream; a processor function writes each batch to the raw bucket (partitioned by
 * day) and records the object in a metadata table; the raw bucket's object-created notification
 * triggers a transformer that enriches the events, writes them to the processed bucket and marks
 * the object PROCESSED. Records the processor gives up on are reported to an SQS dead-letter
 * queue; objects the transformer cannot read go to a second one. The seed's CloudWatch alarms
 * (error rate above 5 %, throttling, iterator age above a minute, DLQ depth) publish to the
 * `alerts` topic, which e-mails ops (SMTP from TRIBUTARY_SMTP_*, else the outbox file).
 */
export default definePipeline({
  name: 'event-driven',
  streams: {
    events: { shardCount: 2 },
  },
  functions: {
    generator: {
      handler: 'functions/generator.handler',
      timeout: 30,
      environment: { STREAM_NAME: 'events' },
      writes: [{ stream: 'events' }],
    },
    processor: {
      handler: 'functions/processor.handler',
      timeout: 60,
      memorySize: 512,
      environment: { RAW_BUCKET: 'raw', METADATA_TABLE: 'metadata' },
      writes: [{ bucket: 'raw' }, { table: 'metadata' }],
    },
    transformer: {
      handler: 'functions/transformer.handler',
      timeout: 60,
      memorySize: 512,
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
      bisectBatchOnFunctionError: true,
      maximumRetryAttempts: 2,
      destinationConfig: { onFailure: { queue: 'processor-dlq' } },
    },
  ],
  queues: {
    'processor-dlq': { messageRetentionPeriod: 1_209_600 },
    'transformer-dlq': { messageRetentionPeriod: 1_209_600 },
    'transformer-failures': { messageRetentionPeriod: 1_209_600 },
  },
  topics: {
    alerts: {
      subscriptions: [
        // SMTP from TRIBUTARY_SMTP_HOST / _PORT / _USER / _PASS (or `notifications.smtp`); with
        // no host anywhere the e-mail is written to <dataDir>/outbox.ndjson instead.
        { email: 'ops@example.com' },
        { outbox: true },
      ],
    },
  },
  notifications: {
    smtp: {
      from: process.env.TRIBUTARY_SMTP_FROM ?? 'Event-driven pipeline <alerts@event-driven.example.com>',
    },
  },
  // The seed's CloudWatch alarms, on the metrics the runtime publishes (docs/monitoring.md).
  alarms: {
    'processor-error-rate': {
      description: 'High error rate (> 5 %) of the Kinesis processor',
      metrics: [
        {
          id: 'errors',
          metric: {
            namespace: 'AWS/Lambda',
            name: 'Errors',
            dimensions: { FunctionName: 'processor' },
            stat: 'Sum',
          },
        },
        {
          id: 'invocations',
          metric: {
            namespace: 'AWS/Lambda',
            name: 'Invocations',
            dimensions: { FunctionName: 'processor' },
            stat: 'Sum',
          },
        },
        { id: 'rate', expression: '100 * errors / invocations', label: 'Error rate (%)' },
      ],
      period: 300,
      evaluationPeriods: 1,
      comparisonOperator: 'GreaterThanThreshold',
      threshold: 5,
      treatMissingData: 'notBreaching',
      actions: { alarm: ['alerts'] },
    },
    'processor-throttles': {
      description: 'The Kinesis processor is being throttled',
      metric: {
        namespace: 'AWS/Lambda',
        name: 'Throttles',
        dimensions: { FunctionName: 'processor' },
        stat: 'Sum',
      },
      period: 60,
      evaluationPeriods: 1,
      comparisonOperator: 'GreaterThanThreshold',
      threshold: 0,
      treatMissingData: 'notBreaching',
      actions: { alarm: ['alerts'] },
    },
    'processor-iterator-age': {
      description: 'The Kinesis processor is more than a minute behind the stream',
      metric: {
        namespace: 'AWS/Lambda',
        name: 'IteratorAge',
        dimensions: { FunctionName: 'processor' },
        stat: 'Maximum',
      },
      period: 60,
      evaluationPeriods: 5,
      datapointsToAlarm: 3,
      comparisonOperator: 'GreaterThanThreshold',
      threshold: 60_000,
      treatMissingData: 'notBreaching',
      actions: { alarm: ['alerts'] },
    },
    'processor-dlq-depth': {
      description: 'Records the processor gave up on are waiting in processor-dlq',
      metric: {
        namespace: 'AWS/SQS',
        name: 'ApproximateNumberOfMessagesVisible',
        dimensions: { QueueName: 'processor-dlq' },
        stat: 'Maximum',
      },
      period: 60,
      evaluationPeriods: 1,
      comparisonOperator: 'GreaterThanThreshold',
      threshold: 0,
      treatMissingData: 'notBreaching',
      actions: { alarm: ['alerts'] },
    },
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
  catalog: {
    raw_events: {
      bucket: 'raw',
      prefix: 'events/',
      format: 'json',
      columns: [
        { name: 'event_id', type: 'string' },
        { name: 'event_type', type: 'string' },
        { name: 'user_id', type: 'string' },
        { name: 'timestamp', type: 'timestamp' },
        { name: 'source', type: 'string' },
        { name: 'payload', type: 'struct<amount:double,currency:string,item_count:int,plan:string>' },
      ],
      partitionKeys: [
        { name: 'year', type: 'int' },
        { name: 'month', type: 'int' },
        { name: 'day', type: 'int' },
      ],
    },
    processed_events: {
      bucket: 'processed',
      prefix: 'events/',
      format: 'json',
      columns: [
        { name: 'event_id', type: 'string' },
        { name: 'event_type', type: 'string' },
        { name: 'category', type: 'string' },
        { name: 'user_id', type: 'string' },
        { name: 'timestamp', type: 'timestamp' },
        { name: 'event_date', type: 'date' },
        { name: 'event_hour', type: 'int' },
        { name: 'amount_usd', type: 'decimal(12,2)' },
        { name: 'is_high_value', type: 'boolean' },
        { name: 'source', type: 'string' },
        { name: 'item_count', type: 'int' },
        { name: 'source_object', type: 'string' },
        { name: 'processed_at', type: 'timestamp' },
      ],
      partitionKeys: [
        { name: 'year', type: 'int' },
        { name: 'month', type: 'int' },
        { name: 'day', type: 'int' },
      ],
    },
  },
  schedules: {
    generate: {
      schedule: process.env.EVENTS_SCHEDULE ?? 'rate(1 minute)',
      function: 'generator',
      // EVENTS_INPUT='{"count":200,"seed":7,"time":"2026-11-23T12:00:00Z"}' puts the same batch
      // every run (the tests use it); without it each run is a fresh random batch of 50.
      ...(process.env.EVENTS_INPUT && { input: JSON.parse(process.env.EVENTS_INPUT) }),
    },
  },
})

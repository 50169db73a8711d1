/**
 * A pipeline setting every field of every kind to something other than its default (where the
 * field has one), so the parity matrix can see each one in the synthesized template.
 */
const handler = 'functions/handler.handler'
const errors = (stat: string) => ({
  namespace: 'AWS/Lambda',
  name: 'Errors',
  dimensions: { FunctionName: 'worker' },
  stat,
})

export const KITCHEN_SINK = {
  name: 'kitchen-sink',
  streams: {
    events: { mode: 'PROVISIONED', shardCount: 3, retentionHours: 48 },
    od: { mode: 'ON_DEMAND' },
  },
  functions: {
    worker: {
      handler,
      runtime: 'nodejs22.x',
      timeout: 30,
      memorySize: 512,
      reservedConcurrency: 5,
      environment: { MODE: 'deployed' },
      asyncInvokeConfig: {
        maximumRetryAttempts: 1,
        maximumEventAgeInSeconds: 600,
        destinationConfig: { onFailure: { queue: 'failures' } },
      },
      deadLetterQueue: { queue: 'dlq' },
      reads: [{ table: 'devices' }, { bucket: 'lake' }],
      writes: [
        { stream: 'events' },
        { queue: 'work' },
        { topic: 'alerts' },
        { bucket: 'lake' },
        { table: 'devices' },
        { metrics: 'KitchenSink' },
      ],
    },
    py: { handler: 'handler.lambda_handler', runtime: 'python3.12', code: 'py' },
    transform: { handler, timeout: 60 },
  },
  mappings: [
    {
      function: 'worker',
      stream: 'events',
      batchSize: 500,
      maximumBatchingWindowInSeconds: 5,
      startingPosition: 'AT_TIMESTAMP',
      startingPositionTimestamp: 1_700_000_000,
      bisectBatchOnFunctionError: true,
      maximumRetryAttempts: 3,
      maximumRecordAgeInSeconds: 3600,
      functionResponseTypes: ['ReportBatchItemFailures'],
      destinationConfig: { onFailure: { topic: 'alerts' } },
      tumblingWindowInSeconds: 60,
      filterCriteria: { filters: [{ pattern: JSON.stringify({ data: { type: ['click'] } }) }] },
      enabled: false,
    },
    {
      function: 'transform',
      stream: 'od',
      startingPosition: 'LATEST',
      parallelizationFactor: 4,
      consumer: 'fanout',
    },
    {
      function: 'py',
      queue: 'work',
      batchSize: 50,
      maximumBatchingWindowInSeconds: 2,
      functionResponseTypes: ['ReportBatchItemFailures'],
      filterCriteria: { filters: [{ pattern: JSON.stringify({ body: { kind: ['order'] } }) }] },
      maximumConcurrency: 5,
      enabled: false,
    },
  ],
  deliveries: {
    partitioned: {
      stream: 'events',
      bucket: 'lake',
      prefix: 'raw/device=!{partitionKeyFromQuery:device}/',
      errorOutputPrefix: 'errors/!{firehose:error-output-type}/',
      bufferingHints: { sizeInMBs: 64, intervalInSeconds: 120 },
      compression: 'GZIP',
      dynamicPartitioning: { enabled: true, metadataExtraction: { queries: { device: '.deviceId' } } },
      processing: {
        function: 'transform',
        bufferSizeInMBs: 2,
        bufferIntervalInSeconds: 120,
        numberOfRetries: 5,
      },
      appendNewline: true,
      deaggregation: true,
      startingPosition: 'TRIM_HORIZON',
    },
    parquet: {
      bucket: 'lake',
      prefix: 'curated/day=!{timestamp:yyyy-MM-dd}/',
      errorOutputPrefix: 'failed/',
      bufferingHints: { sizeInMBs: 128, intervalInSeconds: 900 },
      format: { parquet: { table: 'readings' } },
    },
  },
  queues: {
    work: {
      visibilityTimeout: 120,
      delaySeconds: 5,
      messageRetentionPeriod: 86_400,
      deadLetterQueue: { queue: 'dlq', maxReceiveCount: 4 },
    },
    dlq: {},
    failures: {},
    'orders.fifo': {
      fifo: true,
      contentBasedDeduplication: true,
      deduplicationScope: 'messageGroup',
      fifoThroughputLimit: 'perMessageGroupId',
    },
  },
  topics: {
    alerts: {
      subscriptions: [
        { queue: 'work', rawMessageDelivery: true },
        { function: 'worker' },
        { email: ['a@example.com', 'b@example.com'], smtp: { host: 'smtp.example.com' } },
        { webhook: 'https://hooks.example.com/x', secret: 's3cret', retries: 5, timeoutSeconds: 20 },
        { outbox: true },
      ],
    },
  },
  searchIndexes: {
    docs: { mappings: { dynamic: false, properties: { status: { type: 'keyword' } } }, timeField: 'ts' },
  },
  analytics: {
    counts: {
      sql: `CREATE TABLE ev (id STRING, ts TIMESTAMP(3), WATERMARK FOR ts AS ts - INTERVAL '1' SECOND)
WITH ('connector' = 'kinesis', 'stream' = 'events', 'format' = 'json');
CREATE TABLE per_id (id STRING, n BIGINT) WITH ('connector' = 'kinesis', 'stream' = 'od', 'format' = 'json');
INSERT INTO per_id SELECT id, COUNT(*) FROM TABLE(TUMBLE(TABLE ev, DESCRIPTOR(ts), INTERVAL '1' MINUTE))
GROUP BY window_start, window_end, id;`,
      idleTimeoutMs: 1000,
      maxBatchRecords: 100,
      lateRecords: { bucket: 'lake', prefix: 'late-events/' },
    },
  },
  tables: {
    devices: {
      partitionKey: 'id',
      sortKey: 'ts',
      attributeTypes: { id: 'S', ts: 'N', status: 'S', blob: 'B' },
      indexes: {
        byStatus: { type: 'global', partitionKey: 'status', sortKey: 'ts', projection: 'KEYS_ONLY' },
        byBlob: { type: 'local', sortKey: 'blob', projection: { include: ['note'] } },
      },
      timeToLiveAttribute: 'expiresAt',
    },
  },
  schedules: {
    tick: { schedule: 'rate(5 minutes)', function: 'worker', input: { hello: 1 }, enabled: false },
  },
  buckets: {
    lake: {
      notifications: [
        {
          function: 'worker',
          events: ['s3:ObjectCreated:Put', 's3:ObjectRemoved:*'],
          prefix: 'in/',
          suffix: '.json',
        },
      ],
    },
  },
  catalog: {
    readings: {
      bucket: 'lake',
      prefix: 'curated/',
      format: 'parquet',
      columns: [
        { name: 'device', type: 'string' },
        { name: 't', type: 'double' },
      ],
      partitionKeys: [{ name: 'day', type: 'string' }],
    },
    raw: {
      bucket: 'lake',
      prefix: 'raw/',
      format: 'json',
      columns: [{ name: 'deviceId', type: 'string' }],
      partitionKeys: [{ name: 'device', type: 'string' }],
    },
  },
  alarms: {
    single: {
      description: 'worker errors, p99',
      metric: errors('p99'),
      period: 300,
      evaluationPeriods: 3,
      datapointsToAlarm: 2,
      comparisonOperator: 'GreaterThanThreshold',
      threshold: 5,
      treatMissingData: 'breaching',
      actions: { alarm: ['alerts'], ok: ['alerts'], insufficientData: ['alerts'] },
    },
    math: {
      metrics: [
        { id: 'e', metric: errors('Sum'), returnData: false },
        { id: 'i', metric: { ...errors('Sum'), name: 'Invocations' }, label: 'invocations' },
        { id: 'rate', expression: '100 * e / i', label: 'error rate', returnData: true },
      ],
      period: 60,
      evaluationPeriods: 1,
      comparisonOperator: 'GreaterThanOrEqualToThreshold',
      threshold: 1,
    },
  },
}

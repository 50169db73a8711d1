import { definePipeline } from 'tributary-pipeline'

/**
 * Seed 000, "Streaming Data Pipeline Project" (IoT sensors): a scheduled Lambda generates sensor
 * readings into a DynamoDB table and a stream; a Firehose delivery stream lands them in the S3
 * lake. When the generator fails, its asynchronous invocation's on-failure destination (an SQS
 * queue) triggers a notification Lambda that e-mails a readable alert through SNS. A CloudWatch
 * alarm on the generator's Errors goes to the same topic.
 */
export default definePipeline({
  name: 'iot-sensors',
  streams: {
    sensors: { shardCount: 2 },
  },
  functions: {
    // The seed's streaming data generator (its Python script as a Lambda).
    generator: {
      handler: 'functions/generator.handler',
      timeout: 30,
      environment: {
        STREAM_NAME: 'sensors',
        TABLE_NAME: 'sensors',
        // GENERATOR_FAIL=1 at start breaks every run (see the README for breaking it while running).
        GENERATOR_FAIL: process.env.GENERATOR_FAIL ?? '0',
      },
      // The control bucket holds the break flag; each sensor's last reading is read back from the
      // table (the generator's state between runs); readings go to the stream and the table.
      reads: [{ bucket: 'control' }, { table: 'sensors' }],
      writes: [{ stream: 'sensors' }, { table: 'sensors' }],
      // Scheduled runs are asynchronous invocations: one that fails is not retried (the next run
      // is a minute away) and Lambda's invocation record goes to the failure queue.
      asyncInvokeConfig: {
        maximumRetryAttempts: 0,
        maximumEventAgeInSeconds: 300,
        destinationConfig: { onFailure: { queue: 'generator-failures' } },
      },
    },
    // The seed's notification Lambda: SQS message → human alert → SNS → e-mail.
    notifier: {
      handler: 'functions/notifier.handler',
      timeout: 30,
      environment: {
        ALERTS_TOPIC: 'alerts',
        DASHBOARD_URL: process.env.DASHBOARD_URL ?? 'http://127.0.0.1:4567',
      },
      writes: [{ topic: 'alerts' }],
    },
  },
  mappings: [{ function: 'notifier', queue: 'generator-failures', batchSize: 10 }],
  queues: {
    'generator-failures': { visibilityTimeout: 60, messageRetentionPeriod: 1_209_600 },
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
    smtp: { from: process.env.TRIBUTARY_SMTP_FROM ?? 'IoT sensors <alerts@iot-sensors.example.com>' },
  },
  alarms: {
    'generator-errors': {
      description: 'The sensor generator failed: no readings for at least one run',
      metric: {
        namespace: 'AWS/Lambda',
        name: 'Errors',
        dimensions: { FunctionName: 'generator' },
        stat: 'Sum',
      },
      period: 60,
      evaluationPeriods: 1,
      comparisonOperator: 'GreaterThanOrEqualToThreshold',
      threshold: 1,
      treatMissingData: 'notBreaching',
      actions: { alarm: ['alerts'] },
    },
  },
  tables: {
    // The latest reading of each sensor.
    sensors: { partitionKey: 'sensor_id' },
  },
  buckets: {
    lake: {},
    // Holds the `break-generator` flag object (README: "Break the generator").
    control: {},
  },
  deliveries: {
    // The seed's Firehose delivery stream to S3: GZIP NDJSON, Hive partitions by arrival hour.
    'sensors-to-lake': {
      stream: 'sensors',
      bucket: 'lake',
      prefix:
        'sensors/year=!{timestamp:yyyy}/month=!{timestamp:MM}/day=!{timestamp:dd}/hour=!{timestamp:HH}/',
      errorOutputPrefix: 'errors/!{firehose:error-output-type}/!{timestamp:yyyy/MM/dd}/',
      // 60 s so `tributary dev` shows files a minute after each run; Firehose's default is 300 s.
      bufferingHints: { sizeInMBs: 5, intervalInSeconds: Number(process.env.SENSORS_BUFFER_SECONDS ?? 60) },
      compression: 'GZIP',
      appendNewline: true,
      startingPosition: 'TRIM_HORIZON',
    },
  },
  catalog: {
    // `tributary query "SELECT ... FROM sensor_readings"` (the Glue table over the lake).
    sensor_readings: {
      bucket: 'lake',
      prefix: 'sensors/',
      format: 'json',
      columns: [
        { name: 'sensor_id', type: 'string' },
        { name: 'ts', type: 'timestamp' },
        { name: 'temperature', type: 'double' },
        { name: 'humidity', type: 'double' },
        { name: 'pressure', type: 'double' },
        { name: 'battery', type: 'double' },
        { name: 'lat', type: 'double' },
        { name: 'lon', type: 'double' },
      ],
      partitionKeys: [
        { name: 'year', type: 'int' },
        { name: 'month', type: 'int' },
        { name: 'day', type: 'int' },
        { name: 'hour', type: 'int' },
      ],
    },
  },
  schedules: {
    generate: {
      schedule: process.env.SENSORS_SCHEDULE ?? 'rate(1 minute)',
      function: 'generator',
      // SENSORS_INPUT='{"sensors":10,"readings":6,"seed":7,"time":"2026-11-23T12:00:00Z"}' makes a
      // run on a fresh state reproducible (the tests use it); without it the steps are random.
      ...(process.env.SENSORS_INPUT && { input: JSON.parse(process.env.SENSORS_INPUT) }),
    },
  },
})

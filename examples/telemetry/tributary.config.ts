import { definePipeline } from 'tributary-pipeline'

/**
 * Seed 002, "Amazon Kinesis Real-Time Streaming": a producer function puts telemetry events
 * (id, latitude, longitude) on a stream; a consumer function decodes and processes them.
 * The producer runs every minute (TELEMETRY_SCHEDULE overrides it) and streams events one at a
 * time for almost a minute, as the seed's loop did.
 */
export default definePipeline({
  name: 'telemetry',
  streams: {
    TelemetricsStream: { mode: 'ON_DEMAND' },
  },
  functions: {
    produceKinesisEvents: {
      handler: 'functions/producer.handler',
      // Streams for almost a minute per run; the schedule starts it every minute.
      timeout: 60,
      environment: { STREAM_NAME: 'TelemetricsStream' },
      writes: [{ stream: 'TelemetricsStream' }],
    },
    consumeKinesisEvents: {
      handler: 'functions/consumer.handler',
      timeout: 10,
      writes: [{ table: 'telemetry-stats' }],
    },
  },
  mappings: [
    {
      function: 'consumeKinesisEvents',
      stream: 'TelemetricsStream',
      startingPosition: 'TRIM_HORIZON',
      batchSize: 100,
      functionResponseTypes: ['ReportBatchItemFailures'],
      bisectBatchOnFunctionError: true,
      maximumRetryAttempts: 2,
      destinationConfig: { onFailure: { queue: 'telemetry-failures' } },
    },
  ],
  queues: {
    'telemetry-failures': {},
  },
  tables: {
    'telemetry-stats': { partitionKey: 'hemisphere' },
  },
  // The seed's S3 bucket and the Firehose delivery stream that reads TelemetricsStream into it.
  buckets: {
    'telemetry-archive': {},
  },
  deliveries: {
    'telemetry-to-s3': {
      stream: 'TelemetricsStream',
      bucket: 'telemetry-archive',
      prefix: 'events/year=!{timestamp:yyyy}/month=!{timestamp:MM}/day=!{timestamp:dd}/hour=!{timestamp:HH}/',
      errorOutputPrefix: 'errors/!{firehose:error-output-type}/!{timestamp:yyyy/MM/dd}/',
      compression: 'GZIP',
      appendNewline: true,
      // 60 s so files appear a minute after events do (Firehose's default is 300 s).
      bufferingHints: { sizeInMBs: 5, intervalInSeconds: 60 },
      startingPosition: 'TRIM_HORIZON',
    },
  },
  catalog: {
    // `tributary query "SELECT ... FROM telemetry_events" examples/telemetry`
    telemetry_events: {
      bucket: 'telemetry-archive',
      prefix: 'events/',
      format: 'json',
      columns: [
        { name: 'id', type: 'string' },
        { name: 'latitude', type: 'double' },
        { name: 'longitude', type: 'double' },
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
    produce: {
      schedule: process.env.TELEMETRY_SCHEDULE ?? 'rate(1 minute)',
      function: 'produceKinesisEvents',
      // TELEMETRY_BATCH puts that many events per run instead of streaming (used by the tests).
      ...(process.env.TELEMETRY_BATCH && { input: { count: Number(process.env.TELEMETRY_BATCH) } }),
    },
  },
})

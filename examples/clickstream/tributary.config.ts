import { definePipeline } from 'tributary-pipeline'

/**
 * Seed 003, "Data Streaming Using AWS Kinesis, Lambda, S3": an online retailer's clickstream
 * arrives on a Kinesis stream; a function validates each event and partitions it by its
 * `metadata` tag (site, event type) into the S3 data lake; events that fail validation go, with
 * the reason, to the `failed` bucket. Here the consumer is a Firehose delivery stream with a
 * transformation function (Firehose's contract: Ok with `metadata.partitionKeys`, or Dropped),
 * which gives buffering, GZIP, exactly-named files and dynamic partitioning for free.
 */
export default definePipeline({
  name: 'clickstream',
  streams: {
    clickstream: { shardCount: 2 },
  },
  functions: {
    // The seed's producer (its test script): a batch of retail events every minute.
    generator: {
      handler: 'functions/generator.handler',
      timeout: 30,
      environment: { STREAM_NAME: 'clickstream' },
      writes: [{ stream: 'clickstream' }],
    },
    // The seed's Lambda consumer: validation and the partition keys.
    validate: {
      handler: 'functions/validate.handler',
      timeout: 60,
      environment: { FAILED_BUCKET: 'failed' },
      writes: [{ bucket: 'failed' }],
    },
  },
  buckets: {
    lake: {},
    failed: {},
  },
  deliveries: {
    events: {
      stream: 'clickstream',
      bucket: 'lake',
      prefix:
        'events/site=!{partitionKeyFromLambda:site}/event_type=!{partitionKeyFromLambda:event_type}/dt=!{timestamp:yyyy-MM-dd}/',
      errorOutputPrefix: 'errors/!{firehose:error-output-type}/dt=!{timestamp:yyyy-MM-dd}/',
      // 10 s so `tributary dev` shows files at once; Firehose's default is 300 s.
      bufferingHints: {
        sizeInMBs: 64,
        intervalInSeconds: Number(process.env.CLICKSTREAM_BUFFER_SECONDS ?? 10),
      },
      compression: 'GZIP',
      appendNewline: true,
      dynamicPartitioning: { enabled: true },
      processing: { function: 'validate', numberOfRetries: 3 },
      startingPosition: 'TRIM_HORIZON',
    },
  },
  catalog: {
    // `tributary query "SELECT ... FROM clickstream_events"` (Glue table over the lake).
    clickstream_events: {
      bucket: 'lake',
      prefix: 'events/',
      format: 'json',
      columns: [
        { name: 'event_id', type: 'string' },
        { name: 'event_time', type: 'timestamp' },
        { name: 'user_id', type: 'string' },
        { name: 'session_id', type: 'string' },
        { name: 'page_url', type: 'string' },
        {
          name: 'product',
          type: 'struct<product_id:string,name:string,category:string,price:decimal(10,2),currency:string>',
        },
        { name: 'quantity', type: 'int' },
        { name: 'order_id', type: 'string' },
        {
          name: 'metadata',
          type: 'struct<event_type:string,site:string,source:string,schema_version:string>',
        },
      ],
      partitionKeys: [
        { name: 'site', type: 'string' },
        { name: 'event_type', type: 'string' },
        { name: 'dt', type: 'date' },
      ],
    },
  },
  schedules: {
    generate: {
      schedule: process.env.CLICKSTREAM_SCHEDULE ?? 'rate(1 minute)',
      function: 'generator',
      // CLICKSTREAM_INPUT='{"count":200,"seed":7,"time":"2026-11-23T12:00:00Z"}' puts the same
      // batch every run (the tests use it); without it each run is a fresh random batch.
      ...(process.env.CLICKSTREAM_INPUT && { input: JSON.parse(process.env.CLICKSTREAM_INPUT) }),
    },
  },
})

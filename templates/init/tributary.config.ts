import { definePipeline } from 'tributary-pipeline'

/**
 * Events producers put on the `events` stream reach `process-events` in batches, as a Lambda
 * function's Kinesis event source mapping hands them over; the handler writes each event to the
 * `processed` bucket. `npm start` runs it: the Kinesis API and the dashboard on
 * http://127.0.0.1:4567. Every resource kind and option: the package's docs/functions.md.
 */
export default definePipeline({
  name: '__PIPELINE_NAME__',
  streams: {
    events: { shardCount: 1 },
  },
  functions: {
    'process-events': {
      handler: 'functions/process-events.handler',
      writes: [{ bucket: 'processed' }],
    },
  },
  mappings: [
    {
      function: 'process-events',
      stream: 'events',
      startingPosition: 'TRIM_HORIZON',
      batchSize: 100,
    },
  ],
  buckets: {
    processed: {},
  },
})

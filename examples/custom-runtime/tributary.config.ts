import { definePipeline } from 'tributary-pipeline'

/**
 * A custom runtime (Lambda's `provided.al2023`): the function is an executable `bootstrap`, here
 * a POSIX shell script that talks to the Lambda Runtime API with curl. Any language works the
 * same way; the bootstrap is what Lambda would run from the function's .zip.
 */
export default definePipeline({
  name: 'custom-runtime',
  streams: {
    events: { shardCount: 1 },
  },
  functions: {
    'count-records': {
      runtime: 'provided.al2023',
      // The directory holding `bootstrap`, relative to this file.
      code: 'function',
      // Passed to the bootstrap as _HANDLER; the shell script only prints it.
      handler: 'function.handler',
      timeout: 10,
    },
  },
  mappings: [
    {
      function: 'count-records',
      stream: 'events',
      startingPosition: 'TRIM_HORIZON',
      batchSize: 100,
      functionResponseTypes: ['ReportBatchItemFailures'],
    },
  ],
})

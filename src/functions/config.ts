import { z } from 'zod'
import { resourceName } from '../kind/name.ts'
import { destinationSchema, refSchema, writeRefSchema } from '../kind/references.ts'
import { DEFAULT_RUNTIME, RUNTIME_NAMES } from './runtimes/catalog.ts'

/**
 * A Lambda function: a handler next to the pipeline file and Lambda's settings, as the CDK
 * spells them. Node.js handlers (TypeScript or JavaScript) run in worker threads; Python handlers
 * and custom runtimes (an executable `bootstrap`) run as processes speaking the Lambda Runtime API.
 *
 * @example
 * functions: {
 *   enrich: {
 *     handler: 'functions/enrich.handler',
 *     timeout: 30,
 *     environment: { TABLE: 'devices' },
 *     reads: [{ table: 'devices' }],
 *     writes: [{ bucket: 'curated' }],
 *   },
 * }
 */
export const functionSchema = z
  .object({
    /**
     * Lambda-style `path/to/file.exportName`, relative to the pipeline file (Node.js) or to `code`
     * (Python: `module.function`, e.g. `handler.lambda_handler`). A custom runtime receives it as
     * `_HANDLER` only.
     */
    handler: z.string().regex(/^\S+$/, 'must not be empty or contain spaces'),
    /**
     * Lambda's runtime: `nodejs*` (worker threads, on the Node.js that runs Tributary), `python3.*`
     * (the `python3` on PATH), `provided.al2023` / `provided.al2` (the `bootstrap` in `code`).
     */
    runtime: z.enum(RUNTIME_NAMES).default(DEFAULT_RUNTIME),
    /**
     * The function's code directory, relative to the pipeline file (Lambda's task root; Python
     * modules and a custom runtime's `bootstrap` are found there). Default: the pipeline file's
     * directory.
     */
    code: z.string().min(1).optional(),
    /** Seconds, 1-900 (Lambda's default 3). */
    timeout: z.number().min(1).max(900).default(3),
    /** MB, 128-10240 (reported to the handler; not enforced). */
    memorySize: z.int().min(128).max(10_240).default(128),
    /** Concurrent executions at most, 1-1,000 (Lambda's reserved concurrency); unset: no limit. */
    reservedConcurrency: z.int().min(1).max(1000).optional(),
    /** Environment variables the handler sees in `process.env`. */
    environment: z.record(z.string(), z.string()).default({}),
    /**
     * Asynchronous invocations (S3 events, schedules, topics): Lambda's EventInvokeConfig.
     * Events given up on go to `destinationConfig.onFailure` with Lambda's invocation record.
     */
    asyncInvokeConfig: z
      .object({
        /** Retries after a function error, 0-2 (Lambda's default 2). */
        maximumRetryAttempts: z.int().min(0).max(2).default(2),
        /** Seconds an event is kept for retries, 60-21,600 (Lambda's default 6 hours). */
        maximumEventAgeInSeconds: z.int().min(60).max(21_600).default(21_600),
        /** Where events given up on go: `{ onFailure: { queue } }` or `{ onFailure: { topic } }`. */
        destinationConfig: z
          .object({
            /** `{ queue }` or `{ topic }`: receives Lambda's invocation record. */
            onFailure: destinationSchema,
          })
          .strict()
          .optional(),
      })
      .strict()
      .optional(),
    /** Lambda's DeadLetterConfig: the original event of a failed asynchronous invocation. */
    deadLetterQueue: z
      .object({
        /** The queue receiving the failed events. */
        queue: resourceName,
      })
      .strict()
      .optional(),
    /** Resources the handler's bindings read (`bucket(...).get`, `table(...).query`, ...). */
    reads: z.array(refSchema).optional(),
    /**
     * Resources the handler's bindings write (`stream(...).put`, `queue(...).send`, ...), and the
     * metrics namespaces it publishes to (`{ metrics: 'Telemetry' }` for `metrics('Telemetry').put`).
     */
    writes: z.array(writeRefSchema).optional(),
  })
  .strict()

export type FunctionConfig = z.output<typeof functionSchema>

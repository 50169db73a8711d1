import { z } from 'zod'
import { configIssue } from '../../kind/config-issue.ts'
import { resourceName } from '../../kind/name.ts'
import { destinationSchema } from '../../kind/references.ts'
import { filterCriteriaSchema, functionResponseTypesSchema } from '../mapping-config.ts'

/**
 * A Kinesis event source mapping: a function reading a stream's shards in batches, with Lambda's
 * CreateEventSourceMapping parameters in camelCase and Lambda's defaults.
 *
 * @example
 * mappings: [
 *   {
 *     function: 'enrich', stream: 'events', startingPosition: 'TRIM_HORIZON',
 *     batchSize: 500, bisectBatchOnFunctionError: true, maximumRetryAttempts: 3,
 *     functionResponseTypes: ['ReportBatchItemFailures'],
 *     destinationConfig: { onFailure: { queue: 'failed' } },
 *   },
 * ]
 */
export const kinesisMappingSchema = z
  .object({
    /** The function invoked with each batch. */
    function: resourceName,
    /** The stream read. */
    stream: resourceName,
    /**
     * Read through this enhanced fan-out consumer of the stream, as a Lambda mapping whose
     * EventSourceArn is a consumer's ARN: registered when the mapping starts if it is not yet; it
     * has its own 2 MiB/s per shard and takes nothing from the stream's shared read limits.
     */
    consumer: resourceName.optional(),
    /** Records per batch at most, 1-10,000 (Lambda's default 100). */
    batchSize: z.int().min(1).max(10_000).default(100),
    /** Seconds to gather records before invoking, 0-300. */
    maximumBatchingWindowInSeconds: z.int().min(0).max(300).default(0),
    /** Where a shard is first read from: its oldest record, its end, or a time. */
    startingPosition: z.enum(['TRIM_HORIZON', 'LATEST', 'AT_TIMESTAMP']),
    /** For AT_TIMESTAMP: an ISO date or epoch seconds. */
    startingPositionTimestamp: z.union([z.string(), z.number()]).optional(),
    /** Split a failing batch in two and retry each half (retries not counted). */
    bisectBatchOnFunctionError: z.boolean().default(false),
    /** -1 (retry until the record expires) to 10,000. */
    maximumRetryAttempts: z.int().min(-1).max(10_000).default(-1),
    /** -1 (no limit) or 60 to 604,800. */
    maximumRecordAgeInSeconds: z
      .int()
      .min(-1)
      .max(604_800)
      .refine((v) => v === -1 || v >= 60, 'must be -1 or between 60 and 604800')
      .default(-1),
    /** `['ReportBatchItemFailures']`: the handler returns the records that failed. */
    functionResponseTypes: functionResponseTypesSchema,
    /** Where a batch given up on is described: `{ onFailure: { queue } }` or `{ onFailure: { topic } }`. */
    destinationConfig: z
      .object({
        /** `{ queue }` or `{ topic }`: receives a description of the batch (not its records). */
        onFailure: destinationSchema,
      })
      .strict()
      .optional(),
    /** Concurrent batches per shard, 1-10 (records of one partition key stay in order). */
    parallelizationFactor: z.int().min(1).max(10).default(1),
    /** 0 (off) to 900 seconds. */
    tumblingWindowInSeconds: z.int().min(0).max(900).default(0),
    /** Only records a filter matches invoke the function; the rest are skipped. */
    filterCriteria: filterCriteriaSchema.optional(),
    /** `false`: the mapping is declared but does not read. */
    enabled: z.boolean().default(true),
  })
  .strict()
  .superRefine((m, ctx) => {
    if ((m.startingPosition === 'AT_TIMESTAMP') !== (m.startingPositionTimestamp !== undefined))
      configIssue(ctx, 'is required with AT_TIMESTAMP, and only then', ['startingPositionTimestamp'])
    if (m.tumblingWindowInSeconds > 0 && m.parallelizationFactor > 1)
      configIssue(ctx, 'tumbling windows need parallelizationFactor 1', ['tumblingWindowInSeconds'])
  })

export type KinesisMappingDefinition = z.input<typeof kinesisMappingSchema>
export type KinesisMappingConfig = z.output<typeof kinesisMappingSchema>

import { z } from 'zod'
import { resourceName } from '../../kind/name.ts'
import { filterCriteriaSchema, functionResponseTypesSchema } from '../mapping-config.ts'

/**
 * An SQS event source mapping: a function receiving a queue's messages in batches, deleting them
 * when it succeeds, with Lambda's parameters in camelCase and Lambda's defaults.
 *
 * @example
 * mappings: [{ function: 'notify', queue: 'alerts', batchSize: 10, functionResponseTypes: ['ReportBatchItemFailures'] }]
 */
export const sqsMappingSchema = z
  .object({
    /** The function invoked with each batch. */
    function: resourceName,
    /** The queue read. */
    queue: resourceName,
    /** Messages per batch at most, 1-10,000 (default 10); above 10 needs a batching window. */
    batchSize: z.int().min(1).max(10_000).default(10),
    /** Seconds to gather messages before invoking, 0-300. */
    maximumBatchingWindowInSeconds: z.int().min(0).max(300).default(0),
    /** `['ReportBatchItemFailures']`: the handler returns the messages that failed. */
    functionResponseTypes: functionResponseTypesSchema,
    /** Only messages a filter matches invoke the function; the rest are deleted. */
    filterCriteria: filterCriteriaSchema.optional(),
    /** ScalingConfig.MaximumConcurrency: 2-1000. */
    maximumConcurrency: z.int().min(2).max(1000).optional(),
    /** `false`: the mapping is declared but does not receive. */
    enabled: z.boolean().default(true),
  })
  .strict()
  .refine((m) => m.batchSize <= 10 || m.maximumBatchingWindowInSeconds >= 1, {
    message: 'a batchSize above 10 needs maximumBatchingWindowInSeconds of at least 1 (as on AWS)',
    path: ['maximumBatchingWindowInSeconds'],
  })

export type SqsMappingDefinition = z.input<typeof sqsMappingSchema>
export type SqsMappingSchemaConfig = z.output<typeof sqsMappingSchema>

import type { PipelineDefinition } from './schema.ts'

/**
 * Declares a pipeline: streams, functions, mappings, queues, topics, tables and schedules by
 * name. Export it (default export) from `tributary.config.ts`; `tributary dev` validates it
 * (one-line errors naming the field) and runs it.
 *
 * @example
 * export default definePipeline({
 *   streams: { telemetry: { shardCount: 2 } },
 *   functions: { consumer: { handler: 'functions/consumer.handler' } },
 *   mappings: [{ function: 'consumer', stream: 'telemetry', startingPosition: 'TRIM_HORIZON' }],
 * })
 */
export function definePipeline(definition: PipelineDefinition): PipelineDefinition {
  return definition
}

export type { PipelineDefinition } from './schema.ts'

export { type SqsEvent, type SqsEventRecord, sqsEventRecord } from './sqs-event.ts'
export { SqsMapping, type SqsMappingDeps, type SqsMappingStatus } from './sqs-mapping.ts'
export {
  DEFAULT_POLLERS,
  type ResolvedSqsMappingConfig,
  resolveSqsMappingConfig,
  SQS_MAPPING_LIMITS,
  type SqsMappingConfig,
} from './sqs-mapping-config.ts'

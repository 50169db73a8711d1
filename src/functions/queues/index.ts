export {
  QUEUE_LIMITS,
  type QueueConfig,
  type RedrivePolicy,
  type ResolvedQueueConfig,
  resolveQueueConfig,
} from './config.ts'
export { InvalidConfigError, QueueError, type QueueErrorCode } from './errors.ts'
export { fromPipelineQueue } from './pipeline.ts'
export { publishQueueDepthMetrics, startQueueDepthMetrics } from './queue-metrics.ts'
export { QueueService, type QueueServiceOptions } from './queue-service.ts'
export { type SqsEvent, type SqsEventRecord, sqsEventRecord } from './sqs-event.ts'
export { SqsMapping, type SqsMappingDeps, type SqsMappingStatus } from './sqs-mapping.ts'
export {
  DEFAULT_POLLERS,
  type ResolvedSqsMappingConfig,
  resolveSqsMappingConfig,
  SQS_MAPPING_LIMITS,
  type SqsMappingConfig,
} from './sqs-mapping-config.ts'
export type {
  MessageState,
  PeekedMessage,
  QueueDepth,
  QueueSummary,
  ReceivedMessage,
  ReceiveOptions,
  SendOptions,
  SendResult,
} from './types.ts'

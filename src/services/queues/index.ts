export {
  QUEUE_LIMITS,
  type QueueConfig,
  type RedrivePolicy,
  type ResolvedQueueConfig,
  resolveQueueConfig,
} from './config.ts'
export { fromPipelineQueue } from './definition.ts'
export { QueueError, type QueueErrorCode } from './errors.ts'
export { publishQueueDepthMetrics, startQueueDepthMetrics } from './queue-metrics.ts'
export { QueueService, type QueueServiceOptions } from './queue-service.ts'
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

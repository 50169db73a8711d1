export { BindingCallError, createQueueTopicBindings } from './bindings.ts'
export {
  type FunctionSubscription,
  type QueueSubscription,
  type Subscription,
  type SubscriptionInput,
  TOPIC_LIMITS,
  type TopicConfig,
} from './config.ts'
export { queueTopicDestinations } from './destinations.ts'
export { type SnsEventRecord, snsEventRecord, sqsEnvelope } from './envelope.ts'
export { TopicError, type TopicErrorCode } from './errors.ts'
export { functionProtocol, queueProtocol } from './protocols.ts'
export {
  type PublishOptions,
  TopicService,
  type TopicServiceOptions,
  type TopicSubscription,
} from './topic-service.ts'

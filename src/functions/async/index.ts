export {
  ASYNC_DEFAULTS,
  AsyncInvocations,
  type AsyncInvocationsOptions,
  type AsyncInvokeConfig,
  type DroppedEvent,
  resolveAsyncInvokeConfig,
} from './async-invocations.ts'

import type { AwsService, JsonProtocol } from '../dispatch.ts'
import type { Operation } from '../operation.ts'
import { getQueueAttributes, setQueueAttributes } from './attributes.ts'
import {
  changeMessageVisibility,
  changeMessageVisibilityBatch,
  deleteMessage,
  deleteMessageBatch,
  receiveMessage,
  sendMessage,
  sendMessageBatch,
} from './messages.ts'
import {
  createQueue,
  deleteQueue,
  getQueueUrl,
  listDeadLetterSourceQueues,
  listQueues,
  listQueueTags,
  purgeQueue,
  tagQueue,
  untagQueue,
} from './queues.ts'
import { SQS_ERRORS } from './shared.ts'

/** SQS's X-Amz-Target prefix for its JSON 1.0 protocol (current SDKs). */
export const SQS_TARGET_PREFIX = 'AmazonSQS'

/**
 * SQS's JSON errors: `{"__type":"com.amazonaws.sqs#<code>","message":...}`, with the query
 * protocol's code in `x-amzn-query-error` (`AWS.SimpleQueueService.NonExistentQueue;Sender`).
 */
export const SQS_PROTOCOL: JsonProtocol = {
  contentType: 'application/x-amz-json-1.0',
  errorType: (code) => `com.amazonaws.sqs#${code}`,
  errorHeaders(error): Record<string, string> {
    const known = SQS_ERRORS[error.code]
    if (!known) return {}
    return { 'x-amzn-query-error': `${known[0]};${error.status >= 500 ? 'Receiver' : 'Sender'}` }
  },
}

/** SQS's operations by name (the X-Amz-Target suffix). */
export const SQS_OPERATIONS: ReadonlyMap<string, Operation> = new Map(
  [
    changeMessageVisibility,
    changeMessageVisibilityBatch,
    createQueue,
    deleteMessage,
    deleteMessageBatch,
    deleteQueue,
    getQueueAttributes,
    getQueueUrl,
    listDeadLetterSourceQueues,
    listQueues,
    listQueueTags,
    purgeQueue,
    receiveMessage,
    sendMessage,
    sendMessageBatch,
    setQueueAttributes,
    tagQueue,
    untagQueue,
  ].map((op) => [op.name, op as Operation]),
)

export const SQS_SERVICE: AwsService = {
  targetPrefix: SQS_TARGET_PREFIX,
  signingName: 'sqs',
  operations: SQS_OPERATIONS,
  protocol: SQS_PROTOCOL,
}

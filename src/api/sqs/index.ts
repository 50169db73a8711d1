import type { AwsService, JsonProtocol } from '../dispatch.ts'
import type { Operation } from '../operation.ts'

/** SQS's X-Amz-Target prefix for its JSON 1.0 protocol (current SDKs). */
export const SQS_TARGET_PREFIX = 'AmazonSQS'

/** SQS's JSON errors: `{"__type":"com.amazonaws.sqs#<code>","message":...}`. */
export const SQS_PROTOCOL: JsonProtocol = {
  contentType: 'application/x-amz-json-1.0',
  errorType: (code) => `com.amazonaws.sqs#${code}`,
}

/** SQS's operations by name (the X-Amz-Target suffix). */
export const SQS_OPERATIONS: ReadonlyMap<string, Operation> = new Map()

export const SQS_SERVICE: AwsService = {
  targetPrefix: SQS_TARGET_PREFIX,
  signingName: 'sqs',
  operations: SQS_OPERATIONS,
  protocol: SQS_PROTOCOL,
}

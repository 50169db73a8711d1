import type { AwsService, JsonProtocol } from '../dispatch.ts'
import type { Operation } from '../operation.ts'
import type { QueryAction, QueryService } from '../query.ts'

/** CloudWatch's X-Amz-Target prefix for its JSON 1.0 protocol (current SDKs). */
export const CLOUDWATCH_TARGET_PREFIX = 'GraniteServiceVersion20100801'

/** CloudWatch's JSON errors. */
export const CLOUDWATCH_PROTOCOL: JsonProtocol = {
  contentType: 'application/x-amz-json-1.0',
  errorType: (code) => `com.amazonaws.cloudwatch#${code}`,
}

/** CloudWatch's operations by name (the X-Amz-Target suffix). */
export const CLOUDWATCH_OPERATIONS: ReadonlyMap<string, Operation> = new Map()

export const CLOUDWATCH_SERVICE: AwsService = {
  targetPrefix: CLOUDWATCH_TARGET_PREFIX,
  signingName: 'monitoring',
  operations: CLOUDWATCH_OPERATIONS,
  protocol: CLOUDWATCH_PROTOCOL,
}

/** CloudWatch's query-protocol actions (older AWS CLIs and boto3). */
export const CLOUDWATCH_QUERY_ACTIONS: ReadonlyMap<string, QueryAction> = new Map()

export const CLOUDWATCH_QUERY_SERVICE: QueryService = {
  signingName: 'monitoring',
  version: '2010-08-01',
  xmlns: 'http://monitoring.amazonaws.com/doc/2010-08-01/',
  actions: CLOUDWATCH_QUERY_ACTIONS,
}

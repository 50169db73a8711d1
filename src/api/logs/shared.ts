import type { LogStore } from '../../monitor/logs/log-store.ts'
import type { JsonProtocol } from '../dispatch.ts'
import { AwsError } from '../errors.ts'
import type { OperationContext } from '../operation.ts'

/**
 * Logs' errors carry the bare code as `__type`. CloudWatch Logs reports a request that breaks its
 * model's constraints ("1 validation error detected: ...") as InvalidParameterException, not
 * ValidationException: the body's `__type` and the `x-amzn-errortype` header (which SDK v3 reads
 * first) both say so.
 */
export const LOGS_PROTOCOL: JsonProtocol = {
  contentType: 'application/x-amz-json-1.1',
  errorType: (code) => (code === 'ValidationException' ? 'InvalidParameterException' : code),
  errorHeaders: (e): Record<string, string> =>
    e.code === 'ValidationException' ? { 'x-amzn-errortype': 'InvalidParameterException' } : {},
}

/** `logGroupName` in every operation: 1–512 of `[\.\-_/#A-Za-z0-9]`. */
export const GROUP_NAME = {
  type: 'String',
  regex: '[\\.\\-_/#A-Za-z0-9]+',
  lengthGreaterThanOrEqual: 1,
  lengthLessThanOrEqual: 512,
} as const
/** `logGroupIdentifier`: a name or an ARN. */
export const GROUP_IDENTIFIER = {
  type: 'String',
  regex: '[\\w#+=/:,.@-]*',
  lengthGreaterThanOrEqual: 1,
  lengthLessThanOrEqual: 2048,
} as const
/** `logStreamName`: 1–512 characters, no `:` or `*`. */
export const STREAM_NAME = {
  type: 'String',
  regex: '[^:*]*',
  lengthGreaterThanOrEqual: 1,
  lengthLessThanOrEqual: 512,
} as const
export const TOKEN = { type: 'String', lengthGreaterThanOrEqual: 1 } as const
/** Tags: up to 50, keys 1–128 not starting with `aws:`, values up to 256 (AWS's shapes). */
export const TAGS = {
  type: 'Map',
  children: { type: 'String' },
  lengthGreaterThanOrEqual: 1,
  lengthLessThanOrEqual: 50,
  childKeyLengths: [1, 128],
  childValueLengths: [0, 256],
} as const

export function logsOf(ctx: OperationContext): LogStore {
  if (!ctx.pipeline) throw new AwsError('ServiceUnavailable', 'this server runs no pipeline', 503)
  return ctx.pipeline.logs()
}

export const groupNotFound = () =>
  new AwsError('ResourceNotFoundException', 'The specified log group does not exist.')
export const streamNotFound = () =>
  new AwsError('ResourceNotFoundException', 'The specified log stream does not exist.')
export const invalidToken = () =>
  new AwsError('InvalidParameterException', 'The specified nextToken is invalid.')

/** A group's ARN as DescribeLogGroups' `logGroupArn` and TagResource name it (no `:*`). */
export function groupArn(ctx: OperationContext, group: string): string {
  return `arn:aws:logs:${ctx.engine.region}:${ctx.engine.account}:log-group:${group}`
}

/** The group an identifier names: a name, or a log group ARN (with or without its `:*`). */
export function groupFromIdentifier(identifier: string): string {
  const match = /^arn:[^:]+:logs:[^:]*:[^:]*:log-group:(.+?)(?::\*)?$/.exec(identifier)
  return match ? match[1]! : identifier
}

/** The log group a request names (by name or identifier), which must exist. */
export function groupOf(
  logs: LogStore,
  input: { logGroupName?: string; logGroupIdentifier?: string },
): string {
  const named = input.logGroupName ?? input.logGroupIdentifier
  if (named === undefined)
    throw new AwsError(
      'InvalidParameterException',
      'Either logGroupName or logGroupIdentifier must be specified',
    )
  const group = input.logGroupName ?? groupFromIdentifier(named)
  if (!logs.hasGroup(group)) throw groupNotFound()
  return group
}

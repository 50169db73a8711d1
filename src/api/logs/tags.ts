import type { LogStore } from '../../monitor/logs/log-store.ts'
import { AwsError } from '../errors.ts'
import { defineOperation, type OperationContext } from '../operation.ts'
import { GROUP_NAME, groupArn, groupFromIdentifier, groupNotFound, logsOf, TAGS } from './shared.ts'

/** Tags a log group can have. https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_TagResource.html */
export const MAX_TAGS = 50

const RESOURCE_ARN = {
  type: 'String',
  // A log group's ARN may end in `:*`, as DescribeLogGroups' `arn` does.
  regex: '[\\w+=/:,.@\\-\\*]*',
  lengthGreaterThanOrEqual: 1,
  lengthLessThanOrEqual: 1011,
  notNull: true,
} as const
const TAG_KEYS = {
  type: 'List',
  children: { type: 'String' },
  lengthGreaterThanOrEqual: 0,
  lengthLessThanOrEqual: 50,
  childLengths: [1, 128],
  notNull: true,
} as const

/** The existing log group a request names, and the ARN its tags are kept under. */
function named(logs: LogStore, ctx: OperationContext, group: string): string {
  if (!logs.hasGroup(group)) throw groupNotFound()
  return groupArn(ctx, group)
}

/** The log group a resource ARN names (log groups are the only taggable resource served). */
function byArn(logs: LogStore, ctx: OperationContext, arn: string): string {
  const group = groupFromIdentifier(arn)
  if (group === arn || groupArn(ctx, group) !== arn.replace(/:\*$/, ''))
    throw new AwsError('ResourceNotFoundException', 'The specified resource does not exist.')
  return named(logs, ctx, group)
}

/** Adds tags, refusing to go past {@link MAX_TAGS} with `tooMany`. */
function tag(logs: LogStore, arn: string, tags: Record<string, string>, tooMany: () => AwsError): void {
  const keys = new Set([...Object.keys(logs.tags.get(arn)), ...Object.keys(tags)])
  if (keys.size > MAX_TAGS) throw tooMany()
  logs.tags.put(arn, tags)
}

export const tagResource = defineOperation({
  name: 'TagResource',
  spec: { resourceArn: RESOURCE_ARN, tags: { ...TAGS, notNull: true } },
  handle(input, ctx) {
    const logs = logsOf(ctx)
    const arn = byArn(logs, ctx, input.resourceArn)
    tag(
      logs,
      arn,
      input.tags,
      () =>
        new AwsError(
          'TooManyTagsException',
          `A resource can have no more than ${MAX_TAGS} tags.`,
          400,
          'message',
          {
            resourceName: input.resourceArn,
          },
        ),
    )
    return undefined
  },
})

export const untagResource = defineOperation({
  name: 'UntagResource',
  spec: { resourceArn: RESOURCE_ARN, tagKeys: TAG_KEYS },
  handle(input, ctx) {
    const logs = logsOf(ctx)
    logs.tags.remove(byArn(logs, ctx, input.resourceArn), input.tagKeys)
    return undefined
  },
})

export const listTagsForResource = defineOperation({
  name: 'ListTagsForResource',
  spec: { resourceArn: RESOURCE_ARN },
  handle(input, ctx) {
    const logs = logsOf(ctx)
    return { tags: logs.tags.get(byArn(logs, ctx, input.resourceArn)) }
  },
})

/** TagLogGroup and its siblings: deprecated by AWS in favour of TagResource, still served. */
export const tagLogGroup = defineOperation({
  name: 'TagLogGroup',
  spec: { logGroupName: { ...GROUP_NAME, notNull: true }, tags: { ...TAGS, notNull: true } },
  handle(input, ctx) {
    const logs = logsOf(ctx)
    const arn = named(logs, ctx, input.logGroupName)
    tag(
      logs,
      arn,
      input.tags,
      () => new AwsError('InvalidParameterException', `A log group can have no more than ${MAX_TAGS} tags.`),
    )
    return undefined
  },
})

export const untagLogGroup = defineOperation({
  name: 'UntagLogGroup',
  spec: {
    logGroupName: { ...GROUP_NAME, notNull: true },
    tags: { ...TAG_KEYS, lengthGreaterThanOrEqual: 1 },
  },
  handle(input, ctx) {
    const logs = logsOf(ctx)
    logs.tags.remove(named(logs, ctx, input.logGroupName), input.tags)
    return undefined
  },
})

export const listTagsLogGroup = defineOperation({
  name: 'ListTagsLogGroup',
  spec: { logGroupName: { ...GROUP_NAME, notNull: true } },
  handle(input, ctx) {
    const logs = logsOf(ctx)
    return { tags: logs.tags.get(named(logs, ctx, input.logGroupName)) }
  },
})

export const LOG_TAG_OPERATIONS = [
  tagResource,
  untagResource,
  listTagsForResource,
  tagLogGroup,
  untagLogGroup,
  listTagsLogGroup,
] as const

import { AwsError } from '../errors.ts'
import { defineOperation } from '../operation.ts'
import { GROUP_NAME, groupArn, groupNotFound, logsOf, TAGS } from './shared.ts'

/**
 * The retention periods PutRetentionPolicy takes, in days.
 * https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutRetentionPolicy.html
 */
export const RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const

export const createLogGroup = defineOperation({
  name: 'CreateLogGroup',
  spec: {
    logGroupName: { ...GROUP_NAME, notNull: true },
    kmsKeyId: { type: 'String', lengthLessThanOrEqual: 256 },
    tags: TAGS,
    logGroupClass: { type: 'String', enum: ['STANDARD', 'INFREQUENT_ACCESS', 'DELIVERY'] },
  },
  handle(input, ctx) {
    const created = logsOf(ctx).createGroup(input.logGroupName, {
      kmsKeyId: input.kmsKeyId,
      logGroupClass: input.logGroupClass,
      tags: input.tags,
      resource: groupArn(ctx, input.logGroupName),
    })
    if (!created)
      throw new AwsError('ResourceAlreadyExistsException', 'The specified log group already exists')
    return undefined
  },
})

export const deleteLogGroup = defineOperation({
  name: 'DeleteLogGroup',
  spec: { logGroupName: { ...GROUP_NAME, notNull: true } },
  handle(input, ctx) {
    if (!logsOf(ctx).deleteGroup(input.logGroupName, groupArn(ctx, input.logGroupName))) throw groupNotFound()
    return undefined
  },
})

export const putRetentionPolicy = defineOperation({
  name: 'PutRetentionPolicy',
  spec: {
    logGroupName: { ...GROUP_NAME, notNull: true },
    retentionInDays: { type: 'Integer', notNull: true },
  },
  handle(input, ctx) {
    // An enum of integers, which the model's constraint vocabulary has no word for: checked here,
    // worded as CloudWatch Logs' validator words it.
    if (!(RETENTION_DAYS as readonly number[]).includes(input.retentionInDays))
      throw new AwsError(
        'InvalidParameterException',
        `1 validation error detected: Value '${input.retentionInDays}' at 'retentionInDays' failed to satisfy constraint: Member must satisfy enum value set: [${RETENTION_DAYS.join(', ')}]`,
      )
    const logs = logsOf(ctx)
    if (!logs.hasGroup(input.logGroupName)) throw groupNotFound()
    logs.setRetention(input.logGroupName, input.retentionInDays)
    return undefined
  },
})

export const deleteRetentionPolicy = defineOperation({
  name: 'DeleteRetentionPolicy',
  spec: { logGroupName: { ...GROUP_NAME, notNull: true } },
  handle(input, ctx) {
    const logs = logsOf(ctx)
    if (!logs.hasGroup(input.logGroupName)) throw groupNotFound()
    logs.setRetention(input.logGroupName, undefined)
    return undefined
  },
})

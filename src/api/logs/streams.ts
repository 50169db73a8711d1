import { AwsError } from '../errors.ts'
import { defineOperation } from '../operation.ts'
import { GROUP_NAME, groupNotFound, logsOf, STREAM_NAME, streamNotFound } from './shared.ts'

const spec = {
  logGroupName: { ...GROUP_NAME, notNull: true },
  logStreamName: { ...STREAM_NAME, notNull: true },
} as const

export const createLogStream = defineOperation({
  name: 'CreateLogStream',
  spec,
  handle(input, ctx) {
    const logs = logsOf(ctx)
    if (!logs.hasGroup(input.logGroupName)) throw groupNotFound()
    if (!logs.createStream(input.logGroupName, input.logStreamName))
      throw new AwsError('ResourceAlreadyExistsException', 'The specified log stream already exists')
    return undefined
  },
})

export const deleteLogStream = defineOperation({
  name: 'DeleteLogStream',
  spec,
  handle(input, ctx) {
    const logs = logsOf(ctx)
    if (!logs.hasGroup(input.logGroupName)) throw groupNotFound()
    if (!logs.deleteStream(input.logGroupName, input.logStreamName)) throw streamNotFound()
    return undefined
  },
})

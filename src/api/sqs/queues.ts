import { QUEUE_NAME } from '../../services/queues/config.ts'
import { defineOperation } from '../operation.ts'
import { ATTRIBUTES, applyChanges, differingAttribute, parseAttributes, QUEUE_URL } from './attributes.ts'
import { queueDoesNotExist, queueOf, queuesOf, queueUrl, required, sqs, sqsError } from './shared.ts'

const QUEUE_NAME_MESSAGE =
  'Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length'

export const listQueues = defineOperation({
  name: 'ListQueues',
  spec: {
    QueueNamePrefix: { type: 'String' },
    NextToken: { type: 'String' },
    MaxResults: { type: 'Integer' },
  },
  handle: (input, ctx) =>
    sqs(() => {
      const max = input.MaxResults
      if (max !== undefined && (max < 1 || max > 1000)) {
        throw sqsError(
          'InvalidParameterValue',
          `Value ${max} for parameter MaxResults is invalid. Reason: MaxResults must be an integer between 1 and 1000.`,
        )
      }
      if (input.NextToken !== undefined && max === undefined) {
        throw sqsError(
          'InvalidParameterValue',
          'Value for parameter MaxResults is invalid. Reason: MaxResults is a mandatory parameter when you provide a value for NextToken.',
        )
      }
      let after = ''
      if (input.NextToken !== undefined) {
        after = Buffer.from(input.NextToken, 'base64url').toString('utf8')
        if (!QUEUE_NAME.test(after)) {
          throw sqsError('InvalidParameterValue', 'Invalid NextToken value.')
        }
      }
      const prefix = input.QueueNamePrefix ?? ''
      const names = queuesOf(ctx)
        .names()
        .filter((name) => name.startsWith(prefix) && name > after)
      const page = names.slice(0, max ?? 1000)
      if (page.length === 0) return {}
      return {
        QueueUrls: page.map((name) => queueUrl(ctx, name)),
        ...(max !== undefined && names.length > page.length
          ? { NextToken: Buffer.from(page.at(-1)!, 'utf8').toString('base64url') }
          : {}),
      }
    }),
})

export const getQueueUrl = defineOperation({
  name: 'GetQueueUrl',
  spec: { QueueName: { type: 'String' }, QueueOwnerAWSAccountId: { type: 'String' } },
  handle: (input, ctx) =>
    sqs(() => {
      const name = required(input.QueueName, 'QueueName')
      if (!queuesOf(ctx).has(name)) throw queueDoesNotExist()
      return { QueueUrl: queueUrl(ctx, name) }
    }),
})

export const createQueue = defineOperation({
  name: 'CreateQueue',
  spec: {
    QueueName: { type: 'String' },
    Attributes: ATTRIBUTES,
    tags: { type: 'Map', children: { type: 'String' } },
  },
  handle: (input, ctx) =>
    sqs(() => {
      const name = required(input.QueueName, 'QueueName')
      if (name.endsWith('.fifo')) throw sqsError('UnsupportedOperation', 'FIFO queues are not supported.')
      if (!QUEUE_NAME.test(name)) throw sqsError('InvalidParameterValue', QUEUE_NAME_MESSAGE)
      const queues = queuesOf(ctx)
      const changes = parseAttributes(input.Attributes, queues, name)
      if (queues.has(name)) {
        const differing = differingAttribute(queues, name, changes)
        if (differing !== undefined) {
          throw sqsError(
            'QueueNameExists',
            `A queue already exists with the same name and a different value for attribute ${differing}`,
          )
        }
      } else {
        queues.declare(name, applyChanges(undefined, changes))
      }
      return { QueueUrl: queueUrl(ctx, name) }
    }),
})

export const deleteQueue = defineOperation({
  name: 'DeleteQueue',
  spec: { QueueUrl: QUEUE_URL },
  handle: (input, ctx) =>
    sqs(() => {
      const { service, name } = queueOf(ctx, input.QueueUrl)
      service.deleteQueue(name)
      return undefined
    }),
})

export const purgeQueue = defineOperation({
  name: 'PurgeQueue',
  spec: { QueueUrl: QUEUE_URL },
  handle: (input, ctx) =>
    sqs(() => {
      const { service, name } = queueOf(ctx, input.QueueUrl)
      service.purge(name)
      return undefined
    }),
})

import { FIFO_QUEUE_NAME, isQueueName, QUEUE_NAME } from '../../services/queues/config.ts'
import { defineOperation } from '../operation.ts'
import { ATTRIBUTES, applyChanges, differingAttribute, parseAttributes, QUEUE_URL } from './attributes.ts'
import { queueDoesNotExist, queueOf, queuesOf, queueUrl, required, sqs, sqsError } from './shared.ts'

const QUEUE_NAME_MESSAGE =
  'Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length'
const FIFO_QUEUE_NAME_MESSAGE =
  'The name of a FIFO queue can only include alphanumeric characters, hyphens, or underscores, must end with .fifo suffix and be 1 to 80 in length'

/**
 * CreateQueue's name check: FifoQueue=true needs a `.fifo` name, and without it a name is a
 * standard queue's, where `.` is not allowed.
 */
function checkQueueName(name: string, attributes: Record<string, string> | undefined): void {
  if (attributes?.FifoQueue === 'true') {
    if (!FIFO_QUEUE_NAME.test(name)) throw sqsError('InvalidParameterValue', FIFO_QUEUE_NAME_MESSAGE)
  } else if (!QUEUE_NAME.test(name)) {
    throw sqsError('InvalidParameterValue', QUEUE_NAME_MESSAGE)
  }
}

/** A page of queue names after `NextToken` (the last name of the page before, base64url), as SQS pages them. */
function namePage(names: readonly string[], maxResults: number | undefined, nextToken: string | undefined) {
  if (maxResults !== undefined && (maxResults < 1 || maxResults > 1000)) {
    throw sqsError(
      'InvalidParameterValue',
      `Value ${maxResults} for parameter MaxResults is invalid. Reason: MaxResults must be an integer between 1 and 1000.`,
    )
  }
  if (nextToken !== undefined && maxResults === undefined) {
    throw sqsError(
      'InvalidParameterValue',
      'Value for parameter MaxResults is invalid. Reason: MaxResults is a mandatory parameter when you provide a value for NextToken.',
    )
  }
  let after = ''
  if (nextToken !== undefined) {
    after = Buffer.from(nextToken, 'base64url').toString('utf8')
    if (!isQueueName(after)) throw sqsError('InvalidParameterValue', 'Invalid NextToken value.')
  }
  const rest = names.filter((name) => name > after)
  const page = rest.slice(0, maxResults ?? 1000)
  const next =
    maxResults !== undefined && rest.length > page.length
      ? Buffer.from(page.at(-1)!, 'utf8').toString('base64url')
      : undefined
  return { page, next }
}

export const listQueues = defineOperation({
  name: 'ListQueues',
  spec: {
    QueueNamePrefix: { type: 'String' },
    NextToken: { type: 'String' },
    MaxResults: { type: 'Integer' },
  },
  handle: (input, ctx) =>
    sqs(() => {
      const prefix = input.QueueNamePrefix ?? ''
      const names = queuesOf(ctx)
        .names()
        .filter((name) => name.startsWith(prefix))
      const { page, next } = namePage(names, input.MaxResults, input.NextToken)
      if (page.length === 0) return {}
      return { QueueUrls: page.map((name) => queueUrl(ctx, name)), ...(next ? { NextToken: next } : {}) }
    }),
})

export const listDeadLetterSourceQueues = defineOperation({
  name: 'ListDeadLetterSourceQueues',
  spec: { QueueUrl: QUEUE_URL, NextToken: { type: 'String' }, MaxResults: { type: 'Integer' } },
  handle: (input, ctx) =>
    sqs(() => {
      const { service, name } = queueOf(ctx, input.QueueUrl)
      const sources = service.names().filter((q) => service.config(q).redrive?.deadLetterQueue === name)
      const { page, next } = namePage(sources, input.MaxResults, input.NextToken)
      return { queueUrls: page.map((q) => queueUrl(ctx, q)), ...(next ? { NextToken: next } : {}) }
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
      checkQueueName(name, input.Attributes)
      const queues = queuesOf(ctx)
      const changes = parseAttributes(input.Attributes, queues, name, true)
      if (queues.has(name)) {
        const differing = differingAttribute(queues, name, changes)
        if (differing !== undefined) {
          throw sqsError(
            'QueueNameExists',
            `A queue already exists with the same name and a different value for attribute ${differing}`,
          )
        }
      } else {
        queues.create(name, applyChanges(undefined, changes), input.tags)
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

export const tagQueue = defineOperation({
  name: 'TagQueue',
  spec: { QueueUrl: QUEUE_URL, Tags: { type: 'Map', children: { type: 'String' } } },
  handle: (input, ctx) =>
    sqs(() => {
      const { service, name } = queueOf(ctx, input.QueueUrl)
      service.tag(name, required(input.Tags, 'Tags'))
      return undefined
    }),
})

export const untagQueue = defineOperation({
  name: 'UntagQueue',
  spec: { QueueUrl: QUEUE_URL, TagKeys: { type: 'List', children: { type: 'String' } } },
  handle: (input, ctx) =>
    sqs(() => {
      const { service, name } = queueOf(ctx, input.QueueUrl)
      service.untag(name, required(input.TagKeys, 'TagKeys'))
      return undefined
    }),
})

export const listQueueTags = defineOperation({
  name: 'ListQueueTags',
  spec: { QueueUrl: QUEUE_URL },
  handle: (input, ctx) =>
    sqs(() => {
      const { service, name } = queueOf(ctx, input.QueueUrl)
      const tags = service.tags(name)
      return Object.keys(tags).length === 0 ? {} : { Tags: tags }
    }),
})

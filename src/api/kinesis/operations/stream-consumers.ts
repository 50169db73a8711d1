import type { ConsumerDesignation, StreamConsumer } from '../../../engine/consumers.ts'
import type { StreamEngine } from '../../../engine/engine.ts'
import { errors } from '../../../engine/messages.ts'
import { defineOperation } from '../../operation.ts'
import type { FieldSpec } from '../../spec.ts'
import { decodeToken, encodeToken } from '../next-token.ts'
import { STREAM_ARN } from '../shapes.ts'

/** AWS's model constraints for the consumer members. */
const CONSUMER_NAME = {
  type: 'String',
  regex: '[a-zA-Z0-9_.-]+',
  lengthGreaterThanOrEqual: 1,
  lengthLessThanOrEqual: 128,
} as const satisfies FieldSpec

export const CONSUMER_ARN = {
  type: 'String',
  regex: '^(arn):aws.*:kinesis:.*:\\d{12}:.*stream\\/[a-zA-Z0-9_.-]+\\/consumer\\/[a-zA-Z0-9_.-]+:[0-9]+',
  lengthGreaterThanOrEqual: 1,
  lengthLessThanOrEqual: 2048,
} as const satisfies FieldSpec

const DESIGNATION = { StreamARN: STREAM_ARN, ConsumerName: CONSUMER_NAME, ConsumerARN: CONSUMER_ARN } as const

interface DesignationInput {
  StreamARN?: string | undefined
  ConsumerName?: string | undefined
  ConsumerARN?: string | undefined
}

/** The consumer a request names: by ConsumerARN, or by StreamARN and ConsumerName together. */
function designation(engine: StreamEngine, input: DesignationInput): ConsumerDesignation {
  if (input.ConsumerARN !== undefined) return { arn: input.ConsumerARN }
  if (input.StreamARN === undefined || input.ConsumerName === undefined) {
    throw errors.invalidArgument(
      'ConsumerARN or both ConsumerName and StreamARN are required for this request.',
    )
  }
  return { streamName: engine.resolveName(undefined, input.StreamARN), name: input.ConsumerName }
}

/** A consumer as AWS's `Consumer` shape. */
function consumerShape(c: StreamConsumer) {
  return {
    ConsumerName: c.name,
    ConsumerARN: c.arn,
    ConsumerStatus: c.status,
    ConsumerCreationTimestamp: new Date(Math.floor(c.createdAt / 1000) * 1000),
  }
}

export const registerStreamConsumer = defineOperation({
  name: 'RegisterStreamConsumer',
  spec: {
    StreamARN: { ...STREAM_ARN, notNull: true },
    ConsumerName: { ...CONSUMER_NAME, notNull: true },
    Tags: {
      type: 'Map',
      lengthGreaterThanOrEqual: 1,
      lengthLessThanOrEqual: 50,
      childKeyLengths: [1, 128],
      childValueLengths: [0, 256],
      children: { type: 'String' },
    },
  },
  handle(input, { engine }) {
    const streamName = engine.resolveName(undefined, input.StreamARN)
    return { Consumer: consumerShape(engine.consumers.register(streamName, input.ConsumerName)) }
  },
})

export const describeStreamConsumer = defineOperation({
  name: 'DescribeStreamConsumer',
  spec: DESIGNATION,
  handle(input, { engine }) {
    const consumer = engine.consumers.get(designation(engine, input))
    return {
      ConsumerDescription: { ...consumerShape(consumer), StreamARN: engine.arn(consumer.streamName) },
    }
  },
})

export const deregisterStreamConsumer = defineOperation({
  name: 'DeregisterStreamConsumer',
  spec: DESIGNATION,
  handle(input, { engine }) {
    engine.consumers.deregister(designation(engine, input))
    return undefined
  },
})

export const listStreamConsumers = defineOperation({
  name: 'ListStreamConsumers',
  spec: {
    StreamARN: { ...STREAM_ARN, notNull: true },
    NextToken: { type: 'String', lengthGreaterThanOrEqual: 1, lengthLessThanOrEqual: 1048576 },
    MaxResults: { type: 'Integer', greaterThanOrEqual: 1, lessThanOrEqual: 10000 },
    StreamCreationTimestamp: { type: 'Timestamp' },
  },
  handle(input, { engine }) {
    const streamName = engine.resolveName(undefined, input.StreamARN)
    const stream = engine.stream(streamName)
    const created = Math.floor(stream.state.createdAt / 1000)
    // Another incarnation of the name than the one asked for: its consumers are not these.
    if (input.StreamCreationTimestamp !== undefined && Math.floor(input.StreamCreationTimestamp) !== created)
      throw errors.streamNotFound(streamName, engine.account)
    let after: string | undefined
    if (input.NextToken !== undefined) {
      const token = decodeToken(engine, 'ListStreamConsumers', input.NextToken)
      if (token.stream !== streamName || token.createdAt !== stream.state.createdAt)
        throw errors.invalidArgument(`Invalid NextToken: ${input.NextToken}`)
      after = token.after
    }
    // At most 100 per call whatever MaxResults says, as AWS documents.
    const limit = Math.min(input.MaxResults ?? 100, 100)
    const consumers = engine.consumers.list(streamName).filter((c) => after === undefined || c.name > after)
    const page = consumers.slice(0, limit)
    const more = consumers.length > limit
    return {
      Consumers: page.map(consumerShape),
      ...(more && {
        NextToken: encodeToken(engine, 'ListStreamConsumers', {
          after: page[page.length - 1]!.name,
          stream: streamName,
          createdAt: stream.state.createdAt,
        }),
      }),
    }
  },
})

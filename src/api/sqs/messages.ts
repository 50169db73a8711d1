import { isBinaryType, md5OfMessageAttributes } from '../../services/queues/message.ts'
import type { QueueService } from '../../services/queues/queue-service.ts'
import type { ReceivedMessage } from '../../services/queues/types.ts'
import { defineOperation } from '../operation.ts'
import { QUEUE_URL } from './attributes.ts'
import { checkBatch, queueOf, required, runBatch, sqs, sqsError } from './shared.ts'

const MESSAGE_ATTRIBUTE = {
  type: 'Structure',
  children: {
    StringValue: { type: 'String' },
    BinaryValue: { type: 'Blob' },
    StringListValues: { type: 'List', children: { type: 'String' } },
    BinaryListValues: { type: 'List', children: { type: 'Blob' } },
    DataType: { type: 'String' },
  },
} as const

const MESSAGE_ATTRIBUTES = { type: 'Map', children: MESSAGE_ATTRIBUTE } as const

interface WireAttribute {
  StringValue?: string | undefined
  BinaryValue?: string | undefined
  DataType?: string | undefined
}

/**
 * SendMessage's MessageAttributes as the queue service keeps them (a `Binary` one's value as the
 * base64 the wire carries).
 */
function toServiceAttributes(
  attributes: Record<string, WireAttribute> | undefined,
): Record<string, { dataType: string; stringValue: string }> | undefined {
  if (attributes === undefined) return undefined
  const out: Record<string, { dataType: string; stringValue: string }> = {}
  for (const [name, attribute] of Object.entries(attributes)) {
    const type = attribute?.DataType
    if (type === undefined || type === '') {
      throw sqsError(
        'InvalidParameterValue',
        `The message attribute '${name}' must contain a non-empty message attribute type.`,
      )
    }
    if (isBinaryType(type)) {
      if (attribute.BinaryValue === undefined || attribute.BinaryValue === '')
        throw sqsError(
          'InvalidParameterValue',
          `The message attribute '${name}' must contain a non-empty message attribute value for message attribute type '${type}'.`,
        )
      out[name] = { dataType: type, stringValue: attribute.BinaryValue }
      continue
    }
    if (attribute.StringValue === undefined) {
      throw sqsError(
        'InvalidParameterValue',
        `The message attribute '${name}' must contain a non-empty message attribute value for message attribute type '${type}'.`,
      )
    }
    out[name] = { dataType: type, stringValue: attribute.StringValue }
  }
  return out
}

function send(
  service: QueueService,
  queue: string,
  entry: {
    MessageBody?: string | undefined
    DelaySeconds?: number | undefined
    MessageAttributes?: Record<string, WireAttribute> | undefined
    MessageGroupId?: string | undefined
    MessageDeduplicationId?: string | undefined
  },
) {
  const attributes = toServiceAttributes(entry.MessageAttributes)
  const result = service.send(queue, required(entry.MessageBody, 'MessageBody'), {
    ...(entry.DelaySeconds !== undefined ? { delaySeconds: entry.DelaySeconds } : {}),
    ...(attributes ? { attributes } : {}),
    ...(entry.MessageGroupId !== undefined ? { messageGroupId: entry.MessageGroupId } : {}),
    ...(entry.MessageDeduplicationId !== undefined
      ? { messageDeduplicationId: entry.MessageDeduplicationId }
      : {}),
  })
  return {
    MessageId: result.messageId,
    MD5OfMessageBody: result.md5OfBody,
    ...(result.md5OfMessageAttributes ? { MD5OfMessageAttributes: result.md5OfMessageAttributes } : {}),
    ...(result.sequenceNumber ? { SequenceNumber: result.sequenceNumber } : {}),
  }
}

const SEND_FIELDS = {
  MessageBody: { type: 'String' },
  DelaySeconds: { type: 'Integer' },
  MessageAttributes: MESSAGE_ATTRIBUTES,
  MessageSystemAttributes: MESSAGE_ATTRIBUTES,
  MessageDeduplicationId: { type: 'String' },
  MessageGroupId: { type: 'String' },
} as const

export const sendMessage = defineOperation({
  name: 'SendMessage',
  spec: { QueueUrl: QUEUE_URL, ...SEND_FIELDS },
  handle: (input, ctx) =>
    sqs(() => {
      const { service, name } = queueOf(ctx, input.QueueUrl)
      return send(service, name, input)
    }),
})

/** The most a batch's bodies and attributes may add up to (SQS's 256 KiB). */
const BATCH_MAX_BYTES = 262_144

export const sendMessageBatch = defineOperation({
  name: 'SendMessageBatch',
  spec: {
    QueueUrl: QUEUE_URL,
    Entries: {
      type: 'List',
      children: { type: 'Structure', children: { Id: { type: 'String' }, ...SEND_FIELDS } },
    },
  },
  handle: (input, ctx) =>
    sqs(() => {
      const { service, name } = queueOf(ctx, input.QueueUrl)
      const entries = checkBatch(input.Entries, 'SendMessageBatchRequestEntry')
      let total = 0
      for (const entry of entries) {
        total += Buffer.byteLength(entry.MessageBody ?? '', 'utf8')
        for (const [key, attribute] of Object.entries(entry.MessageAttributes ?? {})) {
          total += Buffer.byteLength(key) + Buffer.byteLength(attribute?.DataType ?? '')
          total += Buffer.byteLength(attribute?.StringValue ?? '')
        }
      }
      if (total > BATCH_MAX_BYTES) {
        throw sqsError(
          'BatchRequestTooLong',
          `Batch requests cannot be longer than ${BATCH_MAX_BYTES} bytes. You have sent ${total} bytes.`,
        )
      }
      return runBatch(entries, (entry) => send(service, name, entry))
    }),
})

/** Which message attributes a ReceiveMessage asks for: `All`, `.*`, `prefix.*` or exact names. */
function attributeFilter(names: readonly string[] | undefined): (name: string) => boolean {
  const list = names ?? []
  if (list.some((n) => n === 'All' || n === '.*')) return () => true
  const exact = new Set(list.filter((n) => !n.endsWith('.*')))
  const prefixes = list.filter((n) => n.endsWith('.*')).map((n) => n.slice(0, -1))
  return (name) => exact.has(name) || prefixes.some((p) => name.startsWith(p))
}

const SYSTEM_ATTRIBUTES = [
  'ApproximateReceiveCount',
  'ApproximateFirstReceiveTimestamp',
  'SentTimestamp',
  'SenderId',
  'DeadLetterQueueSourceArn',
  'MessageGroupId',
  'MessageDeduplicationId',
  'SequenceNumber',
] as const

function toWireMessage(
  message: ReceivedMessage,
  systemNames: ReadonlySet<string>,
  wantAttribute: (name: string) => boolean,
) {
  const attributes: Record<string, string> = {}
  for (const name of SYSTEM_ATTRIBUTES) {
    const value = message.attributes[name]
    if (value !== undefined && (systemNames.has('All') || systemNames.has(name))) attributes[name] = value
  }
  const chosen: Record<string, { dataType: string; stringValue: string }> = {}
  const messageAttributes: Record<string, { DataType: string; StringValue?: string; BinaryValue?: string }> =
    {}
  for (const [name, attribute] of Object.entries(message.messageAttributes)) {
    if (!wantAttribute(name)) continue
    chosen[name] = attribute
    messageAttributes[name] = isBinaryType(attribute.dataType)
      ? { DataType: attribute.dataType, BinaryValue: attribute.stringValue }
      : { DataType: attribute.dataType, StringValue: attribute.stringValue }
  }
  // The digest covers the attributes returned, so a client can check what it got; with none
  // returned, it is the digest of all of them (what SendMessage answered).
  const md5 = Object.keys(chosen).length > 0 ? md5OfMessageAttributes(chosen) : message.md5OfMessageAttributes
  return {
    MessageId: message.messageId,
    ReceiptHandle: message.receiptHandle,
    MD5OfBody: message.md5OfBody,
    Body: message.body,
    ...(Object.keys(attributes).length > 0 ? { Attributes: attributes } : {}),
    ...(md5 ? { MD5OfMessageAttributes: md5 } : {}),
    ...(Object.keys(messageAttributes).length > 0 ? { MessageAttributes: messageAttributes } : {}),
  }
}

const NAMES = { type: 'List', children: { type: 'String' } } as const

export const receiveMessage = defineOperation({
  name: 'ReceiveMessage',
  spec: {
    QueueUrl: QUEUE_URL,
    AttributeNames: NAMES,
    MessageSystemAttributeNames: NAMES,
    MessageAttributeNames: NAMES,
    MaxNumberOfMessages: { type: 'Integer' },
    VisibilityTimeout: { type: 'Integer' },
    WaitTimeSeconds: { type: 'Integer' },
    // Accepted and ignored: it lets SQS replay a FIFO receive whose answer was lost; here a lost
    // answer's messages reappear when their visibility timeout passes, as after any failed receive.
    ReceiveRequestAttemptId: { type: 'String' },
  },
  handle: (input, ctx) =>
    sqs(async () => {
      const { service, name } = queueOf(ctx, input.QueueUrl)
      const messages = await service.receive(name, {
        ...(input.MaxNumberOfMessages !== undefined ? { max: input.MaxNumberOfMessages } : {}),
        ...(input.VisibilityTimeout !== undefined
          ? { visibilityTimeoutSeconds: input.VisibilityTimeout }
          : {}),
        ...(input.WaitTimeSeconds !== undefined ? { waitTimeSeconds: input.WaitTimeSeconds } : {}),
        // A client that goes away ends its long poll: it must not take messages nobody will get.
        ...(ctx.signal ? { signal: ctx.signal } : {}),
      })
      if (messages.length === 0) return {}
      const systemNames = new Set([
        ...(input.AttributeNames ?? []),
        ...(input.MessageSystemAttributeNames ?? []),
      ])
      const wantAttribute = attributeFilter(input.MessageAttributeNames)
      return { Messages: messages.map((m) => toWireMessage(m, systemNames, wantAttribute)) }
    }),
})

export const deleteMessage = defineOperation({
  name: 'DeleteMessage',
  spec: { QueueUrl: QUEUE_URL, ReceiptHandle: { type: 'String' } },
  handle: (input, ctx) =>
    sqs(() => {
      const { service, name } = queueOf(ctx, input.QueueUrl)
      service.delete(name, required(input.ReceiptHandle, 'ReceiptHandle'))
      return undefined
    }),
})

export const deleteMessageBatch = defineOperation({
  name: 'DeleteMessageBatch',
  spec: {
    QueueUrl: QUEUE_URL,
    Entries: {
      type: 'List',
      children: {
        type: 'Structure',
        children: { Id: { type: 'String' }, ReceiptHandle: { type: 'String' } },
      },
    },
  },
  handle: (input, ctx) =>
    sqs(() => {
      const { service, name } = queueOf(ctx, input.QueueUrl)
      const entries = checkBatch(input.Entries, 'DeleteMessageBatchRequestEntry')
      return runBatch(entries, (entry) => {
        service.delete(name, required(entry.ReceiptHandle, 'ReceiptHandle'))
        return {}
      })
    }),
})

export const changeMessageVisibility = defineOperation({
  name: 'ChangeMessageVisibility',
  spec: { QueueUrl: QUEUE_URL, ReceiptHandle: { type: 'String' }, VisibilityTimeout: { type: 'Integer' } },
  handle: (input, ctx) =>
    sqs(() => {
      const { service, name } = queueOf(ctx, input.QueueUrl)
      const handle = required(input.ReceiptHandle, 'ReceiptHandle')
      service.changeVisibility(name, handle, required(input.VisibilityTimeout, 'VisibilityTimeout'))
      return undefined
    }),
})

export const changeMessageVisibilityBatch = defineOperation({
  name: 'ChangeMessageVisibilityBatch',
  spec: {
    QueueUrl: QUEUE_URL,
    Entries: {
      type: 'List',
      children: {
        type: 'Structure',
        children: {
          Id: { type: 'String' },
          ReceiptHandle: { type: 'String' },
          VisibilityTimeout: { type: 'Integer' },
        },
      },
    },
  },
  handle: (input, ctx) =>
    sqs(() => {
      const { service, name } = queueOf(ctx, input.QueueUrl)
      const entries = checkBatch(input.Entries, 'ChangeMessageVisibilityBatchRequestEntry')
      return runBatch(entries, (entry) => {
        service.changeVisibility(
          name,
          required(entry.ReceiptHandle, 'ReceiptHandle'),
          required(entry.VisibilityTimeout, 'VisibilityTimeout'),
        )
        return {}
      })
    }),
})

import { isBinaryType } from '../../services/queues/message.ts'
import type { ReceivedMessage } from '../../services/queues/types.ts'

/** One record of Lambda's SQS event, field for field (`SQSRecord` in @types/aws-lambda). */
export interface SqsEventRecord {
  messageId: string
  receiptHandle: string
  body: string
  attributes: ReceivedMessage['attributes']
  messageAttributes: Record<
    string,
    {
      stringValue?: string
      binaryValue?: string
      stringListValues: []
      binaryListValues: []
      dataType: string
    }
  >
  md5OfBody: string
  md5OfMessageAttributes?: string
  eventSource: 'aws:sqs'
  eventSourceARN: string
  awsRegion: string
}

export interface SqsEvent {
  Records: SqsEventRecord[]
}

export function sqsEventRecord(message: ReceivedMessage, queueArn: string, region: string): SqsEventRecord {
  const messageAttributes: SqsEventRecord['messageAttributes'] = {}
  for (const [name, value] of Object.entries(message.messageAttributes)) {
    messageAttributes[name] = {
      ...(isBinaryType(value.dataType)
        ? { binaryValue: value.stringValue }
        : { stringValue: value.stringValue }),
      stringListValues: [],
      binaryListValues: [],
      dataType: value.dataType,
    }
  }
  return {
    messageId: message.messageId,
    receiptHandle: message.receiptHandle,
    body: message.body,
    attributes: { ...message.attributes },
    messageAttributes,
    md5OfBody: message.md5OfBody,
    ...(message.md5OfMessageAttributes ? { md5OfMessageAttributes: message.md5OfMessageAttributes } : {}),
    eventSource: 'aws:sqs',
    eventSourceARN: queueArn,
    awsRegion: region,
  }
}

/** What event filters see: the record, with a JSON body parsed (a plain-text body stays a string). */
export function sqsFilterView(record: SqsEventRecord): Record<string, unknown> {
  let body: unknown = record.body
  try {
    body = JSON.parse(record.body)
  } catch {
    // Not JSON: patterns match the body as a string.
  }
  return { ...record, body }
}

/** Approximate bytes a record adds to the invocation payload. */
export function recordBytes(record: SqsEventRecord): number {
  return Buffer.byteLength(JSON.stringify(record), 'utf8') + 1
}

/** Handlers for the queue/topic integration test, written as plain AWS Lambda handlers. */
import type { SNSEvent, SQSBatchResponse, SQSEvent } from 'aws-lambda'
import { queue, topic } from 'tributary-pipeline/bindings'

/** Reports 'poison' messages as failures; publishes every other message to the 'done' topic. */
export const worker = async (event: SQSEvent): Promise<SQSBatchResponse> => {
  const batchItemFailures: SQSBatchResponse['batchItemFailures'] = []
  for (const record of event.Records) {
    if (record.body === 'poison') batchItemFailures.push({ itemIdentifier: record.messageId })
    else await topic('done').publish({ body: record.body }, { attributes: { from: record.eventSourceARN } })
  }
  return { batchItemFailures }
}

/** Subscribed to 'done': copies each SNS message to the 'audit-log' queue. */
export const audit = async (event: SNSEvent): Promise<void> => {
  for (const record of event.Records) {
    await queue('audit-log').send(record.Sns.Message, { attributes: { topic: record.Sns.TopicArn } })
  }
}

/** Tries a queue that does not exist and reports how the binding failed. */
export const missing = async () => {
  try {
    await queue('nope').send('x')
    return 'sent'
  } catch (error) {
    return { name: (error as Error).name, message: (error as Error).message }
  }
}

import { SNSClient } from '@aws-sdk/client-sns'
import { DeleteMessageCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs'
import { onTestFinished } from 'vitest'

export { failure } from '../../helpers/aws-error.ts'

import type { TestPipeline } from '../../../src/testing/index.ts'

export const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' }

/** SNS and SQS clients for a served pipeline, destroyed when the test finishes. */
export function clients(p: TestPipeline) {
  const sns = new SNSClient({ endpoint: p.endpoint!, region: 'us-east-1', credentials })
  const sqs = new SQSClient({ endpoint: p.endpoint!, region: 'us-east-1', credentials })
  onTestFinished(() => {
    sns.destroy()
    sqs.destroy()
  })
  return { sns, sqs }
}

/** Every message waiting in a queue, with its message attributes, read and deleted through SQS. */
export async function drain(sqs: SQSClient, p: TestPipeline, queue: string) {
  const QueueUrl = `${p.endpoint}/000000000000/${queue}`
  const got: { body: string; attributes: Record<string, unknown> }[] = []
  for (;;) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, MessageAttributeNames: ['All'] }),
    )
    if (Messages.length === 0) return got
    for (const m of Messages) {
      got.push({ body: m.Body!, attributes: m.MessageAttributes ?? {} })
      await sqs.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: m.ReceiptHandle! }))
    }
  }
}

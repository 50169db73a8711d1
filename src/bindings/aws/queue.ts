import type { QueueSendOptions, TopicPublishOptions } from '../types.ts'
import { invalid, physicalName, sdkCall } from './errors.ts'
import { type AwsMethods, stringAttributes, text } from './service.ts'

function options<T>(value: unknown, method: string): T {
  if (value === undefined || value === null) return {} as T
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw invalid('InvalidParameterValue', `the options of ${method} must be an object`)
  }
  return value as T
}

/** `queue(name).send`: SendMessage to the queue URL the deployment set. */
export const queueMethods: AwsMethods = {
  async send(ctx, name, [body, given]) {
    const { delaySeconds, attributes, messageGroupId, messageDeduplicationId } = options<QueueSendOptions>(
      given,
      'queue.send',
    )
    const QueueUrl = physicalName('queue', name, ctx.env)
    const { SendMessageCommand } = await import('@aws-sdk/client-sqs')
    const sqs = await ctx.clients.get('sqs')
    const out = await sdkCall(() =>
      sqs.send(
        new SendMessageCommand({
          QueueUrl,
          MessageBody: text(body),
          DelaySeconds: delaySeconds,
          MessageAttributes: stringAttributes(attributes),
          MessageGroupId: messageGroupId,
          MessageDeduplicationId: messageDeduplicationId,
        }),
      ),
    )
    return { messageId: out.MessageId }
  },
}

/** `topic(name).publish`: Publish to the topic ARN the deployment set. */
export const topicMethods: AwsMethods = {
  async publish(ctx, name, [message, given]) {
    const { subject, attributes } = options<TopicPublishOptions>(given, 'topic.publish')
    const TopicArn = physicalName('topic', name, ctx.env)
    const { PublishCommand } = await import('@aws-sdk/client-sns')
    const sns = await ctx.clients.get('sns')
    const out = await sdkCall(() =>
      sns.send(
        new PublishCommand({
          TopicArn,
          Message: text(message),
          Subject: subject,
          MessageAttributes: stringAttributes(attributes),
        }),
      ),
    )
    return { messageId: out.MessageId }
  },
}

import { defineNamespace, flows } from './define.ts'

const TOPIC = ['TopicName'] as const

/** AWS/SNS: what each Publish did. */
export const SNS = defineNamespace(
  'AWS/SNS',
  'https://docs.aws.amazon.com/sns/latest/dg/sns-monitoring-using-cloudwatch.html',
  [
    flows('Count', TOPIC, [
      'NumberOfMessagesPublished',
      'NumberOfNotificationsDelivered',
      'NumberOfNotificationsFailed',
    ]),
    flows('Bytes', TOPIC, ['PublishSize']),
  ],
)

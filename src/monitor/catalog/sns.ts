import { defineNamespace, flow } from './define.ts'

const TOPIC = ['TopicName'] as const

/** AWS/SNS: what each Publish did. */
export const SNS = defineNamespace(
  'AWS/SNS',
  'https://docs.aws.amazon.com/sns/latest/dg/sns-monitoring-using-cloudwatch.html',
  {
    NumberOfMessagesPublished: flow('Count', TOPIC),
    PublishSize: flow('Bytes', TOPIC),
    NumberOfNotificationsDelivered: flow('Count', TOPIC),
    NumberOfNotificationsFailed: flow('Count', TOPIC),
  },
)

import { defineNamespace, flow, level } from './define.ts'

const QUEUE = ['QueueName'] as const

/** AWS/SQS: per-call counts from the queue service and the depth gauges published every minute. */
export const SQS = defineNamespace(
  'AWS/SQS',
  'https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-available-cloudwatch-metrics.html',
  {
    NumberOfMessagesSent: flow('Count', QUEUE),
    SentMessageSize: flow('Bytes', QUEUE),
    NumberOfMessagesReceived: flow('Count', QUEUE),
    NumberOfEmptyReceives: flow('Count', QUEUE),
    NumberOfMessagesDeleted: flow('Count', QUEUE),
    ApproximateNumberOfMessagesVisible: level('Count', QUEUE),
    ApproximateNumberOfMessagesNotVisible: level('Count', QUEUE),
    ApproximateNumberOfMessagesDelayed: level('Count', QUEUE),
    /** In seconds: CloudWatch's unit is Seconds, which the sink has no name for. */
    ApproximateAgeOfOldestMessage: level('None', QUEUE),
  },
)

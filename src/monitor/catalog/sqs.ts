import { defineNamespace, flows, levels } from './define.ts'

const QUEUE = ['QueueName'] as const

/**
 * AWS/SQS: per-call counts from the queue service, and the depth gauges published every minute.
 * ApproximateAgeOfOldestMessage is in seconds with unit None: CloudWatch's unit is Seconds, which
 * the sink has no name for.
 */
export const SQS = defineNamespace(
  'AWS/SQS',
  'https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-available-cloudwatch-metrics.html',
  [
    flows('Count', QUEUE, [
      'NumberOfMessagesSent',
      'NumberOfMessagesReceived',
      'NumberOfEmptyReceives',
      'NumberOfMessagesDeleted',
    ]),
    flows('Bytes', QUEUE, ['SentMessageSize']),
    levels('Count', QUEUE, [
      'ApproximateNumberOfMessagesVisible',
      'ApproximateNumberOfMessagesNotVisible',
      'ApproximateNumberOfMessagesDelayed',
    ]),
    levels('None', QUEUE, ['ApproximateAgeOfOldestMessage']),
  ],
)

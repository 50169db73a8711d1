import { defineNamespace, flows, levels } from './define.ts'

const DELIVERY = ['DeliveryStreamName'] as const

/**
 * AWS/Firehose: what each delivery stream took in and wrote to the lake. Incoming* count direct
 * put only (a Kinesis source counts DataReadFromKinesisStream.*); DeliveryToS3.DataFreshness is
 * the age of the oldest record not yet in the lake, in ms (CloudWatch's unit is Seconds);
 * PartitionCount is the partitions a flush wrote (dynamic partitioning).
 */
export const Firehose = defineNamespace(
  'AWS/Firehose',
  'https://docs.aws.amazon.com/firehose/latest/dev/monitoring-with-cloudwatch-metrics.html',
  [
    flows('Count', DELIVERY, [
      'IncomingRecords',
      'IncomingPutRequests',
      'DataReadFromKinesisStream.Records',
      'DeliveryToS3.Records',
      'DeliveryToS3.ObjectCount',
      'DeliveryToS3.Success',
      'DeliveryToS3.ErrorOutputRecords',
      'ExecuteProcessing.Success',
      'SucceedProcessing.Records',
      'PartitionCountExceeded',
    ]),
    flows('Bytes', DELIVERY, ['IncomingBytes', 'DataReadFromKinesisStream.Bytes', 'DeliveryToS3.Bytes']),
    levels('Milliseconds', DELIVERY, ['DeliveryToS3.DataFreshness']),
    levels('Count', DELIVERY, ['PartitionCount']),
  ],
)

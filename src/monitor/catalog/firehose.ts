import { defineNamespace, flow, level } from './define.ts'

const DELIVERY = ['DeliveryStreamName'] as const

/** AWS/Firehose: what each delivery stream took in and wrote to the lake. */
export const Firehose = defineNamespace(
  'AWS/Firehose',
  'https://docs.aws.amazon.com/firehose/latest/dev/monitoring-with-cloudwatch-metrics.html',
  {
    /** Direct put (PutRecord/PutRecordBatch) only; a Kinesis source counts DataReadFromKinesisStream. */
    IncomingRecords: flow('Count', DELIVERY),
    IncomingBytes: flow('Bytes', DELIVERY),
    IncomingPutRequests: flow('Count', DELIVERY),
    DataReadFromKinesisStream_Records: flow('Count', DELIVERY),
    DataReadFromKinesisStream_Bytes: flow('Bytes', DELIVERY),
    DeliveryToS3_Records: flow('Count', DELIVERY),
    DeliveryToS3_Bytes: flow('Bytes', DELIVERY),
    DeliveryToS3_ObjectCount: flow('Count', DELIVERY),
    DeliveryToS3_Success: flow('Count', DELIVERY),
    DeliveryToS3_ErrorOutputRecords: flow('Count', DELIVERY),
    /** Age of the oldest record not yet in the lake. In ms (CloudWatch's unit is Seconds). */
    DeliveryToS3_DataFreshness: level('Milliseconds', DELIVERY),
    ExecuteProcessing_Success: flow('Count', DELIVERY),
    SucceedProcessing_Records: flow('Count', DELIVERY),
    /** Partitions a flush wrote (dynamic partitioning). */
    PartitionCount: level('Count', DELIVERY),
    PartitionCountExceeded: flow('Count', DELIVERY),
  },
)

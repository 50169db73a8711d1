import { defineNamespace, flow, level } from './define.ts'

const STREAM = ['StreamName'] as const

/** AWS/Kinesis, the stream-level metrics (dimension StreamName) the engine publishes. */
export const Kinesis = defineNamespace(
  'AWS/Kinesis',
  'https://docs.aws.amazon.com/streams/latest/dev/monitoring-with-cloudwatch.html',
  {
    /** Records accepted by PutRecord/PutRecords and the stream binding. */
    IncomingRecords: flow('Count', STREAM),
    /** Bytes of those records' data (decoded). */
    IncomingBytes: flow('Bytes', STREAM),
    GetRecords_Success: flow('Count', STREAM),
    GetRecords_Records: flow('Count', STREAM),
    GetRecords_Bytes: flow('Bytes', STREAM),
    /** Age of the oldest record a GetRecords call returned. */
    GetRecords_IteratorAgeMilliseconds: level('Milliseconds', STREAM),
  },
)

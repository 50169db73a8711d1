import { defineNamespace, flows, levels } from './define.ts'

const STREAM = ['StreamName'] as const

/**
 * AWS/Kinesis: the stream-level metrics the engine publishes. IncomingRecords/Bytes count records
 * accepted by PutRecord(s) and the stream binding (bytes of the decoded data);
 * GetRecords.IteratorAgeMilliseconds is the age of the oldest record a GetRecords call returned.
 */
export const Kinesis = defineNamespace(
  'AWS/Kinesis',
  'https://docs.aws.amazon.com/streams/latest/dev/monitoring-with-cloudwatch.html',
  [
    flows('Count', STREAM, ['IncomingRecords', 'GetRecords.Success', 'GetRecords.Records']),
    flows('Bytes', STREAM, ['IncomingBytes', 'GetRecords.Bytes']),
    levels('Milliseconds', STREAM, ['GetRecords.IteratorAgeMilliseconds']),
  ],
)

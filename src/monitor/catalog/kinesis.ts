import { defineNamespace, flows, levels } from './define.ts'

const STREAM = ['StreamName'] as const
const CONSUMER = ['StreamName', 'ConsumerName'] as const

/**
 * AWS/Kinesis: the stream-level metrics the engine publishes. IncomingRecords/Bytes count records
 * accepted by PutRecord(s) and the stream binding (bytes of the decoded data);
 * GetRecords.IteratorAgeMilliseconds is the age of the oldest record a GetRecords call returned.
 * WriteProvisionedThroughputExceeded counts records a shard's write limit refused (PutRecord and
 * PutRecords, one datapoint per throttled call holding its refused records), and
 * ReadProvisionedThroughputExceeded counts GetRecords calls refused by a shard's read limit. Their
 * Sum is AWS's; AWS's Average is the throttled share of records or calls, which Tributary (which
 * publishes only throttled calls) does not reproduce. Enhanced fan-out's per consumer:
 * SubscribeToShard.Success per subscription, SubscribeToShardEvent.Records/Bytes per event that
 * carried records, SubscribeToShardEvent.MillisBehindLatest per event.
 */
export const Kinesis = defineNamespace(
  'AWS/Kinesis',
  'https://docs.aws.amazon.com/streams/latest/dev/monitoring-with-cloudwatch.html',
  [
    flows('Count', STREAM, [
      'IncomingRecords',
      'GetRecords.Success',
      'GetRecords.Records',
      'WriteProvisionedThroughputExceeded',
      'ReadProvisionedThroughputExceeded',
    ]),
    flows('Bytes', STREAM, ['IncomingBytes', 'GetRecords.Bytes']),
    levels('Milliseconds', STREAM, ['GetRecords.IteratorAgeMilliseconds']),
    flows('Count', CONSUMER, ['SubscribeToShard.Success', 'SubscribeToShardEvent.Records']),
    flows('Bytes', CONSUMER, ['SubscribeToShardEvent.Bytes']),
    levels('Milliseconds', CONSUMER, ['SubscribeToShardEvent.MillisBehindLatest']),
  ],
)

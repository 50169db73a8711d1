import { type SubscriptionEvent, subscribe } from '../../../engine/subscription.ts'
import { defineOperation, type EventStreamOutput } from '../../operation.ts'
import { SEQUENCE_NUMBER, SHARD_ID } from '../shapes.ts'
import { childShard, renderRecordsJson } from './get-records.ts'
import { CONSUMER_ARN } from './stream-consumers.ts'

/** A SubscribeToShardEvent's JSON: its records as GetRecords renders them, then the rest. */
function renderEvent(event: SubscriptionEvent): Buffer {
  return renderRecordsJson(event.records, {
    ...(event.continuationSequenceNumber !== undefined && {
      ContinuationSequenceNumber: event.continuationSequenceNumber,
    }),
    MillisBehindLatest: event.millisBehindLatest,
    ...(event.childShards && { ChildShards: event.childShards.map(childShard) }),
  })
}

/**
 * SubscribeToShard: an HTTP/2 (or HTTP/1.1) response of event-stream messages, an
 * `initial-response` then `SubscribeToShardEvent`s, for up to 5 minutes. Errors found before the
 * stream starts are ordinary error replies (as on AWS); see src/engine/subscription.ts.
 */
export const subscribeToShard = defineOperation({
  name: 'SubscribeToShard',
  spec: {
    ConsumerARN: { ...CONSUMER_ARN, notNull: true },
    ShardId: { ...SHARD_ID, notNull: true },
    StartingPosition: {
      type: 'Structure',
      notNull: true,
      children: {
        Type: {
          type: 'String',
          notNull: true,
          enum: ['AT_SEQUENCE_NUMBER', 'AFTER_SEQUENCE_NUMBER', 'TRIM_HORIZON', 'LATEST', 'AT_TIMESTAMP'],
        },
        SequenceNumber: SEQUENCE_NUMBER,
        Timestamp: { type: 'Timestamp' },
      },
    },
  },
  async handle(input, { engine }): Promise<EventStreamOutput> {
    const start = input.StartingPosition
    const subscription = await subscribe(engine, {
      consumerArn: input.ConsumerARN,
      shardId: input.ShardId,
      type: start.Type,
      sequenceNumber: start.SequenceNumber,
      timestamp: start.Timestamp === undefined ? undefined : Math.round(start.Timestamp * 1000),
    })
    return {
      eventStream: true,
      async run(sink) {
        for await (const event of subscription.events()) {
          await sink.event('SubscribeToShardEvent', renderEvent(event))
        }
      },
      cancel: () => subscription.stop(),
    }
  },
})

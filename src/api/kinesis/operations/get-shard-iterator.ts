import { shardIterator } from '../../../engine/records.ts'
import { defineOperation } from '../../operation.ts'
import { SEQUENCE_NUMBER, SHARD_ID, STREAM_ARN, STREAM_NAME_OR_ARN, streamNameOf } from '../shapes.ts'

export const getShardIterator = defineOperation({
  name: 'GetShardIterator',
  spec: {
    ShardId: { ...SHARD_ID, notNull: true },
    ShardIteratorType: {
      type: 'String',
      notNull: true,
      enum: ['AFTER_SEQUENCE_NUMBER', 'LATEST', 'AT_TIMESTAMP', 'AT_SEQUENCE_NUMBER', 'TRIM_HORIZON'],
    },
    StartingSequenceNumber: SEQUENCE_NUMBER,
    StreamName: STREAM_NAME_OR_ARN,
    Timestamp: { type: 'Timestamp' },
    StreamARN: STREAM_ARN,
  },
  async handle(input, ctx) {
    const seconds = input.Timestamp
    const iterator = await shardIterator(ctx.engine, {
      streamName: streamNameOf(ctx, input),
      shardId: input.ShardId,
      type: input.ShardIteratorType,
      startingSequenceNumber: input.StartingSequenceNumber,
      timestamp: seconds === undefined ? undefined : Math.round(seconds * 1000),
    })
    return { ShardIterator: iterator }
  },
})

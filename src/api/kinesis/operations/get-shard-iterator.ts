import { type IteratorType, shardIterator } from '../../../engine/records.ts'
import type { Operation } from '../operation.ts'
import { SEQUENCE_NUMBER, SHARD_ID, STREAM_ARN, STREAM_NAME_OR_ARN, streamNameOf } from '../shapes.ts'

export const getShardIterator: Operation = {
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
    const seconds = input.Timestamp as number | undefined
    const iterator = await shardIterator(ctx.engine, {
      streamName: streamNameOf(ctx, input),
      shardId: input.ShardId as string,
      type: input.ShardIteratorType as IteratorType,
      startingSequenceNumber: input.StartingSequenceNumber as string | undefined,
      timestamp: seconds === undefined ? undefined : Math.round(seconds * 1000),
    })
    return { ShardIterator: iterator }
  },
}

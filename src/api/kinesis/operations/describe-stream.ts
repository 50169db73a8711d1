import { defineOperation } from '../../operation.ts'
import {
  creationTimestamp,
  encryptionShape,
  SHARD_ID,
  STREAM_ARN,
  STREAM_NAME_OR_ARN,
  shardShape,
  streamModeDetails,
  streamNameOf,
} from '../shapes.ts'
import { enhancedMonitoring } from './enhanced-monitoring.ts'

export const describeStream = defineOperation({
  name: 'DescribeStream',
  spec: {
    Limit: { type: 'Integer', greaterThanOrEqual: 1, lessThanOrEqual: 10000 },
    ExclusiveStartShardId: SHARD_ID,
    StreamName: STREAM_NAME_OR_ARN,
    StreamARN: STREAM_ARN,
  },
  handle(input, ctx) {
    const name = streamNameOf(ctx, input)
    const stream = ctx.engine.stream(name)
    const limit = input.Limit ?? 100
    const after = input.ExclusiveStartShardId
    const shards = stream.orderedShards().filter((s) => after === undefined || s.id > after)
    return {
      StreamDescription: {
        StreamName: name,
        StreamARN: ctx.engine.arn(name),
        StreamStatus: stream.state.status,
        StreamModeDetails: streamModeDetails(stream),
        Shards: shards.slice(0, limit).map(shardShape),
        HasMoreShards: shards.length > limit,
        RetentionPeriodHours: stream.state.retentionHours,
        StreamCreationTimestamp: creationTimestamp(stream),
        EnhancedMonitoring: enhancedMonitoring(stream),
        ...encryptionShape(stream),
      },
    }
  },
})

import { defineOperation } from '../../operation.ts'
import {
  creationTimestamp,
  encryptionShape,
  STREAM_ARN,
  STREAM_NAME_OR_ARN,
  streamModeDetails,
  streamNameOf,
} from '../shapes.ts'
import { enhancedMonitoring } from './enhanced-monitoring.ts'

export const describeStreamSummary = defineOperation({
  name: 'DescribeStreamSummary',
  spec: { StreamName: STREAM_NAME_OR_ARN, StreamARN: STREAM_ARN },
  handle(input, ctx) {
    const name = streamNameOf(ctx, input)
    const stream = ctx.engine.stream(name)
    return {
      StreamDescriptionSummary: {
        StreamName: name,
        StreamARN: ctx.engine.arn(name),
        StreamStatus: stream.state.status,
        StreamModeDetails: streamModeDetails(stream),
        RetentionPeriodHours: stream.state.retentionHours,
        StreamCreationTimestamp: creationTimestamp(stream),
        EnhancedMonitoring: enhancedMonitoring(stream),
        ...encryptionShape(stream),
        OpenShardCount: stream.openShardCount(),
        ConsumerCount: ctx.engine.consumers.count(name),
        MaxRecordSizeInKiB: stream.state.maxRecordSizeKiB,
      },
    }
  },
})

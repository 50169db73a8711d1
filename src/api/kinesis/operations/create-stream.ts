import { defineOperation } from '../../operation.ts'
import { STREAM_NAME } from '../shapes.ts'

export const createStream = defineOperation({
  name: 'CreateStream',
  spec: {
    ShardCount: { type: 'Integer', greaterThanOrEqual: 1 },
    StreamName: { ...STREAM_NAME, notNull: true },
    StreamModeDetails: {
      type: 'Structure',
      children: { StreamMode: { type: 'String', notNull: true, enum: ['PROVISIONED', 'ON_DEMAND'] } },
    },
    Tags: {
      type: 'Map',
      lengthGreaterThanOrEqual: 1,
      lengthLessThanOrEqual: 200,
      childKeyLengths: [1, 128],
      childValueLengths: [0, 256],
      children: { type: 'String' },
    },
    WarmThroughputMiBps: { type: 'Integer', greaterThanOrEqual: 0 },
    MaxRecordSizeInKiB: { type: 'Integer', greaterThanOrEqual: 1024, lessThanOrEqual: 10240 },
  },
  handle(input, { engine }) {
    engine.createStream(input.StreamName, {
      shardCount: input.ShardCount,
      mode: input.StreamModeDetails?.StreamMode,
      tags: input.Tags,
      maxRecordSizeKiB: input.MaxRecordSizeInKiB,
    })
    return undefined
  },
})

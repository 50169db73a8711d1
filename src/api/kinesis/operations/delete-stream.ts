import { defineOperation } from '../../operation.ts'
import { STREAM_ARN, STREAM_NAME_OR_ARN, streamNameOf } from '../shapes.ts'

export const deleteStream = defineOperation({
  name: 'DeleteStream',
  spec: {
    StreamName: STREAM_NAME_OR_ARN,
    EnforceConsumerDeletion: { type: 'Boolean' },
    StreamARN: STREAM_ARN,
  },
  handle(input, ctx) {
    ctx.engine.deleteStream(streamNameOf(ctx, input))
    return undefined
  },
})

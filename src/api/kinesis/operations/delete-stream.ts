import { consumerErrors } from '../../../engine/messages.ts'
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
    const name = streamNameOf(ctx, input)
    // AWS refuses to delete a stream with registered consumers unless told to delete them too.
    if (!input.EnforceConsumerDeletion && ctx.engine.consumers.count(name) > 0)
      throw consumerErrors.hasConsumers(name, ctx.engine.account)
    ctx.engine.deleteStream(name)
    return undefined
  },
})

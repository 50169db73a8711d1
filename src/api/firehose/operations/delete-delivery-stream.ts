import { defineOperation } from '../../operation.ts'
import { DELIVERY_STREAM_NAME, deliveryOf, firehoseErrors } from '../shapes.ts'

export const deleteDeliveryStream = defineOperation({
  name: 'DeleteDeliveryStream',
  spec: {
    DeliveryStreamName: { ...DELIVERY_STREAM_NAME, notNull: true },
    AllowForceDelete: { type: 'Boolean' },
  },
  handle(input, ctx) {
    const delivery = deliveryOf(ctx)
    const name = input.DeliveryStreamName
    const found = delivery.describe(name)
    if (!found) throw firehoseErrors.notFound(name, ctx.engine.account)
    // AWS refuses to delete a stream that is still being created.
    if (found.status === 'CREATING') {
      throw firehoseErrors.inUse(
        `Firehose ${name} under account ${ctx.engine.account} is in CREATING state and cannot be deleted.`,
      )
    }
    if (found.status !== 'DELETING') delivery.delete(name)
    return {}
  },
})

import { defineOperation } from '../../operation.ts'
import { deliveryStreamType } from '../describe-shape.ts'
import { DELIVERY_STREAM_NAME, DELIVERY_STREAM_TYPE, deliveryOf } from '../shapes.ts'

export const listDeliveryStreams = defineOperation({
  name: 'ListDeliveryStreams',
  spec: {
    Limit: { type: 'Integer', greaterThanOrEqual: 1, lessThanOrEqual: 10000 },
    DeliveryStreamType: DELIVERY_STREAM_TYPE,
    ExclusiveStartDeliveryStreamName: DELIVERY_STREAM_NAME,
  },
  handle(input, ctx) {
    const delivery = deliveryOf(ctx)
    const limit = input.Limit ?? 10
    const type = input.DeliveryStreamType
    const after = input.ExclusiveStartDeliveryStreamName
    const names = delivery
      .names()
      .filter((name) => after === undefined || name > after)
      .filter((name) => {
        if (type === undefined) return true
        const d = delivery.describe(name)
        return d !== undefined && deliveryStreamType(d.config) === type
      })
      .sort()
    return { DeliveryStreamNames: names.slice(0, limit), HasMoreDeliveryStreams: names.length > limit }
  },
})

import { defineOperation } from '../../operation.ts'
import { describeDeliveryStream as describe } from '../describe-shape.ts'
import { DELIVERY_STREAM_NAME, deliveryOf, firehoseErrors } from '../shapes.ts'

export const describeDeliveryStream = defineOperation({
  name: 'DescribeDeliveryStream',
  spec: {
    DeliveryStreamName: { ...DELIVERY_STREAM_NAME, notNull: true },
    Limit: { type: 'Integer', greaterThanOrEqual: 1, lessThanOrEqual: 10000 },
    ExclusiveStartDestinationId: {
      type: 'String',
      regex: '[a-zA-Z0-9-]+',
      lengthGreaterThanOrEqual: 1,
      lengthLessThanOrEqual: 100,
    },
  },
  handle(input, ctx) {
    const name = input.DeliveryStreamName
    const found = deliveryOf(ctx).describe(name)
    if (!found) throw firehoseErrors.notFound(name, ctx.engine.account)
    const description = describe(found, ctx)
    // Each stream has one destination; paging past it leaves none.
    if (input.ExclusiveStartDestinationId !== undefined) description.Destinations = []
    return { DeliveryStreamDescription: description }
  },
})

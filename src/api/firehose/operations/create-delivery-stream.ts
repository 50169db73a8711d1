import { DeliveryConfigError } from '../../../delivery/errors.ts'
import { defineOperation } from '../../operation.ts'
import { DESTINATIONS, ENCRYPTION_INPUT, KINESIS_SOURCE, TAGS, UNSUPPORTED } from '../destination-spec.ts'
import {
  DELIVERY_STREAM_NAME,
  DELIVERY_STREAM_TYPE,
  deliveryOf,
  deliveryStreamArn,
  firehoseErrors,
} from '../shapes.ts'
import { toDeliveryConfig } from '../to-delivery-config.ts'

/**
 * AWS's default quota of Firehose streams per account and Region
 * (https://docs.aws.amazon.com/firehose/latest/dev/limits.html).
 */
export const MAX_DELIVERY_STREAMS = 5000

export const createDeliveryStream = defineOperation({
  name: 'CreateDeliveryStream',
  spec: {
    DeliveryStreamName: { ...DELIVERY_STREAM_NAME, notNull: true },
    DeliveryStreamType: DELIVERY_STREAM_TYPE,
    DirectPutSourceConfiguration: UNSUPPORTED,
    KinesisStreamSourceConfiguration: KINESIS_SOURCE,
    DeliveryStreamEncryptionConfigurationInput: ENCRYPTION_INPUT,
    S3DestinationConfiguration: DESTINATIONS.S3DestinationConfiguration,
    ExtendedS3DestinationConfiguration: DESTINATIONS.ExtendedS3DestinationConfiguration,
    RedshiftDestinationConfiguration: DESTINATIONS.RedshiftDestinationConfiguration,
    ElasticsearchDestinationConfiguration: DESTINATIONS.ElasticsearchDestinationConfiguration,
    AmazonopensearchserviceDestinationConfiguration:
      DESTINATIONS.AmazonopensearchserviceDestinationConfiguration,
    SplunkDestinationConfiguration: DESTINATIONS.SplunkDestinationConfiguration,
    HttpEndpointDestinationConfiguration: DESTINATIONS.HttpEndpointDestinationConfiguration,
    Tags: TAGS,
    AmazonOpenSearchServerlessDestinationConfiguration:
      DESTINATIONS.AmazonOpenSearchServerlessDestinationConfiguration,
    MSKSourceConfiguration: UNSUPPORTED,
    SnowflakeDestinationConfiguration: DESTINATIONS.SnowflakeDestinationConfiguration,
    IcebergDestinationConfiguration: DESTINATIONS.IcebergDestinationConfiguration,
    DatabaseSourceConfiguration: UNSUPPORTED,
  },
  handle(input, ctx) {
    const delivery = deliveryOf(ctx)
    const name = input.DeliveryStreamName
    if (delivery.has(name)) throw firehoseErrors.exists(name, ctx.engine.account)
    const count = delivery.names().length
    if (count >= MAX_DELIVERY_STREAMS) {
      throw firehoseErrors.limitExceeded(
        `You have already consumed your firehose quota of ${MAX_DELIVERY_STREAMS} hoses.`,
      )
    }
    try {
      delivery.create(name, toDeliveryConfig(input, ctx))
    } catch (error) {
      if (error instanceof DeliveryConfigError) throw firehoseErrors.invalidArgument(error.message)
      throw error
    }
    return { DeliveryStreamARN: deliveryStreamArn(ctx, name) }
  },
})

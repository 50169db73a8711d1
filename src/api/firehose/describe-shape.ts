import type { DeliveryConfig } from '../../delivery/config.ts'
import type { DeliveryDescription } from '../../delivery/types.ts'
import type { OperationContext } from '../operation.ts'
import { formatJqObject } from './jq-object.ts'
import { deliveryStreamArn } from './shapes.ts'

/**
 * DeliveryConfig back to DescribeDeliveryStream's wire shape. The IAM role is not part of a
 * delivery config (nothing local assumes roles), so descriptions show one fixed role per account.
 */
export function roleArn(ctx: OperationContext): string {
  return `arn:aws:iam::${ctx.engine.account}:role/tributary-firehose`
}

export function deliveryStreamType(config: DeliveryConfig): 'DirectPut' | 'KinesisStreamAsSource' {
  return config.stream === undefined ? 'DirectPut' : 'KinesisStreamAsSource'
}

export function describeDeliveryStream(
  d: DeliveryDescription,
  ctx: OperationContext,
): Record<string, unknown> {
  const c = d.config
  return {
    DeliveryStreamName: d.name,
    DeliveryStreamARN: deliveryStreamArn(ctx, d.name),
    DeliveryStreamStatus: d.status,
    DeliveryStreamEncryptionConfiguration: { Status: 'DISABLED' },
    DeliveryStreamType: deliveryStreamType(c),
    VersionId: String(d.version),
    CreateTimestamp: new Date(d.createdAt),
    LastUpdateTimestamp: new Date(d.lastUpdatedAt),
    ...(c.stream !== undefined && {
      Source: {
        KinesisStreamSourceDescription: {
          KinesisStreamARN: ctx.engine.arn(c.stream),
          RoleARN: roleArn(ctx),
          DeliveryStartTimestamp: new Date(d.createdAt),
        },
      },
    }),
    Destinations: [
      {
        DestinationId: 'destinationId-000000000001',
        // AWS describes an extended S3 destination in both forms.
        S3DestinationDescription: s3Description(c, ctx),
        ExtendedS3DestinationDescription: extendedS3Description(c, ctx),
      },
    ],
    HasMoreDestinations: false,
  }
}

function s3Description(c: DeliveryConfig, ctx: OperationContext): Record<string, unknown> {
  return {
    RoleARN: roleArn(ctx),
    BucketARN: `arn:aws:s3:::${c.bucket}`,
    Prefix: c.prefix,
    ...(c.errorOutputPrefix !== undefined && { ErrorOutputPrefix: c.errorOutputPrefix }),
    BufferingHints: {
      SizeInMBs: c.bufferingHints.sizeInMBs,
      IntervalInSeconds: c.bufferingHints.intervalInSeconds,
    },
    CompressionFormat: c.compression,
    EncryptionConfiguration: { NoEncryptionConfig: 'NoEncryption' },
    CloudWatchLoggingOptions: { Enabled: false },
  }
}

function extendedS3Description(c: DeliveryConfig, ctx: OperationContext): Record<string, unknown> {
  const processors = processorsOf(c, ctx)
  return {
    ...s3Description(c, ctx),
    ...(processors.length > 0 && { ProcessingConfiguration: { Enabled: true, Processors: processors } }),
    S3BackupMode: 'Disabled',
    ...(c.format && {
      DataFormatConversionConfiguration: {
        SchemaConfiguration: {
          RoleARN: roleArn(ctx),
          CatalogId: ctx.engine.account,
          TableName: c.format.parquet.table,
          Region: ctx.engine.region,
          VersionId: 'LATEST',
        },
        InputFormatConfiguration: { Deserializer: { OpenXJsonSerDe: {} } },
        OutputFormatConfiguration: { Serializer: { ParquetSerDe: {} } },
        Enabled: true,
      },
    }),
    ...(c.dynamicPartitioning && {
      DynamicPartitioningConfiguration: {
        RetryOptions: { DurationInSeconds: 300 },
        Enabled: c.dynamicPartitioning.enabled,
      },
    }),
  }
}

const param = (ParameterName: string, ParameterValue: string | number) => ({
  ParameterName,
  ParameterValue: String(ParameterValue),
})

/** Processors in the order Firehose applies them: de-aggregate, transform, extract keys, delimit. */
function processorsOf(c: DeliveryConfig, ctx: OperationContext): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = []
  if (c.deaggregation) out.push({ Type: 'RecordDeAggregation', Parameters: [] })
  if (c.processing) {
    const p = c.processing
    out.push({
      Type: 'Lambda',
      Parameters: [
        param(
          'LambdaArn',
          `arn:aws:lambda:${ctx.engine.region}:${ctx.engine.account}:function:${p.function}`,
        ),
        param('NumberOfRetries', p.numberOfRetries),
        param('BufferSizeInMBs', p.bufferSizeInMBs),
        param('BufferIntervalInSeconds', p.bufferIntervalInSeconds),
      ],
    })
  }
  const queries = c.dynamicPartitioning?.metadataExtraction?.queries
  if (queries) {
    out.push({
      Type: 'MetadataExtraction',
      Parameters: [
        param('MetadataExtractionQuery', formatJqObject(queries)),
        param('JsonParsingEngine', 'JQ-1.6'),
      ],
    })
  }
  if (c.appendNewline) out.push({ Type: 'AppendDelimiterToRecord', Parameters: [] })
  return out
}

import { type DeliveryConfig, deliverySchema } from '../../delivery/config.ts'
import type { OperationContext } from '../operation.ts'
import type { InputOf } from '../spec.ts'
import { DESTINATIONS, type KINESIS_SOURCE, type Processor, type S3Destination } from './destination-spec.ts'
import { parseJqObject } from './jq-object.ts'
import { type DELIVERY_STREAM_TYPE, firehoseErrors } from './shapes.ts'

/** The members of a validated CreateDeliveryStream request the mapping reads (PascalCase stays in api/). */
export type DeliveryRequest = InputOf<
  typeof DESTINATIONS & {
    DeliveryStreamType: typeof DELIVERY_STREAM_TYPE
    KinesisStreamSourceConfiguration: typeof KINESIS_SOURCE
  }
>

const invalid = firehoseErrors.invalidArgument
const LAMBDA_ARN = /^arn:aws[^:]*:lambda:[^:]*:\d{12}:function:([^:]+)(?::[^:]+)?$/
const KINESIS_ARN = /^arn:aws[^:]*:kinesis:([^:]+):(\d{12}):stream\/(.+)$/

/**
 * Maps a validated CreateDeliveryStream request to a delivery config, or throws the
 * InvalidArgumentException AWS (or, for what Tributary does not run, Tributary) answers with.
 */
export function toDeliveryConfig(input: DeliveryRequest, ctx: OperationContext): DeliveryConfig {
  const stream = sourceStream(input, ctx)
  const d = s3Destination(input)
  if (d.S3BackupMode === 'Enabled') throw invalid('S3BackupMode Enabled is not supported by Tributary.')
  const bucket = /^arn:[^:]*:s3:::(.+)$/.exec(d.BucketARN)![1]!
  const config: Record<string, unknown> = {
    stream,
    bucket,
    prefix: d.Prefix ?? '',
    errorOutputPrefix: d.ErrorOutputPrefix || undefined,
    bufferingHints: {
      sizeInMBs: d.BufferingHints?.SizeInMBs,
      intervalInSeconds: d.BufferingHints?.IntervalInSeconds,
    },
    compression: d.CompressionFormat,
    format: parquetFormat(d),
    ...processors(d),
  }
  checkDynamicPartitioning(config)
  const parsed = deliverySchema.safeParse(config)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!
    throw invalid(`Invalid delivery stream configuration: ${issue.path.join('.')} ${issue.message}`)
  }
  return parsed.data
}

/** The one destination a request names, which must be one of the two S3 ones. */
function s3Destination(input: DeliveryRequest): S3Destination {
  const members: Readonly<Record<string, unknown>> = input
  const present = Object.keys(DESTINATIONS).filter((k) => members[k] !== undefined)
  if (present.length !== 1) throw invalid('Exactly one destination configuration is supported for a Firehose')
  // Exactly one member is present: it is one of these two, or one Tributary does not serve.
  const d = input.ExtendedS3DestinationConfiguration ?? input.S3DestinationConfiguration
  if (!d) {
    throw invalid(
      `${present[0]} is not supported by Tributary: use ExtendedS3DestinationConfiguration or S3DestinationConfiguration.`,
    )
  }
  return d
}

function sourceStream(input: DeliveryRequest, ctx: OperationContext): string | undefined {
  const type = input.DeliveryStreamType ?? 'DirectPut'
  const source = input.KinesisStreamSourceConfiguration
  if (type === 'MSKAsSource' || type === 'DatabaseAsSource') {
    throw invalid(
      `DeliveryStreamType ${type} is not supported by Tributary: use DirectPut or KinesisStreamAsSource.`,
    )
  }
  if (source && type !== 'KinesisStreamAsSource') {
    throw invalid('KinesisSourceStreamConfig is only applicable for KinesisStreamAsSource stream type')
  }
  if (type !== 'KinesisStreamAsSource') return undefined
  if (!source) throw invalid('KinesisSourceStreamConfig is required for KinesisStreamAsSource stream type')
  const [, region, account, name] = KINESIS_ARN.exec(source.KinesisStreamARN) ?? []
  const exists = ctx.engine.streams().some((s) => s.state.name === name)
  if (region !== ctx.engine.region || account !== ctx.engine.account || !exists) {
    throw invalid(`Kinesis stream ${source.KinesisStreamARN} does not exist.`)
  }
  return name
}

function parquetFormat(d: S3Destination): DeliveryConfig['format'] {
  const conversion = d.DataFormatConversionConfiguration
  if (!conversion || conversion.Enabled === false) return undefined
  if (conversion.OutputFormatConfiguration?.Serializer?.OrcSerDe) {
    throw invalid('ORC output is not supported by Tributary: use ParquetSerDe.')
  }
  const table = conversion.SchemaConfiguration?.TableName
  if (!table)
    throw invalid('SchemaConfiguration.TableName is required when data format conversion is enabled.')
  // Firehose compresses inside the Parquet file; the S3-level format must stay UNCOMPRESSED.
  if ((d.CompressionFormat ?? 'UNCOMPRESSED') !== 'UNCOMPRESSED') {
    throw invalid('CompressionFormat must be UNCOMPRESSED when DataFormatConversion is enabled.')
  }
  return { parquet: { table } }
}

function params(p: Processor): Map<string, string> {
  return new Map((p.Parameters ?? []).map((x) => [x.ParameterName, x.ParameterValue]))
}

function processors(d: S3Destination): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  const partitioning = d.DynamicPartitioningConfiguration?.Enabled === true
  if (partitioning) out.dynamicPartitioning = { enabled: true }
  if (d.ProcessingConfiguration?.Enabled === false) return out
  for (const p of d.ProcessingConfiguration?.Processors ?? []) {
    const values = params(p)
    switch (p.Type) {
      case 'Lambda':
        out.processing = lambda(values)
        break
      case 'MetadataExtraction': {
        if (!partitioning)
          throw invalid('MetadataExtraction requires DynamicPartitioningConfiguration Enabled.')
        const queries = parseJqObject(values.get('MetadataExtractionQuery') ?? '')
        if (!queries) throw invalid('MetadataExtractionQuery must be a JQ object such as {key:.field}.')
        out.dynamicPartitioning = { enabled: true, metadataExtraction: { queries } }
        break
      }
      case 'AppendDelimiterToRecord':
        out.appendNewline = true
        break
      case 'RecordDeAggregation':
        out.deaggregation = true
        break
      default:
        throw invalid(`Processor type ${p.Type} is not supported by Tributary.`)
    }
  }
  return out
}

function lambda(values: Map<string, string>): Record<string, unknown> {
  const arn = values.get('LambdaArn')
  const name = arn === undefined ? undefined : LAMBDA_ARN.exec(arn)?.[1]
  if (!name) throw invalid(`LambdaArn must be a Lambda function ARN, got ${arn ?? 'none'}.`)
  const number = (key: string) => (values.has(key) ? Number(values.get(key)) : undefined)
  return {
    function: name,
    numberOfRetries: number('NumberOfRetries'),
    bufferSizeInMBs: number('BufferSizeInMBs'),
    bufferIntervalInSeconds: number('BufferIntervalInSeconds'),
  }
}

/** Dynamic partitioning needs multi-stage buffering: at least 64 MB and a non-zero interval on AWS. */
function checkDynamicPartitioning(config: Record<string, unknown>): void {
  if (!config.dynamicPartitioning) return
  const hints = config.bufferingHints as { sizeInMBs?: number; intervalInSeconds?: number }
  // The runtime default (5 MB) is below the partitioning minimum: default to the minimum instead.
  hints.sizeInMBs ??= 64
  if (hints.sizeInMBs !== undefined && hints.sizeInMBs < 64) {
    throw invalid('BufferingHints.SizeInMBs must be at least 64 when Dynamic Partitioning is enabled.')
  }
  if (hints.intervalInSeconds === 0) {
    throw invalid(
      'BufferingHints.IntervalInSeconds must be at least 60 when Dynamic Partitioning is enabled.',
    )
  }
}

import type { FieldSpec, InputOf, OperationSpec, ValueOf } from '../spec.ts'

/**
 * CreateDeliveryStream's source and destination shapes, in the model's member order (the order AWS
 * reports violations in). Members Tributary accepts but does not act on (encryption, CloudWatch
 * logging) are still validated, so a request AWS would refuse is refused here too.
 */
const arn = (regex: string, max: number) =>
  ({
    type: 'String',
    notNull: true,
    regex,
    lengthGreaterThanOrEqual: 1,
    lengthLessThanOrEqual: max,
  }) as const satisfies FieldSpec

export const ROLE_ARN = arn('arn:.*:iam::\\d{12}:role/[a-zA-Z_0-9+=,.@\\-_/]+', 512)
const BUCKET_ARN = arn('arn:.*:s3:::[\\w\\.\\-]{1,255}', 2048)
const KMS_KEY_ARN = arn('arn:.*:kms:[a-zA-Z0-9\\-]+:\\d{12}:(key|alias)/[a-zA-Z_0-9+=,.@\\-_/]+', 512)
const PREFIX = { type: 'String', regex: '.*', lengthLessThanOrEqual: 1024 } as const satisfies FieldSpec
const NON_EMPTY = {
  type: 'String',
  regex: '^\\S+$',
  lengthGreaterThanOrEqual: 1,
  lengthLessThanOrEqual: 1024,
} as const satisfies FieldSpec
/** A member Tributary does not support: only its presence matters (checked by the operation). */
const UNSUPPORTED = { type: 'Structure', children: {} } as const satisfies FieldSpec

export const COMPRESSION_FORMATS = ['UNCOMPRESSED', 'GZIP', 'ZIP', 'Snappy', 'HADOOP_SNAPPY'] as const

const BUFFERING_HINTS = {
  type: 'Structure',
  children: {
    SizeInMBs: { type: 'Integer', greaterThanOrEqual: 1, lessThanOrEqual: 128 },
    IntervalInSeconds: { type: 'Integer', greaterThanOrEqual: 0, lessThanOrEqual: 900 },
  },
} as const satisfies FieldSpec

const ENCRYPTION = {
  type: 'Structure',
  children: {
    NoEncryptionConfig: { type: 'String', enum: ['NoEncryption'] },
    KMSEncryptionConfig: { type: 'Structure', children: { AWSKMSKeyARN: KMS_KEY_ARN } },
  },
} as const satisfies FieldSpec

const CLOUDWATCH_LOGGING = {
  type: 'Structure',
  children: {
    Enabled: { type: 'Boolean' },
    LogGroupName: { type: 'String', regex: '[\\.\\-_/#A-Za-z0-9]*', lengthLessThanOrEqual: 512 },
    LogStreamName: { type: 'String', regex: '[^:*]*', lengthLessThanOrEqual: 512 },
  },
} as const satisfies FieldSpec

export const PROCESSOR_TYPES = [
  'RecordDeAggregation',
  'Decompression',
  'CloudWatchLogProcessing',
  'Lambda',
  'MetadataExtraction',
  'AppendDelimiterToRecord',
] as const

const PROCESSOR_PARAMETER_NAMES = [
  'LambdaArn',
  'NumberOfRetries',
  'MetadataExtractionQuery',
  'JsonParsingEngine',
  'RoleArn',
  'BufferSizeInMBs',
  'BufferIntervalInSeconds',
  'SubRecordType',
  'Delimiter',
  'CompressionFormat',
  'DataMessageExtraction',
] as const

const PROCESSOR = {
  type: 'Structure',
  children: {
    Type: { type: 'String', notNull: true, enum: PROCESSOR_TYPES },
    Parameters: {
      type: 'List',
      children: {
        type: 'Structure',
        children: {
          ParameterName: { type: 'String', notNull: true, enum: PROCESSOR_PARAMETER_NAMES },
          ParameterValue: {
            type: 'String',
            notNull: true,
            regex: '^(?!\\s*$).+',
            lengthGreaterThanOrEqual: 1,
            lengthLessThanOrEqual: 5120,
          },
        },
      },
    },
  },
} as const satisfies FieldSpec

/** One processor of a ProcessingConfiguration, as validated. */
export type Processor = ValueOf<typeof PROCESSOR>

const PROCESSING = {
  type: 'Structure',
  children: {
    Enabled: { type: 'Boolean' },
    Processors: { type: 'List', children: PROCESSOR },
  },
} as const satisfies FieldSpec

const S3_DESTINATION = {
  RoleARN: ROLE_ARN,
  BucketARN: BUCKET_ARN,
  Prefix: PREFIX,
  ErrorOutputPrefix: PREFIX,
  BufferingHints: BUFFERING_HINTS,
  CompressionFormat: { type: 'String', enum: COMPRESSION_FORMATS },
  EncryptionConfiguration: ENCRYPTION,
  CloudWatchLoggingOptions: CLOUDWATCH_LOGGING,
} as const satisfies OperationSpec

const DATA_FORMAT_CONVERSION = {
  type: 'Structure',
  children: {
    SchemaConfiguration: {
      type: 'Structure',
      children: {
        RoleARN: NON_EMPTY,
        CatalogId: NON_EMPTY,
        DatabaseName: NON_EMPTY,
        TableName: NON_EMPTY,
        Region: NON_EMPTY,
        VersionId: NON_EMPTY,
      },
    },
    InputFormatConfiguration: {
      type: 'Structure',
      children: {
        Deserializer: {
          type: 'Structure',
          children: { OpenXJsonSerDe: UNSUPPORTED, HiveJsonSerDe: UNSUPPORTED },
        },
      },
    },
    OutputFormatConfiguration: {
      type: 'Structure',
      children: {
        Serializer: { type: 'Structure', children: { ParquetSerDe: UNSUPPORTED, OrcSerDe: UNSUPPORTED } },
      },
    },
    Enabled: { type: 'Boolean' },
  },
} as const satisfies FieldSpec

const EXTENDED_S3_DESTINATION = {
  ...S3_DESTINATION,
  ProcessingConfiguration: PROCESSING,
  S3BackupMode: { type: 'String', enum: ['Disabled', 'Enabled'] },
  S3BackupConfiguration: { type: 'Structure', children: S3_DESTINATION },
  DataFormatConversionConfiguration: DATA_FORMAT_CONVERSION,
  DynamicPartitioningConfiguration: {
    type: 'Structure',
    children: {
      RetryOptions: {
        type: 'Structure',
        children: { DurationInSeconds: { type: 'Integer', greaterThanOrEqual: 0, lessThanOrEqual: 7200 } },
      },
      Enabled: { type: 'Boolean' },
    },
  },
  FileExtension: { type: 'String', regex: "^$|\\.[0-9a-z!\\-_.*'()]+", lengthLessThanOrEqual: 128 },
  CustomTimeZone: { type: 'String', regex: '^$|[a-zA-Z/_]+', lengthLessThanOrEqual: 50 },
} as const satisfies OperationSpec

/** An S3 destination as validated; the plain S3DestinationConfiguration's members are a subset. */
export type S3Destination = InputOf<typeof EXTENDED_S3_DESTINATION>

export const KINESIS_SOURCE = {
  type: 'Structure',
  children: {
    KinesisStreamARN: arn('arn:.*:kinesis:[a-zA-Z0-9\\-]+:\\d{12}:stream/[a-zA-Z0-9_.-]+', 512),
    RoleARN: ROLE_ARN,
  },
} as const satisfies FieldSpec

/** Destinations by request member; only the two S3 ones are served. */
export const DESTINATIONS = {
  S3DestinationConfiguration: { type: 'Structure', children: S3_DESTINATION },
  ExtendedS3DestinationConfiguration: { type: 'Structure', children: EXTENDED_S3_DESTINATION },
  RedshiftDestinationConfiguration: UNSUPPORTED,
  ElasticsearchDestinationConfiguration: UNSUPPORTED,
  AmazonopensearchserviceDestinationConfiguration: UNSUPPORTED,
  SplunkDestinationConfiguration: UNSUPPORTED,
  HttpEndpointDestinationConfiguration: UNSUPPORTED,
  AmazonOpenSearchServerlessDestinationConfiguration: UNSUPPORTED,
  SnowflakeDestinationConfiguration: UNSUPPORTED,
  IcebergDestinationConfiguration: UNSUPPORTED,
} as const satisfies OperationSpec

export const ENCRYPTION_INPUT = {
  type: 'Structure',
  children: {
    KeyARN: { ...KMS_KEY_ARN, notNull: false },
    KeyType: { type: 'String', notNull: true, enum: ['AWS_OWNED_CMK', 'CUSTOMER_MANAGED_CMK'] },
  },
} as const satisfies FieldSpec

export const TAGS = {
  type: 'List',
  lengthGreaterThanOrEqual: 1,
  lengthLessThanOrEqual: 50,
  children: {
    type: 'Structure',
    children: {
      Key: { type: 'String', notNull: true, lengthGreaterThanOrEqual: 1, lengthLessThanOrEqual: 128 },
      Value: { type: 'String', lengthLessThanOrEqual: 256 },
    },
  },
} as const satisfies FieldSpec

export { UNSUPPORTED }

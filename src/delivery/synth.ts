import type { CfnElement } from 'aws-cdk-lib'
import type { CfnTable } from 'aws-cdk-lib/aws-glue'
import type { IStream } from 'aws-cdk-lib/aws-kinesis'
import type * as firehose from 'aws-cdk-lib/aws-kinesisfirehose'
import type { IFunction } from 'aws-cdk-lib/aws-lambda'
import type { Bucket } from 'aws-cdk-lib/aws-s3'
import { cdk } from '../kind/cdk-synth.ts'
import { ConfigProblem } from '../kind/kind.ts'
import type { SynthContext, SynthFace } from '../kind/synth.ts'
import { acknowledgeObjectWildcard } from '../lake/buckets/synth.ts'
import type { CatalogTableConfig } from '../query/config.ts'
import { glueDatabaseName } from '../query/synth.ts'
import type { DeliveryConfig } from './config.ts'
import { partitionProjection } from './projection.ts'

const { Stack } = cdk
const { Policy, PolicyStatement, Role, ServicePrincipal } = cdk.aws_iam
const { CfnDeliveryStream } = cdk.aws_kinesisfirehose

/** Firehose: with dynamic partitioning or format conversion, buffers are at least 64 MB. */
export const MIN_PARTITIONED_BUFFER_MB = 64

/** What Firehose calls on each resource it uses (https://docs.aws.amazon.com/firehose/latest/dev/controlling-access.html). */
export const FIREHOSE_ACTIONS = {
  bucket: ['s3:GetBucketLocation', 's3:ListBucket', 's3:ListBucketMultipartUploads'],
  objects: ['s3:AbortMultipartUpload', 's3:GetObject', 's3:PutObject'],
  stream: ['kinesis:DescribeStream', 'kinesis:GetShardIterator', 'kinesis:GetRecords', 'kinesis:ListShards'],
  function: ['lambda:InvokeFunction', 'lambda:GetFunctionConfiguration'],
  catalog: ['glue:GetTable', 'glue:GetTableVersion', 'glue:GetTableVersions'],
} as const

/**
 * Deliveries become Firehose delivery streams to S3 (extended S3 destination): the buffering,
 * prefixes, compression, transformation function, dynamic partitioning (jq queries or the
 * function's keys), newline delimiter and Parquet conversion through the catalog's Glue table,
 * with a role that reads the source and writes the bucket and nothing more.
 */
export const deliverySynth: SynthFace<DeliveryConfig> = {
  localOnly: [
    {
      path: 'startingPosition',
      why: 'Firehose starts reading a stream at its own position',
      isSet: (d) => d.startingPosition !== 'LATEST',
    },
  ],
  synth(ctx, deliveries) {
    for (const { name, config } of deliveries) synthDelivery(ctx, name, config)
    projectPartitions(ctx, Object.fromEntries(deliveries.map((d) => [d.name, d.config])))
  },
}

/**
 * Partition projection on each catalog table the deliveries write (src/delivery/projection.ts):
 * Athena computes the partitions from the prefixes, so new ones need no crawler or MSCK REPAIR.
 */
function projectPartitions(ctx: SynthContext, deliveries: Record<string, DeliveryConfig>): void {
  const catalog = (ctx.definition.catalog ?? {}) as Record<string, CatalogTableConfig>
  for (const [name, config] of Object.entries(catalog)) {
    const table = ctx.get<CfnTable>('catalog', name).construct
    const input = table.tableInput as CfnTable.TableInputProperty
    const descriptor = input.storageDescriptor as CfnTable.StorageDescriptorProperty
    const { parameters, notes } = partitionProjection(name, config, descriptor.location!, deliveries)
    for (const note of notes) ctx.warn(note)
    if (parameters)
      table.tableInput = { ...input, parameters: { ...(input.parameters as object), ...parameters } }
  }
}

function check(name: string, d: DeliveryConfig): void {
  const partitioned = d.dynamicPartitioning?.enabled === true
  const needsBig = partitioned ? 'dynamic partitioning' : d.format ? 'Parquet conversion' : undefined
  if (needsBig && d.bufferingHints.sizeInMBs < MIN_PARTITIONED_BUFFER_MB)
    throw new ConfigProblem(
      `Firehose needs at least ${MIN_PARTITIONED_BUFFER_MB} MB with ${needsBig} (got ${d.bufferingHints.sizeInMBs})`,
      [name, 'bufferingHints', 'sizeInMBs'],
      `set bufferingHints.sizeInMBs to ${MIN_PARTITIONED_BUFFER_MB} or more (files are still written every intervalInSeconds)`,
    )
  if (d.deaggregation && d.stream === undefined)
    throw new ConfigProblem(
      'Firehose de-aggregates KPL records only when it reads a Kinesis stream',
      [name, 'deaggregation'],
      'read the records from a stream, or leave deaggregation off',
    )
}

function synthDelivery(ctx: SynthContext, name: string, d: DeliveryConfig): void {
  check(name, d)
  const stack = Stack.of(ctx.stack)
  const bucket = ctx.get<Bucket>('bucket', d.bucket).construct
  const role = new Role(ctx.stack, ctx.id('delivery', name, 'role'), {
    assumedBy: new ServicePrincipal('firehose.amazonaws.com'),
    description: `Tributary delivery ${name}: reads its source, writes its bucket`,
  })
  const policy = new Policy(ctx.stack, ctx.id('delivery', name, 'policy'), { roles: [role] })
  const allow = (actions: readonly string[], resources: string[]) =>
    policy.addStatements(new PolicyStatement({ actions: [...actions], resources }))
  allow(FIREHOSE_ACTIONS.bucket, [bucket.bucketArn])
  allow(FIREHOSE_ACTIONS.objects, [bucket.arnForObjects('*')])
  acknowledgeObjectWildcard(ctx, policy, bucket, 'Firehose writes')

  let source: Partial<firehose.CfnDeliveryStreamProps> = {
    deliveryStreamType: 'DirectPut',
    deliveryStreamEncryptionConfigurationInput: { keyType: 'AWS_OWNED_CMK' },
  }
  if (d.stream !== undefined) {
    const stream = ctx.get<IStream>('stream', d.stream).construct
    allow(FIREHOSE_ACTIONS.stream, [stream.streamArn])
    source = {
      deliveryStreamType: 'KinesisStreamAsSource',
      kinesisStreamSourceConfiguration: { kinesisStreamArn: stream.streamArn, roleArn: role.roleArn },
    }
  }

  const processors: firehose.CfnDeliveryStream.ProcessorProperty[] = []
  if (d.processing) {
    const fn = ctx.get<IFunction>('function', d.processing.function).construct
    allow(FIREHOSE_ACTIONS.function, [fn.functionArn])
    processors.push({
      type: 'Lambda',
      parameters: [
        { parameterName: 'LambdaArn', parameterValue: fn.functionArn },
        { parameterName: 'NumberOfRetries', parameterValue: String(d.processing.numberOfRetries) },
        { parameterName: 'BufferSizeInMBs', parameterValue: String(d.processing.bufferSizeInMBs) },
        {
          parameterName: 'BufferIntervalInSeconds',
          parameterValue: String(d.processing.bufferIntervalInSeconds),
        },
      ],
    })
  }
  const queries = d.dynamicPartitioning?.metadataExtraction?.queries
  if (queries && Object.keys(queries).length > 0)
    processors.push({
      type: 'MetadataExtraction',
      parameters: [
        {
          parameterName: 'MetadataExtractionQuery',
          parameterValue: `{${Object.entries(queries)
            .map(([key, query]) => `${key}:${query}`)
            .join(',')}}`,
        },
        { parameterName: 'JsonParsingEngine', parameterValue: 'JQ-1.6' },
      ],
    })
  if (d.appendNewline) processors.push({ type: 'AppendDelimiterToRecord', parameters: [] })

  let conversion: firehose.CfnDeliveryStream.DataFormatConversionConfigurationProperty | undefined
  const catalogTable = d.format?.parquet.table
  if (catalogTable !== undefined) {
    const table = ctx.get('catalog', catalogTable).construct as CfnElement
    const database = glueDatabaseName(ctx.pipeline)
    allow(FIREHOSE_ACTIONS.catalog, [
      stack.formatArn({ service: 'glue', resource: 'catalog' }),
      stack.formatArn({ service: 'glue', resource: 'database', resourceName: database }),
      stack.formatArn({ service: 'glue', resource: 'table', resourceName: `${database}/${catalogTable}` }),
    ])
    conversion = {
      enabled: true,
      inputFormatConfiguration: { deserializer: { openXJsonSerDe: {} } },
      outputFormatConfiguration: { serializer: { parquetSerDe: { compression: 'SNAPPY' } } },
      schemaConfiguration: {
        catalogId: stack.account,
        region: stack.region,
        databaseName: database,
        tableName: catalogTable,
        roleArn: role.roleArn,
        versionId: 'LATEST',
      },
    }
    ctx.defer(() => delivery.node.addDependency(table))
  }

  const delivery = new CfnDeliveryStream(ctx.stack, ctx.id('delivery', name), {
    ...source,
    extendedS3DestinationConfiguration: {
      bucketArn: bucket.bucketArn,
      roleArn: role.roleArn,
      prefix: d.prefix,
      ...(d.errorOutputPrefix !== undefined ? { errorOutputPrefix: d.errorOutputPrefix } : {}),
      bufferingHints: {
        sizeInMBs: d.bufferingHints.sizeInMBs,
        intervalInSeconds: d.bufferingHints.intervalInSeconds,
      },
      compressionFormat: d.compression,
      ...(processors.length > 0 ? { processingConfiguration: { enabled: true, processors } } : {}),
      ...(d.dynamicPartitioning
        ? { dynamicPartitioningConfiguration: { enabled: d.dynamicPartitioning.enabled } }
        : {}),
      ...(conversion ? { dataFormatConversionConfiguration: conversion } : {}),
    },
  })
  // Firehose checks its role's permissions when the delivery stream is created.
  delivery.node.addDependency(policy)
  if (d.stream !== undefined)
    ctx.acknowledge(
      delivery,
      'AwsSolutions-KDF1',
      'a delivery stream reading a Kinesis stream takes no server-side encryption of its own: the source stream is KMS-encrypted and the bucket encrypts at rest',
    )
  ctx.add('delivery', name, { construct: delivery, physicalName: delivery.ref })
  ctx.output('delivery', name, 'Name', delivery.ref)
}

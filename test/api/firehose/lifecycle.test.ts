import {
  CreateDeliveryStreamCommand,
  DeleteDeliveryStreamCommand,
  DescribeDeliveryStreamCommand,
  ListDeliveryStreamsCommand,
} from '@aws-sdk/client-firehose'
import { describe, expect, it } from 'vitest'
import { ACCOUNT, ROLE, START, s3Stream, startFirehoseServer } from './firehose-server.ts'

const LAMBDA = `arn:aws:lambda:us-east-1:${ACCOUNT}:function:enrich`

describe('CreateDeliveryStream', () => {
  it('maps an extended S3 destination with every supported feature into the delivery config', async () => {
    const t = await startFirehoseServer()

    const out = await t.client.send(
      new CreateDeliveryStreamCommand({
        DeliveryStreamName: 'sensors',
        DeliveryStreamType: 'DirectPut',
        ExtendedS3DestinationConfiguration: {
          RoleARN: ROLE,
          BucketARN: 'arn:aws:s3:::lake',
          Prefix: 'curated/!{partitionKeyFromQuery:device}/',
          ErrorOutputPrefix: 'errors/!{firehose:error-output-type}/',
          BufferingHints: { SizeInMBs: 64, IntervalInSeconds: 60 },
          CompressionFormat: 'UNCOMPRESSED',
          DataFormatConversionConfiguration: {
            Enabled: true,
            SchemaConfiguration: { TableName: 'readings', DatabaseName: 'default', RoleARN: ROLE },
            InputFormatConfiguration: { Deserializer: { OpenXJsonSerDe: {} } },
            OutputFormatConfiguration: { Serializer: { ParquetSerDe: {} } },
          },
          DynamicPartitioningConfiguration: { Enabled: true },
          ProcessingConfiguration: {
            Enabled: true,
            Processors: [
              {
                Type: 'RecordDeAggregation',
                Parameters: [{ ParameterName: 'SubRecordType', ParameterValue: 'JSON' }],
              },
              {
                Type: 'Lambda',
                Parameters: [
                  { ParameterName: 'LambdaArn', ParameterValue: `${LAMBDA}:$LATEST` },
                  { ParameterName: 'NumberOfRetries', ParameterValue: '5' },
                  { ParameterName: 'BufferSizeInMBs', ParameterValue: '0.5' },
                ],
              },
              {
                Type: 'MetadataExtraction',
                Parameters: [
                  {
                    ParameterName: 'MetadataExtractionQuery',
                    ParameterValue: '{device: .device_id, "day": .ts[0:10]}',
                  },
                  { ParameterName: 'JsonParsingEngine', ParameterValue: 'JQ-1.6' },
                ],
              },
              { Type: 'AppendDelimiterToRecord' },
            ],
          },
        },
      }),
    )

    expect(out.DeliveryStreamARN).toBe(`arn:aws:firehose:us-east-1:${ACCOUNT}:deliverystream/sensors`)
    expect(t.delivery.describe('sensors')?.config).toEqual({
      bucket: 'lake',
      prefix: 'curated/!{partitionKeyFromQuery:device}/',
      errorOutputPrefix: 'errors/!{firehose:error-output-type}/',
      bufferingHints: { sizeInMBs: 64, intervalInSeconds: 60 },
      compression: 'UNCOMPRESSED',
      format: { parquet: { table: 'readings' } },
      dynamicPartitioning: {
        enabled: true,
        metadataExtraction: { queries: { device: '.device_id', day: '.ts[0:10]' } },
      },
      processing: {
        function: 'enrich',
        numberOfRetries: 5,
        bufferSizeInMBs: 0.5,
        bufferIntervalInSeconds: 60,
      },
      appendNewline: true,
      deaggregation: true,
      startingPosition: 'LATEST',
    })
  })

  it('fills in Firehose defaults for a plain S3 destination', async () => {
    const t = await startFirehoseServer()

    await t.client.send(
      new CreateDeliveryStreamCommand({
        DeliveryStreamName: 'raw',
        S3DestinationConfiguration: {
          RoleARN: ROLE,
          BucketARN: 'arn:aws:s3:::raw-bucket',
          CompressionFormat: 'GZIP',
        },
      }),
    )

    expect(t.delivery.describe('raw')?.config).toMatchObject({
      bucket: 'raw-bucket',
      prefix: '',
      bufferingHints: { sizeInMBs: 5, intervalInSeconds: 300 },
      compression: 'GZIP',
      appendNewline: false,
    })
    expect(t.delivery.describe('raw')?.config.stream).toBeUndefined()
  })

  it('reads a Kinesis stream of the same account when the type is KinesisStreamAsSource', async () => {
    const t = await startFirehoseServer()
    t.engine.createStream('clicks', { shardCount: 1 })

    await t.client.send(
      new CreateDeliveryStreamCommand({
        ...s3Stream('clicks-to-lake'),
        DeliveryStreamType: 'KinesisStreamAsSource',
        KinesisStreamSourceConfiguration: {
          KinesisStreamARN: `arn:aws:kinesis:us-east-1:${ACCOUNT}:stream/clicks`,
          RoleARN: ROLE,
        },
      }),
    )

    expect(t.delivery.describe('clicks-to-lake')?.config.stream).toBe('clicks')
  })
})

describe('DescribeDeliveryStream', () => {
  it("shows the stream in AWS's shape, status from the runtime", async () => {
    const t = await startFirehoseServer()
    await t.client.send(
      new CreateDeliveryStreamCommand(
        s3Stream('events', {
          Prefix: 'events/',
          CompressionFormat: 'GZIP',
          ProcessingConfiguration: {
            Processors: [
              { Type: 'Lambda', Parameters: [{ ParameterName: 'LambdaArn', ParameterValue: LAMBDA }] },
            ],
          },
        }),
      ),
    )
    const creating = await t.client.send(new DescribeDeliveryStreamCommand({ DeliveryStreamName: 'events' }))
    expect(creating.DeliveryStreamDescription?.DeliveryStreamStatus).toBe('CREATING')
    t.delivery.activate()

    const out = await t.client.send(new DescribeDeliveryStreamCommand({ DeliveryStreamName: 'events' }))

    const d = out.DeliveryStreamDescription!
    expect(d.CreateTimestamp).toEqual(new Date(START))
    expect(d.LastUpdateTimestamp).toEqual(new Date(START))
    const s3 = {
      RoleARN: `arn:aws:iam::${ACCOUNT}:role/tributary-firehose`,
      BucketARN: 'arn:aws:s3:::lake',
      Prefix: 'events/',
      BufferingHints: { SizeInMBs: 5, IntervalInSeconds: 300 },
      CompressionFormat: 'GZIP',
      EncryptionConfiguration: { NoEncryptionConfig: 'NoEncryption' },
      CloudWatchLoggingOptions: { Enabled: false },
    }
    expect({ ...d, CreateTimestamp: undefined, LastUpdateTimestamp: undefined }).toEqual({
      DeliveryStreamName: 'events',
      DeliveryStreamARN: `arn:aws:firehose:us-east-1:${ACCOUNT}:deliverystream/events`,
      DeliveryStreamStatus: 'ACTIVE',
      DeliveryStreamEncryptionConfiguration: { Status: 'DISABLED' },
      DeliveryStreamType: 'DirectPut',
      VersionId: '1',
      CreateTimestamp: undefined,
      LastUpdateTimestamp: undefined,
      Destinations: [
        {
          DestinationId: 'destinationId-000000000001',
          S3DestinationDescription: s3,
          ExtendedS3DestinationDescription: {
            ...s3,
            ProcessingConfiguration: {
              Enabled: true,
              Processors: [
                {
                  Type: 'Lambda',
                  Parameters: [
                    { ParameterName: 'LambdaArn', ParameterValue: LAMBDA },
                    { ParameterName: 'NumberOfRetries', ParameterValue: '3' },
                    { ParameterName: 'BufferSizeInMBs', ParameterValue: '1' },
                    { ParameterName: 'BufferIntervalInSeconds', ParameterValue: '60' },
                  ],
                },
              ],
            },
            S3BackupMode: 'Disabled',
          },
        },
      ],
      HasMoreDestinations: false,
    })
  })

  it('describes a Kinesis source, Parquet conversion and partitioning', async () => {
    const t = await startFirehoseServer()
    t.engine.createStream('clicks', { shardCount: 1 })
    await t.client.send(
      new CreateDeliveryStreamCommand({
        ...s3Stream('clicks', {
          BufferingHints: { SizeInMBs: 128, IntervalInSeconds: 900 },
          DataFormatConversionConfiguration: { SchemaConfiguration: { TableName: 'clicks' } },
          DynamicPartitioningConfiguration: { Enabled: true },
          ProcessingConfiguration: {
            Processors: [
              {
                Type: 'MetadataExtraction',
                Parameters: [{ ParameterName: 'MetadataExtractionQuery', ParameterValue: '{page:.page}' }],
              },
            ],
          },
        }),
        DeliveryStreamType: 'KinesisStreamAsSource',
        KinesisStreamSourceConfiguration: {
          KinesisStreamARN: `arn:aws:kinesis:us-east-1:${ACCOUNT}:stream/clicks`,
          RoleARN: ROLE,
        },
      }),
    )

    const d = (await t.client.send(new DescribeDeliveryStreamCommand({ DeliveryStreamName: 'clicks' })))
      .DeliveryStreamDescription!

    expect(d.DeliveryStreamType).toBe('KinesisStreamAsSource')
    expect(d.Source?.KinesisStreamSourceDescription?.KinesisStreamARN).toBe(
      `arn:aws:kinesis:us-east-1:${ACCOUNT}:stream/clicks`,
    )
    const ext = d.Destinations![0]!.ExtendedS3DestinationDescription!
    expect(ext.DataFormatConversionConfiguration?.Enabled).toBe(true)
    expect(ext.DataFormatConversionConfiguration?.SchemaConfiguration?.TableName).toBe('clicks')
    expect(
      ext.DataFormatConversionConfiguration?.OutputFormatConfiguration?.Serializer?.ParquetSerDe,
    ).toEqual({})
    expect(ext.DynamicPartitioningConfiguration?.Enabled).toBe(true)
    expect(ext.ProcessingConfiguration?.Processors).toEqual([
      {
        Type: 'MetadataExtraction',
        Parameters: [
          { ParameterName: 'MetadataExtractionQuery', ParameterValue: '{page:.page}' },
          { ParameterName: 'JsonParsingEngine', ParameterValue: 'JQ-1.6' },
        ],
      },
    ])
  })
})

describe('ListDeliveryStreams', () => {
  it('pages names in order, filtered by type, 10 by default', async () => {
    const t = await startFirehoseServer()
    t.engine.createStream('src', { shardCount: 1 })
    const names = Array.from({ length: 12 }, (_, i) => `direct-${String(i).padStart(2, '0')}`)
    for (const name of [...names].reverse())
      await t.client.send(new CreateDeliveryStreamCommand(s3Stream(name)))
    await t.client.send(
      new CreateDeliveryStreamCommand({
        ...s3Stream('from-kinesis'),
        DeliveryStreamType: 'KinesisStreamAsSource',
        KinesisStreamSourceConfiguration: {
          KinesisStreamARN: `arn:aws:kinesis:us-east-1:${ACCOUNT}:stream/src`,
          RoleARN: ROLE,
        },
      }),
    )

    const first = await t.client.send(new ListDeliveryStreamsCommand({}))
    const rest = await t.client.send(
      new ListDeliveryStreamsCommand({ ExclusiveStartDeliveryStreamName: first.DeliveryStreamNames!.at(-1) }),
    )
    const kinesis = await t.client.send(
      new ListDeliveryStreamsCommand({ DeliveryStreamType: 'KinesisStreamAsSource' }),
    )
    const two = await t.client.send(
      new ListDeliveryStreamsCommand({ DeliveryStreamType: 'DirectPut', Limit: 2 }),
    )

    expect(first.DeliveryStreamNames).toEqual(names.slice(0, 10))
    expect(first.HasMoreDeliveryStreams).toBe(true)
    expect(rest.DeliveryStreamNames).toEqual([...names.slice(10), 'from-kinesis'])
    expect(rest.HasMoreDeliveryStreams).toBe(false)
    expect(kinesis).toMatchObject({ DeliveryStreamNames: ['from-kinesis'], HasMoreDeliveryStreams: false })
    expect(two).toMatchObject({ DeliveryStreamNames: names.slice(0, 2), HasMoreDeliveryStreams: true })
  })
})

describe('DeleteDeliveryStream', () => {
  it('deletes an ACTIVE stream; it is gone from List and Describe', async () => {
    const t = await startFirehoseServer()
    await t.client.send(new CreateDeliveryStreamCommand(s3Stream('old')))
    t.delivery.activate()

    const out = await t.client.send(new DeleteDeliveryStreamCommand({ DeliveryStreamName: 'old' }))

    expect(out.$metadata.httpStatusCode).toBe(200)
    expect(t.delivery.has('old')).toBe(false)
    expect((await t.client.send(new ListDeliveryStreamsCommand({}))).DeliveryStreamNames).toEqual([])
  })
})

/**
 * Malformed and refused Firehose requests through the real SDK client (and raw HTTP where the SDK
 * cannot send the bytes): `__type`, message and status of each, as inline snapshots.
 */
import * as Firehose from '@aws-sdk/client-firehose'
import { describe, expect, it } from 'vitest'
import { FAKE_AUTH, rawRequest } from '../../helpers/raw-http.ts'
import { ACCOUNT, ROLE, s3Stream, startFirehoseServer, wireError } from './firehose-server.ts'

type Send = (client: Firehose.FirehoseClient) => Promise<unknown>
const call =
  (operation: string, input: object): Send =>
  (client) => {
    const Command = (Firehose as unknown as Record<string, new (i: object) => never>)[`${operation}Command`]!
    return client.send(new Command(input))
  }

const RECORD = { Data: Buffer.from('x') }
const LAMBDA = `arn:aws:lambda:us-east-1:${ACCOUNT}:function:enrich`

describe('validation and refusals', () => {
  const cases: [string, Send][] = [
    ['name with a space', call('CreateDeliveryStream', s3Stream('bad name'))],
    ['name too long', call('DescribeDeliveryStream', { DeliveryStreamName: 'x'.repeat(65) })],
    ['name missing', call('DeleteDeliveryStream', {})],
    ['unknown type', call('CreateDeliveryStream', { ...s3Stream('s'), DeliveryStreamType: 'Kafka' })],
    ['bucket ARN malformed', call('CreateDeliveryStream', s3Stream('s', { BucketARN: 'lake' }))],
    [
      'role missing, buffering out of range',
      call('CreateDeliveryStream', {
        DeliveryStreamName: 's',
        ExtendedS3DestinationConfiguration: {
          BucketARN: 'arn:aws:s3:::lake',
          BufferingHints: { SizeInMBs: 129, IntervalInSeconds: 901 },
        },
      }),
    ],
    ['compression unknown', call('CreateDeliveryStream', s3Stream('s', { CompressionFormat: 'BZIP2' }))],
    ['no destination', call('CreateDeliveryStream', { DeliveryStreamName: 's' })],
    [
      'two destinations',
      call('CreateDeliveryStream', {
        ...s3Stream('s'),
        S3DestinationConfiguration: { RoleARN: ROLE, BucketARN: 'arn:aws:s3:::lake' },
      }),
    ],
    [
      'unsupported destination',
      call('CreateDeliveryStream', {
        DeliveryStreamName: 's',
        HttpEndpointDestinationConfiguration: {
          EndpointConfiguration: { Url: 'https://example.com' },
          S3Configuration: { RoleARN: ROLE, BucketARN: 'arn:aws:s3:::lake' },
        },
      }),
    ],
    [
      'Kinesis source config on a DirectPut stream',
      call('CreateDeliveryStream', {
        ...s3Stream('s'),
        KinesisStreamSourceConfiguration: {
          KinesisStreamARN: `arn:aws:kinesis:us-east-1:${ACCOUNT}:stream/clicks`,
          RoleARN: ROLE,
        },
      }),
    ],
    [
      'Kinesis source stream missing',
      call('CreateDeliveryStream', {
        ...s3Stream('s'),
        DeliveryStreamType: 'KinesisStreamAsSource',
        KinesisStreamSourceConfiguration: {
          KinesisStreamARN: `arn:aws:kinesis:us-east-1:${ACCOUNT}:stream/nope`,
          RoleARN: ROLE,
        },
      }),
    ],
    [
      'Lambda ARN malformed',
      call(
        'CreateDeliveryStream',
        s3Stream('s', {
          ProcessingConfiguration: {
            Processors: [
              { Type: 'Lambda', Parameters: [{ ParameterName: 'LambdaArn', ParameterValue: 'enrich' }] },
            ],
          },
        }),
      ),
    ],
    [
      'processor parameter blank, unknown processor type',
      call(
        'CreateDeliveryStream',
        s3Stream('s', {
          ProcessingConfiguration: {
            Processors: [
              { Type: 'Lambda', Parameters: [{ ParameterName: 'LambdaArn', ParameterValue: ' ' }] },
              { Type: 'Zip' },
            ],
          },
        }),
      ),
    ],
    [
      'Parquet with GZIP',
      call(
        'CreateDeliveryStream',
        s3Stream('s', {
          CompressionFormat: 'GZIP',
          DataFormatConversionConfiguration: { SchemaConfiguration: { TableName: 't' } },
        }),
      ),
    ],
    [
      'dynamic partitioning with a small buffer',
      call(
        'CreateDeliveryStream',
        s3Stream('s', {
          BufferingHints: { SizeInMBs: 5 },
          DynamicPartitioningConfiguration: { Enabled: true },
          ProcessingConfiguration: {
            Processors: [
              { Type: 'Lambda', Parameters: [{ ParameterName: 'LambdaArn', ParameterValue: LAMBDA }] },
            ],
          },
        }),
      ),
    ],
    ['list limit 0', call('ListDeliveryStreams', { Limit: 0 })],
    ['describe missing', call('DescribeDeliveryStream', { DeliveryStreamName: 'nope' })],
    ['delete missing', call('DeleteDeliveryStream', { DeliveryStreamName: 'nope' })],
    ['put to missing', call('PutRecord', { DeliveryStreamName: 'nope', Record: RECORD })],
    ['put record missing', call('PutRecord', { DeliveryStreamName: 'exists' })],
    [
      'put record over 1,000 KiB',
      call('PutRecord', { DeliveryStreamName: 'exists', Record: { Data: Buffer.alloc(1_024_001) } }),
    ],
    ['batch empty', call('PutRecordBatch', { DeliveryStreamName: 'exists', Records: [] })],
    [
      'batch with a record over 1,000 KiB',
      call('PutRecordBatch', {
        DeliveryStreamName: 'exists',
        Records: [RECORD, { Data: Buffer.alloc(1_024_001) }],
      }),
    ],
  ]

  it('answers each malformed request as AWS does', async () => {
    const t = await startFirehoseServer()
    await t.client.send(new Firehose.CreateDeliveryStreamCommand(s3Stream('exists')))
    const creating = await wireError(call('DeleteDeliveryStream', { DeliveryStreamName: 'exists' })(t.client))
    const duplicate = await wireError(call('CreateDeliveryStream', s3Stream('exists'))(t.client))
    t.delivery.activate()

    const answers: Record<string, unknown> = {
      'delete while CREATING': creating,
      'create existing': duplicate,
    }
    for (const [what, send] of cases) answers[what] = await wireError(send(t.client))

    expect(answers).toMatchInlineSnapshot(`
      {
        "Kinesis source config on a DirectPut stream": {
          "__type": "InvalidArgumentException",
          "message": "KinesisSourceStreamConfig is only applicable for KinesisStreamAsSource stream type",
          "status": 400,
        },
        "Kinesis source stream missing": {
          "__type": "InvalidArgumentException",
          "message": "Kinesis stream arn:aws:kinesis:us-east-1:000000000000:stream/nope does not exist.",
          "status": 400,
        },
        "Lambda ARN malformed": {
          "__type": "InvalidArgumentException",
          "message": "LambdaArn must be a Lambda function ARN, got enrich.",
          "status": 400,
        },
        "Parquet with GZIP": {
          "__type": "InvalidArgumentException",
          "message": "CompressionFormat must be UNCOMPRESSED when DataFormatConversion is enabled.",
          "status": 400,
        },
        "batch empty": {
          "__type": "ValidationException",
          "message": "1 validation error detected: Value '[]' at 'records' failed to satisfy constraint: Member must have length greater than or equal to 1",
          "status": 400,
        },
        "batch with a record over 1,000 KiB": {
          "__type": "ValidationException",
          "message": "1 validation error detected: Value 'java.nio.HeapByteBuffer[pos=0 lim=1024001 cap=1024001]' at 'records.2.member.data' failed to satisfy constraint: Member must have length less than or equal to 1024000",
          "status": 400,
        },
        "bucket ARN malformed": {
          "__type": "ValidationException",
          "message": "1 validation error detected: Value 'lake' at 'extendedS3DestinationConfiguration.bucketARN' failed to satisfy constraint: Member must satisfy regular expression pattern: arn:.*:s3:::[\\w\\.\\-]{1,255}",
          "status": 400,
        },
        "compression unknown": {
          "__type": "ValidationException",
          "message": "1 validation error detected: Value 'BZIP2' at 'extendedS3DestinationConfiguration.compressionFormat' failed to satisfy constraint: Member must satisfy enum value set: [UNCOMPRESSED, GZIP, ZIP, Snappy, HADOOP_SNAPPY]",
          "status": 400,
        },
        "create existing": {
          "__type": "ResourceInUseException",
          "message": "Firehose exists under accountId 000000000000 already exists",
          "status": 400,
        },
        "delete missing": {
          "__type": "ResourceNotFoundException",
          "message": "Firehose nope under account 000000000000 not found.",
          "status": 400,
        },
        "delete while CREATING": {
          "__type": "ResourceInUseException",
          "message": "Firehose exists under account 000000000000 is in CREATING state and cannot be deleted.",
          "status": 400,
        },
        "describe missing": {
          "__type": "ResourceNotFoundException",
          "message": "Firehose nope under account 000000000000 not found.",
          "status": 400,
        },
        "dynamic partitioning with a small buffer": {
          "__type": "InvalidArgumentException",
          "message": "BufferingHints.SizeInMBs must be at least 64 when Dynamic Partitioning is enabled.",
          "status": 400,
        },
        "list limit 0": {
          "__type": "ValidationException",
          "message": "1 validation error detected: Value '0' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1",
          "status": 400,
        },
        "name missing": {
          "__type": "ValidationException",
          "message": "1 validation error detected: Value null at 'deliveryStreamName' failed to satisfy constraint: Member must not be null",
          "status": 400,
        },
        "name too long": {
          "__type": "ValidationException",
          "message": "1 validation error detected: Value 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx' at 'deliveryStreamName' failed to satisfy constraint: Member must have length less than or equal to 64",
          "status": 400,
        },
        "name with a space": {
          "__type": "ValidationException",
          "message": "1 validation error detected: Value 'bad name' at 'deliveryStreamName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+",
          "status": 400,
        },
        "no destination": {
          "__type": "InvalidArgumentException",
          "message": "Exactly one destination configuration is supported for a Firehose",
          "status": 400,
        },
        "processor parameter blank, unknown processor type": {
          "__type": "ValidationException",
          "message": "2 validation errors detected: Value ' ' at 'extendedS3DestinationConfiguration.processingConfiguration.processors.1.member.parameters.1.member.parameterValue' failed to satisfy constraint: Member must satisfy regular expression pattern: ^(?!\\s*$).+; Value 'Zip' at 'extendedS3DestinationConfiguration.processingConfiguration.processors.2.member.type' failed to satisfy constraint: Member must satisfy enum value set: [RecordDeAggregation, Decompression, CloudWatchLogProcessing, Lambda, MetadataExtraction, AppendDelimiterToRecord]",
          "status": 400,
        },
        "put record missing": {
          "__type": "ValidationException",
          "message": "1 validation error detected: Value null at 'record' failed to satisfy constraint: Member must not be null",
          "status": 400,
        },
        "put record over 1,000 KiB": {
          "__type": "ValidationException",
          "message": "1 validation error detected: Value 'java.nio.HeapByteBuffer[pos=0 lim=1024001 cap=1024001]' at 'record.data' failed to satisfy constraint: Member must have length less than or equal to 1024000",
          "status": 400,
        },
        "put to missing": {
          "__type": "ResourceNotFoundException",
          "message": "Firehose nope under account 000000000000 not found.",
          "status": 400,
        },
        "role missing, buffering out of range": {
          "__type": "ValidationException",
          "message": "3 validation errors detected: Value null at 'extendedS3DestinationConfiguration.roleARN' failed to satisfy constraint: Member must not be null; Value '129' at 'extendedS3DestinationConfiguration.bufferingHints.sizeInMBs' failed to satisfy constraint: Member must have value less than or equal to 128; Value '901' at 'extendedS3DestinationConfiguration.bufferingHints.intervalInSeconds' failed to satisfy constraint: Member must have value less than or equal to 900",
          "status": 400,
        },
        "two destinations": {
          "__type": "InvalidArgumentException",
          "message": "Exactly one destination configuration is supported for a Firehose",
          "status": 400,
        },
        "unknown type": {
          "__type": "ValidationException",
          "message": "1 validation error detected: Value 'Kafka' at 'deliveryStreamType' failed to satisfy constraint: Member must satisfy enum value set: [DirectPut, KinesisStreamAsSource, MSKAsSource, DatabaseAsSource]",
          "status": 400,
        },
        "unsupported destination": {
          "__type": "InvalidArgumentException",
          "message": "HttpEndpointDestinationConfiguration is not supported by Tributary: use ExtendedS3DestinationConfiguration or S3DestinationConfiguration.",
          "status": 400,
        },
      }
    `)
    const tooMany = await wireError(
      call('PutRecordBatch', {
        DeliveryStreamName: 'exists',
        Records: Array.from({ length: 501 }, () => RECORD),
      })(t.client),
    )
    // The message lists all 501 members (Java's toString of each); only its ends matter here.
    expect(tooMany.__type).toBe('ValidationException')
    expect(tooMany.message).toMatch(
      /^1 validation error detected: Value '\[.*\]' at 'records' failed to satisfy/,
    )
    expect(tooMany.message).toMatch(/Member must have length less than or equal to 500$/)
    expect(t.delivery.names()).toEqual(['exists'])
    expect(t.delivery.records.get('exists')).toEqual([])
  })
})

describe('raw HTTP', () => {
  const headers = (operation: string) => ({
    'content-type': 'application/x-amz-json-1.1',
    'x-amz-target': `Firehose_20150804.${operation}`,
    ...FAKE_AUTH,
  })

  it('answers a body that is not JSON with SerializationException', async () => {
    const t = await startFirehoseServer()

    const res = await rawRequest(t.url, { headers: headers('PutRecord'), body: '{"DeliveryStreamName":' })

    expect({
      status: res.status,
      type: res.headers['x-amzn-errortype'],
      body: res.data,
    }).toMatchInlineSnapshot(`
      {
        "body": {
          "__type": "SerializationException",
        },
        "status": 400,
        "type": undefined,
      }
    `)
  })

  it('answers an unknown Firehose operation like an unknown Kinesis one', async () => {
    const t = await startFirehoseServer()

    const res = await rawRequest(t.url, { headers: headers('UpdateDestination'), body: '{}' })

    expect({ status: res.status, body: res.data }).toMatchInlineSnapshot(`
      {
        "body": {
          "__type": "UnknownOperationException",
        },
        "status": 400,
      }
    `)
  })

  it('answers a Blob that is not base64 with SerializationException', async () => {
    const t = await startFirehoseServer()

    const res = await rawRequest(t.url, {
      headers: headers('PutRecord'),
      body: JSON.stringify({ DeliveryStreamName: 'x', Record: { Data: 'not base64!' } }),
    })

    expect({ status: res.status, body: res.data }).toMatchInlineSnapshot(`
      {
        "body": {
          "Message": "'not base64!' can not be converted to a Blob: Base64 encoded length is expected a multiple of 4 bytes but found: 11",
          "__type": "SerializationException",
        },
        "status": 400,
      }
    `)
  })
})

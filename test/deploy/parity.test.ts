import { type CfnElement, Stack } from 'aws-cdk-lib'
import { Template } from 'aws-cdk-lib/assertions'
import { Runtime } from 'aws-cdk-lib/aws-lambda'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { generateReference } from '../../scripts/config-reference.ts'
import type { Synthesized } from '../../src/deploy/app.ts'
import { BINDING_ACCESS } from '../../src/functions/binding-usage.ts'
import { DEFAULT_RUNTIME } from '../../src/functions/runtimes/catalog.ts'
import { KINDS } from '../../src/pipeline/kinds.ts'
import { KITCHEN_SINK } from './kitchen-sink.ts'
import { synth } from './synth-helpers.ts'

let out: Synthesized
let t: Template

/** The logical id of the construct `tributary synth` made for a resource (`bucket-lake`). */
function id(constructId: string): string {
  const construct = out.stack.node.findChild(constructId)
  const element = (construct.node.defaultChild ?? construct) as CfnElement
  return Stack.of(construct).getLogicalId(element)
}
const arn = (constructId: string) => ({ 'Fn::GetAtt': [id(constructId), 'Arn'] })
const ref = (constructId: string) => ({ Ref: id(constructId) })
const props = (type: string, logicalId: string) => t.findResources(type)[logicalId]?.Properties
const mapping = (source: string, fn: string) =>
  props('AWS::Lambda::EventSourceMapping', id(`mapping-${source}-${fn}`))
const fnProps = (name: string) => props('AWS::Lambda::Function', id(`function-${name}`))
const delivery = (name: string) =>
  props('AWS::KinesisFirehose::DeliveryStream', id(`delivery-${name}`)).ExtendedS3DestinationConfiguration
const processor = (name: string, type: string) =>
  delivery(name).ProcessingConfiguration.Processors.find((p: { Type: string }) => p.Type === type)
const param = (p: { Parameters: { ParameterName: string; ParameterValue: unknown }[] }, name: string) =>
  p.Parameters.find((x) => x.ParameterName === name)?.ParameterValue
const alarm = (name: string) => props('AWS::CloudWatch::Alarm', id(`alarm-${name}`))
const subscriptions = () => Object.values(t.findResources('AWS::SNS::Subscription')).map((r) => r.Properties)
const table = () => props('AWS::DynamoDB::GlobalTable', id('table-devices'))
const glue = (name = 'readings') => props('AWS::Glue::Table', id(`catalog-${name}`)).TableInput
/** A Glue table's location template, its bucket's token resolved to the bucket's logical id. */
const template = (name: string) =>
  JSON.stringify(glue(name).Parameters['storage.location.template']).replace(id('bucket-lake'), 'LAKE')

/** The indexes the search indexes' custom resource creates. */
const searchIndexes = () =>
  JSON.parse(Object.values(t.findResources('Custom::TributarySearchIndexes'))[0]!.Properties.Indexes)
/** An analytics resource's deployed SQL, the deploy-time names as `<token>`. */
const analyticsSql = (name: string) =>
  (props('AWS::SSM::Parameter', id(`analytics-${name}-sql`)).Value['Fn::Join'][1] as unknown[])
    .map((p) => (typeof p === 'string' ? p : '<token>'))
    .join('')

type Row = [kind: string, field: string, check: () => void]

/** One row per field of each kind's schema (as docs/configuration.md lists them) that AWS has. */
const MATRIX: Row[] = [
  [
    'stream',
    'mode',
    () =>
      expect(props('AWS::Kinesis::Stream', id('stream-od')).StreamModeDetails).toEqual({
        StreamMode: 'ON_DEMAND',
      }),
  ],
  [
    'stream',
    'shardCount',
    () => expect(props('AWS::Kinesis::Stream', id('stream-events')).ShardCount).toBe(3),
  ],
  [
    'stream',
    'retentionHours',
    () => expect(props('AWS::Kinesis::Stream', id('stream-events')).RetentionPeriodHours).toBe(48),
  ],

  ['function', 'handler', () => expect(fnProps('worker').Handler).toBe('index.handler')],
  [
    'function',
    'runtime',
    () =>
      // transform names none: the default, CDK's NODEJS_LATEST (held equal below).
      expect([fnProps('worker').Runtime, fnProps('py').Runtime, fnProps('transform').Runtime]).toEqual([
        'nodejs22.x',
        'python3.12',
        'nodejs24.x',
      ]),
  ],
  ['function', 'code', () => expect(fnProps('py').Handler).toBe('handler.lambda_handler')],
  ['function', 'timeout', () => expect(fnProps('worker').Timeout).toBe(30)],
  ['function', 'memorySize', () => expect(fnProps('worker').MemorySize).toBe(512)],
  ['function', 'reservedConcurrency', () => expect(fnProps('worker').ReservedConcurrentExecutions).toBe(5)],
  ['function', 'environment', () => expect(fnProps('worker').Environment.Variables.MODE).toBe('deployed')],
  ...[
    'asyncInvokeConfig',
    'asyncInvokeConfig.maximumRetryAttempts',
    'asyncInvokeConfig.maximumEventAgeInSeconds',
    'asyncInvokeConfig.destinationConfig',
    'asyncInvokeConfig.destinationConfig.onFailure',
  ].map(
    (field): Row => [
      'function',
      field,
      () =>
        t.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
          FunctionName: ref('function-worker'),
          MaximumRetryAttempts: 1,
          MaximumEventAgeInSeconds: 600,
          DestinationConfig: { OnFailure: { Destination: arn('queue-failures') } },
        }),
    ],
  ),
  ...['deadLetterQueue', 'deadLetterQueue.queue'].map(
    (field): Row => [
      'function',
      field,
      () => expect(fnProps('worker').DeadLetterConfig).toEqual({ TargetArn: arn('queue-dlq') }),
    ],
  ),
  ...['reads', 'writes'].map(
    (field): Row => [
      'function',
      field,
      () =>
        expect(Object.keys(fnProps('worker').Environment.Variables).sort()).toEqual([
          'MODE',
          'TRIBUTARY_BUCKET_LAKE',
          'TRIBUTARY_PIPELINE',
          'TRIBUTARY_QUEUE_WORK',
          'TRIBUTARY_STREAM_EVENTS',
          'TRIBUTARY_TABLE_DEVICES',
          'TRIBUTARY_TOPIC_ALERTS',
        ]),
    ],
  ),

  [
    'kinesis-mapping',
    'function',
    () => expect(mapping('events', 'worker').FunctionName).toEqual(ref('function-worker')),
  ],
  [
    'kinesis-mapping',
    'stream',
    () => expect(mapping('events', 'worker').EventSourceArn).toEqual(arn('stream-events')),
  ],
  ['kinesis-mapping', 'batchSize', () => expect(mapping('events', 'worker').BatchSize).toBe(500)],
  [
    'kinesis-mapping',
    'maximumBatchingWindowInSeconds',
    () => expect(mapping('events', 'worker').MaximumBatchingWindowInSeconds).toBe(5),
  ],
  [
    'kinesis-mapping',
    'startingPosition',
    () => expect(mapping('events', 'worker').StartingPosition).toBe('AT_TIMESTAMP'),
  ],
  [
    'kinesis-mapping',
    'startingPositionTimestamp',
    () => expect(mapping('events', 'worker').StartingPositionTimestamp).toBe(1_700_000_000),
  ],
  [
    'kinesis-mapping',
    'bisectBatchOnFunctionError',
    () => expect(mapping('events', 'worker').BisectBatchOnFunctionError).toBe(true),
  ],
  [
    'kinesis-mapping',
    'maximumRetryAttempts',
    () => expect(mapping('events', 'worker').MaximumRetryAttempts).toBe(3),
  ],
  [
    'kinesis-mapping',
    'maximumRecordAgeInSeconds',
    () => expect(mapping('events', 'worker').MaximumRecordAgeInSeconds).toBe(3600),
  ],
  [
    'kinesis-mapping',
    'functionResponseTypes',
    () => expect(mapping('events', 'worker').FunctionResponseTypes).toEqual(['ReportBatchItemFailures']),
  ],
  ...['destinationConfig', 'destinationConfig.onFailure'].map(
    (field): Row => [
      'kinesis-mapping',
      field,
      () =>
        expect(mapping('events', 'worker').DestinationConfig).toEqual({
          OnFailure: { Destination: ref('topic-alerts') },
        }),
    ],
  ),
  [
    'kinesis-mapping',
    'consumer',
    () => {
      const consumer = id('consumer-od-fanout')
      expect(props('AWS::Kinesis::StreamConsumer', consumer)).toEqual({
        ConsumerName: 'fanout',
        StreamARN: arn('stream-od'),
      })
      expect(mapping('od', 'transform').EventSourceArn).toEqual({ 'Fn::GetAtt': [consumer, 'ConsumerARN'] })
    },
  ],
  [
    'kinesis-mapping',
    'parallelizationFactor',
    () => expect(mapping('od', 'transform').ParallelizationFactor).toBe(4),
  ],
  [
    'kinesis-mapping',
    'tumblingWindowInSeconds',
    () => expect(mapping('events', 'worker').TumblingWindowInSeconds).toBe(60),
  ],
  ...['filterCriteria', 'filterCriteria.filters', 'filterCriteria.filters[].pattern'].map(
    (field): Row => [
      'kinesis-mapping',
      field,
      () =>
        expect(mapping('events', 'worker').FilterCriteria).toEqual({
          Filters: [{ Pattern: '{"data":{"type":["click"]}}' }],
        }),
    ],
  ),
  ['kinesis-mapping', 'enabled', () => expect(mapping('events', 'worker').Enabled).toBe(false)],

  ['sqs-mapping', 'function', () => expect(mapping('work', 'py').FunctionName).toEqual(ref('function-py'))],
  ['sqs-mapping', 'queue', () => expect(mapping('work', 'py').EventSourceArn).toEqual(arn('queue-work'))],
  ['sqs-mapping', 'batchSize', () => expect(mapping('work', 'py').BatchSize).toBe(50)],
  [
    'sqs-mapping',
    'maximumBatchingWindowInSeconds',
    () => expect(mapping('work', 'py').MaximumBatchingWindowInSeconds).toBe(2),
  ],
  [
    'sqs-mapping',
    'functionResponseTypes',
    () => expect(mapping('work', 'py').FunctionResponseTypes).toEqual(['ReportBatchItemFailures']),
  ],
  ...['filterCriteria', 'filterCriteria.filters', 'filterCriteria.filters[].pattern'].map(
    (field): Row => [
      'sqs-mapping',
      field,
      () =>
        expect(mapping('work', 'py').FilterCriteria).toEqual({
          Filters: [{ Pattern: '{"body":{"kind":["order"]}}' }],
        }),
    ],
  ),
  [
    'sqs-mapping',
    'maximumConcurrency',
    () => expect(mapping('work', 'py').ScalingConfig).toEqual({ MaximumConcurrency: 5 }),
  ],
  ['sqs-mapping', 'enabled', () => expect(mapping('work', 'py').Enabled).toBe(false)],

  [
    'delivery',
    'stream',
    () =>
      expect(
        props('AWS::KinesisFirehose::DeliveryStream', id('delivery-partitioned'))
          .KinesisStreamSourceConfiguration.KinesisStreamARN,
      ).toEqual(arn('stream-events')),
  ],
  ['delivery', 'bucket', () => expect(delivery('partitioned').BucketARN).toEqual(arn('bucket-lake'))],
  [
    'delivery',
    'prefix',
    () => expect(delivery('partitioned').Prefix).toBe('raw/device=!{partitionKeyFromQuery:device}/'),
  ],
  [
    'delivery',
    'errorOutputPrefix',
    () => expect(delivery('partitioned').ErrorOutputPrefix).toBe('errors/!{firehose:error-output-type}/'),
  ],
  ...['bufferingHints', 'bufferingHints.sizeInMBs', 'bufferingHints.intervalInSeconds'].map(
    (field): Row => [
      'delivery',
      field,
      () => expect(delivery('partitioned').BufferingHints).toEqual({ SizeInMBs: 64, IntervalInSeconds: 120 }),
    ],
  ),
  ['delivery', 'compression', () => expect(delivery('partitioned').CompressionFormat).toBe('GZIP')],
  ...['format', 'format.parquet', 'format.parquet.table'].map(
    (field): Row => [
      'delivery',
      field,
      () => {
        const conversion = delivery('parquet').DataFormatConversionConfiguration
        expect(conversion.OutputFormatConfiguration).toEqual({
          Serializer: { ParquetSerDe: { Compression: 'SNAPPY' } },
        })
        expect(conversion.SchemaConfiguration).toMatchObject({
          DatabaseName: 'kitchen_sink',
          TableName: 'readings',
          VersionId: 'LATEST',
        })
      },
    ],
  ),
  [
    'delivery',
    'dynamicPartitioning',
    () => expect(delivery('partitioned').DynamicPartitioningConfiguration).toEqual({ Enabled: true }),
  ],
  [
    'delivery',
    'dynamicPartitioning.enabled',
    () => expect(delivery('partitioned').DynamicPartitioningConfiguration.Enabled).toBe(true),
  ],
  ...['dynamicPartitioning.metadataExtraction', 'dynamicPartitioning.metadataExtraction.queries'].map(
    (field): Row => [
      'delivery',
      field,
      () => {
        const p = processor('partitioned', 'MetadataExtraction')
        expect(param(p, 'MetadataExtractionQuery')).toBe('{device:.deviceId}')
        expect(param(p, 'JsonParsingEngine')).toBe('JQ-1.6')
      },
    ],
  ),
  [
    'delivery',
    'processing',
    () => expect(delivery('partitioned').ProcessingConfiguration.Enabled).toBe(true),
  ],
  [
    'delivery',
    'processing.function',
    () => expect(param(processor('partitioned', 'Lambda'), 'LambdaArn')).toEqual(arn('function-transform')),
  ],
  [
    'delivery',
    'processing.bufferSizeInMBs',
    () => expect(param(processor('partitioned', 'Lambda'), 'BufferSizeInMBs')).toBe('2'),
  ],
  [
    'delivery',
    'processing.bufferIntervalInSeconds',
    () => expect(param(processor('partitioned', 'Lambda'), 'BufferIntervalInSeconds')).toBe('120'),
  ],
  [
    'delivery',
    'processing.numberOfRetries',
    () => expect(param(processor('partitioned', 'Lambda'), 'NumberOfRetries')).toBe('5'),
  ],
  [
    'delivery',
    'appendNewline',
    () => expect(processor('partitioned', 'AppendDelimiterToRecord')).toBeDefined(),
  ],
  // Firehose de-aggregates KPL records read from a stream itself: the stream source is the mapping.
  [
    'delivery',
    'deaggregation',
    () =>
      expect(
        props('AWS::KinesisFirehose::DeliveryStream', id('delivery-partitioned')).DeliveryStreamType,
      ).toBe('KinesisStreamAsSource'),
  ],

  [
    'queue',
    'visibilityTimeout',
    () => expect(props('AWS::SQS::Queue', id('queue-work')).VisibilityTimeout).toBe(120),
  ],
  ['queue', 'delaySeconds', () => expect(props('AWS::SQS::Queue', id('queue-work')).DelaySeconds).toBe(5)],
  [
    'queue',
    'messageRetentionPeriod',
    () => expect(props('AWS::SQS::Queue', id('queue-work')).MessageRetentionPeriod).toBe(86_400),
  ],
  ...['deadLetterQueue', 'deadLetterQueue.queue', 'deadLetterQueue.maxReceiveCount'].map(
    (field): Row => [
      'queue',
      field,
      () =>
        expect(props('AWS::SQS::Queue', id('queue-work')).RedrivePolicy).toEqual({
          deadLetterTargetArn: arn('queue-dlq'),
          maxReceiveCount: 4,
        }),
    ],
  ),

  ['queue', 'fifo', () => expect(props('AWS::SQS::Queue', id('queue-orders.fifo')).FifoQueue).toBe(true)],
  [
    'queue',
    'contentBasedDeduplication',
    () => expect(props('AWS::SQS::Queue', id('queue-orders.fifo')).ContentBasedDeduplication).toBe(true),
  ],
  [
    'queue',
    'deduplicationScope',
    () => expect(props('AWS::SQS::Queue', id('queue-orders.fifo')).DeduplicationScope).toBe('messageGroup'),
  ],
  [
    'queue',
    'fifoThroughputLimit',
    () =>
      expect(props('AWS::SQS::Queue', id('queue-orders.fifo')).FifoThroughputLimit).toBe('perMessageGroupId'),
  ],

  ['topic', 'subscriptions', () => expect(subscriptions()).toHaveLength(5)],
  [
    'topic',
    'subscriptions[].queue',
    () =>
      expect(subscriptions()).toContainEqual(
        expect.objectContaining({ Protocol: 'sqs', Endpoint: arn('queue-work') }),
      ),
  ],
  [
    'topic',
    'subscriptions[].rawMessageDelivery',
    () =>
      expect(subscriptions()).toContainEqual(
        expect.objectContaining({ Protocol: 'sqs', RawMessageDelivery: true }),
      ),
  ],
  [
    'topic',
    'subscriptions[].function',
    () =>
      expect(subscriptions()).toContainEqual(
        expect.objectContaining({ Protocol: 'lambda', Endpoint: arn('function-worker') }),
      ),
  ],
  [
    'topic',
    'subscriptions[].email',
    () =>
      expect(
        subscriptions()
          .filter((s) => s.Protocol === 'email')
          .map((s) => s.Endpoint),
      ).toEqual(['a@example.com', 'b@example.com']),
  ],
  [
    'topic',
    'subscriptions[].webhook',
    () =>
      expect(subscriptions()).toContainEqual(
        expect.objectContaining({ Protocol: 'https', Endpoint: 'https://hooks.example.com/x' }),
      ),
  ],
  [
    'topic',
    'subscriptions[].retries',
    () =>
      expect(subscriptions().find((s) => s.Protocol === 'https')?.DeliveryPolicy).toMatchObject({
        healthyRetryPolicy: { numRetries: 5 },
      }),
  ],

  [
    'table',
    'partitionKey',
    () => expect(table().KeySchema).toContainEqual({ AttributeName: 'id', KeyType: 'HASH' }),
  ],
  [
    'table',
    'sortKey',
    () => expect(table().KeySchema).toContainEqual({ AttributeName: 'ts', KeyType: 'RANGE' }),
  ],
  [
    'table',
    'attributeTypes',
    () =>
      expect(table().AttributeDefinitions).toEqual(
        expect.arrayContaining([
          { AttributeName: 'ts', AttributeType: 'N' },
          { AttributeName: 'blob', AttributeType: 'B' },
        ]),
      ),
  ],
  ['table', 'indexes', () => expect(table().GlobalSecondaryIndexes).toHaveLength(1)],
  [
    'table',
    'indexes.<name>.type',
    () =>
      expect([
        table().GlobalSecondaryIndexes[0].IndexName,
        table().LocalSecondaryIndexes[0].IndexName,
      ]).toEqual(['byStatus', 'byBlob']),
  ],
  [
    'table',
    'indexes.<name>.partitionKey',
    () =>
      expect(table().GlobalSecondaryIndexes[0].KeySchema[0]).toEqual({
        AttributeName: 'status',
        KeyType: 'HASH',
      }),
  ],
  [
    'table',
    'indexes.<name>.sortKey',
    () =>
      expect(table().LocalSecondaryIndexes[0].KeySchema[1]).toEqual({
        AttributeName: 'blob',
        KeyType: 'RANGE',
      }),
  ],
  [
    'table',
    'indexes.<name>.projection',
    () =>
      expect([
        table().GlobalSecondaryIndexes[0].Projection,
        table().LocalSecondaryIndexes[0].Projection,
      ]).toEqual([
        { ProjectionType: 'KEYS_ONLY' },
        { ProjectionType: 'INCLUDE', NonKeyAttributes: ['note'] },
      ]),
  ],
  [
    'table',
    'timeToLiveAttribute',
    () => expect(table().TimeToLiveSpecification).toEqual({ AttributeName: 'expiresAt', Enabled: true }),
  ],

  [
    'schedule',
    'schedule',
    () => expect(props('AWS::Events::Rule', id('schedule-tick')).ScheduleExpression).toBe('rate(5 minutes)'),
  ],
  [
    'schedule',
    'function',
    () =>
      expect(props('AWS::Events::Rule', id('schedule-tick')).Targets[0].Arn).toEqual(arn('function-worker')),
  ],
  [
    'schedule',
    'input',
    () => expect(props('AWS::Events::Rule', id('schedule-tick')).Targets[0].Input).toBe('{"hello":1}'),
  ],
  [
    'schedule',
    'enabled',
    () => expect(props('AWS::Events::Rule', id('schedule-tick')).State).toBe('DISABLED'),
  ],

  ...[
    'notifications',
    'notifications[].function',
    'notifications[].events',
    'notifications[].prefix',
    'notifications[].suffix',
  ].map(
    (field): Row => [
      'bucket',
      field,
      () => {
        const config = Object.values(t.findResources('Custom::S3BucketNotifications'))[0]!.Properties
          .NotificationConfiguration
        const rules = (c: { Filter: { Key: { FilterRules: { Name: string }[] } } }) =>
          [...c.Filter.Key.FilterRules].sort((x, y) => x.Name.localeCompare(y.Name))
        expect(
          config.LambdaFunctionConfigurations.map((c: never) => [
            (c as { Events: string[] }).Events,
            (c as { LambdaFunctionArn: unknown }).LambdaFunctionArn,
            rules(c),
          ]),
        ).toEqual(
          [['s3:ObjectCreated:Put'], ['s3:ObjectRemoved:*']].map((events) => [
            events,
            arn('function-worker'),
            [
              { Name: 'prefix', Value: 'in/' },
              { Name: 'suffix', Value: '.json' },
            ],
          ]),
        )
      },
    ],
  ),

  [
    'catalog',
    'bucket',
    () => expect(JSON.stringify(glue().StorageDescriptor.Location)).toContain(id('bucket-lake')),
  ],
  [
    'catalog',
    'prefix',
    () => expect(JSON.stringify(glue().StorageDescriptor.Location)).toContain('/curated/'),
  ],
  [
    'catalog',
    'format',
    () =>
      expect(glue().StorageDescriptor.SerdeInfo.SerializationLibrary).toBe(
        'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe',
      ),
  ],
  ...['columns', 'columns[].name', 'columns[].type'].map(
    (field): Row => [
      'catalog',
      field,
      () =>
        expect(glue().StorageDescriptor.Columns).toEqual([
          { Name: 'device', Type: 'string' },
          { Name: 't', Type: 'double' },
        ]),
    ],
  ),
  ...['partitionKeys', 'partitionKeys[].name', 'partitionKeys[].type'].map(
    (field): Row => [
      'catalog',
      field,
      () => expect(glue().PartitionKeys).toEqual([{ Name: 'day', Type: 'string' }]),
    ],
  ),
  // Partition projection from the deliveries writing the tables: Athena sees new partitions at once.
  [
    'catalog',
    'partitionKeys',
    () => {
      expect(glue('readings').Parameters).toMatchObject({
        'projection.enabled': 'true',
        'projection.day.type': 'date',
        'projection.day.format': 'yyyy-MM-dd',
        'projection.day.range': '2020-01-01,NOW',
        'projection.day.interval': '1',
        'projection.day.interval.unit': 'DAYS',
      })
      // biome-ignore lint/suspicious/noTemplateCurlyInString: Athena's storage.location.template syntax
      expect(template('readings')).toBe('{"Fn::Join":["",["s3://",{"Ref":"LAKE"},"/curated/day=${day}/"]]}')
    },
  ],
  [
    'catalog',
    'partitionKeys',
    () => {
      expect(glue('raw').Parameters).toMatchObject({
        'projection.enabled': 'true',
        'projection.device.type': 'injected',
      })
      // biome-ignore lint/suspicious/noTemplateCurlyInString: Athena's storage.location.template syntax
      expect(template('raw')).toBe('{"Fn::Join":["",["s3://",{"Ref":"LAKE"},"/raw/device=${device}/"]]}')
    },
  ],

  ['alarm', 'description', () => expect(alarm('single').AlarmDescription).toBe('worker errors, p99')],
  ['alarm', 'metric', () => expect(alarm('single').MetricName).toBe('Errors')],
  ['alarm', 'metric.namespace', () => expect(alarm('single').Namespace).toBe('AWS/Lambda')],
  ['alarm', 'metric.name', () => expect(alarm('single').MetricName).toBe('Errors')],
  // A dimension naming a function of the pipeline carries the function's AWS name.
  [
    'alarm',
    'metric.dimensions',
    () =>
      expect(alarm('single').Dimensions).toEqual([{ Name: 'FunctionName', Value: ref('function-worker') }]),
  ],
  ['alarm', 'metric.stat', () => expect(alarm('single').ExtendedStatistic).toBe('p99')],
  [
    'alarm',
    'metrics',
    () => expect(alarm('math').Metrics.map((m: { Id: string }) => m.Id)).toEqual(['e', 'i', 'rate']),
  ],
  ['alarm', 'metrics[].id', () => expect(alarm('math').Metrics[2].Id).toBe('rate')],
  ...[
    'metrics[].metric',
    'metrics[].metric.namespace',
    'metrics[].metric.name',
    'metrics[].metric.dimensions',
    'metrics[].metric.stat',
  ].map(
    (field): Row => [
      'alarm',
      field,
      () =>
        expect(alarm('math').Metrics[1].MetricStat).toEqual({
          Metric: {
            Namespace: 'AWS/Lambda',
            MetricName: 'Invocations',
            Dimensions: [{ Name: 'FunctionName', Value: ref('function-worker') }],
          },
          Period: 60,
          Stat: 'Sum',
        }),
    ],
  ),
  ['alarm', 'metrics[].expression', () => expect(alarm('math').Metrics[2].Expression).toBe('100 * e / i')],
  ['alarm', 'metrics[].label', () => expect(alarm('math').Metrics[2].Label).toBe('error rate')],
  [
    'alarm',
    'metrics[].returnData',
    () =>
      expect(alarm('math').Metrics.map((m: { ReturnData: boolean }) => m.ReturnData)).toEqual([
        false,
        false,
        true,
      ]),
  ],
  [
    'index',
    'mappings',
    () => expect(searchIndexes()).toEqual([{ name: 'docs', mappings: expect.any(Object) }]),
  ],
  ['index', 'mappings.dynamic', () => expect(searchIndexes()[0].mappings.dynamic).toBe(false)],
  [
    'index',
    'mappings.properties',
    () => expect(searchIndexes()[0].mappings.properties).toEqual({ status: { type: 'keyword' } }),
  ],
  [
    'analytics',
    'sql',
    () => {
      expect(props('AWS::KinesisAnalyticsV2::Application', id('analytics-counts'))).toMatchObject({
        ApplicationMode: 'INTERACTIVE',
        RuntimeEnvironment: 'ZEPPELIN-FLINK-3_0',
      })
      expect(analyticsSql('counts')).toContain('INSERT INTO per_id SELECT id, COUNT(*)')
    },
  ],
  [
    'analytics',
    'idleTimeoutMs',
    () => expect(analyticsSql('counts')).toMatch(/^SET 'table.exec.source.idle-timeout' = '1000 ms';\n/),
  ],
  ['alarm', 'period', () => expect(alarm('single').Period).toBe(300)],
  ['alarm', 'evaluationPeriods', () => expect(alarm('single').EvaluationPeriods).toBe(3)],
  ['alarm', 'datapointsToAlarm', () => expect(alarm('single').DatapointsToAlarm).toBe(2)],
  [
    'alarm',
    'comparisonOperator',
    () => expect(alarm('single').ComparisonOperator).toBe('GreaterThanThreshold'),
  ],
  ['alarm', 'threshold', () => expect(alarm('single').Threshold).toBe(5)],
  ['alarm', 'treatMissingData', () => expect(alarm('single').TreatMissingData).toBe('breaching')],
  ['alarm', 'actions', () => expect(alarm('single').AlarmActions).toEqual([ref('topic-alerts')])],
  ['alarm', 'actions.alarm', () => expect(alarm('single').AlarmActions).toEqual([ref('topic-alerts')])],
  ['alarm', 'actions.ok', () => expect(alarm('single').OKActions).toEqual([ref('topic-alerts')])],
  [
    'alarm',
    'actions.insufficientData',
    () => expect(alarm('single').InsufficientDataActions).toEqual([ref('topic-alerts')]),
  ],
]

describe('the parity matrix: every setting of every kind, on AWS', () => {
  beforeAll(async () => {
    out = await synth(KITCHEN_SINK)
    t = Template.fromJSON(out.template)
  }, 300_000)
  afterAll(() => out?.dispose())

  it.each(MATRIX)('%s %s', (_kind, _field, check) => check())

  it('warns once for each local-only setting the pipeline sets', () => {
    expect(out.warnings).toEqual(
      expect.arrayContaining([
        'topics.alerts.subscriptions[].outbox: local-only (no AWS counterpart: the outbox file is for local runs), not deployed',
        'topics.alerts.subscriptions[].smtp: local-only (SNS sends e-mail itself), not deployed',
        'topics.alerts.subscriptions[].secret: local-only (SNS signs its HTTP/S messages with its own certificate, not an HMAC header), not deployed',
        "topics.alerts.subscriptions[].timeoutSeconds: local-only (SNS's HTTP/S delivery timeout is not configurable), not deployed",
        'deliveries.partitioned.startingPosition: local-only (Firehose starts reading a stream at its own position), not deployed',
        "catalog.raw.partitionKeys: device projected as 'injected' (the records give the values): Athena queries of raw must name them (WHERE device = '...')",
      ]),
    )
  })

  it("passes CloudFormation's template validation (synth --validate, as diff and deploy run it)", async () => {
    const validated = await synth(KITCHEN_SINK, false, true)
    try {
      // An error would have failed the synth; warnings (a deprecated runtime, ...) are listed.
      expect(validated.warnings.filter((w) => w.startsWith('CloudFormation validation'))).toEqual([])
    } finally {
      validated.dispose()
    }
  }, 300_000)

  it("defaults functions to aws-cdk-lib's newest Node.js runtime (Runtime.NODEJS_LATEST)", () => {
    expect(DEFAULT_RUNTIME).toBe(Runtime.NODEJS_LATEST.name)
  })

  it('has a row or a local-only entry for every field of every kind', async () => {
    const reference = generateReference()
    const missing: string[] = []
    for (const kind of reference.kinds) {
      const face = await KINDS.find((k) => k.kind === kind.kind)!.synth!()
      const local = face.localOnly.map((l) => l.path)
      for (const { path } of kind.fields) {
        const covered =
          MATRIX.some(([k, f]) => k === kind.kind && f === path) ||
          local.some((l) => path === l || path.startsWith(`${l}.`))
        if (!covered) missing.push(`${kind.kind} ${path}`)
      }
    }
    expect(missing).toEqual([])
  }, 180_000)

  it("gives each function's role only what its bindings, event sources and destinations need", () => {
    const problems: string[] = []
    for (const [name, f] of Object.entries(KITCHEN_SINK.functions) as [string, FunctionDecl][]) {
      const needed = new Set(['logs:CreateLogStream', 'logs:PutLogEvents'])
      for (const [field, access] of [
        ['reads', 'read'],
        ['writes', 'write'],
      ] as const)
        for (const ref of f[field] ?? [])
          for (const kind of Object.keys(ref))
            for (const [method, a] of Object.entries(BINDING_ACCESS[kind] ?? {}))
              if (a === access) for (const action of API_CALLS[kind]![method]!) needed.add(action)
      for (const m of KITCHEN_SINK.mappings as {
        function: string
        stream?: string
        consumer?: string
      }[])
        if (m.function === name)
          for (const a of m.stream ? [...KINESIS_ESM, ...(m.consumer ? KINESIS_CONSUMER : [])] : SQS_ESM)
            needed.add(a)
      for (const m of KITCHEN_SINK.mappings as {
        function: string
        destinationConfig?: { onFailure: object }
      }[])
        if (m.function === name && m.destinationConfig)
          for (const k of Object.keys(m.destinationConfig.onFailure)) needed.add(SEND[k]!)
      if (f.deadLetterQueue) needed.add('sqs:SendMessage')
      for (const k of Object.keys(f.asyncInvokeConfig?.destinationConfig?.onFailure ?? {}))
        needed.add(SEND[k]!)
      const namespaces = (f.writes ?? []).flatMap((w) => (w.metrics === undefined ? [] : [w.metrics]))
      const granted = statementsOf(`function-${name}-role`)
      for (const s of granted) {
        for (const action of [s.Action].flat())
          if (!needed.has(action)) problems.push(`${name}: ${action} is not needed`)
        for (const resource of [s.Resource].flat()) {
          if (resource !== '*') continue
          // PutMetricData alone has no resource ARN: '*', bounded by the declared namespaces.
          const bounded = [s.Condition?.StringEquals?.['cloudwatch:namespace'] ?? []].flat().sort()
          if (s.Action !== 'cloudwatch:PutMetricData' || namespaces.length === 0)
            problems.push(`${name}: Resource '*' for ${s.Action}`)
          else if (JSON.stringify(bounded) !== JSON.stringify(namespaces.sort()))
            problems.push(`${name}: PutMetricData for namespaces ${bounded}, declared ${namespaces}`)
        }
      }
      if (namespaces.length > 0)
        expect(
          granted.flatMap((s) => s.Action),
          name,
        ).toContain('cloudwatch:PutMetricData')
      expect(granted.length, name).toBeGreaterThan(0)
    }
    expect(problems).toEqual([])
  })
})

interface FunctionDecl {
  reads?: Record<string, string>[]
  writes?: Record<string, string>[]
  deadLetterQueue?: object
  asyncInvokeConfig?: { destinationConfig?: { onFailure: object } }
}

/** The AWS API call (IAM action) each binding method makes on AWS (src/bindings/aws/). */
const API_CALLS: Record<string, Record<string, string[]>> = {
  stream: { put: ['kinesis:PutRecord'], putMany: ['kinesis:PutRecords'] },
  table: {
    get: ['dynamodb:GetItem'],
    query: ['dynamodb:Query', 'dynamodb:DescribeTable'],
    put: ['dynamodb:PutItem'],
    update: ['dynamodb:UpdateItem'],
    delete: ['dynamodb:DeleteItem'],
  },
  bucket: {
    get: ['s3:GetObject'],
    head: ['s3:GetObject'],
    list: ['s3:ListBucket'],
    put: ['s3:PutObject'],
    delete: ['s3:DeleteObject'],
  },
  queue: { send: ['sqs:SendMessage'] },
  topic: { publish: ['sns:Publish'] },
  metrics: { put: ['cloudwatch:PutMetricData'] },
}
/** What Lambda's event source mappings need (the Lambda developer guide's permission lists). */
const KINESIS_ESM = [
  'kinesis:DescribeStream',
  'kinesis:DescribeStreamSummary',
  'kinesis:GetRecords',
  'kinesis:GetShardIterator',
  'kinesis:ListShards',
  'kinesis:SubscribeToShard',
]
/** Through an enhanced fan-out consumer, on the consumer's ARN. */
const KINESIS_CONSUMER = ['kinesis:DescribeStreamConsumer', 'kinesis:SubscribeToShard']
const SQS_ESM = ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes']
const SEND: Record<string, string> = { queue: 'sqs:SendMessage', topic: 'sns:Publish' }

/** Every statement of the policies attached to a role. */
function statementsOf(roleConstructId: string): {
  Action: string | string[]
  Resource: unknown
  Condition?: { StringEquals?: Record<string, string | string[]> }
}[] {
  const role = id(roleConstructId)
  return Object.values(t.findResources('AWS::IAM::Policy'))
    .filter((p) => JSON.stringify(p.Properties.Roles).includes(`"${role}"`))
    .flatMap((p) => p.Properties.PolicyDocument.Statement)
}

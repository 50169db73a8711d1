import { z } from 'zod'
import { parseCorsOrigin } from '../api/cors.ts'
import { alarmsConfigSchema } from '../monitor/alarms/config.ts'
import { notificationSubscriptionSchema, smtpSchema } from '../monitor/notify/config.ts'

/**
 * The pipeline definition: resources by name. Field names follow the AWS settings they stand for
 * (Lambda's CreateEventSourceMapping parameters in camelCase, as the CDK spells them), with AWS's
 * defaults and ranges, so a definition reads like the AWS resources it deploys to.
 */

const name = z.string().regex(/^[a-zA-Z0-9_.-]{1,128}$/, 'must be 1-128 characters of a-z A-Z 0-9 _ . -')

export const streamSchema = z
  .object({
    /** PROVISIONED streams need a shard count; ON_DEMAND ones start with 4 shards. */
    mode: z.enum(['PROVISIONED', 'ON_DEMAND']).default('PROVISIONED'),
    shardCount: z.int().min(1).max(10_000).optional(),
    retentionHours: z.int().min(24).max(8760).default(24),
  })
  .strict()

/** Where records or messages that could not be processed are sent: a queue or a topic. */
export const destinationSchema = z.union([
  z.object({ queue: name }).strict(),
  z.object({ topic: name }).strict(),
])

/**
 * A resource a function's bindings use, named by kind: `{ bucket: 'raw' }`, `{ table: 'metadata' }`.
 * Functions declare them in `reads` and `writes` (least-privilege permissions derive from them).
 */
export const refSchema = z.union(
  [
    z.object({ bucket: name }).strict(),
    z.object({ table: name }).strict(),
    z.object({ queue: name }).strict(),
    z.object({ topic: name }).strict(),
    z.object({ stream: name }).strict(),
  ],
  { error: 'must name one resource: { bucket }, { table }, { queue }, { topic } or { stream }' },
)

export const functionSchema = z
  .object({
    /** Lambda-style `path/to/file.exportName`, relative to the pipeline file. */
    handler: z.string().regex(/^[^\s]+\.[A-Za-z_$][\w$]*$/, "must look like 'path/to/file.exportName'"),
    /** Seconds, 1-900 (Lambda's default 3). */
    timeout: z.number().min(1).max(900).default(3),
    /** MB, 128-10240 (reported to the handler; not enforced). */
    memorySize: z.int().min(128).max(10_240).default(128),
    reservedConcurrency: z.int().min(1).max(1000).optional(),
    environment: z.record(z.string(), z.string()).default({}),
    /**
     * Asynchronous invocations (S3 events, schedules, topics): Lambda's EventInvokeConfig.
     * Events given up on go to `destinationConfig.onFailure` with Lambda's invocation record.
     */
    asyncInvokeConfig: z
      .object({
        maximumRetryAttempts: z.int().min(0).max(2).default(2),
        maximumEventAgeInSeconds: z.int().min(60).max(21_600).default(21_600),
        destinationConfig: z.object({ onFailure: destinationSchema }).strict().optional(),
      })
      .strict()
      .optional(),
    /** Lambda's DeadLetterConfig: the original event of a failed asynchronous invocation. */
    deadLetterQueue: z.object({ queue: name }).strict().optional(),
    /** Resources the handler's bindings read (`bucket(...).get`, `table(...).query`, ...). */
    reads: z.array(refSchema).optional(),
    /** Resources the handler's bindings write (`stream(...).put`, `queue(...).send`, ...). */
    writes: z.array(refSchema).optional(),
  })
  .strict()

const filterCriteria = z
  .object({
    /** Lambda event filter patterns (EventBridge syntax), as JSON strings; up to 5. */
    filters: z.array(z.object({ pattern: z.string() }).strict()).max(5),
  })
  .strict()

export const kinesisMappingSchema = z
  .object({
    function: name,
    stream: name,
    batchSize: z.int().min(1).max(10_000).default(100),
    maximumBatchingWindowInSeconds: z.int().min(0).max(300).default(0),
    startingPosition: z.enum(['TRIM_HORIZON', 'LATEST', 'AT_TIMESTAMP']),
    /** For AT_TIMESTAMP: an ISO date or epoch seconds. */
    startingPositionTimestamp: z.union([z.string(), z.number()]).optional(),
    bisectBatchOnFunctionError: z.boolean().default(false),
    /** -1 (retry until the record expires) to 10,000. */
    maximumRetryAttempts: z.int().min(-1).max(10_000).default(-1),
    /** -1 (no limit) or 60 to 604,800. */
    maximumRecordAgeInSeconds: z
      .int()
      .min(-1)
      .max(604_800)
      .refine((v) => v === -1 || v >= 60, 'must be -1 or between 60 and 604800')
      .default(-1),
    functionResponseTypes: z.array(z.literal('ReportBatchItemFailures')).max(1).default([]),
    destinationConfig: z.object({ onFailure: destinationSchema }).strict().optional(),
    parallelizationFactor: z.int().min(1).max(10).default(1),
    /** 0 (off) to 900 seconds. */
    tumblingWindowInSeconds: z.int().min(0).max(900).default(0),
    filterCriteria: filterCriteria.optional(),
    enabled: z.boolean().default(true),
  })
  .strict()

export const sqsMappingSchema = z
  .object({
    function: name,
    queue: name,
    batchSize: z.int().min(1).max(10_000).default(10),
    maximumBatchingWindowInSeconds: z.int().min(0).max(300).default(0),
    functionResponseTypes: z.array(z.literal('ReportBatchItemFailures')).max(1).default([]),
    filterCriteria: filterCriteria.optional(),
    /** ScalingConfig.MaximumConcurrency: 2-1000. */
    maximumConcurrency: z.int().min(2).max(1000).optional(),
    enabled: z.boolean().default(true),
  })
  .strict()
  .refine((m) => m.batchSize <= 10 || m.maximumBatchingWindowInSeconds >= 1, {
    message: 'a batchSize above 10 needs maximumBatchingWindowInSeconds of at least 1 (as on AWS)',
    path: ['maximumBatchingWindowInSeconds'],
  })

export const queueSchema = z
  .object({
    /** Seconds, 0-43,200 (SQS default 30). */
    visibilityTimeout: z.int().min(0).max(43_200).default(30),
    delaySeconds: z.int().min(0).max(900).default(0),
    /** Seconds, 60-1,209,600 (SQS default 4 days). */
    messageRetentionPeriod: z.int().min(60).max(1_209_600).default(345_600),
    deadLetterQueue: z
      .object({ queue: name, maxReceiveCount: z.int().min(1).max(1000) })
      .strict()
      .optional(),
  })
  .strict()

export const subscriptionSchema = z.union([
  z.object({ queue: name, rawMessageDelivery: z.boolean().default(false) }).strict(),
  z.object({ function: name }).strict(),
  /** `{ email }`, `{ webhook }` or `{ outbox }`: see docs/notifications.md. */
  notificationSubscriptionSchema,
])

export const topicSchema = z.object({ subscriptions: z.array(subscriptionSchema).default([]) }).strict()

export const tableSchema = z
  .object({ partitionKey: z.string().min(1), sortKey: z.string().min(1).optional() })
  .strict()

export const scheduleSchema = z
  .object({
    /** EventBridge `rate(...)` or `cron(...)` expression (UTC). */
    schedule: z.string(),
    function: name,
    /** Constant input instead of the scheduled-event document. */
    input: z.unknown().optional(),
    enabled: z.boolean().default(true),
  })
  .strict()

/** Object-created notifications of a bucket (S3 event notifications to a function). */
export const bucketSchema = z
  .object({
    notifications: z
      .array(
        z
          .object({
            function: name,
            /** S3 event types; `s3:ObjectCreated:*` covers every way an object is created. */
            events: z
              .array(
                z.enum([
                  's3:ObjectCreated:*',
                  's3:ObjectCreated:Put',
                  's3:ObjectCreated:CompleteMultipartUpload',
                ]),
              )
              .min(1)
              .default(['s3:ObjectCreated:*']),
            prefix: z.string().max(1024).optional(),
            suffix: z.string().max(1024).optional(),
          })
          .strict(),
      )
      .default([]),
  })
  .strict()

const columns = z.array(z.object({ name: z.string().min(1), type: z.string().min(1) }).strict())

/** A catalog table (Glue): a schema over files in a bucket, queried with `tributary query`. */
export const catalogTableSchema = z
  .object({
    bucket: name,
    /** Where the table's files are, e.g. `curated/sensors/`. */
    prefix: z.string().default(''),
    format: z.enum(['parquet', 'json']).default('parquet'),
    columns: columns.min(1),
    /** Hive-style partition columns (`key=value` directories). */
    partitionKeys: columns.default([]),
  })
  .strict()

/** A Firehose delivery stream to a bucket. */
export const deliverySchema = z
  .object({
    /** Read this Kinesis stream; without it the delivery stream takes direct puts (PutRecord). */
    stream: name.optional(),
    bucket: name,
    /** Firehose's Prefix, with `!{...}` expressions. */
    prefix: z.string().max(1024).default(''),
    errorOutputPrefix: z.string().max(1024).optional(),
    bufferingHints: z
      .object({
        sizeInMBs: z.int().min(1).max(128).default(5),
        intervalInSeconds: z.int().min(0).max(900).default(300),
      })
      .strict()
      .default({ sizeInMBs: 5, intervalInSeconds: 300 }),
    compression: z.enum(['UNCOMPRESSED', 'GZIP', 'ZIP', 'Snappy', 'HADOOP_SNAPPY']).default('UNCOMPRESSED'),
    /** Convert records (JSON) to Parquet with a catalog table's columns. */
    format: z
      .object({ parquet: z.object({ table: name }).strict() })
      .strict()
      .optional(),
    dynamicPartitioning: z
      .object({
        enabled: z.boolean().default(true),
        /** JQ queries over each record (JSON) naming `partitionKeyFromQuery` keys. */
        metadataExtraction: z
          .object({ queries: z.record(z.string(), z.string()) })
          .strict()
          .optional(),
      })
      .strict()
      .optional(),
    /** A transformation function with Firehose's data-transformation contract. */
    processing: z
      .object({
        function: name,
        bufferSizeInMBs: z.number().min(0.2).max(3).default(1),
        bufferIntervalInSeconds: z.int().min(60).max(900).default(60),
        numberOfRetries: z.int().min(0).max(300).default(3),
      })
      .strict()
      .optional(),
    /** Add a newline after each record (Firehose's AppendDelimiterToRecord). */
    appendNewline: z.boolean().default(false),
    /** Split KPL-aggregated records into their user records (Firehose's RecordDeAggregation). */
    deaggregation: z.boolean().default(false),
    /**
     * Where a stream source starts the first time (Tributary's addition; Firehose always starts
     * at LATEST). TRIM_HORIZON replays the whole retained stream into the lake.
     */
    startingPosition: z.enum(['LATEST', 'TRIM_HORIZON']).default('LATEST'),
  })
  .strict()

/** Settings of the served port under `tributary dev` (the CLI flags of the same names add to them). */
export const serverSchema = z
  .object({
    /**
     * Browser origins allowed to call the AWS endpoints besides loopback ones, as `--cors-origin`;
     * `'*'` allows any, as AWS does (docs/kinesis-api.md). Read when `dev` starts.
     */
    corsOrigins: z
      .array(
        z.string().check((ctx) => {
          try {
            parseCorsOrigin(ctx.value)
          } catch (error) {
            ctx.issues.push({ code: 'custom', message: (error as Error).message, input: ctx.value })
          }
        }),
      )
      .optional(),
  })
  .strict()

export const pipelineSchema = z
  .object({
    name: name.default('pipeline'),
    streams: z.record(name, streamSchema).default({}),
    functions: z.record(name, functionSchema).default({}),
    /**
     * Event source mappings: `stream` mappings (Kinesis) or `queue` mappings (SQS). Each is
     * validated against its own schema by the loader, which reports errors per field.
     */
    mappings: z.array(z.record(z.string(), z.unknown())).default([]),
    queues: z.record(name, queueSchema).default({}),
    topics: z.record(name, topicSchema).default({}),
    tables: z.record(name, tableSchema).default({}),
    schedules: z.record(name, scheduleSchema).default({}),
    buckets: z.record(name, bucketSchema).default({}),
    deliveries: z.record(name, deliverySchema).default({}),
    catalog: z.record(name, catalogTableSchema).default({}),
    /** CloudWatch-style alarms over the pipeline's metrics (docs/monitoring.md). */
    alarms: alarmsConfigSchema.default({}),
    /** Defaults for e-mail subscriptions (SMTP server); environment variables fill the rest. */
    notifications: z.object({ smtp: smtpSchema.optional() }).strict().default({}),
    server: serverSchema.optional(),
  })
  .strict()

export type KinesisMappingDefinition = z.input<typeof kinesisMappingSchema>
export type SqsMappingDefinition = z.input<typeof sqsMappingSchema>

/** What a pipeline file declares (defaults optional). */
export type PipelineDefinition = Omit<z.input<typeof pipelineSchema>, 'mappings'> & {
  mappings?: Array<KinesisMappingDefinition | SqsMappingDefinition>
}
/** A validated definition with every default filled in. */
export type Pipeline = Omit<z.output<typeof pipelineSchema>, 'mappings'> & {
  mappings: Array<KinesisMappingConfig | SqsMappingConfig>
}
export type KinesisMappingConfig = z.output<typeof kinesisMappingSchema>
export type SqsMappingConfig = z.output<typeof sqsMappingSchema>
export type FunctionConfig = z.output<typeof functionSchema>
export type QueueConfig = z.output<typeof queueSchema>
export type TopicConfig = z.output<typeof topicSchema>
export type TableConfig = z.output<typeof tableSchema>
export type ScheduleConfig = z.output<typeof scheduleSchema>
export type StreamConfig = z.output<typeof streamSchema>
export type Destination = z.output<typeof destinationSchema>
export type Ref = z.output<typeof refSchema>
export type BucketConfig = z.output<typeof bucketSchema>
export type DeliveryConfig = z.output<typeof deliverySchema>
export type CatalogTableConfig = z.output<typeof catalogTableSchema>

export function isKinesisMapping(m: KinesisMappingConfig | SqsMappingConfig): m is KinesisMappingConfig {
  return 'stream' in m
}

import { z } from 'zod'
import { configIssue } from '../kind/config-issue.ts'
import { resourceName } from '../kind/name.ts'

/**
 * A Firehose delivery stream to a bucket: reads a Kinesis stream (or takes direct puts), buffers,
 * optionally transforms, partitions, converts and compresses, and writes each record into the
 * lake once.
 *
 * @example
 * deliveries: {
 *   'raw-to-lake': {
 *     stream: 'events', bucket: 'lake',
 *     prefix: 'raw/!{partitionKeyFromQuery:device}/!{timestamp:yyyy/MM/dd}/',
 *     errorOutputPrefix: 'errors/!{firehose:error-output-type}/',
 *     dynamicPartitioning: { metadataExtraction: { queries: { device: '.deviceId' } } },
 *     bufferingHints: { sizeInMBs: 64, intervalInSeconds: 60 },
 *     compression: 'GZIP',
 *   },
 * }
 */
export const deliverySchema = z
  .object({
    /** Read this Kinesis stream; without it the delivery stream takes direct puts (PutRecord). */
    stream: resourceName.optional(),
    /** The bucket written. */
    bucket: resourceName,
    /** Firehose's Prefix, with `!{...}` expressions. */
    prefix: z.string().max(1024).default(''),
    /** Where records that fail (transformation, partitioning, conversion) are written. */
    errorOutputPrefix: z.string().max(1024).optional(),
    /** A file is written when either is reached: MB 1-128 (default 5), seconds 0-900 (default 300). */
    bufferingHints: z
      .object({
        /** MB buffered before a file is written, 1-128. */
        sizeInMBs: z.int().min(1).max(128).default(5),
        /** Seconds buffered before a file is written, 0-900. */
        intervalInSeconds: z.int().min(0).max(900).default(300),
      })
      .strict()
      .default({ sizeInMBs: 5, intervalInSeconds: 300 }),
    /** How files are compressed. */
    compression: z.enum(['UNCOMPRESSED', 'GZIP', 'ZIP', 'Snappy', 'HADOOP_SNAPPY']).default('UNCOMPRESSED'),
    /** Convert records (JSON) to Parquet with a catalog table's columns. */
    format: z
      .object({
        /** Parquet (Snappy inside) with the columns of catalog table `table`. */
        parquet: z
          .object({
            /** The catalog table whose columns the files have. */
            table: resourceName,
          })
          .strict(),
      })
      .strict()
      .optional(),
    /** Firehose's dynamic partitioning: `!{partitionKeyFromQuery:...}` keys from JQ queries. */
    dynamicPartitioning: z
      .object({
        /** `false`: declared but off (records go to `prefix` without partition keys). */
        enabled: z.boolean().default(true),
        /** JQ queries over each record (JSON) naming `partitionKeyFromQuery` keys. */
        metadataExtraction: z
          .object({
            /** Partition key name → JQ query: `{ device: '.deviceId' }`. */
            queries: z.record(z.string(), z.string()),
          })
          .strict()
          .optional(),
      })
      .strict()
      .optional(),
    /** A transformation function with Firehose's data-transformation contract. */
    processing: z
      .object({
        /** The transformation function. */
        function: resourceName,
        /** MB of records per invocation, 0.2-3. */
        bufferSizeInMBs: z.number().min(0.2).max(3).default(1),
        /** Seconds of records per invocation at most, 60-900. */
        bufferIntervalInSeconds: z.int().min(60).max(900).default(60),
        /** Retries of a failed invocation before its records go to the error prefix, 0-300. */
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
  .superRefine((d, ctx) => {
    if (d.format && d.compression !== 'UNCOMPRESSED')
      configIssue(
        ctx,
        `must be 'UNCOMPRESSED' with Parquet output (got '${d.compression}')`,
        ['compression'],
        'Parquet files are compressed inside (Snappy); Firehose rejects both together',
      )
  })

export type DeliveryConfig = z.output<typeof deliverySchema>

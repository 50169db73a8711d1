import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { z } from 'zod'
import { resourceName } from '../kind/name.ts'

/**
 * Streaming SQL: Flink SQL run continuously over the pipeline's streams (Kinesis Data Analytics
 * Studio / Managed Service for Apache Flink, locally). `CREATE TABLE` declares the source stream
 * and the sinks; each `INSERT INTO` runs as a continuous query. See docs/analytics.md.
 *
 * @example
 * analytics: {
 *   fares: {
 *     sql: `
 *       CREATE TABLE trips (zone STRING, fare DECIMAL(10,2), ts TIMESTAMP(3),
 *         WATERMARK FOR ts AS ts - INTERVAL '5' SECOND)
 *       WITH ('connector' = 'kinesis', 'stream' = 'trips', 'format' = 'json');
 *       CREATE TABLE per_zone (window_start TIMESTAMP(3), zone STRING, trips BIGINT, avg_fare DOUBLE)
 *       WITH ('connector' = 'dynamodb', 'table-name' = 'zone-stats');
 *       INSERT INTO per_zone
 *       SELECT window_start, zone, COUNT(*), AVG(fare)
 *       FROM TABLE(TUMBLE(TABLE trips, DESCRIPTOR(ts), INTERVAL '1' MINUTE))
 *       GROUP BY window_start, window_end, zone;`,
 *     lateRecords: { queue: 'late-trips' },
 *   },
 * }
 */
export const analyticsSchema = z
  .object({
    /** The Flink SQL: the statements themselves, or the path of a `.sql` file next to the pipeline. */
    sql: z.string().min(1),
    /**
     * Milliseconds a shard may go without records before it stops holding the watermark back
     * (Flink's `table.exec.source.idle-timeout`). Default 30,000.
     */
    idleTimeoutMs: z.number().int().min(1).default(30_000),
    /** Records per micro-batch, over all shards (1–100,000; default 10,000). */
    maxBatchRecords: z.number().int().min(1).max(100_000).default(10_000),
    /**
     * Where records too late for their window go, besides the `LateRecordsDropped` count (Flink
     * drops them silently): each as a message to a queue, or as a file per batch in a bucket.
     */
    lateRecords: z
      .union([
        z
          .object({
            /** The queue taking each late record's text. */
            queue: resourceName,
          })
          .strict(),
        z
          .object({
            /** The bucket taking a file of late records per batch. */
            bucket: resourceName,
            /** Key prefix of those files (default `late/`). */
            prefix: z.string().default('late/'),
          })
          .strict(),
      ])
      .optional(),
  })
  .strict()

export type AnalyticsConfig = z.output<typeof analyticsSchema>

/** Whether `sql` names a file rather than holding statements. */
export function isSqlFile(sql: string): boolean {
  return /\.sql$/i.test(sql.trim()) && !/\s/.test(sql.trim())
}

/** The SQL text of a resource: inline, or read from its file (relative to the pipeline's directory). */
export function sqlText(config: Pick<AnalyticsConfig, 'sql'>, dir: string): string {
  return isSqlFile(config.sql) ? readFileSync(resolve(dir, config.sql.trim()), 'utf8') : config.sql
}

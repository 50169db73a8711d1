import { z } from 'zod'
import { configIssue } from '../kind/config-issue.ts'

/**
 * A Kinesis data stream: its capacity mode, shards and retention (CreateStream, as the CDK spells
 * it). The stream is created when the pipeline starts and kept when the definition changes.
 *
 * @example
 * streams: { events: { shardCount: 2 }, clicks: { mode: 'ON_DEMAND', retentionHours: 168 } }
 */
export const streamSchema = z
  .object({
    /**
     * PROVISIONED streams need a shard count; ON_DEMAND ones start with 4 shards and split hot
     * shards as sustained traffic grows (docs/kinesis-api.md#on-demand-scaling).
     */
    mode: z.enum(['PROVISIONED', 'ON_DEMAND']).default('PROVISIONED'),
    /** Shards of a PROVISIONED stream, 1-10,000. */
    shardCount: z.int().min(1).max(10_000).optional(),
    /** Hours records stay readable, 24-8,760 (Kinesis's default 24). */
    retentionHours: z.int().min(24).max(8760).default(24),
    /**
     * AWS's per-shard throughput limits (writes 1,000 records/s and 1 MiB/s, reads 5 GetRecords
     * calls/s and 2 MiB/s): `false` lifts them for this stream, for load tests
     * (`--shard-limits off` lifts them for every stream).
     */
    shardLimits: z.boolean().default(true),
  })
  .strict()
  .superRefine((s, ctx) => {
    if (s.mode === 'PROVISIONED' && s.shardCount === undefined)
      configIssue(ctx, 'is required for a PROVISIONED stream', ['shardCount'], "or set mode: 'ON_DEMAND'")
  })

export type StreamConfig = z.output<typeof streamSchema>

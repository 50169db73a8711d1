import type { KinesisClient } from '@aws-sdk/client-kinesis'
import type { Clock } from '../util/clock.ts'

/**
 * AWS's per-shard write limit (1 MiB/s or 1,000 records/s, partition keys included) and
 * PutRecords' request limits: https://docs.aws.amazon.com/streams/latest/dev/service-sizes-and-limits.html
 */
export const SHARD_WRITE_BYTES_PER_SECOND = 1024 * 1024
export const SHARD_WRITE_RECORDS_PER_SECOND = 1000
export const MAX_RECORD_BYTES = 1024 * 1024
export const MAX_PARTITION_KEY_LENGTH = 256
export const MAX_PUT_RECORDS_COUNT = 500
export const MAX_PUT_RECORDS_BYTES = 5 * 1024 * 1024

/**
 * The producer's settings. Every KPL setting that means something here keeps the KPL's name (in
 * camelCase: `RecordMaxBufferedTime` → `recordMaxBufferedTime`) and its default
 * (https://github.com/awslabs/amazon-kinesis-producer, `default_config.properties`); the rest are
 * Tributary's and say so. docs/producer.md has the table side by side.
 */
export interface ProducerConfig {
  /** The stream to write to (`streamARN` instead works too). */
  streamName?: string
  streamARN?: string
  /**
   * A Kinesis client to use (its own retries stay on; the producer adds its per-record retries).
   * Without it the producer makes one from `endpoint`/`region`/`credentials` with SDK retries off
   * and closes it in {@link KinesisProducer.close}.
   */
  client?: KinesisClient
  /** KPL `KinesisEndpoint`+`KinesisPort`, as a URL. Default: the SDK's (AWS). */
  endpoint?: string
  /** KPL `Region`. Default: `AWS_REGION`, else `us-east-1`. */
  region?: string
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string }
  /** KPL `AggregationEnabled`: pack user records into KPL-format aggregated records. Default true. */
  aggregationEnabled?: boolean
  /** KPL `AggregationMaxCount`: user records per aggregated record. Default 4294967295. */
  aggregationMaxCount?: number
  /** KPL `AggregationMaxSize`: bytes of an aggregated record. Default 51200. */
  aggregationMaxSize?: number
  /** KPL `CollectionMaxCount`: Kinesis records per PutRecords (1–500). Default 500. */
  collectionMaxCount?: number
  /** KPL `CollectionMaxSize`: bytes per PutRecords (data and partition keys). Default 5242880. */
  collectionMaxSize?: number
  /** KPL `RecordMaxBufferedTime`: how long a record may wait to be batched, ms. Default 100. */
  recordMaxBufferedTime?: number
  /** KPL `RecordTtl`: a record not put this long after `put` fails as expired, ms. Default 30000. */
  recordTtl?: number
  /** KPL `RateLimit`: per-shard sending cap, % of the shard's write limit. Default 150. */
  rateLimit?: number
  /** KPL `MaxConnections`: PutRecords requests in flight at once. Default 24. */
  maxConnections?: number
  /** KPL `RequestTimeout`, ms. Default 6000. */
  requestTimeout?: number
  /** KPL `FailIfThrottled`: fail a throttled record at once instead of retrying it. Default false. */
  failIfThrottled?: boolean
  /**
   * Tributary: back-pressure. `put` waits while this many user records are outstanding (buffered,
   * in flight or waiting to retry). Default 20000. The KPL leaves this to the caller
   * (`getOutstandingRecordsCount()`).
   */
  maxOutstandingRecords?: number
  /** Tributary: back-pressure on the bytes of outstanding user records. Default 16 MiB. */
  maxOutstandingBytes?: number
  /**
   * Tributary: application-level compression of each user record's data (not a Kinesis feature:
   * consumers must call {@link decompress}). Default none.
   */
  compression?: 'gzip'
  /** Tributary: first retry backoff, ms (then doubled per retry, with full jitter). Default 50 (KPL: RecordMaxBufferedTime / 2). */
  retryBaseDelay?: number
  /** Tributary: largest retry backoff, ms. Default 2000. */
  retryMaxDelay?: number
  /** Time source (tests inject a `ManualClock`). */
  clock?: Clock
  /** Random numbers in [0, 1) for jitter (tests inject a seeded one). */
  random?: () => number
}

export type ResolvedConfig = Required<
  Omit<ProducerConfig, 'streamName' | 'streamARN' | 'client' | 'endpoint' | 'credentials' | 'compression'>
> &
  Pick<ProducerConfig, 'streamName' | 'streamARN' | 'endpoint' | 'credentials' | 'compression'>

/** A setting out of its range: the message names the KPL setting and the range. */
export class ProducerConfigError extends Error {
  override readonly name = 'ProducerConfigError'
}

const DEFAULTS = {
  aggregationEnabled: true,
  aggregationMaxCount: 4294967295,
  aggregationMaxSize: 51200,
  collectionMaxCount: 500,
  collectionMaxSize: 5242880,
  recordMaxBufferedTime: 100,
  recordTtl: 30000,
  rateLimit: 150,
  maxConnections: 24,
  requestTimeout: 6000,
  failIfThrottled: false,
  maxOutstandingRecords: 20_000,
  maxOutstandingBytes: 16 * 1024 * 1024,
  retryBaseDelay: 50,
  retryMaxDelay: 2000,
} as const

/** [min, max] of each numeric setting (the KPL's ranges where it has them). */
const RANGES: Record<string, [number, number]> = {
  aggregationMaxCount: [1, 4294967295],
  aggregationMaxSize: [64, MAX_RECORD_BYTES],
  collectionMaxCount: [1, MAX_PUT_RECORDS_COUNT],
  collectionMaxSize: [52224, Number.MAX_SAFE_INTEGER],
  recordMaxBufferedTime: [0, Number.MAX_SAFE_INTEGER],
  recordTtl: [100, Number.MAX_SAFE_INTEGER],
  rateLimit: [1, Number.MAX_SAFE_INTEGER],
  maxConnections: [1, 256],
  requestTimeout: [100, 600000],
  maxOutstandingRecords: [1, Number.MAX_SAFE_INTEGER],
  maxOutstandingBytes: [1, Number.MAX_SAFE_INTEGER],
  retryBaseDelay: [0, Number.MAX_SAFE_INTEGER],
  retryMaxDelay: [0, Number.MAX_SAFE_INTEGER],
}

export function resolveConfig(config: ProducerConfig, clock: Clock): ResolvedConfig {
  if (!config.streamName && !config.streamARN)
    throw new ProducerConfigError('streamName (or streamARN) is required')
  const resolved = {
    ...DEFAULTS,
    region: process.env.AWS_REGION ?? 'us-east-1',
    random: Math.random,
    ...Object.fromEntries(Object.entries(config).filter(([, v]) => v !== undefined)),
    clock,
  } as ResolvedConfig
  for (const [name, [min, max]] of Object.entries(RANGES)) {
    const value = resolved[name as keyof ResolvedConfig] as number
    if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max)
      throw new ProducerConfigError(`${name} must be a number from ${min} to ${max}, got ${String(value)}`)
  }
  // CollectionMaxSize never above what one PutRecords may carry.
  resolved.collectionMaxSize = Math.min(resolved.collectionMaxSize, MAX_PUT_RECORDS_BYTES)
  return resolved
}

import { ServiceError } from '../stream/errors.ts'
import type { StreamStatus } from '../stream/types.ts'

/**
 * Kinesis's error texts, in one place. Wording follows what AWS returns (as recorded by kinesalite
 * against the real service, and quoted in public issue threads); where no recording exists the
 * text follows the same pattern and docs/kinesis-api.md says so.
 */
export const errors = {
  streamNotFound: (name: string, account: string) =>
    new ServiceError('ResourceNotFoundException', `Stream ${name} under account ${account} not found.`),
  streamExists: (name: string, account: string) =>
    new ServiceError('ResourceInUseException', `Stream ${name} under account ${account} already exists.`),
  streamNotActive: (name: string, account: string, status: StreamStatus) =>
    new ServiceError(
      'ResourceInUseException',
      `Stream ${name} under account ${account} not ACTIVE, instead in state ${status}`,
    ),
  shardNotFound: (shardId: string, name: string, account: string) =>
    new ServiceError(
      'ResourceNotFoundException',
      `Shard ${shardId} in stream ${name} under account ${account} does not exist`,
    ),
  couldNotFindShard: (shardId: string, name: string, account: string) =>
    new ServiceError(
      'ResourceNotFoundException',
      `Could not find shard ${shardId} in stream ${name} under account ${account}.`,
    ),
  shardLimit: (account: string, region: string, current: number, limit: number, additional: number) =>
    new ServiceError(
      'LimitExceededException',
      `This request would exceed the shard limit for the account ${account} in ${region}. ` +
        `Current shard count for the account: ${current}. Limit: ${limit}. ` +
        `Number of additional shards that would have resulted from this request: ${additional}. ` +
        'Refer to the AWS Service Limits page (http://docs.aws.amazon.com/general/latest/gr/aws_service_limits.html) ' +
        'for current limits and how to request higher limits.',
    ),
  invalidIterator: () => new ServiceError('InvalidArgumentException', 'Invalid ShardIterator.'),
  iteratorExpired: (createdAt: number, now: number) =>
    new ServiceError(
      'ExpiredIteratorException',
      `Iterator expired. The iterator was created at time ${amzUtc(createdAt)} while right now it is ${amzUtc(now)} ` +
        'which is further in the future than the tolerated delay of 300000 milliseconds.',
    ),
  /** A shard over its write limit: PutRecords' per-record ErrorMessage, and PutRecord's error. */
  writeThroughputExceeded: (shardId: string, name: string, account: string) =>
    new ServiceError('ProvisionedThroughputExceededException', writeThrottledMessage(shardId, name, account)),
  /** A shard over its read limit (GetRecords), in the wording AWS has used since about 2020. */
  readThroughputExceeded: (shardId: string, name: string, account: string) =>
    new ServiceError(
      'ProvisionedThroughputExceededException',
      `Rate exceeded for Shard - ${account}/${name}/${shardId}`,
    ),
  internalFailure: () => new ServiceError('InternalFailure', 'Internal service failure.'),
  invalidArgument: (message: string) => new ServiceError('InvalidArgumentException', message),
  limitExceeded: (message: string) => new ServiceError('LimitExceededException', message),
}

/** The text of a write a shard's limit refused (per record in PutRecords, the error of PutRecord). */
export function writeThrottledMessage(shardId: string, name: string, account: string): string {
  return `Rate exceeded for shard ${shardId} in stream ${name} under account ${account}.`
}

/** `Thu Jan 22 01:22:02 UTC 2015`: the date format of Kinesis's iterator-expiry message. */
export function amzUtc(ms: number): string {
  const m = /^(\w+), (\d+) (\w+) (\d+) ([\d:]+) GMT$/.exec(new Date(ms).toUTCString())
  if (!m) return new Date(ms).toISOString()
  return `${m[1]} ${m[3]} ${m[2]} ${m[5]} UTC ${m[4]}`
}

/**
 * Enhanced fan-out consumers' errors. AWS's wording is recorded for "not in ACTIVE status" (quoted
 * in public issue threads, 2025) and "Another active subscription exists"; the others follow the
 * same pattern (docs/kinesis-api.md lists them).
 */
export const consumerErrors = {
  notFound: (name: string, stream: string, account: string) =>
    new ServiceError(
      'ResourceNotFoundException',
      `Consumer ${name} under stream ${stream} and account ${account} not found.`,
    ),
  arnNotFound: (arn: string) => new ServiceError('ResourceNotFoundException', `Consumer ${arn} not found.`),
  exists: (name: string, stream: string, account: string) =>
    new ServiceError(
      'ResourceInUseException',
      `Consumer ${name} under stream ${stream} and account ${account} already exists.`,
    ),
  notActive: (name: string, createdSeconds: number, stream: string, account: string) =>
    new ServiceError(
      'ResourceInUseException',
      `Consumer ${name} with creation timestamp ${createdSeconds} under stream ${stream} and account ${account} is not in ACTIVE status.`,
    ),
  tooMany: (stream: string, account: string, limit: number) =>
    new ServiceError(
      'LimitExceededException',
      `This request would exceed the limit of ${limit} consumers registered with stream ${stream} under account ${account}.`,
    ),
  tooManyCreating: (stream: string, account: string, limit: number) =>
    new ServiceError(
      'LimitExceededException',
      `This request would exceed the limit of ${limit} consumers in CREATING status for stream ${stream} under account ${account}.`,
    ),
  /** SubscribeToShard again within 5 s of a successful call (KCL logs quote this text). */
  subscribedAlready: (account: string, stream: string, shardId: string, consumer: string) =>
    new ServiceError(
      'ResourceInUseException',
      `Another active subscription exists for this consumer: ${account}:${stream}:${shardId}:${consumer}`,
    ),
  hasConsumers: (stream: string, account: string) =>
    new ServiceError(
      'ResourceInUseException',
      `Stream ${stream} under account ${account} has registered consumers. Deregister them first, or set EnforceConsumerDeletion.`,
    ),
}

import type { PutRecordsRequestEntry } from '@aws-sdk/client-kinesis'
import { hashKeyToDecimal } from '../stream/hash-key.ts'
import { aggregate } from '../stream/kpl/aggregation.ts'
import type { KinesisRecord } from './aggregator.ts'

/** The PutRecords entry for a Kinesis record: the user record itself, or their KPL aggregate. */
export function toEntry(record: KinesisRecord): PutRecordsRequestEntry {
  const first = record.records[0]!
  if (record.records.length === 1) {
    return first.explicitHashKey === undefined
      ? { PartitionKey: first.partitionKey, Data: first.data }
      : { PartitionKey: first.partitionKey, ExplicitHashKey: first.explicitHashKey, Data: first.data }
  }
  // The aggregate travels under its first record's key, pinned by an explicit hash key to the
  // shard all of its records were routed to (the first record's hash key lies in that range).
  return {
    PartitionKey: first.partitionKey,
    ExplicitHashKey: hashKeyToDecimal(first.hashKey),
    Data: aggregate(record.records),
  }
}

/**
 * Per-record error codes PutRecords reports that are worth another attempt
 * (https://docs.aws.amazon.com/kinesis/latest/APIReference/API_PutRecords.html): throttling and
 * internal failures. KMS errors other than throttling are the key's configuration: final.
 */
const RETRYABLE_RECORD_ERRORS = new Set([
  'ProvisionedThroughputExceededException',
  'InternalFailure',
  'ServiceUnavailable',
  'KMSThrottlingException',
])

export function isRetryableRecordError(code: string): boolean {
  return RETRYABLE_RECORD_ERRORS.has(code)
}

/** Whole-call errors that no retry can fix: the stream, the request or the credentials are wrong. */
const FINAL_CALL_ERRORS = new Set([
  'ResourceNotFoundException',
  'ValidationException',
  'InvalidArgumentException',
  'AccessDeniedException',
  'UnrecognizedClientException',
  'InvalidSignatureException',
  'MissingAuthenticationTokenException',
  'IncompleteSignature',
  'KMSDisabledException',
  'KMSInvalidStateException',
  'KMSAccessDeniedException',
  'KMSNotFoundException',
  'KMSOptInRequired',
  'ExpiredTokenException',
])

/** An error thrown by `client.send`, as a code and a message; `final` when retrying cannot help. */
export function classifyCallError(error: unknown): { code: string; message: string; final: boolean } {
  const e = error as Error & { code?: string; $metadata?: { httpStatusCode?: number } }
  const code =
    e?.name === 'AbortError' || e?.name === 'TimeoutError'
      ? 'RequestTimeout'
      : ((e?.code && /^E[A-Z]+$/.test(e.code) ? e.code : undefined) ?? e?.name ?? 'Error')
  const message = e?.message ?? String(error)
  return { code, message, final: FINAL_CALL_ERRORS.has(code) }
}

import { createHash } from 'node:crypto'
import { KPL_MAGIC, deaggregate as splitRecord } from '../stream/kpl/aggregation.ts'

/** A user record read back from a Kinesis record. */
export interface DeaggregatedRecord {
  partitionKey: string
  explicitHashKey?: string
  data: Buffer
  /** The Kinesis record's sequence number, when the input carried one. */
  sequenceNumber?: string
  /** Index inside an aggregated record; absent for a record that was not aggregated. */
  subSequenceNumber?: number
}

/** The part of a Lambda Kinesis event record (`KinesisStreamRecord`) that de-aggregation reads. */
export interface KinesisEventRecordLike {
  kinesis: { data: string; partitionKey: string; sequenceNumber?: string; explicitHashKey?: string }
}

export type DeaggregateInput =
  | KinesisEventRecordLike
  | KinesisEventRecordLike['kinesis']
  | { Data?: Uint8Array; PartitionKey?: string; SequenceNumber?: string; ExplicitHashKey?: string }
  | Uint8Array

/** An input that carries the KPL magic but whose MD5 trailer does not match (with `strict`). */
export class AggregationChecksumError extends Error {
  override readonly name = 'AggregationChecksumError'
}

/**
 * Splits a KPL aggregated record into its user records, for handlers: Lambda's Kinesis event
 * source mapping hands aggregated records over as they are (so does Tributary's). Accepts a Lambda
 * event record (base64 `kinesis.data`), its `kinesis` part, an SDK `_Record` (GetRecords) or raw
 * bytes. A record that is not aggregated comes back alone, unchanged, without a sub-sequence
 * number. Like the KCL, a record with the magic but a wrong MD5 trailer is taken as a plain record;
 * `{ strict: true }` throws {@link AggregationChecksumError} instead.
 *
 * @example
 * export const handler = async (event: KinesisStreamEvent) => {
 *   for (const record of event.Records)
 *     for (const user of deaggregate(record)) console.log(user.partitionKey, user.data.toString())
 * }
 */
export function deaggregate(
  input: DeaggregateInput,
  options: { strict?: boolean } = {},
): DeaggregatedRecord[] {
  const { data, partitionKey, sequenceNumber, explicitHashKey } = normalize(input)
  if (options.strict && data.length >= KPL_MAGIC.length + 16 && data.subarray(0, 4).equals(KPL_MAGIC)) {
    const digest = createHash('md5')
      .update(data.subarray(4, data.length - 16))
      .digest()
    if (!digest.equals(data.subarray(data.length - 16)))
      throw new AggregationChecksumError('aggregated record fails its MD5 check')
  }
  return splitRecord(data, partitionKey, explicitHashKey).map((r) => {
    const out: DeaggregatedRecord = { partitionKey: r.partitionKey, data: r.data }
    if (r.explicitHashKey !== undefined) out.explicitHashKey = r.explicitHashKey
    if (sequenceNumber !== undefined) out.sequenceNumber = sequenceNumber
    if (r.subSequenceNumber !== undefined) out.subSequenceNumber = r.subSequenceNumber
    return out
  })
}

function normalize(input: DeaggregateInput): {
  data: Buffer
  partitionKey: string
  sequenceNumber?: string
  explicitHashKey?: string
} {
  if (input instanceof Uint8Array)
    return { data: Buffer.from(input.buffer, input.byteOffset, input.byteLength), partitionKey: '' }
  if ('kinesis' in input) return normalize(input.kinesis)
  if ('data' in input && typeof input.data === 'string')
    return {
      data: Buffer.from(input.data, 'base64'),
      partitionKey: input.partitionKey,
      sequenceNumber: input.sequenceNumber,
      explicitHashKey: input.explicitHashKey,
    }
  const sdk = input as {
    Data?: Uint8Array
    PartitionKey?: string
    SequenceNumber?: string
    ExplicitHashKey?: string
  }
  const data = sdk.Data ?? new Uint8Array()
  return {
    data: Buffer.from(data.buffer, data.byteOffset, data.byteLength),
    partitionKey: sdk.PartitionKey ?? '',
    sequenceNumber: sdk.SequenceNumber,
    explicitHashKey: sdk.ExplicitHashKey,
  }
}

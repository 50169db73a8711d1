import type { KinesisStreamRecord } from 'aws-lambda'

/** A record as a Kinesis mapping holds it between reading and invoking. */
export interface MappedRecord {
  ordinal: number
  sequenceNumber: string
  partitionKey: string
  /** Base64, exactly as Lambda puts it in the event. */
  data: string
  /** Arrival time, ms since epoch. */
  timestamp: number
  encrypted: boolean
}

/** What every record of one shard's events shares. */
export interface ShardEventSource {
  shardId: string
  streamArn: string
  region: string
  account: string
}

/** One record of Lambda's Kinesis event, field for field. */
export function kinesisEventRecord(r: MappedRecord, source: ShardEventSource): KinesisStreamRecord {
  return {
    kinesis: {
      kinesisSchemaVersion: '1.0',
      partitionKey: r.partitionKey,
      sequenceNumber: r.sequenceNumber,
      data: r.data,
      approximateArrivalTimestamp: r.timestamp / 1000,
      ...(r.encrypted && { encryptionType: 'KMS' }),
    },
    eventSource: 'aws:kinesis',
    eventVersion: '1.0',
    eventID: `${source.shardId}:${r.sequenceNumber}`,
    eventName: 'aws:kinesis:record',
    invokeIdentityArn: `arn:aws:iam::${source.account}:role/tributary-lambda-role`,
    awsRegion: source.region,
    eventSourceARN: source.streamArn,
  } as KinesisStreamRecord
}

/** Approximate size of a record inside the invocation payload (for Lambda's 6 MB cap). */
export function payloadSize(r: MappedRecord): number {
  return r.data.length + r.partitionKey.length + 420
}

/** Lambda's synchronous invocation payload limit. */
export const MAX_PAYLOAD_BYTES = 6 * 1024 * 1024

/** The view filters see: metadata plus `data` parsed as JSON when it is JSON (as Lambda does). */
export function filterView(r: MappedRecord): Record<string, unknown> {
  const view: Record<string, unknown> = {
    kinesisSchemaVersion: '1.0',
    partitionKey: r.partitionKey,
    sequenceNumber: r.sequenceNumber,
    approximateArrivalTimestamp: r.timestamp / 1000,
  }
  try {
    view.data = JSON.parse(Buffer.from(r.data, 'base64').toString('utf8'))
  } catch {
    // Not JSON: only the metadata can be filtered on.
  }
  return view
}

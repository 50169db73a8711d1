/** A record on its way through a delivery stream (after KPL de-aggregation, if enabled). */
export interface DeliveryRecord {
  /** Position in the source shard's log. */
  ordinal: number
  /** Kinesis sequence number (stream source) or a zero-padded ordinal (direct put). */
  sequenceNumber: string
  /** Index among the user records of one KPL aggregate (0 when not aggregated). */
  subsequenceNumber: number
  partitionKey: string
  arrivalMs: number
  data: Buffer
  /** Firehose's recordId for the transformation function: unique and stable across replays. */
  recordId: string
}

/** Why a record goes to the error prefix instead of the lake. */
export interface FailedRecord {
  record: DeliveryRecord
  /** `processing-failed`, `partitioning-failed`, `format-conversion-failed`, ... */
  outputType: string
  errorCode: string
  errorMessage: string
  /** Processing failures: how often the function was tried. */
  attemptsMade?: number
  attemptEndingMs?: number
}

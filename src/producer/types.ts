/** One record as the application hands it to {@link KinesisProducer.put}. */
export interface UserRecord {
  /** 1–256 Unicode characters; routes the record (MD5) unless `explicitHashKey` is given. */
  partitionKey: string
  /** A decimal 128-bit integer that picks the shard directly. */
  explicitHashKey?: string
  /** Bytes, or a string (UTF-8). */
  data: Uint8Array | string
}

/** One PutRecords attempt of a user record, as the KPL's `Attempt`. */
export interface Attempt {
  /** ms from the record's `put` (first attempt) or the previous attempt's end to this attempt's start. */
  delay: number
  /** ms the PutRecords call took. */
  duration: number
  success: boolean
  /** AWS's code (`ProvisionedThroughputExceededException`, `InternalFailure`, ...) or the producer's (`Expired`, `Wrong Shard`, network error names). */
  errorCode?: string
  errorMessage?: string
}

/**
 * What became of a user record: a union on `successful`, as the KPL's `UserRecordResult`.
 * `subSequenceNumber` is the record's index inside an aggregated Kinesis record (absent when the
 * record was sent alone), the same number a KCL consumer or {@link deaggregate} reports.
 */
export type UserRecordResult =
  | {
      successful: true
      shardId: string
      sequenceNumber: string
      subSequenceNumber?: number
      attempts: Attempt[]
    }
  | {
      successful: false
      /** The last error: `Expired` once the record outlived `recordTtl`. */
      errorCode: string
      errorMessage: string
      attempts: Attempt[]
    }

/**
 * What `put` returns once the record is accepted (a wrapper, so awaiting `put` does not wait for the result).
 * The promise is made when `result` is first read: a caller that takes results through `put`'s
 * `onResult` callback instead, or ignores them, costs the producer no promise per record.
 */
export interface PutTicket {
  /** Settles when the record is put or has failed for good; never rejects. */
  readonly result: Promise<UserRecordResult>
}

/** `put`'s optional per-record callback: called once, with the record's result, when it is known. */
export type ResultCallback = (result: UserRecordResult) => void

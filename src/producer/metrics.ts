/** Sum, count, min, max and average of a metric's data points, as the KPL keeps them locally. */
export interface MetricStatistics {
  count: number
  sum: number
  min: number
  max: number
  average: number
}

/**
 * The KPL's metrics under their CloudWatch names (docs: "Monitor the KPL with Amazon CloudWatch"),
 * cumulative since the producer started. Counts are plain numbers where the KPL's statistic of
 * interest is the sum; distributions carry every statistic.
 */
export interface ProducerMetrics {
  UserRecordsReceived: number
  /** A sample: buffered, in flight or waiting to retry, right now. */
  UserRecordsPending: number
  UserRecordsPut: number
  UserRecordsDataPut: number
  KinesisRecordsPut: number
  KinesisRecordsDataPut: number
  /** Per error code (`ProvisionedThroughputExceededException`, `InternalFailure`, `Expired`, ...), once per Kinesis record. */
  ErrorsByCode: Record<string, number>
  AllErrors: number
  RetriesPerRecord: MetricStatistics
  UserRecordExpired: number
  BufferingTime: MetricStatistics
  RequestTime: MetricStatistics
  UserRecordsPerKinesisRecord: MetricStatistics
  KinesisRecordsPerPutRecordsRequest: MetricStatistics
  UserRecordsPerPutRecordsRequest: MetricStatistics
}

class Distribution {
  count = 0
  sum = 0
  min = Number.POSITIVE_INFINITY
  max = Number.NEGATIVE_INFINITY

  add(value: number): void {
    this.count++
    this.sum += value
    if (value < this.min) this.min = value
    if (value > this.max) this.max = value
  }

  snapshot(): MetricStatistics {
    return this.count === 0
      ? { count: 0, sum: 0, min: 0, max: 0, average: 0 }
      : { count: this.count, sum: this.sum, min: this.min, max: this.max, average: this.sum / this.count }
  }
}

/** The producer's counters; it records into them, {@link snapshot} reads them. */
export class MetricsRecorder {
  userRecordsReceived = 0
  userRecordsPut = 0
  userRecordsDataPut = 0
  kinesisRecordsPut = 0
  kinesisRecordsDataPut = 0
  userRecordExpired = 0
  allErrors = 0
  readonly errorsByCode = new Map<string, number>()
  readonly retriesPerRecord = new Distribution()
  readonly bufferingTime = new Distribution()
  readonly requestTime = new Distribution()
  readonly userRecordsPerKinesisRecord = new Distribution()
  readonly kinesisRecordsPerRequest = new Distribution()
  readonly userRecordsPerRequest = new Distribution()

  error(code: string): void {
    this.allErrors++
    this.errorsByCode.set(code, (this.errorsByCode.get(code) ?? 0) + 1)
  }

  snapshot(pending: number): ProducerMetrics {
    return {
      UserRecordsReceived: this.userRecordsReceived,
      UserRecordsPending: pending,
      UserRecordsPut: this.userRecordsPut,
      UserRecordsDataPut: this.userRecordsDataPut,
      KinesisRecordsPut: this.kinesisRecordsPut,
      KinesisRecordsDataPut: this.kinesisRecordsDataPut,
      ErrorsByCode: Object.fromEntries(this.errorsByCode),
      AllErrors: this.allErrors,
      RetriesPerRecord: this.retriesPerRecord.snapshot(),
      UserRecordExpired: this.userRecordExpired,
      BufferingTime: this.bufferingTime.snapshot(),
      RequestTime: this.requestTime.snapshot(),
      UserRecordsPerKinesisRecord: this.userRecordsPerKinesisRecord.snapshot(),
      KinesisRecordsPerPutRecordsRequest: this.kinesisRecordsPerRequest.snapshot(),
      UserRecordsPerPutRecordsRequest: this.userRecordsPerRequest.snapshot(),
    }
  }
}

/**
 * The JSON document Firehose writes under the error prefix for each failed record. Field names
 * and order follow the documentation, one builder per error kind:
 *
 * - processing-failed: https://docs.aws.amazon.com/firehose/latest/dev/data-transformation-failure-handling.html
 *   `{attemptsMade, arrivalTimestamp, errorCode, errorMessage, attemptEndingTimestamp, rawData, lambdaArn}`
 * - format-conversion-failed: https://docs.aws.amazon.com/firehose/latest/dev/record-format-conversion-error-handling.html
 *   `{attemptsMade, arrivalTimestamp, lastErrorCode, lastErrorMessage, attemptEndingTimestamp, rawData,
 *   sequenceNumber, subSequenceNumber, dataCatalogTable{...}}`. Later revisions of that page spell
 *   the error fields `ErrorCode`/`ErrorMessage`; the awsdocs developer-guide source and records seen
 *   in the wild use `lastErrorCode`/`lastErrorMessage`, which we follow.
 * - partitioning-failed: not documented field by field
 *   (https://docs.aws.amazon.com/firehose/latest/dev/dynamic-partitioning-error-handling.html says
 *   only that the object "includes information about the error"); we use the processing-failed
 *   shape without `lambdaArn`, which is what delivered objects carry.
 *
 * Timestamps are epoch milliseconds; `rawData` is the record's bytes in base64. Each builder
 * returns one line of JSON without the trailing newline.
 */

export const ERROR_OUTPUT_TYPES = {
  processingFailed: 'processing-failed',
  partitioningFailed: 'partitioning-failed',
  formatConversionFailed: 'format-conversion-failed',
} as const

export type ErrorOutputType = (typeof ERROR_OUTPUT_TYPES)[keyof typeof ERROR_OUTPUT_TYPES]

interface FailureBase {
  attemptsMade: number
  arrivalTimestamp: number
  errorCode: string
  errorMessage: string
  attemptEndingTimestamp: number
  rawData: Buffer
}

/**
 * A record the transformation Lambda failed (or could not be invoked for).
 *
 * @example
 * processingFailedEnvelope({ attemptsMade: 4, arrivalTimestamp: 1, errorCode: 'Lambda.FunctionError',
 *   errorMessage: 'boom', attemptEndingTimestamp: 2, rawData: Buffer.from('x'), lambdaArn: 'arn:...' })
 */
export function processingFailedEnvelope(failure: FailureBase & { lambdaArn: string }): string {
  return JSON.stringify({ ...commonFields(failure), lambdaArn: failure.lambdaArn })
}

/** The fields both envelopes share, in Firehose's order. */
function commonFields(failure: FailureBase) {
  return {
    attemptsMade: failure.attemptsMade,
    arrivalTimestamp: failure.arrivalTimestamp,
    errorCode: failure.errorCode,
    errorMessage: failure.errorMessage,
    attemptEndingTimestamp: failure.attemptEndingTimestamp,
    rawData: failure.rawData.toString('base64'),
  }
}

/**
 * A record dynamic partitioning could not place (extraction failed, invalid key value, active
 * partition limit).
 *
 * @example
 * partitioningFailedEnvelope({ attemptsMade: 1, arrivalTimestamp: 1, attemptEndingTimestamp: 1,
 *   errorCode: 'DynamicPartitioning.MetadataExtractionFailed', errorMessage: 'Non JSON record provided',
 *   rawData: Buffer.from('not json') })
 */
export function partitioningFailedEnvelope(failure: FailureBase): string {
  return JSON.stringify(commonFields(failure))
}

export interface DataCatalogTable {
  catalogId: string
  databaseName: string
  tableName: string
  region: string
  versionId: string
  catalogArn: string
}

/**
 * A record that could not be converted to Parquet with the catalog table's schema.
 *
 * @example
 * formatConversionFailedEnvelope({ ...failure, sequenceNumber: '4959...', subSequenceNumber: null,
 *   dataCatalogTable: table })
 */
export function formatConversionFailedEnvelope(
  failure: FailureBase & {
    sequenceNumber: string | null
    subSequenceNumber: number | null
    dataCatalogTable: DataCatalogTable
  },
): string {
  const table = failure.dataCatalogTable
  return JSON.stringify({
    attemptsMade: failure.attemptsMade,
    arrivalTimestamp: failure.arrivalTimestamp,
    lastErrorCode: failure.errorCode,
    lastErrorMessage: failure.errorMessage,
    attemptEndingTimestamp: failure.attemptEndingTimestamp,
    rawData: failure.rawData.toString('base64'),
    sequenceNumber: failure.sequenceNumber,
    subSequenceNumber: failure.subSequenceNumber,
    dataCatalogTable: {
      catalogId: table.catalogId,
      databaseName: table.databaseName,
      tableName: table.tableName,
      region: table.region,
      versionId: table.versionId,
      catalogArn: table.catalogArn,
    },
  })
}

import type { InputOf, OperationSpec } from '../spec.ts'
import { HASH_KEY, SEQUENCE_NUMBER, STREAM_ARN, STREAM_NAME_OR_ARN } from './shapes.ts'

/**
 * The PutRecords and PutRecord wire shapes. Three files read them: the operations
 * (`operations/put-records.ts`), the fast check (`fast-path.ts`) and the scanner
 * (`put-scanner.ts`), whose results are typed from them so none can drift from the spec.
 */

/** Largest Data the model allows (streams opt into records above the 1 MiB default). */
export const MODEL_MAX_DATA = 10 * 1024 * 1024

export const PUT_RECORDS_ENTRY = {
  PartitionKey: { type: 'String', notNull: true, lengthGreaterThanOrEqual: 1, lengthLessThanOrEqual: 256 },
  ExplicitHashKey: HASH_KEY,
  Data: { type: 'Blob', notNull: true, lengthLessThanOrEqual: MODEL_MAX_DATA },
} as const satisfies OperationSpec

export const PUT_RECORDS_SPEC = {
  Records: {
    type: 'List',
    notNull: true,
    lengthGreaterThanOrEqual: 1,
    lengthLessThanOrEqual: 500,
    memberStr: 'com.amazonaws.kinesis.v20131202.PutRecordsRequestEntry@c965e310',
    children: { type: 'Structure', children: PUT_RECORDS_ENTRY },
  },
  StreamName: STREAM_NAME_OR_ARN,
  StreamARN: STREAM_ARN,
} as const satisfies OperationSpec

export const PUT_RECORD_SPEC = {
  SequenceNumberForOrdering: SEQUENCE_NUMBER,
  PartitionKey: PUT_RECORDS_ENTRY.PartitionKey,
  ExplicitHashKey: HASH_KEY,
  Data: PUT_RECORDS_ENTRY.Data,
  StreamName: STREAM_NAME_OR_ARN,
  StreamARN: STREAM_ARN,
} as const satisfies OperationSpec

export type PutRecordsInput = InputOf<typeof PUT_RECORDS_SPEC>
export type PutRecordInput = InputOf<typeof PUT_RECORD_SPEC>

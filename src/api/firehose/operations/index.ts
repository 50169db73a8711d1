import type { Operation } from '../../operation.ts'
import { createDeliveryStream } from './create-delivery-stream.ts'
import { deleteDeliveryStream } from './delete-delivery-stream.ts'
import { describeDeliveryStream } from './describe-delivery-stream.ts'
import { listDeliveryStreams } from './list-delivery-streams.ts'
import { putRecord, putRecordBatch } from './put-record.ts'

/** Every Firehose operation served; this table is also the X-Amz-Target allow-list. */
export const FIREHOSE_OPERATIONS: ReadonlyMap<string, Operation> = new Map(
  [
    createDeliveryStream,
    deleteDeliveryStream,
    describeDeliveryStream,
    listDeliveryStreams,
    putRecord,
    putRecordBatch,
  ].map((op) => [op.name, op]),
)

export const FIREHOSE_TARGET_PREFIX = 'Firehose_20150804'

import type { DeliveryService } from '../../../delivery/types.ts'
import { defineOperation, type OperationContext } from '../../operation.ts'
import type { FieldSpec } from '../../spec.ts'
import { blobLength } from '../../validation.ts'
import {
  DELIVERY_STREAM_NAME,
  deliveryOf,
  firehoseErrors,
  MAX_BATCH_BYTES,
  MAX_BATCH_RECORDS,
  MAX_RECORD_BYTES,
} from '../shapes.ts'

const RECORD_DATA = { type: 'Blob', notNull: true, lengthLessThanOrEqual: MAX_RECORD_BYTES } as const
/** Data is base64 text: as sent in JSON, or converted from CBOR's bytes by the type checker. */
const RECORD = { type: 'Structure', children: { Data: RECORD_DATA } } as const satisfies FieldSpec

/**
 * The stream a put may go to: it must exist and be past CREATING, and take direct puts (a stream
 * reading a Kinesis stream gets its records from there only).
 */
function directPutStream(delivery: DeliveryService, name: string, ctx: OperationContext): void {
  const found = delivery.describe(name)
  if (!found || found.status === 'CREATING') throw firehoseErrors.notFound(name, ctx.engine.account)
  if (found.config.stream !== undefined) {
    throw firehoseErrors.invalidArgument(
      'This operation is not permitted on KinesisStreamAsSource delivery stream type.',
    )
  }
}

export const putRecord = defineOperation({
  name: 'PutRecord',
  spec: {
    DeliveryStreamName: { ...DELIVERY_STREAM_NAME, notNull: true },
    Record: { ...RECORD, notNull: true },
  },
  async handle(input, ctx) {
    const delivery = deliveryOf(ctx)
    const name = input.DeliveryStreamName
    directPutStream(delivery, name, ctx)
    const record = input.Record
    const [result] = await delivery.put(name, [Buffer.from(record.Data, 'base64')])
    return { RecordId: result!.recordId, Encrypted: false }
  },
})

export const putRecordBatch = defineOperation({
  name: 'PutRecordBatch',
  spec: {
    DeliveryStreamName: { ...DELIVERY_STREAM_NAME, notNull: true },
    Records: {
      type: 'List',
      notNull: true,
      lengthGreaterThanOrEqual: 1,
      lengthLessThanOrEqual: MAX_BATCH_RECORDS,
      memberStr: 'com.amazonaws.firehose.model.Record',
      children: RECORD,
    },
  },
  async handle(input, ctx) {
    const delivery = deliveryOf(ctx)
    const name = input.DeliveryStreamName
    directPutStream(delivery, name, ctx)
    const records = input.Records
    const total = records.reduce((sum, r) => sum + blobLength(r.Data), 0)
    if (total > MAX_BATCH_BYTES) throw firehoseErrors.invalidArgument('Records size exceeds 4 MB limit')
    const results = await delivery.put(
      name,
      records.map((r) => Buffer.from(r.Data, 'base64')),
    )
    return {
      FailedPutCount: 0,
      Encrypted: false,
      RequestResponses: results.map((r) => ({ RecordId: r.recordId })),
    }
  },
})

import type {
  FirehoseTransformationEventRecord,
  FirehoseTransformationHandler,
  FirehoseTransformationResultRecord,
} from 'aws-lambda'
import { bucket } from 'tributary-pipeline/bindings'

const EVENT_TYPES = new Set(['view', 'add_to_cart', 'purchase'])
/** Partition values become directory names: keep them to a safe alphabet. */
const PARTITION_VALUE = /^[a-z0-9][a-z0-9_-]{0,62}$/

/** Why an event is not accepted, or undefined if it is. */
export function invalidReason(text: string): string | undefined {
  let e: Record<string, unknown>
  try {
    e = JSON.parse(text)
  } catch {
    return 'not valid JSON'
  }
  if (typeof e !== 'object' || e === null || Array.isArray(e)) return 'not a JSON object'
  const metadata = e.metadata as Record<string, unknown> | undefined
  if (typeof metadata !== 'object' || metadata === null) return 'missing metadata'
  const type = metadata.event_type
  if (typeof type !== 'string' || !EVENT_TYPES.has(type))
    return `unknown metadata.event_type ${JSON.stringify(type)}`
  if (typeof metadata.site !== 'string' || !PARTITION_VALUE.test(metadata.site))
    return `invalid metadata.site ${JSON.stringify(metadata.site)}`
  for (const field of ['event_id', 'user_id', 'session_id'] as const) {
    if (typeof e[field] !== 'string' || e[field] === '') return `missing ${field}`
  }
  if (typeof e.event_time !== 'string' || Number.isNaN(Date.parse(e.event_time))) return 'invalid event_time'
  const product = e.product as Record<string, unknown> | undefined
  if (typeof product !== 'object' || product === null || typeof product.product_id !== 'string')
    return 'missing product.product_id'
  if (typeof product.price !== 'number' || !(product.price >= 0)) return 'invalid product.price'
  if (type !== 'view' && !(Number.isInteger(e.quantity) && (e.quantity as number) > 0))
    return `${type} without a positive quantity`
  if (type === 'purchase' && typeof e.order_id !== 'string') return 'purchase without order_id'
  return undefined
}

/** Where an invalid record is kept: one object per record, named by its place in the stream. */
export function failedKey(record: FirehoseTransformationEventRecord): string {
  const day = new Date(record.approximateArrivalTimestamp).toISOString().slice(0, 10)
  const id = record.kinesisRecordMetadata
    ? `${record.kinesisRecordMetadata.shardId}-${record.kinesisRecordMetadata.sequenceNumber}`
    : record.recordId
  return `invalid/dt=${day}/${id}.json`
}

/**
 * The seed's Lambda consumer, as a Firehose transformation: each valid event goes on unchanged
 * (Ok) with its `metadata.site` and `metadata.event_type` as partition keys; an invalid one is
 * written with its reason to the `failed` bucket and Dropped from the lake. Keys in the failed
 * bucket are derived from the record, so a retried batch rewrites the same objects.
 */
export const handler: FirehoseTransformationHandler = async (event) => {
  const failed = bucket(process.env.FAILED_BUCKET ?? 'failed')
  const records: FirehoseTransformationResultRecord[] = []
  let dropped = 0
  for (const record of event.records) {
    const text = Buffer.from(record.data, 'base64').toString('utf8')
    const reason = invalidReason(text)
    if (reason === undefined) {
      const { metadata } = JSON.parse(text) as { metadata: { site: string; event_type: string } }
      records.push({
        recordId: record.recordId,
        result: 'Ok',
        data: record.data,
        metadata: { partitionKeys: { site: metadata.site, event_type: metadata.event_type } },
      })
      continue
    }
    await failed.put(failedKey(record), {
      reason,
      recordId: record.recordId,
      approximateArrivalTimestamp: new Date(record.approximateArrivalTimestamp).toISOString(),
      kinesisRecordMetadata: record.kinesisRecordMetadata,
      rawData: text,
    })
    records.push({ recordId: record.recordId, result: 'Dropped', data: record.data })
    dropped++
  }
  if (dropped > 0) console.warn(`${dropped} of ${event.records.length} events invalid → failed bucket`)
  return { records }
}

import type { KinesisStreamEvent, KinesisStreamRecord } from 'aws-lambda'
import { bucket, table } from 'tributary-pipeline/bindings'
import type { PipelineEvent } from './generator.ts'

const EVENT_TYPES = new Set(['user_signup', 'order_placed', 'payment_processed', 'item_shipped'])

/** The metadata table's item: one per raw object. */
export interface ObjectMetadata extends Record<string, unknown> {
  object_key: string
  bucket: string
  status: 'RAW' | 'PROCESSED' | 'FAILED'
  record_count: number
  shard_id?: string
  first_sequence?: string
  last_sequence?: string
  created_at?: string
  processed_key?: string
  processed_count?: number
  processed_at?: string
  error?: string
}

/** Decodes and validates one record; throws (failing the batch) if it is not an event. */
export function decode(record: KinesisStreamRecord): PipelineEvent {
  const text = Buffer.from(record.kinesis.data, 'base64').toString('utf8')
  let e: PipelineEvent
  try {
    e = JSON.parse(text)
  } catch {
    throw new Error(`record ${record.kinesis.sequenceNumber} is not JSON`)
  }
  if (
    typeof e !== 'object' ||
    e === null ||
    typeof e.event_id !== 'string' ||
    !EVENT_TYPES.has(e.event_type) ||
    typeof e.user_id !== 'string' ||
    typeof e.timestamp !== 'string' ||
    Number.isNaN(Date.parse(e.timestamp))
  ) {
    throw new Error(`record ${record.kinesis.sequenceNumber} is not a valid event`)
  }
  return e
}

/** `events/year=YYYY/month=MM/day=DD/` of an event's own time (UTC). */
export function partitionOf(timestamp: string): string {
  const iso = new Date(timestamp).toISOString()
  return `events/year=${iso.slice(0, 4)}/month=${iso.slice(5, 7)}/day=${iso.slice(8, 10)}/`
}

/**
 * The seed's Kinesis processor. It validates the whole batch first (a bad record fails the batch
 * before anything is written, so bisection isolates it and the mapping reports it to the
 * dead-letter queue), then writes one NDJSON object per day to the raw bucket, named by the
 * batch's place in the shard so a retried batch rewrites the same object, and records each object
 * in the metadata table as RAW before putting it (the put triggers the transformer).
 */
export const handler = async (event: KinesisStreamEvent): Promise<void> => {
  if (event.Records.length === 0) return
  const events = event.Records.map(decode)
  const raw = bucket(process.env.RAW_BUCKET ?? 'raw')
  const metadata = table<ObjectMetadata>(process.env.METADATA_TABLE ?? 'metadata')
  const byDay = new Map<string, { events: PipelineEvent[]; records: KinesisStreamRecord[] }>()
  event.Records.forEach((record, i) => {
    const prefix = partitionOf(events[i]!.timestamp)
    const group = byDay.get(prefix) ?? { events: [], records: [] }
    group.events.push(events[i]!)
    group.records.push(record)
    byDay.set(prefix, group)
  })
  for (const [prefix, group] of byDay) {
    const first = group.records[0]!
    const last = group.records.at(-1)!
    const shardId = first.eventID.split(':')[0]!
    const key = `${prefix}${shardId}-${first.kinesis.sequenceNumber}-${last.kinesis.sequenceNumber}.json`
    await metadata.put({
      object_key: key,
      bucket: process.env.RAW_BUCKET ?? 'raw',
      status: 'RAW',
      record_count: group.events.length,
      shard_id: shardId,
      first_sequence: first.kinesis.sequenceNumber,
      last_sequence: last.kinesis.sequenceNumber,
      created_at: new Date().toISOString(),
    })
    const body = group.records.map((r) => `${Buffer.from(r.kinesis.data, 'base64').toString('utf8')}\n`)
    await raw.put(key, body.join(''), { contentType: 'application/x-ndjson' })
  }
  console.log(`wrote ${event.Records.length} events in ${byDay.size} object(s)`)
}

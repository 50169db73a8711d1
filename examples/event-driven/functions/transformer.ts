import type { S3Event } from 'aws-lambda'
import { bucket, table } from 'tributary-pipeline/bindings'
import type { PipelineEvent } from './generator.ts'
import type { ObjectMetadata } from './processor.ts'

/** Fixed rates for the example (a real pipeline would look them up). */
const TO_USD: Record<string, number> = { USD: 1, EUR: 1.08, GBP: 1.27 }
const CATEGORY: Record<string, string> = {
  user_signup: 'account',
  order_placed: 'commerce',
  payment_processed: 'commerce',
  item_shipped: 'fulfilment',
}
export const HIGH_VALUE_USD = 500

/** One event of the processed bucket. */
export interface ProcessedEvent {
  event_id: string
  event_type: string
  category: string
  user_id: string
  timestamp: string
  event_date: string
  event_hour: number
  amount_usd: number | null
  is_high_value: boolean
  source: string
  item_count: number | null
  source_object: string
  processed_at: string
}

/** The transformation: flattens, categorises, converts to USD and flags high-value events. */
export function enrich(e: PipelineEvent, sourceObject: string, processedAt: string): ProcessedEvent {
  if (typeof e?.event_id !== 'string' || typeof e.timestamp !== 'string') throw new Error('not an event')
  const at = new Date(e.timestamp)
  const rate = e.payload?.currency ? TO_USD[e.payload.currency] : undefined
  if (e.payload?.amount !== undefined && rate === undefined)
    throw new Error(`event ${e.event_id}: unknown currency ${JSON.stringify(e.payload.currency)}`)
  const amountUsd = e.payload?.amount !== undefined ? Math.round(e.payload.amount * rate! * 100) / 100 : null
  return {
    event_id: e.event_id,
    event_type: e.event_type,
    category: CATEGORY[e.event_type] ?? 'other',
    user_id: e.user_id,
    timestamp: e.timestamp,
    event_date: at.toISOString().slice(0, 10),
    event_hour: at.getUTCHours(),
    amount_usd: amountUsd,
    is_high_value: amountUsd !== null && amountUsd >= HIGH_VALUE_USD,
    source: e.source,
    item_count: e.payload?.item_count ?? null,
    source_object: sourceObject,
    processed_at: processedAt,
  }
}

/**
 * The seed's S3 transformer, run by the raw bucket's object-created notification: reads the raw
 * object, enriches each event, writes the result under the same key to the processed bucket and
 * marks the object PROCESSED in the metadata table. An object it cannot transform is marked
 * FAILED and reported to the transformer's dead-letter queue (see the README: the pipeline
 * cannot give an S3-triggered function an on-failure destination, so the handler sends it).
 */
export const handler = async (event: S3Event): Promise<void> => {
  const processed = bucket(process.env.PROCESSED_BUCKET ?? 'processed')
  const metadata = table<ObjectMetadata>(process.env.METADATA_TABLE ?? 'metadata')
  for (const record of event.Records) {
    const source = record.s3.bucket.name
    const key = decodeURIComponent(record.s3.object.key.replace(/\+/g, ' '))
    try {
      const { body } = await bucket(source).get(key)
      const processedAt = new Date().toISOString()
      const lines = Buffer.from(body).toString('utf8').split('\n').filter(Boolean)
      const out = lines.map((line, i) => {
        try {
          return enrich(JSON.parse(line) as PipelineEvent, `${source}/${key}`, processedAt)
        } catch (error) {
          throw new Error(`line ${i + 1}: ${(error as Error).message}`)
        }
      })
      await processed.put(key, out.map((e) => `${JSON.stringify(e)}\n`).join(''), {
        contentType: 'application/x-ndjson',
      })
      await metadata.update(
        { object_key: key },
        {
          set: {
            status: 'PROCESSED',
            processed_key: key,
            processed_count: out.length,
            processed_at: processedAt,
          },
        },
      )
      console.log(`${key}: ${out.length} events transformed`)
    } catch (error) {
      const message = (error as Error).message
      console.error(`${key}: ${message}`)
      await metadata.update(
        { object_key: key },
        { set: { bucket: source, status: 'FAILED', error: message } },
      )
      // Failing the invocation hands the event to Lambda's retry policy; once retries are
      // exhausted it lands in the function's dead-letter queue and on-failure destination.
      throw error
    }
  }
}

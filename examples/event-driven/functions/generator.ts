import type { ScheduledEvent } from 'aws-lambda'
import { stream } from 'tributary-pipeline/bindings'

export type EventType = 'user_signup' | 'order_placed' | 'payment_processed' | 'item_shipped'

/** One event as the seed's data producer sends it. */
export interface PipelineEvent {
  event_id: string
  event_type: EventType
  user_id: string
  /** ISO 8601, UTC. */
  timestamp: string
  source: 'web' | 'mobile' | 'pos'
  payload: { amount?: number; currency?: string; item_count?: number; plan?: string }
}

/** Constant schedule input: a reproducible batch. */
export interface GenerateInput {
  count?: number
  seed?: number
  /** Base time of the batch's events (ISO); defaults to the scheduled event's time, else now. */
  time?: string
}

const TYPES: readonly EventType[] = ['user_signup', 'order_placed', 'payment_processed', 'item_shipped']
const SOURCES = ['web', 'mobile', 'pos'] as const
const CURRENCIES = ['USD', 'EUR', 'GBP'] as const

/** mulberry32: a small seeded PRNG, so a seed gives the same batch every time. */
function random(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** A batch of events (as the JSON strings put on the stream). */
export function generateBatch(count: number, seed: number, baseMs: number): string[] {
  const next = random(seed)
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]!
  const hex = (n: number) => Array.from({ length: n }, () => Math.floor(next() * 16).toString(16)).join('')
  return Array.from({ length: count }, (_, i) => {
    const type = pick(TYPES)
    const payload: PipelineEvent['payload'] =
      type === 'user_signup'
        ? { plan: pick(['free', 'plus', 'pro']) }
        : type === 'item_shipped'
          ? { item_count: 1 + Math.floor(next() * 5) }
          : {
              amount: Math.round(next() * 120_000) / 100,
              currency: pick(CURRENCIES),
              item_count: 1 + Math.floor(next() * 5),
            }
    const event: PipelineEvent = {
      event_id: `${hex(8)}-${hex(4)}-4${hex(3)}-b${hex(3)}-${hex(12)}`,
      event_type: type,
      user_id: `user-${100 + Math.floor(next() * 900)}`,
      timestamp: new Date(baseMs + i * 500).toISOString(),
      source: pick(SOURCES),
      payload,
    }
    return JSON.stringify(event)
  })
}

const streamName = () => process.env.STREAM_NAME ?? 'events'

/** The seed's data producer: puts a batch (50 by default) on the stream, keyed by user. */
export const handler = async (event: ScheduledEvent | GenerateInput) => {
  const input: GenerateInput = 'detail-type' in event ? { time: event.time } : (event ?? {})
  const count = Math.min(500, Math.max(1, input.count ?? 50))
  const seed = input.seed ?? Math.floor(Math.random() * 2 ** 31)
  const baseMs = input.time ? Date.parse(input.time) : Date.now()
  const records = generateBatch(count, seed, baseMs).map((data) => ({
    data,
    partitionKey: (JSON.parse(data) as PipelineEvent).user_id,
  }))
  const result = await stream(streamName()).putMany(records)
  const put = count - result.failedRecordCount
  console.log(`put ${put} events (${result.failedRecordCount} failed), seed ${seed}`)
  return { put, seed }
}

import type { ScheduledEvent } from 'aws-lambda'
import { stream } from 'tributary-pipeline/bindings'

/** One clickstream event as the retailer's website sends it (seed 003's input format). */
export interface ClickEvent {
  event_id: string
  /** ISO 8601, UTC. */
  event_time: string
  user_id: string
  session_id: string
  page_url: string
  product: { product_id: string; name: string; category: string; price: number; currency: string }
  /** add_to_cart and purchase only. */
  quantity?: number
  /** purchase only. */
  order_id?: string
  /** What the pipeline partitions by. */
  metadata: { event_type: EventType; site: string; source: 'web' | 'ios' | 'android'; schema_version: '1.0' }
}

export type EventType = 'view' | 'add_to_cart' | 'purchase'

/** Constant schedule input: a reproducible batch. */
export interface GenerateInput {
  count?: number
  seed?: number
  /** Base time of the batch's events (ISO); defaults to the scheduled event's time, else now. */
  time?: string
}

export const SITES = ['shop-us', 'shop-de', 'shop-jp'] as const
const SOURCES = ['web', 'ios', 'android'] as const
const CATALOG = [
  { product_id: 'SKU-1001', name: 'Trail running shoes', category: 'footwear', price: 89.99 },
  { product_id: 'SKU-1002', name: 'Merino wool socks (3 pack)', category: 'apparel', price: 24.5 },
  { product_id: 'SKU-2001', name: 'Espresso machine', category: 'kitchen', price: 349 },
  { product_id: 'SKU-2002', name: 'Burr coffee grinder', category: 'kitchen', price: 129.95 },
  { product_id: 'SKU-3001', name: 'Noise-cancelling headphones', category: 'electronics', price: 279 },
  { product_id: 'SKU-3002', name: 'USB-C charger 65W', category: 'electronics', price: 39.99 },
  { product_id: 'SKU-4001', name: 'Yoga mat', category: 'sports', price: 32 },
]
const CURRENCY: Record<string, string> = { 'shop-us': 'USD', 'shop-de': 'EUR', 'shop-jp': 'JPY' }

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

/**
 * A batch of events: mostly product views, some add-to-carts, a few purchases; every 25th
 * record is broken in one of the ways a real feed breaks (the validator sends those to the
 * `failed` bucket). Records are strings, exactly the bytes put on the stream.
 */
export function generateBatch(count: number, seed: number, baseMs: number): string[] {
  const next = random(seed)
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]!
  const hex = (n: number) => Array.from({ length: n }, () => Math.floor(next() * 16).toString(16)).join('')
  const out: string[] = []
  for (let i = 0; i < count; i++) {
    const roll = next()
    const type: EventType = roll < 0.7 ? 'view' : roll < 0.9 ? 'add_to_cart' : 'purchase'
    const site = pick(SITES)
    const item = pick(CATALOG)
    const event: ClickEvent = {
      event_id: `${hex(8)}-${hex(4)}-4${hex(3)}-a${hex(3)}-${hex(12)}`,
      event_time: new Date(baseMs + i * 250).toISOString(),
      user_id: `u-${1000 + Math.floor(next() * 500)}`,
      session_id: `s-${hex(10)}`,
      page_url: `https://${site}.example.com/p/${item.product_id.toLowerCase()}`,
      product: { ...item, currency: CURRENCY[site]! },
      ...(type !== 'view' && { quantity: 1 + Math.floor(next() * 3) }),
      ...(type === 'purchase' && { order_id: `o-${hex(12)}` }),
      metadata: { event_type: type, site, source: pick(SOURCES), schema_version: '1.0' },
    }
    if (i % 25 === 24) out.push(corrupt(event, (i + 1) / 25))
    else out.push(JSON.stringify(event))
  }
  return out
}

/** The ways a feed breaks: the validator names each one. */
function corrupt(event: ClickEvent, n: number): string {
  switch (n % 4) {
    case 0: {
      const { metadata: _, ...noMetadata } = event
      return JSON.stringify(noMetadata)
    }
    case 1:
      return JSON.stringify({ ...event, metadata: { ...event.metadata, event_type: 'hover' } })
    case 2:
      return JSON.stringify({ ...event, product: { ...event.product, price: -1 } })
    default:
      return JSON.stringify(event).slice(0, 40) // truncated in transit
  }
}

const streamName = () => process.env.STREAM_NAME ?? 'clickstream'

/** Puts one batch (100 events by default) on the stream, the session id as partition key. */
export const handler = async (event: ScheduledEvent | GenerateInput) => {
  const input: GenerateInput = 'detail-type' in event ? { time: event.time } : (event ?? {})
  const count = Math.min(500, Math.max(1, input.count ?? 100))
  const seed = input.seed ?? Math.floor(Math.random() * 2 ** 31)
  const baseMs = input.time ? Date.parse(input.time) : Date.now()
  const records = generateBatch(count, seed, baseMs).map((data, i) => ({
    data,
    // The session keeps one visitor's clicks in order on one shard.
    partitionKey: /"session_id":"([^"]+)"/.exec(data)?.[1] ?? `broken-${i}`,
  }))
  const result = await stream(streamName()).putMany(records)
  const put = count - result.failedRecordCount
  console.log(`put ${put} clickstream events (${result.failedRecordCount} failed), seed ${seed}`)
  return { put, seed }
}

/**
 * Built-in data generators for `tributary produce --generator`: plausible records in the shapes
 * the seed systems and examples use, from a seeded PRNG (the same seed gives the same records;
 * timestamps come from the `now` passed in, so with a fixed time the output is byte-identical).
 */

import { taxiTrips } from '../../producer/sample-data/taxi-trips.ts'
import { prng } from '../../util/prng.ts'

export { prng }

export interface GeneratedRecord {
  partitionKey: string
  value: Record<string, unknown>
}

export type Generator = (now: number) => GeneratedRecord

export const GENERATORS = ['iot', 'telemetry', 'clickstream', 'events', 'taxi'] as const
export type GeneratorName = (typeof GENERATORS)[number]

const round = (x: number, digits: number) => Math.round(x * 10 ** digits) / 10 ** digits
const iso = (ms: number) => new Date(ms).toISOString()

function tools(random: () => number) {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!
  const int = (lo: number, hi: number) => lo + Math.floor(random() * (hi - lo + 1))
  const hex = (n: number) => Array.from({ length: n }, () => Math.floor(random() * 16).toString(16)).join('')
  const uuid = () => `${hex(8)}-${hex(4)}-4${hex(3)}-${pick(['8', '9', 'a', 'b'])}${hex(3)}-${hex(12)}`
  return { pick, int, hex, uuid }
}

/** Sensors (seed 000, examples/iot-sensors): a random walk per sensor around its own climate. */
function iot(random: () => number): Generator {
  const { int } = tools(random)
  const sensors = Array.from({ length: 100 }, () => ({
    lat: round(52.52 + (random() - 0.5) * 0.2, 5),
    lon: round(13.405 + (random() - 0.5) * 0.3, 5),
    temperature: 15 + random() * 15,
    humidity: 30 + random() * 50,
    pressure: 995 + random() * 30,
    battery: 60 + random() * 40,
  }))
  return (now) => {
    const i = int(0, sensors.length - 1)
    const s = sensors[i]!
    s.temperature = Math.min(45, Math.max(-10, s.temperature + (random() - 0.5)))
    s.humidity = Math.min(100, Math.max(5, s.humidity + (random() - 0.5) * 2))
    s.pressure += (random() - 0.5) * 0.4
    s.battery = Math.max(0, s.battery - random() * 0.01)
    const sensor_id = `sensor-${String(i + 1).padStart(3, '0')}`
    return {
      partitionKey: sensor_id,
      value: {
        sensor_id,
        ts: iso(now),
        temperature: round(s.temperature, 2),
        humidity: round(s.humidity, 1),
        pressure: round(s.pressure, 1),
        battery: round(s.battery, 1),
        lat: s.lat,
        lon: s.lon,
      },
    }
  }
}

/** Geolocation telemetry (seed 002's produceKinesisEvents, examples/telemetry). */
function telemetry(random: () => number): Generator {
  const { uuid } = tools(random)
  return (now) => {
    const id = uuid()
    return {
      partitionKey: id,
      value: {
        id,
        latitude: round(random() * 180 - 90, 6),
        longitude: round(random() * 180, 6),
        timestamp: iso(now),
      },
    }
  }
}

const SITES = ['shop-us', 'shop-de', 'shop-jp'] as const
const CURRENCY: Record<string, string> = { 'shop-us': 'USD', 'shop-de': 'EUR', 'shop-jp': 'JPY' }
const CATALOG = [
  { product_id: 'SKU-1001', name: 'Trail running shoes', category: 'footwear', price: 89.99 },
  { product_id: 'SKU-1002', name: 'Merino wool socks (3 pack)', category: 'apparel', price: 24.5 },
  { product_id: 'SKU-2001', name: 'Espresso machine', category: 'kitchen', price: 349 },
  { product_id: 'SKU-2002', name: 'Burr coffee grinder', category: 'kitchen', price: 129.95 },
  { product_id: 'SKU-3001', name: 'Noise-cancelling headphones', category: 'electronics', price: 279 },
  { product_id: 'SKU-3002', name: 'USB-C charger 65W', category: 'electronics', price: 39.99 },
  { product_id: 'SKU-4001', name: 'Yoga mat', category: 'sports', price: 32 },
] as const

/** A retailer's website events (seed 003, examples/clickstream): mostly views, some carts, few purchases. */
function clickstream(random: () => number): Generator {
  const { pick, int, hex, uuid } = tools(random)
  return (now) => {
    const user = int(1, 5000)
    const site = pick(SITES)
    const product = pick(CATALOG)
    const roll = random()
    const event_type = roll < 0.8 ? 'view' : roll < 0.95 ? 'add_to_cart' : 'purchase'
    const user_id = `u-${String(user).padStart(5, '0')}`
    return {
      partitionKey: user_id,
      value: {
        event_id: uuid(),
        event_time: iso(now),
        user_id,
        session_id: `s-${hex(12)}`,
        page_url: `https://${site}.example.com/p/${product.product_id.toLowerCase()}`,
        product: { ...product, currency: CURRENCY[site]! },
        ...(event_type === 'view' ? {} : { quantity: int(1, 3) }),
        ...(event_type === 'purchase' ? { order_id: `o-${hex(10)}` } : {}),
        metadata: {
          event_type,
          site,
          source: pick(['web', 'ios', 'android'] as const),
          schema_version: '1.0',
        },
      },
    }
  }
}

/** Business events (seed 001, examples/event-driven). */
function events(random: () => number): Generator {
  const { pick, int, uuid } = tools(random)
  return (now) => {
    const event_type = pick(['user_signup', 'order_placed', 'payment_processed', 'item_shipped'] as const)
    const payload =
      event_type === 'user_signup'
        ? { plan: pick(['free', 'plus', 'pro']) }
        : event_type === 'item_shipped'
          ? { item_count: int(1, 5) }
          : { amount: int(100, 120_000) / 100, currency: pick(['USD', 'EUR', 'GBP']), item_count: int(1, 5) }
    const user_id = `user-${String(int(1, 10_000)).padStart(5, '0')}`
    return {
      partitionKey: user_id,
      value: {
        event_id: uuid(),
        event_type,
        user_id,
        timestamp: iso(now),
        source: pick(['web', 'mobile', 'pos']),
        payload,
      },
    }
  }
}

/**
 * New York yellow-cab trips (seed 004, examples/taxi-trips): the TLC's fields and zones, up to 5 s
 * out of order, 1 in 50 broken as real feeds are (`taxiTrips` from `tributary-pipeline/producer`).
 */
function taxi(seed: number): Generator {
  const next = taxiTrips({ seed })
  return (now) => {
    const { trip } = next(now)
    return { partitionKey: trip.trip_id, value: { ...trip } }
  }
}

const FACTORIES: Record<GeneratorName, (seed: number) => Generator> = {
  iot: (seed) => iot(prng(seed)),
  telemetry: (seed) => telemetry(prng(seed)),
  clickstream: (seed) => clickstream(prng(seed)),
  events: (seed) => events(prng(seed)),
  // The same trips as `taxiTrips({ seed })` in tributary-pipeline/producer.
  taxi,
}

/** The generator `name`, seeded. */
export function generator(name: GeneratorName, seed: number): Generator {
  return FACTORIES[name](seed)
}

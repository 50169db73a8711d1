/**
 * Built-in data generators for `tributary produce --generator`: plausible records in the shapes
 * the seed systems and examples use, from a seeded PRNG (the same seed gives the same records;
 * timestamps come from the `now` passed in, so with a fixed time the output is byte-identical).
 */

export interface GeneratedRecord {
  partitionKey: string
  value: Record<string, unknown>
}

export type Generator = (now: number) => GeneratedRecord

export const GENERATORS = ['iot', 'telemetry', 'clickstream', 'events', 'taxi'] as const
export type GeneratorName = (typeof GENERATORS)[number]

/** mulberry32: small, fast, seeded. */
export function prng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

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

/** New York taxi trips (seed 004), in the NYC TLC yellow-cab fields with coordinates. */
function taxi(random: () => number): Generator {
  const { pick, int } = tools(random)
  let trip = 0
  return (now) => {
    const distance = round(0.3 + -Math.log(1 - random()) * 2.8, 2)
    const minutes = Math.max(2, distance * (2.5 + random() * 3))
    const fare = round(3 + distance * 2.5 + minutes * 0.5, 2)
    const payment_type = random() < 0.7 ? 1 : pick([2, 3, 4])
    const tip = payment_type === 1 ? round(fare * (0.1 + random() * 0.15), 2) : 0
    const tolls = random() < 0.05 ? 6.55 : 0
    const pickup = { lon: -73.99 + (random() - 0.5) * 0.12, lat: 40.74 + (random() - 0.5) * 0.14 }
    const bearing = random() * 2 * Math.PI
    const trip_id = `trip-${String(++trip).padStart(9, '0')}`
    return {
      partitionKey: trip_id,
      value: {
        trip_id,
        vendor_id: int(1, 2),
        pickup_datetime: iso(now - minutes * 60_000),
        dropoff_datetime: iso(now),
        passenger_count: pick([1, 1, 1, 1, 2, 2, 3, 4, 5, 6]),
        trip_distance: distance,
        pickup_longitude: round(pickup.lon, 6),
        pickup_latitude: round(pickup.lat, 6),
        dropoff_longitude: round(pickup.lon + (Math.cos(bearing) * distance) / 52, 6),
        dropoff_latitude: round(pickup.lat + (Math.sin(bearing) * distance) / 69, 6),
        payment_type,
        fare_amount: fare,
        tip_amount: tip,
        tolls_amount: tolls,
        total_amount: round(fare + tip + tolls + 0.5 + 0.3, 2),
      },
    }
  }
}

const FACTORIES: Record<GeneratorName, (random: () => number) => Generator> = {
  iot,
  telemetry,
  clickstream,
  events,
  taxi,
}

/** The generator `name`, seeded. */
export function generator(name: GeneratorName, seed: number): Generator {
  return FACTORIES[name](prng(seed))
}

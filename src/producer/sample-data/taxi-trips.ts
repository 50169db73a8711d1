import { prng } from '../../util/prng.ts'
import { TAXI_ZONES, type TaxiZone, UNKNOWN_ZONES } from './taxi-zones.ts'

/**
 * One yellow-cab trip, in the fields of the NYC TLC's trip records (LocationIDs since 2016, with
 * the zone and borough names of the zone lookup beside them). Times are ISO 8601 UTC; amounts are
 * US dollars with cents; `trip_distance` is in miles.
 */
export interface TaxiTrip {
  trip_id: string
  /** 1 = Creative Mobile Technologies, 2 = Curb Mobility (the TLC's VendorID). */
  vendor_id: number
  pickup_datetime: string
  dropoff_datetime: string
  passenger_count: number
  trip_distance: number
  /** 1 = standard, 2 = JFK flat fare, 3 = Newark. */
  rate_code_id: number
  /** `Y` when the vehicle held the record before sending it (no connection). */
  store_and_fwd_flag: 'Y' | 'N'
  pickup_location_id: number
  pickup_zone: string
  pickup_borough: string
  dropoff_location_id: number
  dropoff_zone: string
  dropoff_borough: string
  /** 1 = credit card, 2 = cash, 3 = no charge, 4 = dispute. */
  payment_type: number
  fare_amount: number
  extra: number
  mta_tax: number
  tip_amount: number
  tolls_amount: number
  improvement_surcharge: number
  congestion_surcharge: number
  airport_fee: number
  total_amount: number
}

/** The ways a real feed's trips are broken (each sends the trip to the pipeline's error output). */
export const TRIP_FLAWS = [
  'dropoff-before-pickup',
  'negative-fare',
  'unknown-zone',
  'odometer-glitch',
] as const
export type TripFlaw = (typeof TRIP_FLAWS)[number]

export interface GeneratedTrip {
  trip: TaxiTrip
  /** How this trip was broken on purpose, if it was. */
  flaw?: TripFlaw
}

export interface TaxiTripsOptions {
  /** The same seed gives the same trips for the same `now`s. */
  seed: number
  /**
   * A trip's record is sent up to this long after its drop-off (the meter uploads late), so
   * records are out of order in event time by up to this much. Default 5,000 ms.
   */
  maxLagMs?: number
  /** Share of trips broken in one of {@link TRIP_FLAWS} (0–1). Default 0.02. */
  flawRate?: number
}

/**
 * Plausible NYC yellow-cab trips: weighted pickup and drop-off zones (Manhattan heavy, the
 * airports), distances from the zones' rough places, speeds by area, the TLC's 2023 fare rules
 * (metered fare, JFK flat fare, surcharges, airport fee, congestion surcharge), tips on cards.
 * Each call is one record sent at `now`: its trip ended up to `maxLagMs` before.
 *
 * @example
 * const next = taxiTrips({ seed: 7 })
 * const { trip } = next(Date.now())
 * producer.put({ partitionKey: trip.trip_id, data: JSON.stringify(trip) })
 */
export function taxiTrips(options: TaxiTripsOptions): (now: number) => GeneratedTrip {
  const random = prng(options.seed)
  const maxLagMs = options.maxLagMs ?? 5_000
  const flawRate = options.flawRate ?? 0.02
  const between = (lo: number, hi: number) => lo + random() * (hi - lo)
  const word = () =>
    Math.floor(random() * 2 ** 32)
      .toString(16)
      .padStart(8, '0')
  const pickupOf = weighted(TAXI_ZONES, (z) => z.pickupWeight)
  const dropoffOf = weighted(TAXI_ZONES, (z) => z.dropoffWeight)

  return (now) => {
    const from = pickupOf(random())
    // A trip from an airport goes into the city; one to it must start elsewhere.
    let to = dropoffOf(random())
    while (to.serviceZone === from.serviceZone && from.serviceZone === 'Airports') to = dropoffOf(random())
    const miles =
      from === to ? between(0.3, 1.2) : Math.max(0.4, distance(from, to) * ROAD_FACTOR * between(0.92, 1.15))
    const mph = speeds(from, to, between)
    const minutes = Math.max(1.5, (miles / mph) * 60 + between(0, 2))
    const dropoff = now - Math.floor(random() * (maxLagMs + 1))
    const pickup = dropoff - Math.round(minutes * 60_000)
    const rate = rateCode(from, to)
    const payment = paymentType(random())
    const cents = fares({ from, to, miles, minutes, rate, payment, pickup, random, between })
    const vendor = random() < 0.28 ? 1 : 2
    const trip: TaxiTrip = {
      trip_id: word() + word(),
      vendor_id: vendor,
      pickup_datetime: new Date(pickup).toISOString(),
      dropoff_datetime: new Date(dropoff).toISOString(),
      passenger_count: passengers(random()),
      trip_distance: Math.round(miles * 100) / 100,
      rate_code_id: rate,
      store_and_fwd_flag: vendor === 1 && random() < 0.01 ? 'Y' : 'N',
      pickup_location_id: from.locationId,
      pickup_zone: from.zone,
      pickup_borough: from.borough,
      dropoff_location_id: to.locationId,
      dropoff_zone: to.zone,
      dropoff_borough: to.borough,
      payment_type: payment,
      ...dollars(cents),
    }
    if (random() >= flawRate) return { trip }
    const flaw = TRIP_FLAWS[Math.floor(random() * TRIP_FLAWS.length)]!
    return { trip: breakTrip(trip, flaw, random), flaw }
  }
}

/** Miles, straight line, between two zones' rough places. */
function distance(a: TaxiZone, b: TaxiZone): number {
  const [ax, ay] = PLACE.get(a.locationId)!
  const [bx, by] = PLACE.get(b.locationId)!
  return Math.hypot(ax - bx, ay - by)
}

/** Streets are not straight lines. */
const ROAD_FACTOR = 1.3

/**
 * Each zone's rough place in miles east and north of Midtown: its borough's area, spread by a
 * hash of its LocationID (so the same zone is always in the same place). Coarse, but distances
 * come out right in kind: a few miles across Manhattan, 8–9 to LaGuardia, 17–20 to JFK.
 */
const AREAS: Record<string, [x: number, y: number, spreadX: number, spreadY: number]> = {
  'Manhattan/Yellow Zone': [0, 0, 0.8, 2.5],
  'Manhattan/Boro Zone': [0.5, 6, 1, 2.5],
  'Queens/Boro Zone': [6, 0, 3, 2.5],
  'Brooklyn/Boro Zone': [1.5, -6, 2.5, 2.5],
  'Bronx/Boro Zone': [3, 8, 2.5, 1.5],
  'Staten Island/Boro Zone': [-6, -10, 1.5, 1.5],
}
const FIXED: Record<number, [number, number]> = { 132: [11, -8], 138: [6, 3], 1: [-11, -7] }
const PLACE = new Map<number, [number, number]>(
  TAXI_ZONES.map((z) => {
    const fixed = FIXED[z.locationId]
    if (fixed) return [z.locationId, fixed]
    const [x, y, sx, sy] = AREAS[`${z.borough}/${z.serviceZone}`]!
    const spread = prng(z.locationId * 7919)
    return [z.locationId, [x + (spread() * 2 - 1) * sx, y + (spread() * 2 - 1) * sy]]
  }),
)

/** Average miles per hour: crawling in Manhattan, faster on the expressways to the airports. */
function speeds(from: TaxiZone, to: TaxiZone, between: (lo: number, hi: number) => number): number {
  if ([from, to].some((z) => z.serviceZone === 'Airports' || z.serviceZone === 'EWR')) return between(15, 28)
  if (from.borough === 'Manhattan' && to.borough === 'Manhattan') return between(7, 13)
  return between(10, 20)
}

/** JFK ↔ Manhattan is a flat fare; Newark has its own rate. */
function rateCode(from: TaxiZone, to: TaxiZone): number {
  const zones = [from, to]
  if (zones.some((z) => z.locationId === 132) && zones.some((z) => z.borough === 'Manhattan')) return 2
  if (zones.some((z) => z.serviceZone === 'EWR')) return 3
  return 1
}

function paymentType(r: number): number {
  return r < 0.74 ? 1 : r < 0.97 ? 2 : r < 0.985 ? 3 : 4
}

function passengers(r: number): number {
  return r < 0.72 ? 1 : r < 0.86 ? 2 : r < 0.91 ? 3 : r < 0.94 ? 4 : r < 0.97 ? 5 : 6
}

interface FareInput {
  from: TaxiZone
  to: TaxiZone
  miles: number
  minutes: number
  rate: number
  payment: number
  pickup: number
  random: () => number
  between: (lo: number, hi: number) => number
}

/** The amounts in cents, by the TLC's fare rules (2023). */
function fares(t: FareInput): Amounts {
  // $3.00 on entry, 70¢ per 1/5 mile at speed or per minute stopped or slow.
  const slowMinutes = Math.floor(t.minutes * t.between(0.15, 0.45))
  const metered = 300 + 70 * (Math.floor(t.miles * 5) + slowMinutes)
  const fare = t.rate === 2 ? 7000 : metered
  const { hour, weekday } = newYorkTime(t.pickup)
  let extra = 0
  if (t.rate !== 2 && weekday && hour >= 16 && hour < 20) extra += 250 // rush hour
  if (t.rate !== 2 && (hour >= 20 || hour < 6)) extra += 100 // overnight
  if (t.rate === 3) extra += 2000 // Newark surcharge
  const mtaTax = 50
  const improvement = 100
  const inCongestionZone = [t.from, t.to].some((z) => z.serviceZone === 'Yellow Zone')
  const congestion = inCongestionZone ? 250 : 0
  const airportFee = t.from.serviceZone === 'Airports' ? 175 : 0
  const crossesRiver = t.from.borough !== t.to.borough
  const tolls = crossesRiver && t.random() < 0.35 ? 694 : 0
  // Card tips are recorded (mostly 15–30 % of fare and extras); cash tips are not.
  const tip = t.payment === 1 && t.random() < 0.9 ? Math.round((fare + extra) * t.between(0.15, 0.3)) : 0
  return {
    fare_amount: fare,
    extra,
    mta_tax: mtaTax,
    tip_amount: tip,
    tolls_amount: tolls,
    improvement_surcharge: improvement,
    congestion_surcharge: congestion,
    airport_fee: airportFee,
    total_amount: fare + extra + mtaTax + tip + tolls + improvement + congestion + airportFee,
  }
}

type Amounts = Pick<
  TaxiTrip,
  | 'fare_amount'
  | 'extra'
  | 'mta_tax'
  | 'tip_amount'
  | 'tolls_amount'
  | 'improvement_surcharge'
  | 'congestion_surcharge'
  | 'airport_fee'
  | 'total_amount'
>

function dollars(cents: Amounts): Amounts {
  const out = { ...cents }
  for (const key in out) out[key as keyof Amounts] /= 100
  return out
}

const NEW_YORK = new Intl.DateTimeFormat('en-US', {
  timeZone: 'America/New_York',
  hour: 'numeric',
  hourCycle: 'h23',
  weekday: 'short',
})
const HOURS = new Map<number, { hour: number; weekday: boolean }>()

/** The local hour and whether it is a weekday, in New York (its offsets are whole hours: cached per hour). */
function newYorkTime(ms: number): { hour: number; weekday: boolean } {
  const key = Math.floor(ms / 3_600_000)
  let local = HOURS.get(key)
  if (!local) {
    const parts = NEW_YORK.formatToParts(ms)
    const part = (type: string) => parts.find((p) => p.type === type)?.value ?? ''
    local = { hour: Number(part('hour')), weekday: !['Sat', 'Sun'].includes(part('weekday')) }
    if (HOURS.size > 10_000) HOURS.clear()
    HOURS.set(key, local)
  }
  return local
}

/** Breaks a trip the way real feeds break. */
function breakTrip(trip: TaxiTrip, flaw: TripFlaw, random: () => number): TaxiTrip {
  switch (flaw) {
    case 'dropoff-before-pickup':
      // The meter's clock jumped: drop-off stamped before pickup.
      return { ...trip, pickup_datetime: trip.dropoff_datetime, dropoff_datetime: trip.pickup_datetime }
    case 'negative-fare': {
      // A voided trip, sent as its reversal.
      const negated = Object.entries(trip).map(([k, v]) =>
        /_amount$|^extra$|^mta_tax$|_surcharge$|^airport_fee$/.test(k) ? [k, -(v as number)] : [k, v],
      )
      return { ...(Object.fromEntries(negated) as TaxiTrip), payment_type: 4 }
    }
    case 'unknown-zone': {
      const unknown = UNKNOWN_ZONES[Math.floor(random() * UNKNOWN_ZONES.length)]!
      return {
        ...trip,
        pickup_location_id: unknown.locationId,
        pickup_zone: unknown.zone,
        pickup_borough: unknown.borough,
      }
    }
    case 'odometer-glitch':
      return { ...trip, trip_distance: Math.round((1_000 + random() * 180_000) * 100) / 100 }
  }
}

/** Picks by weight from a uniform number in [0, 1). */
function weighted<T>(items: readonly T[], weightOf: (item: T) => number): (r: number) => T {
  const cumulative: number[] = []
  let total = 0
  for (const item of items) {
    total += weightOf(item)
    cumulative.push(total)
  }
  return (r) => {
    const target = r * total
    let lo = 0
    let hi = cumulative.length - 1
    while (lo < hi) {
      const mid = (lo + hi) >> 1
      if (cumulative[mid]! > target) hi = mid
      else lo = mid + 1
    }
    return items[lo]!
  }
}

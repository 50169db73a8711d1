import { describe, expect, it } from 'vitest'
import {
  type GeneratedTrip,
  TAXI_ZONES,
  type TaxiTrip,
  TRIP_FLAWS,
  taxiTrips,
  taxiZone,
  UNKNOWN_ZONES,
} from '../../src/producer/index.ts'

const START = Date.UTC(2026, 10, 23, 10) // a Monday, 05:00 in New York
const cents = (x: number) => Math.round(x * 100)

/** `count` records, one every `everyMs`. */
function run(
  seed: number,
  count: number,
  everyMs = 200,
  options: { maxLagMs?: number } = {},
): GeneratedTrip[] {
  const next = taxiTrips({ seed, ...options })
  return Array.from({ length: count }, (_, i) => next(START + i * everyMs))
}

const share = (trips: TaxiTrip[], test: (t: TaxiTrip) => boolean) => trips.filter(test).length / trips.length

describe('taxiTrips (seed 004 sample data)', () => {
  it('the same seed gives the same trips; another seed, other trips', () => {
    expect(run(7, 200)).toEqual(run(7, 200))
    expect(run(8, 200)).not.toEqual(run(7, 200))
    expect(new Set(run(7, 2000).map((g) => g.trip.trip_id)).size).toBe(2000)
  })

  it('zones are the TLC lookup: unique LocationIDs 1–263, names and boroughs from the table', () => {
    const ids = TAXI_ZONES.map((z) => z.locationId)
    expect(new Set(ids).size).toBe(ids.length)
    for (const id of ids) expect(id >= 1 && id <= 263).toBe(true)
    expect(taxiZone(132)).toMatchObject({ zone: 'JFK Airport', borough: 'Queens', serviceZone: 'Airports' })
    expect(taxiZone(138)).toMatchObject({ zone: 'LaGuardia Airport', borough: 'Queens' })
    expect(taxiZone(1)).toMatchObject({ zone: 'Newark Airport', borough: 'EWR' })
    expect(taxiZone(161)).toMatchObject({ zone: 'Midtown Center', borough: 'Manhattan' })
    expect(taxiZone(264)).toBeUndefined()
    expect(UNKNOWN_ZONES.map((z) => z.locationId)).toEqual([264, 265])
  })

  it('plausible trips: Manhattan heavy, airports next; amounts add up; times and zones consistent', () => {
    const all = run(2026, 10_000)
    const trips = all.filter((g) => g.flaw === undefined).map((g) => g.trip)
    expect(share(trips, (t) => t.pickup_borough === 'Manhattan')).toBeGreaterThan(0.8)
    expect(share(trips, (t) => t.pickup_location_id === 132 || t.pickup_location_id === 138)).toBeGreaterThan(
      0.04,
    )
    for (const borough of ['Brooklyn', 'Queens', 'Bronx', 'EWR'])
      expect(trips.some((t) => t.dropoff_borough === borough)).toBe(true)
    const problems = trips.flatMap((t) => {
      const parts = [
        t.fare_amount,
        t.extra,
        t.mta_tax,
        t.tip_amount,
        t.tolls_amount,
        t.improvement_surcharge,
        t.congestion_surcharge,
        t.airport_fee,
      ]
      const minutes = (Date.parse(t.dropoff_datetime) - Date.parse(t.pickup_datetime)) / 60_000
      const pickup = taxiZone(t.pickup_location_id)
      const dropoff = taxiZone(t.dropoff_location_id)
      // JFK ↔ Manhattan is the $70 flat fare.
      const jfkManhattan =
        [t.pickup_location_id, t.dropoff_location_id].includes(132) &&
        [t.pickup_borough, t.dropoff_borough].includes('Manhattan')
      const airportPickup = t.pickup_location_id === 132 || t.pickup_location_id === 138
      const checks: [string, boolean][] = [
        ['total is the sum', parts.reduce((s, x) => s + cents(x), 0) === cents(t.total_amount)],
        ['no negative amount', parts.every((x) => x >= 0)],
        ['1.5 to 180 minutes', minutes >= 1.5 && minutes < 180],
        ['0.2 to 40 miles', t.trip_distance > 0.2 && t.trip_distance < 40],
        ['pickup zone', pickup?.zone === t.pickup_zone && pickup.borough === t.pickup_borough],
        ['dropoff zone', dropoff?.zone === t.dropoff_zone && dropoff.borough === t.dropoff_borough],
        ['tips on cards only', t.payment_type === 1 || t.tip_amount === 0],
        ['JFK flat fare', (t.rate_code_id === 2) === jfkManhattan && (!jfkManhattan || t.fare_amount === 70)],
        ['airport fee', t.airport_fee === (airportPickup ? 1.75 : 0)],
      ]
      return checks.filter(([, ok]) => !ok).map(([what]) => `${what}: ${JSON.stringify(t)}`)
    })
    expect(problems).toEqual([])
    // Averages near the TLC's (2023: about 3.4 miles, $19.50 fare, $28 total, 17 minutes).
    const mean = (f: (t: TaxiTrip) => number) => trips.reduce((s, t) => s + f(t), 0) / trips.length
    expect(mean((t) => t.trip_distance)).toBeGreaterThan(2.5)
    expect(mean((t) => t.trip_distance)).toBeLessThan(6)
    expect(mean((t) => t.total_amount)).toBeGreaterThan(20)
    expect(mean((t) => t.total_amount)).toBeLessThan(40)
  })

  it('records are out of order in drop-off time by up to maxLagMs, never more', () => {
    for (const maxLagMs of [5_000, 2_000]) {
      const trips = run(11, 5_000, 100, { maxLagMs })
      let latest = Number.NEGATIVE_INFINITY
      let worst = 0
      const lags = trips.map(({ trip, flaw }, i) => {
        const at = Date.parse(flaw === 'dropoff-before-pickup' ? trip.pickup_datetime : trip.dropoff_datetime)
        worst = Math.max(worst, latest - at)
        latest = Math.max(latest, at)
        return START + i * 100 - at
      })
      expect(Math.min(...lags)).toBeGreaterThanOrEqual(0)
      expect(Math.max(...lags)).toBeLessThanOrEqual(maxLagMs)
      expect(worst).toBeGreaterThan(maxLagMs * 0.7)
      expect(worst).toBeLessThanOrEqual(maxLagMs)
    }
  })

  it('about 1 in 50 trips is broken, each flaw visible in the record', () => {
    const all = run(5, 10_000)
    const flawed = all.filter((g) => g.flaw !== undefined)
    expect(flawed.length / all.length).toBeGreaterThan(0.012)
    expect(flawed.length / all.length).toBeLessThan(0.03)
    expect(new Set(flawed.map((g) => g.flaw))).toEqual(new Set(TRIP_FLAWS))
    for (const { trip, flaw } of flawed) {
      if (flaw === 'dropoff-before-pickup')
        expect(Date.parse(trip.dropoff_datetime)).toBeLessThan(Date.parse(trip.pickup_datetime))
      if (flaw === 'negative-fare') expect(trip.total_amount).toBeLessThan(0)
      if (flaw === 'unknown-zone') expect([264, 265]).toContain(trip.pickup_location_id)
      if (flaw === 'odometer-glitch') expect(trip.trip_distance).toBeGreaterThan(999)
    }
    expect(run(5, 2_000).filter((g) => g.flaw).length).toBeGreaterThan(0)
    const clean = taxiTrips({ seed: 5, flawRate: 0 })
    for (let i = 0; i < 2_000; i++) expect(clean(START + i).flaw).toBeUndefined()
  })
})

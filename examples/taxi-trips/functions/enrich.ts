import type { FirehoseTransformationHandler, FirehoseTransformationResultRecord } from 'aws-lambda'
import type { TaxiTrip } from 'tributary-pipeline/producer'

/** A trip as it lands in the curated lake: the TLC's fields plus what the pipeline derives. */
export interface CuratedTrip extends TaxiTrip {
  /** Drop-off minus pickup. */
  trip_duration_seconds: number
  average_speed_mph: number
  /** Tip as a share of the fare, in percent (null without a fare). */
  tip_percentage: number | null
  /** The TLC's payment_type as words. */
  payment_method: string
  /** Pickup day (UTC), the lake's first partition. */
  pickup_date: string
}

const BOROUGHS = new Set(['Manhattan', 'Brooklyn', 'Queens', 'Bronx', 'Staten Island', 'EWR'])
const PAYMENT: Record<number, string> = {
  1: 'credit card',
  2: 'cash',
  3: 'no charge',
  4: 'dispute',
  5: 'unknown',
  6: 'voided trip',
}
const VENDORS = new Set([1, 2, 6, 7])
const AMOUNTS = ['fare_amount', 'extra', 'mta_tax', 'tip_amount', 'tolls_amount', 'total_amount'] as const
/** Twelve hours: longer meters are stuck meters. */
const MAX_TRIP_SECONDS = 12 * 3600
const MAX_MILES = 100

/** Why a record is not a usable trip, or undefined if it is. */
export function invalidReason(text: string): string | undefined {
  let t: Record<string, unknown>
  try {
    t = JSON.parse(text)
  } catch {
    return 'not valid JSON'
  }
  if (typeof t !== 'object' || t === null || Array.isArray(t)) return 'not a JSON object'
  if (typeof t.trip_id !== 'string' || t.trip_id === '') return 'missing trip_id'
  if (!VENDORS.has(t.vendor_id as number)) return `unknown vendor_id ${JSON.stringify(t.vendor_id)}`
  const pickup = typeof t.pickup_datetime === 'string' ? Date.parse(t.pickup_datetime) : Number.NaN
  const dropoff = typeof t.dropoff_datetime === 'string' ? Date.parse(t.dropoff_datetime) : Number.NaN
  if (Number.isNaN(pickup) || Number.isNaN(dropoff)) return 'invalid pickup_datetime or dropoff_datetime'
  if (dropoff <= pickup) return 'drop-off not after pickup'
  if (dropoff - pickup > MAX_TRIP_SECONDS * 1000) return 'trip longer than 12 hours'
  for (const end of ['pickup', 'dropoff'] as const) {
    const id = t[`${end}_location_id`]
    if (id === 264 || id === 265) return `${end} zone unknown (LocationID ${id})`
    if (!Number.isInteger(id) || (id as number) < 1 || (id as number) > 263)
      return `invalid ${end}_location_id ${JSON.stringify(id)}`
    // The borough becomes a directory name: only the TLC's own.
    if (!BOROUGHS.has(t[`${end}_borough`] as string))
      return `invalid ${end}_borough ${JSON.stringify(t[`${end}_borough`])}`
  }
  if (typeof t.trip_distance !== 'number' || !(t.trip_distance >= 0)) return 'invalid trip_distance'
  if (t.trip_distance > MAX_MILES) return `trip_distance over ${MAX_MILES} miles (odometer glitch)`
  for (const field of AMOUNTS)
    if (typeof t[field] !== 'number' || Number.isNaN(t[field])) return `invalid ${field}`
  if ((t.fare_amount as number) < 0 || (t.total_amount as number) < 0) return 'negative amount (voided trip)'
  if (!Number.isInteger(t.payment_type) || PAYMENT[t.payment_type as number] === undefined)
    return `unknown payment_type ${JSON.stringify(t.payment_type)}`
  return undefined
}

/** The curated record of a valid trip. */
export function enrich(trip: TaxiTrip): CuratedTrip {
  const seconds = Math.round((Date.parse(trip.dropoff_datetime) - Date.parse(trip.pickup_datetime)) / 1000)
  return {
    ...trip,
    trip_duration_seconds: seconds,
    average_speed_mph: seconds > 0 ? Math.round((trip.trip_distance / (seconds / 3600)) * 100) / 100 : 0,
    tip_percentage:
      trip.fare_amount > 0 ? Math.round((trip.tip_amount / trip.fare_amount) * 1000) / 10 : null,
    payment_method: PAYMENT[trip.payment_type]!,
    pickup_date: new Date(trip.pickup_datetime).toISOString().slice(0, 10),
  }
}

/**
 * The delivery's transformation function (Firehose's contract): a valid trip goes on enriched
 * (Ok), with its pickup day and borough as partition keys; an invalid one is ProcessingFailed, so
 * Firehose writes it, raw, under the delivery's error prefix (`errors/processing-failed/…`).
 */
export const handler: FirehoseTransformationHandler = async (event) => {
  const reasons = new Map<string, number>()
  const records = event.records.map((record): FirehoseTransformationResultRecord => {
    const text = Buffer.from(record.data, 'base64').toString('utf8')
    const reason = invalidReason(text)
    if (reason !== undefined) {
      reasons.set(reason, (reasons.get(reason) ?? 0) + 1)
      return { recordId: record.recordId, result: 'ProcessingFailed', data: record.data }
    }
    const curated = enrich(JSON.parse(text) as TaxiTrip)
    return {
      recordId: record.recordId,
      result: 'Ok',
      data: Buffer.from(JSON.stringify(curated)).toString('base64'),
      metadata: {
        partitionKeys: { pickup_date: curated.pickup_date, pickup_borough: curated.pickup_borough },
      },
    }
  })
  // The error output keeps each refused trip, not why: say why here, once per batch.
  if (reasons.size > 0)
    console.warn(
      `${[...reasons.values()].reduce((a, b) => a + b)} of ${event.records.length} trips refused: ` +
        [...reasons].map(([reason, n]) => `${reason} ×${n}`).join(', '),
    )
  return { records }
}

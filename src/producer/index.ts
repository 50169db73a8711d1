/**
 * `tributary-pipeline/producer`: a Kinesis producer in the manner of the KPL (aggregation,
 * collection, per-shard rate limiting, retries, back-pressure) on the AWS SDK v3 client, and the
 * consumer-side helpers (`deaggregate`, `decompress`). Works against AWS and Tributary.
 */

export { compress, decompress } from './compression.ts'
export { type ProducerConfig, ProducerConfigError } from './config.ts'
export {
  AggregationChecksumError,
  type DeaggregatedRecord,
  type DeaggregateInput,
  deaggregate,
} from './deaggregate.ts'
export type { MetricStatistics, ProducerMetrics } from './metrics.ts'
export { InvalidUserRecordError, KinesisProducer, ProducerClosedError } from './producer.ts'
export {
  type GeneratedTrip,
  type TaxiTrip,
  type TaxiTripsOptions,
  TRIP_FLAWS,
  type TripFlaw,
  taxiTrips,
} from './sample-data/taxi-trips.ts'
export { type Borough, TAXI_ZONES, type TaxiZone, taxiZone, UNKNOWN_ZONES } from './sample-data/taxi-zones.ts'
export type { Attempt, PutTicket, UserRecord, UserRecordResult } from './types.ts'

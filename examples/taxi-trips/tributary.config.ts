import { definePipeline } from 'tributary-pipeline'

/** Money as the TLC writes it: dollars and cents. */
const money = 'decimal(8,2)'

/**
 * Seed 004, "Streamlined Real-Time Data Processing with Amazon Kinesis": New York taxi trips are
 * produced with the KPL (aggregation) into an ON_DEMAND Kinesis stream; a Firehose delivery
 * stream runs a transformation function (validate and enrich), partitions the trips by pickup day
 * and borough and converts them to Parquet in a curated lake, typed by a Glue table; invalid trips
 * go to the delivery's error prefix.
 */
export default definePipeline({
  name: 'taxi-trips',
  streams: {
    // The seed's capacity choice: throughput not known in advance.
    trips: { mode: 'ON_DEMAND' },
  },
  functions: {
    // The seed's KPL producer (on Cloud9 there): a batch of trips every minute.
    producer: {
      handler: 'functions/producer.handler',
      timeout: 60,
      environment: { STREAM_NAME: 'trips' },
      writes: [{ stream: 'trips' }],
    },
    // The seed's data-processing Lambda, as the delivery's transformation function.
    enrich: {
      handler: 'functions/enrich.handler',
      timeout: 60,
    },
    // Valid trips, enriched, into the search index for exploration (the seed's OpenSearch), over
    // the OpenSearch REST API with the OpenSearch JS client.
    'index-trips': {
      handler: 'functions/index-trips.handler',
      timeout: 60,
      environment: { INDEX_NAME: 'trips' },
      writes: [{ index: 'trips' }],
    },
  },
  mappings: [{ function: 'index-trips', stream: 'trips', startingPosition: 'TRIM_HORIZON', batchSize: 100 }],
  searchIndexes: {
    // `curl -G http://127.0.0.1:4567/_opensearch/trips/_search --data-urlencode 'q=pickup_zone:"JFK Airport"'`
    trips: {
      mappings: {
        properties: {
          trip_id: { type: 'keyword' },
          vendor_id: { type: 'integer' },
          pickup_datetime: { type: 'date' },
          dropoff_datetime: { type: 'date' },
          pickup_zone: { type: 'keyword' },
          pickup_borough: { type: 'keyword' },
          dropoff_zone: { type: 'keyword' },
          dropoff_borough: { type: 'keyword' },
          payment_method: { type: 'keyword' },
          passenger_count: { type: 'integer' },
          trip_distance: { type: 'double' },
          fare_amount: { type: 'double' },
          tip_amount: { type: 'double' },
          total_amount: { type: 'double' },
          tip_percentage: { type: 'double' },
          trip_duration_seconds: { type: 'integer' },
          average_speed_mph: { type: 'double' },
        },
      },
      timeField: 'dropoff_datetime',
    },
    // The analytics' hourly results per zone (analytics/zone-hourly-search.sql), a document per
    // (zone, hour): `curl -G http://127.0.0.1:4567/_opensearch/zone-hourly/_search -d sort=trips:desc`
    'zone-hourly': {
      mappings: {
        properties: {
          pickup_zone: { type: 'keyword' },
          pickup_borough: { type: 'keyword' },
          window_start: { type: 'date' },
          window_end: { type: 'date' },
          trips: { type: 'long' },
          avg_fare: { type: 'double' },
          avg_tip: { type: 'double' },
        },
      },
      timeField: 'window_start',
    },
  },
  buckets: {
    // The seed's bucket "receiving curated data from the Kinesis Data Firehose".
    curated: {},
  },
  deliveries: {
    'trips-to-lake': {
      stream: 'trips',
      bucket: 'curated',
      prefix:
        'trips/pickup_date=!{partitionKeyFromLambda:pickup_date}/pickup_borough=!{partitionKeyFromLambda:pickup_borough}/',
      errorOutputPrefix: 'errors/!{firehose:error-output-type}/dt=!{timestamp:yyyy-MM-dd}/',
      // The producer aggregates (KPL): the delivery splits each aggregate into its trips.
      deaggregation: true,
      processing: { function: 'enrich', numberOfRetries: 3 },
      dynamicPartitioning: { enabled: true },
      format: { parquet: { table: 'taxi_trips' } },
      // 60 s so `tributary dev` shows files a minute after each run; Firehose's default is 300 s.
      bufferingHints: { sizeInMBs: 64, intervalInSeconds: Number(process.env.TAXI_BUFFER_SECONDS ?? 60) },
      startingPosition: 'TRIM_HORIZON',
    },
  },
  // Seed 004's Kinesis Data Analytics Studio notebook, as continuous Flink SQL (docs/analytics.md):
  // trips and average fare per zone per hour (TUMBLE) → table zone-hourly; the busiest zones over
  // a sliding hour (HOP) → JSON lines in the curated bucket; sessions per vendor (SESSION) → table
  // vendor-sessions.
  analytics: {
    'trip-analytics': {
      sql: 'analytics/trips.sql',
      // Records too late for their window (the watermark allows 5 s): counted, and kept here.
      lateRecords: { queue: 'late-trips' },
    },
    // The seed's OpenSearch sink (Flink's elasticsearch-7 connector): hourly results per zone as
    // documents in the search index zone-hourly, for the dashboard's Explore tab.
    'zone-hourly-search': { sql: 'analytics/zone-hourly-search.sql' },
  },
  tables: {
    // Sinks of the analytics: `tributary` table items, upserted per closed window.
    'zone-hourly': { partitionKey: 'pickup_zone', sortKey: 'window_start' },
    'vendor-sessions': { partitionKey: 'vendor_id', sortKey: 'session_start' },
  },
  queues: {
    'late-trips': {},
  },
  catalog: {
    // The seed's Glue database table over the curated lake: `tributary query "SELECT ... FROM taxi_trips"`.
    taxi_trips: {
      bucket: 'curated',
      prefix: 'trips/',
      format: 'parquet',
      columns: [
        { name: 'trip_id', type: 'string' },
        { name: 'vendor_id', type: 'int' },
        { name: 'pickup_datetime', type: 'timestamp' },
        { name: 'dropoff_datetime', type: 'timestamp' },
        { name: 'passenger_count', type: 'int' },
        { name: 'trip_distance', type: 'double' },
        { name: 'rate_code_id', type: 'int' },
        { name: 'store_and_fwd_flag', type: 'string' },
        { name: 'pickup_location_id', type: 'int' },
        { name: 'pickup_zone', type: 'string' },
        { name: 'dropoff_location_id', type: 'int' },
        { name: 'dropoff_zone', type: 'string' },
        { name: 'dropoff_borough', type: 'string' },
        { name: 'payment_type', type: 'int' },
        { name: 'payment_method', type: 'string' },
        { name: 'fare_amount', type: money },
        { name: 'extra', type: money },
        { name: 'mta_tax', type: money },
        { name: 'tip_amount', type: money },
        { name: 'tolls_amount', type: money },
        { name: 'improvement_surcharge', type: money },
        { name: 'congestion_surcharge', type: money },
        { name: 'airport_fee', type: money },
        { name: 'total_amount', type: money },
        { name: 'trip_duration_seconds', type: 'int' },
        { name: 'average_speed_mph', type: 'double' },
        { name: 'tip_percentage', type: 'double' },
      ],
      partitionKeys: [
        { name: 'pickup_date', type: 'date' },
        { name: 'pickup_borough', type: 'string' },
      ],
    },
    // The analytics' hopping-window results (JSON lines, one file per window).
    busiest_zones: {
      bucket: 'curated',
      prefix: 'analytics/busiest-zones/',
      format: 'json',
      columns: [
        { name: 'window_start', type: 'timestamp' },
        { name: 'window_end', type: 'timestamp' },
        { name: 'pickup_zone', type: 'string' },
        { name: 'pickup_borough', type: 'string' },
        { name: 'trips', type: 'bigint' },
        { name: 'passengers', type: 'bigint' },
      ],
    },
  },
  schedules: {
    produce: {
      schedule: process.env.TAXI_SCHEDULE ?? 'rate(1 minute)',
      function: 'producer',
      // TAXI_INPUT='{"count":2000,"seed":7,"time":"2026-11-23T12:00:00Z","spanSeconds":3600}' sends the
      // same reproducible batch every run (the tests use it); without it each run is a fresh minute of trips.
      ...(process.env.TAXI_INPUT && { input: JSON.parse(process.env.TAXI_INPUT) }),
    },
  },
})

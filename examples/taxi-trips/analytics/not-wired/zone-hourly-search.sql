-- NOT WIRED YET: the seed's OpenSearch sink (Flink's elasticsearch-7 connector) for exploration.
--
-- The analytics kind refuses the connector for now ("connector 'elasticsearch-7' is not supported
-- yet"), so tributary.config.ts does not load this file. Once analytics can write to a search
-- index, wire it with:
--
--   analytics: { 'zone-hourly-search': { sql: 'analytics/not-wired/zone-hourly-search.sql' } },
--   searchIndexes: { 'zone-hourly': { timeField: 'window_start' } },
--
-- Meanwhile the function `index-trips` puts every valid trip into the search index `trips`.
--
-- Per pickup zone and hour: trips, average fare and tip, one document per (zone, hour) whose id is
-- the primary key (Flink joins its fields with '_'), so a replayed window overwrites its document.

CREATE TABLE trips (
  trip_id STRING,
  vendor_id INT,
  pickup_datetime TIMESTAMP(3),
  dropoff_datetime TIMESTAMP(3),
  passenger_count INT,
  trip_distance DOUBLE,
  pickup_location_id INT,
  pickup_zone STRING,
  pickup_borough STRING,
  dropoff_location_id INT,
  dropoff_zone STRING,
  fare_amount DECIMAL(10, 2),
  tip_amount DECIMAL(10, 2),
  total_amount DECIMAL(10, 2),
  WATERMARK FOR dropoff_datetime AS dropoff_datetime - INTERVAL '5' SECOND
) WITH (
  'connector' = 'kinesis',
  'stream' = 'trips',
  'aws.region' = 'us-east-1',
  'scan.stream.initpos' = 'TRIM_HORIZON',
  'format' = 'json'
);

CREATE TABLE zone_hourly_search (
  pickup_zone STRING,
  window_start TIMESTAMP(3),
  pickup_borough STRING,
  window_end TIMESTAMP(3),
  trips BIGINT,
  avg_fare DOUBLE,
  avg_tip DOUBLE,
  PRIMARY KEY (pickup_zone, window_start) NOT ENFORCED
) WITH (
  'connector' = 'elasticsearch-7',
  'hosts' = 'http://127.0.0.1:4567/_opensearch',
  'index' = 'zone-hourly'
);

INSERT INTO zone_hourly_search
SELECT pickup_zone, window_start, pickup_borough, window_end, COUNT(*), AVG(fare_amount), AVG(tip_amount)
FROM TABLE(TUMBLE(TABLE trips, DESCRIPTOR(dropoff_datetime), INTERVAL '1' HOUR))
WHERE fare_amount >= 0 AND total_amount >= 0 AND trip_distance <= 100
  AND dropoff_datetime > pickup_datetime
  AND pickup_location_id BETWEEN 1 AND 263 AND dropoff_location_id BETWEEN 1 AND 263
GROUP BY window_start, window_end, pickup_zone, pickup_borough;

-- The seed's OpenSearch sink for exploration: Flink's elasticsearch-7 connector, writing the
-- search index `zone-hourly` (tributary.config.ts declares it, with window_start as the Explore
-- tab's time field).
--
-- Per pickup zone and hour: trips, average fare and tip. One document per (zone, hour), whose id
-- is the primary key's fields joined with '_' as Flink joins them ("JFK Airport_2026-11-23T22:00"),
-- so a replayed window overwrites its document. `hosts` names this pipeline's port; with an
-- OpenSearch domain's endpoint there (as on AWS), the rows still go to the local index, and
-- `tributary dev` says so in one line when it starts. Timestamps are written as ISO-8601
-- ("2026-11-23T22:00:00.000"), which OpenSearch's default date format reads (Flink's default, SQL,
-- writes "2026-11-23 22:00:00.000", which a date field reads only with a `format`).

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
  'hosts' = 'http://127.0.0.1:4567',
  'connection.path-prefix' = '/_opensearch',
  'index' = 'zone-hourly',
  'format' = 'json',
  'json.timestamp-format.standard' = 'ISO-8601'
);

INSERT INTO zone_hourly_search
SELECT pickup_zone, window_start, pickup_borough, window_end, COUNT(*), AVG(fare_amount), AVG(tip_amount)
FROM TABLE(TUMBLE(TABLE trips, DESCRIPTOR(dropoff_datetime), INTERVAL '1' HOUR))
WHERE fare_amount >= 0 AND total_amount >= 0 AND trip_distance <= 100
  AND dropoff_datetime > pickup_datetime
  AND pickup_location_id BETWEEN 1 AND 263 AND dropoff_location_id BETWEEN 1 AND 263
GROUP BY window_start, window_end, pickup_zone, pickup_borough;

-- Seed 004's Kinesis Data Analytics Studio notebook: Flink SQL over the trips stream.
-- Event time is the drop-off (a trip's record is sent when its meter closes, up to 5 s late),
-- so the watermark allows 5 seconds of out-of-orderness. Broken trips are filtered out with the
-- same rules as the `enrich` function (functions/enrich.ts), so results match the curated lake.

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

-- Trips and average fare per pickup zone per hour: one item per (zone, hour) in a DynamoDB table.
CREATE TABLE zone_hourly (
  pickup_zone STRING,
  window_start TIMESTAMP(3),
  window_end TIMESTAMP(3),
  trips BIGINT,
  avg_fare DOUBLE,
  total_fares DECIMAL(12, 2)
) WITH ('connector' = 'dynamodb', 'table-name' = 'zone-hourly');

INSERT INTO zone_hourly
SELECT pickup_zone, window_start, window_end, COUNT(*), AVG(fare_amount), SUM(fare_amount)
FROM TABLE(TUMBLE(TABLE trips, DESCRIPTOR(dropoff_datetime), INTERVAL '1' HOUR))
WHERE fare_amount >= 0 AND total_amount >= 0 AND trip_distance <= 100
  AND dropoff_datetime > pickup_datetime
  AND pickup_location_id BETWEEN 1 AND 263 AND dropoff_location_id BETWEEN 1 AND 263
GROUP BY window_start, window_end, pickup_zone;

-- The busiest zones: an hour's trips every 15 minutes (a hopping window), zones with at least 25,
-- as JSON lines in the curated bucket (catalog table busiest_zones).
CREATE TABLE busiest_zones (
  window_start TIMESTAMP(3),
  window_end TIMESTAMP(3),
  pickup_zone STRING,
  pickup_borough STRING,
  trips BIGINT,
  passengers BIGINT
) WITH ('connector' = 'filesystem', 'path' = 's3://curated/analytics/busiest-zones/', 'format' = 'json');

INSERT INTO busiest_zones
SELECT window_start, window_end, pickup_zone, pickup_borough, COUNT(*), SUM(passenger_count)
FROM TABLE(HOP(TABLE trips, DESCRIPTOR(dropoff_datetime), INTERVAL '15' MINUTE, INTERVAL '1' HOUR))
WHERE fare_amount >= 0 AND total_amount >= 0 AND trip_distance <= 100
  AND dropoff_datetime > pickup_datetime
  AND pickup_location_id BETWEEN 1 AND 263 AND dropoff_location_id BETWEEN 1 AND 263
GROUP BY window_start, window_end, pickup_zone, pickup_borough
HAVING COUNT(*) >= 25;

-- Sessions per vendor: a vendor's trips with no gap over 30 seconds between drop-offs. A session
-- that ends is a vendor's feed going quiet (an outage, or a quiet night).
CREATE TABLE vendor_sessions (
  vendor_id INT,
  session_start TIMESTAMP(3),
  session_end TIMESTAMP(3),
  trips BIGINT,
  revenue DECIMAL(12, 2)
) WITH ('connector' = 'dynamodb', 'table-name' = 'vendor-sessions');

INSERT INTO vendor_sessions
SELECT vendor_id,
  SESSION_START(dropoff_datetime, INTERVAL '30' SECOND),
  SESSION_END(dropoff_datetime, INTERVAL '30' SECOND),
  COUNT(*), SUM(total_amount)
FROM trips
WHERE fare_amount >= 0 AND total_amount >= 0 AND trip_distance <= 100
  AND dropoff_datetime > pickup_datetime
  AND pickup_location_id BETWEEN 1 AND 263 AND dropoff_location_id BETWEEN 1 AND 263
GROUP BY SESSION(dropoff_datetime, INTERVAL '30' SECOND), vendor_id;

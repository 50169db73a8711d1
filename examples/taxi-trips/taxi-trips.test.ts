import { Client } from '@opensearch-project/opensearch'
import { ManualClock, startPipeline } from 'tributary-pipeline/testing'
import { describe, expect, it, onTestFinished } from 'vitest'
import { openLakeQuery } from '../../src/query/index.ts'
import { enrich, invalidReason } from './functions/enrich.ts'
import { tripBatch } from './functions/producer.ts'

// Three hours of trips sent up to 01:00 on 24 November: drop-offs on both sides of midnight.
const INPUT = { count: 3000, seed: 2004, time: '2026-11-24T01:00:00.000Z', spanSeconds: 3 * 3600 }
const CONFIG = new URL('./tributary.config.ts', import.meta.url).pathname

const cents = (x: number) => Math.round(x * 100)

describe('examples/taxi-trips (seed 004)', () => {
  it('produces aggregated trips, enriches them into a date- and borough-partitioned Parquet lake (invalid trips under the error prefix) and a search index; the streaming SQL equals batch SQL over the lake', async () => {
    const p = await startPipeline(CONFIG, {
      clock: new ManualClock(Date.parse('2026-11-24T00:59:00.000Z')),
      // The producer's KinesisProducer reaches the stream over the served Kinesis API.
      serve: true,
      env: { TAXI_SCHEDULE: 'cron(0 1 24 11 ? 2026)', TAXI_INPUT: JSON.stringify(INPUT) },
      teardown: onTestFinished,
    })

    // What the producer sends, and which of it the transformation refuses.
    const batch = tripBatch({ ...INPUT, time: Date.parse(INPUT.time) })
    const sent = batch.map((g) => JSON.stringify(g.trip))
    const valid = batch.filter((g) => invalidReason(JSON.stringify(g.trip)) === undefined)
    const invalid = batch.filter((g) => invalidReason(JSON.stringify(g.trip)) !== undefined)
    // The validation refuses exactly the trips the generator broke.
    expect(invalid.map((g) => g.flaw)).toEqual(batch.filter((g) => g.flaw).map((g) => g.flaw))
    expect(invalid.length).toBeGreaterThan(20)
    expect(new Set(invalid.map((g) => g.flaw)).size).toBe(4)

    p.clock.set(Date.parse(INPUT.time))
    const firehose = (name: string) =>
      p.metric(name, { DeliveryStreamName: 'trips-to-lake' }, 'AWS/Firehose').sum
    await p.until(
      () =>
        firehose('DeliveryToS3.Records') === valid.length &&
        firehose('DeliveryToS3.ErrorOutputRecords') === invalid.length,
    )

    // Aggregated by the KPL: far fewer Kinesis records than trips, each trip delivered once.
    const put = p.logs.find((l) => l.functionName === 'producer')?.message ?? ''
    const aggregates = Number(/put 3000 trips in (\d+) aggregated records/.exec(put)?.[1])
    expect(aggregates).toBeGreaterThan(0)
    expect(aggregates).toBeLessThan(INPUT.count / 10)
    expect(firehose('DataReadFromKinesisStream.Records')).toBe(aggregates)
    expect(p.runtime.engine.stream('trips').shards.size).toBe(4) // ON_DEMAND

    // The curated lake: Parquet files by pickup day and borough, nothing else.
    const keys = await p.lake.keys('curated')
    const dataKeys = keys.filter((k) => k.startsWith('trips/'))
    for (const key of dataKeys)
      expect(key).toMatch(
        /^trips\/pickup_date=2026-11-2[34]\/pickup_borough=(Manhattan|Brooklyn|Queens|Bronx|Staten Island|EWR)\/trips-to-lake-shardId-\d{12}-\d+-\d+\.parquet$/,
      )
    const partitions = new Set(dataKeys.map((k) => k.split('/').slice(1, 3).join('/')))
    const expectedPartitions = new Set(
      valid.map(
        (g) => `pickup_date=${g.trip.pickup_datetime.slice(0, 10)}/pickup_borough=${g.trip.pickup_borough}`,
      ),
    )
    expect(partitions).toEqual(expectedPartitions)
    expect([...partitions].some((x) => x.startsWith('pickup_date=2026-11-23'))).toBe(true)
    expect([...partitions].some((x) => x.startsWith('pickup_date=2026-11-24'))).toBe(true)

    // Invalid trips: raw, under the error prefix, as Firehose's processing-failed envelopes.
    const errorKeys = keys.filter((k) => k.startsWith('errors/'))
    expect(errorKeys.length).toBeGreaterThan(0)
    const envelopes = (
      await Promise.all(errorKeys.map(async (k) => (await p.lake.text('curated', k)).trim().split('\n')))
    )
      .flat()
      .map((line) => JSON.parse(line) as { errorCode: string; rawData: string; lambdaArn: string })
    for (const key of errorKeys) expect(key).toMatch(/^errors\/processing-failed\/dt=2026-11-24\/.+\.json$/)
    expect(new Set(envelopes.map((e) => e.errorCode))).toEqual(new Set(['Lambda.ProcessingFailed']))
    expect(envelopes.map((e) => Buffer.from(e.rawData, 'base64').toString('utf8')).sort()).toEqual(
      invalid.map((g) => JSON.stringify(g.trip)).sort(),
    )
    expect(sent.length).toBe(valid.length + envelopes.length)

    // SQL over the Glue table: exactly the valid trips, enriched, every column typed.
    const q = await openLakeQuery({ dataDir: p.dataDir, catalog: p.runtime.pipeline.catalog })
    let batchResults: Record<keyof typeof BATCH_SQL, unknown[][]>
    try {
      const rows = await q.query('SELECT * FROM taxi_trips ORDER BY trip_id')
      const expected = valid
        .map((g) => enrich(g.trip))
        .sort((a, b) => (a.trip_id < b.trip_id ? -1 : 1))
        .map((t) => {
          const { pickup_borough, pickup_date, ...rest } = t
          // Column order: the table's columns, then its partition keys.
          return { ...rest, pickup_date, pickup_borough }
        })
      expect(rows.columns.map((c) => c.name)).toEqual([
        ...p.runtime.pipeline.catalog.taxi_trips!.columns.map((c) => c.name),
        'pickup_date',
        'pickup_borough',
      ])
      const objects = rows.rows.map((r) => Object.fromEntries(rows.columns.map((c, i) => [c.name, r[i]])))
      expect(objects).toEqual(expected)

      // The seed's question, in batch: trips and average fare per pickup zone per hour.
      const hourly = await q.query(
        `SELECT date_trunc('hour', dropoff_datetime) AS hour, pickup_zone, count(*) AS trips,
                sum(fare_amount) AS fares
           FROM taxi_trips GROUP BY ALL ORDER BY hour, pickup_zone`,
      )
      const byHour = new Map<string, { trips: number; cents: number }>()
      for (const { trip } of valid) {
        const key = `${trip.dropoff_datetime.slice(0, 13)}:00:00.000Z|${trip.pickup_zone}`
        const agg = byHour.get(key) ?? { trips: 0, cents: 0 }
        agg.trips++
        agg.cents += cents(trip.fare_amount)
        byHour.set(key, agg)
      }
      expect(
        hourly.rows.map(([hour, zone, trips, fares]) => [`${hour}|${zone}`, trips, cents(fares as number)]),
      ).toEqual(
        [...byHour]
          .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
          .map(([key, agg]) => [key, agg.trips, agg.cents]),
      )

      // What the streaming SQL must output, computed in batch over the same trips in the lake.
      batchResults = Object.fromEntries(
        await Promise.all(
          Object.entries(BATCH_SQL).map(async ([name, sql]) => [name, (await q.query(sql)).rows]),
        ),
      ) as typeof batchResults
    } finally {
      await q.close()
    }

    // Streaming SQL (analytics/trips.sql). Windows close when the watermark passes their end: a
    // second, small batch two hours later moves it past every window of the first.
    p.clock.set(Date.parse('2026-11-24T03:00:00.000Z'))
    const later = await p.runtime.pool.invoke('producer', {
      count: 200,
      seed: 2005,
      time: '2026-11-24T03:00:00.000Z',
      spanSeconds: 60,
    })
    expect(later).toMatchObject({ kind: 'ok', result: { put: 200, failed: 0 } })
    const firstBatch = (item: Record<string, unknown>, key: string) => String(item[key]) < '2026-11-24 01:01'
    const items = (table: string, key: string) =>
      (p.table(table).scan().items as Record<string, unknown>[]).filter((i) => firstBatch(i, key))
    const zoneHourly = () => items('zone-hourly', 'window_start')
    const sessions = () => items('vendor-sessions', 'session_start')
    const busiest = async () =>
      (await p.lake.rowsUnder('curated', 'analytics/busiest-zones/')).filter((r) =>
        firstBatch(r as Record<string, unknown>, 'window_start'),
      )
    await p.until(
      async () =>
        zoneHourly().length === batchResults.zoneHourly.length &&
        sessions().length === batchResults.sessions.length &&
        (await busiest()).length === batchResults.busiest.length,
    )

    const sqlTime = (iso: unknown) => String(iso).replace('T', ' ').replace('Z', '')
    const sortedBy = <T>(rows: T[], key: (r: T) => string) =>
      [...rows].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0))
    // TUMBLE: trips and average fare per pickup zone per hour, in the zone-hourly table.
    expect(sortedBy(zoneHourly(), (i) => `${i.window_start}|${i.pickup_zone}`)).toEqual(
      batchResults.zoneHourly.map(([zone, start, end, trips, avg, total]) => ({
        pickup_zone: zone,
        window_start: sqlTime(start),
        window_end: sqlTime(end),
        trips,
        avg_fare: avg,
        total_fares: total,
      })),
    )
    // HOP: an hour's trips every 15 minutes, zones with at least 25, as JSON lines in the bucket.
    expect(
      sortedBy((await busiest()) as Record<string, unknown>[], (r) => `${r.window_start}|${r.pickup_zone}`),
    ).toEqual(
      batchResults.busiest.map(([start, end, zone, borough, trips, passengers]) => ({
        window_start: sqlTime(start),
        window_end: sqlTime(end),
        pickup_zone: zone,
        pickup_borough: borough,
        trips,
        passengers,
      })),
    )
    // SESSION: each vendor's runs of trips with no gap over 30 s.
    expect(sortedBy(sessions(), (i) => `${i.vendor_id}|${i.session_start}`)).toEqual(
      batchResults.sessions.map(([vendor, start, end, trips, revenue]) => ({
        vendor_id: vendor,
        session_start: sqlTime(start),
        session_end: sqlTime(end),
        trips,
        revenue,
      })),
    )
    expect(batchResults.sessions.length).toBeGreaterThan(10)
    expect(batchResults.busiest.length).toBeGreaterThan(10)

    // Late trips are counted when their batch is processed and reach the queue when its sinks
    // flush, after it: wait for the queue to hold as many as were counted.
    const lateDropped = () =>
      p.metric('LateRecordsDropped', { Application: 'trip-analytics' }, 'AWS/KinesisAnalytics').sum
    await p.until(() => p.queue('late-trips').depth().visible >= lateDropped())
    const late = p.queue('late-trips').json() as { trip_id: string }[]
    // Which trips count as late depends on how the shards' reads interleave while the test's clock
    // jumps (an idle shard stops holding the watermark), so the count is what is checked exactly:
    // every late trip is in the queue, once.
    expect(new Set(late.map((t) => t.trip_id)).size).toBe(late.length)
    expect(lateDropped()).toBe(late.length)

    // The search index, through the OpenSearch API with the OpenSearch JS client: every valid trip
    // of both runs, enriched as in the lake, found by term, range and aggregation.
    const second = tripBatch({
      count: 200,
      seed: 2005,
      time: Date.parse('2026-11-24T03:00:00.000Z'),
      spanSeconds: 60,
    })
    const indexed = [...valid, ...second.filter((g) => invalidReason(JSON.stringify(g.trip)) === undefined)]
    const search = new Client({ node: `${p.endpoint}/_opensearch` })
    const count = async (query?: object) =>
      (await search.count({ index: 'trips', ...(query && { body: { query } }) })).body.count
    await p.until(async () => (await count()) === indexed.length)
    const jfk = indexed.filter((g) => g.trip.pickup_zone === 'JFK Airport' && g.trip.fare_amount >= 70)
    expect(jfk.length).toBeGreaterThan(5)
    expect(
      await count({
        bool: { filter: [{ term: { pickup_zone: 'JFK Airport' } }, { range: { fare_amount: { gte: 70 } } }] },
      }),
    ).toBe(jfk.length)
    const aggs = await search.search({
      index: 'trips',
      body: <never>{ size: 0, aggs: { boroughs: { terms: { field: 'pickup_borough' } } } },
    })
    const buckets = (
      aggs.body.aggregations as Record<string, { buckets: { key: string; doc_count: number }[] }>
    ).boroughs!.buckets
    const perBorough = new Map<string, number>()
    for (const { trip } of indexed)
      perBorough.set(trip.pickup_borough, (perBorough.get(trip.pickup_borough) ?? 0) + 1)
    expect(Object.fromEntries(buckets.map((b) => [b.key, b.doc_count]))).toEqual(
      Object.fromEntries(perBorough),
    )
    const one = indexed[42]!.trip
    expect((await search.get({ index: 'trips', id: one.trip_id })).body._source).toEqual(enrich(one))

    // The seed's OpenSearch sink (analytics/zone-hourly-search.sql, Flink's elasticsearch-7
    // connector): a document per pickup zone and hour in the index zone-hourly, its id the primary
    // key joined with '_' as Flink joins it, equal to the batch query over the lake.
    const firstWindows = { range: { window_start: { lt: '2026-11-24T01:01:00Z' } } }
    const hourlyDocs = batchResults.zoneHourlySearch
    await p.until(
      async () =>
        (await search.count({ index: 'zone-hourly', body: { query: firstWindows } })).body.count ===
        hourlyDocs.length,
    )
    const found = await search.search({
      index: 'zone-hourly',
      body: <never>{
        query: firstWindows,
        size: 10_000,
        sort: [{ window_start: 'asc' }, { pickup_zone: 'asc' }],
      },
    })
    const isoTime = (iso: unknown) => String(iso).replace('Z', '')
    expect(
      (found.body.hits.hits as { _id: string; _source: unknown }[]).map((h) => [h._id, h._source]),
    ).toEqual(
      hourlyDocs.map(([zone, start, borough, end, trips, fare, tip]) => [
        `${zone}_${String(start).slice(0, 16)}`,
        {
          pickup_zone: zone,
          window_start: isoTime(start),
          pickup_borough: borough,
          window_end: isoTime(end),
          trips,
          avg_fare: fare,
          avg_tip: tip,
        },
      ]),
    )
    expect(hourlyDocs.length).toBe(batchResults.zoneHourly.length)

    // Four continuous queries, a served API and 3,200 trips: longer than most tests on a busy machine.
  }, 180_000)
})

/** The streaming queries of analytics/trips.sql, as batch SQL over the curated lake. */
const BATCH_SQL = {
  zoneHourly: `
    SELECT pickup_zone, time_bucket(INTERVAL 1 HOUR, dropoff_datetime) AS window_start,
           window_start + INTERVAL 1 HOUR AS window_end, count(*), avg(fare_amount), sum(fare_amount)
      FROM taxi_trips GROUP BY ALL ORDER BY window_start, pickup_zone`,
  zoneHourlySearch: `
    SELECT pickup_zone, time_bucket(INTERVAL 1 HOUR, dropoff_datetime) AS window_start, pickup_borough,
           window_start + INTERVAL 1 HOUR AS window_end, count(*), avg(fare_amount), avg(tip_amount)
      FROM taxi_trips GROUP BY ALL ORDER BY window_start, pickup_zone`,
  busiest: `
    WITH hops AS (
      SELECT *, time_bucket(INTERVAL 15 MINUTE, dropoff_datetime) - k * INTERVAL 15 MINUTE AS window_start
        FROM taxi_trips, range(4) AS r(k))
    SELECT window_start, window_start + INTERVAL 1 HOUR AS window_end, pickup_zone, pickup_borough,
           count(*), sum(passenger_count)
      FROM hops GROUP BY ALL HAVING count(*) >= 25 ORDER BY window_start, pickup_zone`,
  sessions: `
    WITH gaps AS (
      SELECT vendor_id, dropoff_datetime AS ts, total_amount,
             coalesce(dropoff_datetime - lag(dropoff_datetime) OVER w > INTERVAL 30 SECOND, true) AS starts
        FROM taxi_trips WINDOW w AS (PARTITION BY vendor_id ORDER BY dropoff_datetime)),
    numbered AS (
      SELECT *, sum(starts::int) OVER (PARTITION BY vendor_id ORDER BY ts ROWS UNBOUNDED PRECEDING) AS session
        FROM gaps)
    SELECT vendor_id, min(ts) AS session_start, max(ts) + INTERVAL 30 SECOND AS session_end, count(*),
           sum(total_amount)
      FROM numbered GROUP BY vendor_id, session ORDER BY vendor_id, session_start`,
}

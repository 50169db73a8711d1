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
  it('produces aggregated trips, enriches them into a date- and borough-partitioned Parquet lake, invalid trips under the error prefix', async () => {
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
    } finally {
      await q.close()
    }
  })
})

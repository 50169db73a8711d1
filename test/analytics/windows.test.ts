import { afterEach, describe, expect, it } from 'vitest'
import { at, Harness, source, sqlTime } from './harness.ts'

let h: Harness | undefined
afterEach(() => {
  h?.close()
  h = undefined
})

async function open(sql: string): Promise<Harness> {
  h = await Harness.open(sql, { selectAllowed: true })
  return h
}

describe('window table functions', () => {
  it('TUMBLE: a window is output once, when the watermark passes its end', async () => {
    const q = await open(`${source()}
      SELECT window_start, window_end, zone, COUNT(*) AS n, SUM(fare) AS total, AVG(fare) AS avg_fare
      FROM TABLE(TUMBLE(TABLE trips, DESCRIPTOR(ts), INTERVAL '1' MINUTE))
      GROUP BY window_start, window_end, zone`)
    const first = await q.batch([
      { zone: 'A', fare: 10, ts: at(1_000) },
      { zone: 'B', fare: 3, ts: at(2_000) },
      { zone: 'A', fare: 4.25, ts: at(59_000) },
    ])
    expect(first.rows).toEqual([])
    // Watermark 64 s − 5 s = 59 s: the window ending at 60 s is still open.
    expect((await q.batch([{ zone: 'A', fare: 1, ts: at(64_000) }])).rows).toEqual([])
    const closed = await q.batch([{ zone: 'B', fare: 2, ts: at(65_000) }])
    expect(closed.rows).toEqual([
      {
        window_start: sqlTime(0),
        window_end: sqlTime(60_000),
        zone: 'A',
        n: 2,
        total: 14.25,
        avg_fare: 7.125,
      },
      { window_start: sqlTime(0), window_end: sqlTime(60_000), zone: 'B', n: 1, total: 3, avg_fare: 3 },
    ])
    expect(await q.op.stateRows()).toBe(2) // the next window's A and B
  })

  it('HOP: each record counts in size/slide windows', async () => {
    const q = await open(`${source()}
      SELECT window_start, window_end, COUNT(*) AS n
      FROM TABLE(HOP(TABLE trips, DESCRIPTOR(ts), INTERVAL '30' SECOND, INTERVAL '1' MINUTE))
      GROUP BY window_start, window_end`)
    const first = await q.batch([
      { zone: 'A', fare: 1, ts: at(10_000) },
      { zone: 'A', fare: 1, ts: at(40_000) },
      { zone: 'A', fare: 1, ts: at(70_000) },
    ])
    // Watermark 65 s: the windows ending at 30 s and 60 s are closed already.
    expect(first.rows).toHaveLength(2)
    const second = await q.batch([{ zone: 'A', fare: 1, ts: at(200_000) }])
    expect([...first.rows, ...second.rows]).toEqual([
      { window_start: sqlTime(-30_000), window_end: sqlTime(30_000), n: 1 },
      { window_start: sqlTime(0), window_end: sqlTime(60_000), n: 2 },
      { window_start: sqlTime(30_000), window_end: sqlTime(90_000), n: 2 },
      { window_start: sqlTime(60_000), window_end: sqlTime(120_000), n: 1 },
    ])
  })

  it('CUMULATE: windows grow by a step from a common start up to the max size', async () => {
    const q = await open(`${source()}
      SELECT window_start, window_end, COUNT(*) AS n, MAX(fare) AS top
      FROM TABLE(CUMULATE(TABLE trips, DESCRIPTOR(ts), INTERVAL '20' SECOND, INTERVAL '1' MINUTE))
      GROUP BY window_start, window_end`)
    const first = await q.batch([
      { zone: 'A', fare: 1, ts: at(5_000) },
      { zone: 'A', fare: 3, ts: at(25_000) },
      { zone: 'A', fare: 2, ts: at(45_000) },
    ])
    expect(first.rows).toHaveLength(2) // watermark 40 s
    const second = await q.batch([{ zone: 'A', fare: 9, ts: at(100_000) }])
    expect([...first.rows, ...second.rows]).toEqual([
      { window_start: sqlTime(0), window_end: sqlTime(20_000), n: 1, top: 1 },
      { window_start: sqlTime(0), window_end: sqlTime(40_000), n: 2, top: 3 },
      { window_start: sqlTime(0), window_end: sqlTime(60_000), n: 3, top: 3 },
    ])
  })

  it('window_time is the window end minus one millisecond; WHERE filters before the window aggregates', async () => {
    const q = await open(`${source()}
      SELECT window_time, COUNT(*) AS n
      FROM TABLE(TUMBLE(TABLE trips, DESCRIPTOR(ts), INTERVAL '10' SECOND))
      WHERE zone <> 'X'
      GROUP BY window_start, window_end, window_time`)
    await q.batch([
      { zone: 'A', fare: 1, ts: at(1_000) },
      { zone: 'X', fare: 1, ts: at(2_000) },
    ])
    const { rows } = await q.batch([{ zone: 'A', fare: 1, ts: at(20_000) }])
    expect(rows).toEqual([{ window_time: sqlTime(9_999), n: 1 }])
  })

  it("COUNT(DISTINCT …) keeps the window's rows and aggregates them when it closes", async () => {
    const q = await open(`${source()}
      SELECT window_start, COUNT(DISTINCT zone) AS zones, COUNT(*) AS n
      FROM TABLE(TUMBLE(TABLE trips, DESCRIPTOR(ts), INTERVAL '1' MINUTE))
      GROUP BY window_start, window_end`)
    expect(q.op.plans[0]!.mode).toBe('raw')
    await q.batch([
      { zone: 'A', fare: 1, ts: at(1_000) },
      { zone: 'B', fare: 1, ts: at(2_000) },
    ])
    await q.batch([{ zone: 'A', fare: 1, ts: at(3_000) }])
    expect(await q.op.stateRows()).toBe(3)
    const { rows } = await q.batch([{ zone: 'C', fare: 1, ts: at(70_000) }])
    expect(rows).toEqual([{ window_start: sqlTime(0), zones: 2, n: 3 }])
    expect(await q.op.stateRows()).toBe(1)
  })
})

describe('group windows (GROUP BY TUMBLE/HOP/SESSION)', () => {
  it('GROUP BY TUMBLE with TUMBLE_START and TUMBLE_END', async () => {
    const q = await open(`${source()}
      SELECT TUMBLE_START(ts, INTERVAL '1' MINUTE) AS s, TUMBLE_END(ts, INTERVAL '1' MINUTE) AS e, zone, SUM(fare) AS total
      FROM trips GROUP BY TUMBLE(ts, INTERVAL '1' MINUTE), zone`)
    await q.batch([
      { zone: 'A', fare: 1.5, ts: at(1_000) },
      { zone: 'A', fare: 2, ts: at(61_000) },
    ])
    const { rows } = await q.batch([{ zone: 'A', fare: 1, ts: at(130_000) }])
    expect(rows).toEqual([
      { s: sqlTime(0), e: sqlTime(60_000), zone: 'A', total: 1.5 },
      { s: sqlTime(60_000), e: sqlTime(120_000), zone: 'A', total: 2 },
    ])
  })

  it('GROUP BY SESSION: a session ends a gap after its last record', async () => {
    const q = await open(`${source()}
      SELECT SESSION_START(ts, INTERVAL '10' SECOND) AS s, SESSION_END(ts, INTERVAL '10' SECOND) AS e, zone, COUNT(*) AS n
      FROM trips GROUP BY SESSION(ts, INTERVAL '10' SECOND), zone`)
    expect(q.op.plans[0]!.mode).toBe('session')
    await q.batch([
      { zone: 'A', fare: 1, ts: at(0) },
      { zone: 'A', fare: 1, ts: at(5_000) },
      { zone: 'B', fare: 1, ts: at(3_000) },
    ])
    const second = await q.batch([
      { zone: 'A', fare: 1, ts: at(12_000) },
      { zone: 'A', fare: 1, ts: at(40_000) },
    ])
    // Watermark 35 s: A's first session (last record 12 s) and B's are over.
    expect(second.rows).toEqual([
      { s: sqlTime(0), e: sqlTime(22_000), zone: 'A', n: 3 },
      { s: sqlTime(3_000), e: sqlTime(13_000), zone: 'B', n: 1 },
    ])
    const { rows } = await q.batch([{ zone: 'C', fare: 1, ts: at(70_000) }])
    expect(rows).toEqual([{ s: sqlTime(40_000), e: sqlTime(50_000), zone: 'A', n: 1 }])
    expect(await q.op.stateRows()).toBe(1) // C's open session
  })

  it('GROUP BY HOP(ts, slide, size)', async () => {
    const q = await open(`${source()}
      SELECT HOP_END(ts, INTERVAL '30' SECOND, INTERVAL '1' MINUTE) AS e, COUNT(*) AS n
      FROM trips GROUP BY HOP(ts, INTERVAL '30' SECOND, INTERVAL '1' MINUTE)`)
    await q.batch([{ zone: 'A', fare: 1, ts: at(40_000) }])
    const { rows } = await q.batch([{ zone: 'A', fare: 1, ts: at(200_000) }])
    expect(rows).toEqual([
      { e: sqlTime(60_000), n: 1 },
      { e: sqlTime(90_000), n: 1 },
    ])
  })
})

describe('continuous queries without windows', () => {
  it('GROUP BY without a window is an updating result: each batch outputs the groups it changed', async () => {
    const q = await open(`${source()}
      SELECT zone, COUNT(*) AS n, SUM(fare) AS total FROM trips GROUP BY zone`)
    const first = await q.batch([
      { zone: 'A', fare: 1, ts: at(0) },
      { zone: 'A', fare: 2, ts: at(1) },
      { zone: 'B', fare: 5, ts: at(2) },
    ])
    expect(first.rows).toEqual([
      { zone: 'A', n: 2, total: 3 },
      { zone: 'B', n: 1, total: 5 },
    ])
    const second = await q.batch([{ zone: 'A', fare: 4, ts: at(3) }])
    expect(second.rows).toEqual([{ zone: 'A', n: 3, total: 7 }])
  })

  it('filters and projections output each record at once, in order', async () => {
    const q = await open(`${source()}
      SELECT UPPER(zone) AS z, fare * 2 AS twice FROM trips WHERE fare > 2`)
    const { rows } = await q.batch([
      { zone: 'a', fare: 1, ts: at(0) },
      { zone: 'b', fare: 3, ts: at(0) },
      { zone: 'c', fare: 5.5, ts: at(0) },
    ])
    expect(rows).toEqual([
      { z: 'B', twice: 6 },
      { z: 'C', twice: 11 },
    ])
  })

  it('joins a stream with a table (a lookup)', async () => {
    const q = await open(`${source()}
      CREATE TABLE zones (zone STRING, borough STRING) WITH ('connector' = 'dynamodb', 'table-name' = 'zones');
      SELECT t.zone, z.borough, t.fare FROM trips AS t LEFT JOIN zones AS z ON t.zone = z.zone`)
    const dims = new Map([['zones', [JSON.stringify({ zone: 'A', borough: 'Queens' })]]])
    const { rows } = await q.batch(
      [
        { zone: 'A', fare: 1, ts: at(0) },
        { zone: 'Q', fare: 2, ts: at(0) },
      ],
      { dims },
    )
    expect(rows).toEqual([
      { zone: 'A', borough: 'Queens', fare: 1 },
      { zone: 'Q', borough: null, fare: 2 },
    ])
  })
})

describe('time', () => {
  it('late records are counted and kept as they came, not silently dropped', async () => {
    const q = await open(`${source()}
      SELECT window_start, COUNT(*) AS n FROM TABLE(TUMBLE(TABLE trips, DESCRIPTOR(ts), INTERVAL '10' SECOND))
      GROUP BY window_start, window_end`)
    await q.batch([{ zone: 'A', fare: 1, ts: at(1_000) }])
    await q.batch([{ zone: 'A', fare: 1, ts: at(20_000) }])
    const late = { zone: 'L', fare: 1, ts: at(2_000) }
    const { outcome, emitted } = await q.batch([late])
    expect(outcome.late.get(0)).toBe(1)
    expect(emitted.filter((e) => e.kind === 'late').map((e) => e.rows)).toEqual([[JSON.stringify(late)]])
  })

  it('the watermark is the minimum over active shards; an idle shard does not hold it back', async () => {
    const q = await open(`${source()}
      SELECT window_start, COUNT(*) AS n FROM TABLE(TUMBLE(TABLE trips, DESCRIPTOR(ts), INTERVAL '10' SECOND))
      GROUP BY window_start, window_end`)
    await q.batch([{ zone: 'A', fare: 1, ts: at(1_000) }], { shards: ['s0', 's1'] })
    const held = await q.batch([{ zone: 'A', fare: 1, ts: at(30_000) }], { shards: ['s0', 's1'] })
    expect(held.rows).toEqual([])
    expect(held.outcome.watermarks.get('trips')).toBeUndefined()
    // s1 went idle: the job leaves it out of the active shards.
    const released = await q.batch([], { shards: ['s0'] })
    expect(released.rows).toEqual([{ window_start: sqlTime(0), n: 1 }])
    expect(released.outcome.watermarks.get('trips')).toBe(Date.parse(at(25_000)))
  })

  it('processing-time windows run on the engine clock', async () => {
    const q = await open(`${source('\n  proc AS PROCTIME(),')}
      SELECT window_start, COUNT(*) AS n FROM TABLE(TUMBLE(TABLE trips, DESCRIPTOR(proc), INTERVAL '10' SECOND))
      GROUP BY window_start, window_end`)
    q.now = Date.parse(at(1_000))
    await q.batch([
      { zone: 'A', fare: 1, ts: at(500_000) },
      { zone: 'A', fare: 1, ts: at(-500_000) },
    ])
    q.now = Date.parse(at(12_000))
    const { rows } = await q.batch([])
    expect(rows).toEqual([{ window_start: sqlTime(0), n: 2 }])
  })

  it('records that are not JSON, or have no event time, are counted and skipped', async () => {
    const q = await open(`${source()}
      SELECT zone FROM trips`)
    const { outcome, rows } = await q.batch([
      'not json',
      { zone: 'A', fare: 1 },
      { zone: 'B', fare: 1, ts: at(0) },
    ])
    expect(outcome.invalid).toBe(2)
    expect(rows).toEqual([{ zone: 'B' }])
  })
})

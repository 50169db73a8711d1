/**
 * AVG from merged partial sums equals DuckDB's batch `avg` to the last bit, also where avg's
 * long double division rounds differently from one double division (the 1M-record replay found
 * two such windows: sum 112942.43 over 883 trips is 127.90762174405435 in DuckDB, …437 as a double).
 */
import { DuckDBInstance } from '@duckdb/node-api'
import { afterEach, describe, expect, it } from 'vitest'
import { at, Harness, source } from './harness.ts'

let h: Harness | undefined
afterEach(() => {
  h?.close()
  h = undefined
})

const CASES: [string, number[]][] = [
  ['sum 112942.43 over 883', [125.81, ...Array<number>(882).fill(127.91)]],
  ['sum 112102.35 over 887', [112102.35 - 886 * 126.38, ...Array<number>(886).fill(126.38)]],
  ['negative: sum −112942.43 over 883', [-125.81, ...Array<number>(882).fill(-127.91)]],
  ['a whole average', [1, 2, 3]],
]

describe('AVG over a window', () => {
  it.each(CASES)('%s: as DuckDB’s avg over the rows, not as a double division', async (_, fares) => {
    h = await Harness.open(
      `${source()}SELECT zone, AVG(fare) AS mean FROM TABLE(TUMBLE(TABLE trips, DESCRIPTOR(ts), INTERVAL '1' MINUTE)) GROUP BY window_start, window_end, zone`,
      { selectAllowed: true },
    )
    // The fares in two batches (merged partial sums), then a record that closes the window.
    const rows = fares.map((fare, i) => ({ zone: 'A', fare: Number(fare.toFixed(2)), ts: at(1_000 + i) }))
    await h.batch(rows.slice(0, 100))
    await h.batch(rows.slice(100))
    const closed = await h.batch([{ zone: 'B', fare: 1, ts: at(70_000) }])

    const db = await (await DuckDBInstance.create(':memory:')).connect()
    const values = rows.map((r) => `(${r.fare.toFixed(2)})`).join(',')
    const batch = (
      await db.runAndReadAll(`SELECT avg(CAST(f AS DECIMAL(10,2))) FROM (VALUES ${values}) AS t(f)`)
    ).getRows()[0]![0] as number
    db.closeSync()
    expect(closed.rows).toEqual([{ zone: 'A', mean: batch }])
  })

  it('differs from a double division where the replay found it', () => {
    expect(11294243 / 88300).toBe(127.90762174405437)
  })
})

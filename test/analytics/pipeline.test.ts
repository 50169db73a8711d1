import { describe, expect, it, onTestFinished } from 'vitest'
import { startPipeline } from '../../src/testing/index.ts'
import { at, PER_ZONE_INSERT, TRIPS_DDL } from './harness.ts'

const SQL = TRIPS_DDL + PER_ZONE_INSERT

describe('an analytics resource in a pipeline', () => {
  it('reads its stream, windows by event time and upserts closed windows into a table', async () => {
    const p = await startPipeline(
      {
        name: 'taxi',
        streams: { trips: { shardCount: 1 } },
        tables: { 'zone-stats': { partitionKey: 'zone', sortKey: 'window_start' } },
        queues: { late: {} },
        analytics: { fares: { sql: SQL, lateRecords: { queue: 'late' } } },
      },
      { teardown: onTestFinished },
    )
    await p.put('trips', [
      { zone: 'A', fare: 10.5, ts: at(1_000) },
      { zone: 'B', fare: 3, ts: at(2_000) },
      { zone: 'A', fare: 4.25, ts: at(59_000) },
    ])
    // Window [10:00, 10:01) closes once the watermark (max event time − 5 s) reaches 10:01.
    await p.put('trips', [{ zone: 'A', fare: 1, ts: at(66_000) }])
    await expect.poll(() => p.table('zone-stats').count()).toBe(2)
    expect(p.table('zone-stats').get({ zone: 'A', window_start: '2026-01-01 10:00:00.000' })).toEqual({
      zone: 'A',
      window_start: '2026-01-01 10:00:00.000',
      trips: 2,
      total: 14.75,
    })
    expect(p.table('zone-stats').get({ zone: 'B', window_start: '2026-01-01 10:00:00.000' })).toMatchObject({
      trips: 1,
      total: 3,
    })
    // Too late for its window: counted and sent to the queue instead of dropped silently.
    await p.put('trips', [{ zone: 'B', fare: 9, ts: at(30_000) }])
    await expect
      .poll(() => p.metric('LateRecordsDropped', { Application: 'fares' }, 'AWS/KinesisAnalytics').sum)
      .toBe(1)
    expect(p.table('zone-stats').get({ zone: 'B', window_start: '2026-01-01 10:00:00.000' })).toMatchObject({
      trips: 1,
    })
  })
})

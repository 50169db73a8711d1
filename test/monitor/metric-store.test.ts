import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { MetricStore } from '../../src/monitor/metric-store.ts'
import type { MetricDatum } from '../../src/monitor/metrics.ts'
import { StateStore } from '../../src/storage/state/state-store.ts'
import { ManualClock } from '../../src/util/clock.ts'
import { tempDir } from '../helpers/tmp.ts'

const T0 = Date.UTC(2026, 0, 1, 10, 0, 0)
const dims = { FunctionName: 'f' }

function datum(value: number, timestamp: number, name = 'Duration'): MetricDatum {
  return { namespace: 'AWS/Lambda', name, dimensions: dims, value, unit: 'Milliseconds', timestamp }
}

function q(stat: string, period: number, start: number, end: number, name = 'Duration') {
  return { namespace: 'AWS/Lambda', name, dimensions: dims, stat: stat as 'Sum', period, start, end }
}

describe('MetricStore', () => {
  it('aggregates 1-second buckets into any period with every statistic', () => {
    const clock = new ManualClock(T0)
    const store = new MetricStore({ clock })
    for (const [i, v] of [1, 2, 3, 4, 10].entries()) store.record(datum(v, T0 + i * 1000))
    store.record(datum(7, T0 + 10_000))
    clock.advance(20_000)
    const stats = ['Sum', 'Average', 'Minimum', 'Maximum', 'SampleCount'].map((s) => [
      s,
      store.query(q(s, 10, T0, T0 + 20_000)).map((p) => [p.timestamp - T0, p.value]),
    ])
    expect(stats).toEqual([
      [
        'Sum',
        [
          [0, 20],
          [10_000, 7],
        ],
      ],
      [
        'Average',
        [
          [0, 4],
          [10_000, 7],
        ],
      ],
      [
        'Minimum',
        [
          [0, 1],
          [10_000, 7],
        ],
      ],
      [
        'Maximum',
        [
          [0, 10],
          [10_000, 10 - 3],
        ],
      ],
      [
        'SampleCount',
        [
          [0, 5],
          [10_000, 1],
        ],
      ],
    ])
    expect(store.query(q('Sum', 1, T0, T0 + 3000)).map((p) => p.value)).toEqual([1, 2, 3])
    expect(store.query(q('Sum', 60, T0, T0 + 60_000))).toEqual([{ timestamp: T0, value: 27 }])
  })

  it('answers percentiles within 1 % of the exact value', () => {
    const clock = new ManualClock(T0)
    const store = new MetricStore({ clock })
    for (let i = 1; i <= 10_000; i++) store.record(datum(i, T0 + (i % 60) * 1000))
    clock.advance(61_000)
    for (const [stat, exact] of [
      ['p50', 5000],
      ['p90', 9000],
      ['p99', 9900],
    ] as const) {
      const [point] = store.query(q(stat, 60, T0, T0 + 60_000))
      expect(Math.abs(point!.value - exact) / exact).toBeLessThan(0.01)
    }
    expect(store.query(q('p100', 60, T0, T0 + 60_000))[0]!.value).toBe(10_000)
  })

  it('persists completed minutes and reads them back after a reopen', async () => {
    const path = join(await tempDir(), 'state.db')
    const clock = new ManualClock(T0)
    const state = StateStore.open(path)
    const store = new MetricStore({ clock, state })
    store.start()
    for (let m = 0; m < 3; m++) {
      store.record(datum(m + 1, T0 + m * 60_000 + 5000))
      store.record(datum(10, T0 + m * 60_000 + 6000))
    }
    clock.advance(3 * 60_000 + 5000)
    store.stop()
    state.close()

    const reopened = StateStore.open(path)
    const clock2 = new ManualClock(T0 + 30 * 60_000)
    const again = new MetricStore({ clock: clock2, state: reopened })
    expect(again.query(q('Sum', 60, T0, T0 + 180_000)).map((p) => p.value)).toEqual([11, 12, 13])
    expect(again.query(q('Maximum', 180, T0, T0 + 180_000))).toEqual([{ timestamp: T0, value: 10 }])
    expect(again.series()).toEqual([
      { namespace: 'AWS/Lambda', name: 'Duration', dimensions: dims, unit: 'Milliseconds' },
    ])
    reopened.close()
  })

  it('merges data for a minute that straddles a restart instead of overwriting it', async () => {
    const path = join(await tempDir(), 'state.db')
    const clock = new ManualClock(T0)
    let state = StateStore.open(path)
    let store = new MetricStore({ clock, state })
    store.record(datum(1, T0 + 1000))
    store.stop()
    state.close()
    state = StateStore.open(path)
    clock.advance(30_000)
    store = new MetricStore({ clock, state })
    store.record(datum(2, T0 + 31_000))
    clock.advance(40_000)
    store.flush()
    expect(store.query(q('Sum', 60, T0, T0 + 60_000))).toEqual([{ timestamp: T0, value: 3 }])
    state.close()
  })

  it('answers for the minute in progress when it opened before that minute is flushed', async () => {
    const state = StateStore.open(join(await tempDir(), 'state.db'))
    // Opened mid-minute: this minute's data is in memory only until the flush just after it ends.
    const clock = new ManualClock(T0 + 20_000)
    const store = new MetricStore({ clock, state })
    store.start()
    store.record(datum(42, T0 + 21_000))
    clock.advance(5_000)
    expect(store.query(q('Sum', 60, T0 - 600_000, T0 + 60_000))).toEqual([{ timestamp: T0, value: 42 }])
    store.record(datum(8, T0 + 30_000))
    clock.advance(60_000) // past the minute's end and the flush delay: now it comes from history
    expect(store.query(q('Sum', 60, T0 - 600_000, T0 + 60_000))).toEqual([{ timestamp: T0, value: 50 }])
    store.record(datum(1, T0 + 59_000)) // a straggler for the flushed minute
    expect(store.query(q('Sum', 60, T0, T0 + 120_000))).toEqual([{ timestamp: T0, value: 51 }])
    store.stop()
    state.close()
  })

  it('prunes history older than the retention', async () => {
    const state = StateStore.open(join(await tempDir(), 'state.db'))
    const clock = new ManualClock(T0)
    const store = new MetricStore({ clock, state, retentionDays: 1 })
    store.record(datum(1, T0))
    clock.advance(120_000)
    store.flush()
    clock.advance(86_400_000)
    store.record(datum(2, clock.now()))
    clock.advance(60_000)
    store.flush()
    expect(store.prune()).toBe(0)
    expect(store.query(q('Sum', 60, T0, clock.now())).map((p) => p.value)).toEqual([2])
    expect(state.db.prepare('SELECT COUNT(*) AS n FROM metric_history').get()).toEqual({ n: 1 })
    state.close()
  })

  it('caps the number of series and counts what it drops', () => {
    const clock = new ManualClock(T0)
    const store = new MetricStore({ clock, maxSeries: 3 })
    for (let i = 0; i < 5; i++) {
      store.record({ ...datum(1, T0), dimensions: { FunctionName: `f${i}` } })
    }
    expect(store.stats()).toMatchObject({ series: 3, droppedSeries: 2 })
    expect(store.series()).toHaveLength(3)
  })

  it('keeps the 1-second buckets within the bucket budget', () => {
    const clock = new ManualClock(T0)
    const store = new MetricStore({ clock, maxSecondBuckets: 100 })
    for (let s = 0; s < 600; s++) {
      clock.advance(1000)
      store.record(datum(1, clock.now()))
    }
    expect(store.stats().secondBuckets).toBeLessThanOrEqual(100)
    // Minutes are unaffected by the shrinking 1-second window.
    expect(store.query(q('SampleCount', 60, T0, T0 + 600_000)).reduce((n, p) => n + p.value, 0)).toBe(599)
  })
})

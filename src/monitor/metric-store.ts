import type { StateStore } from '../storage/state/state-store.ts'
import { type Clock, systemClock, type TimerHandle } from '../util/clock.ts'
import { type Logger, silentLogger } from '../util/logger.ts'
import { MetricHistory, type SeriesIdentity } from './metric-history.ts'
import { type MetricDatum, type MetricSink, MetricTotals, type MetricUnit } from './metrics.ts'
import { Aggregate, type Statistic } from './statistics.ts'

const SECOND = 1000
const MINUTE = 60_000
const DAY = 86_400_000

export interface MetricStoreOptions {
  /** Where completed minutes are kept; without one only the in-memory window is queryable. */
  state?: StateStore
  clock?: Clock
  logger?: Logger
  /** How long 1-second buckets and in-memory minutes are kept (default 15 minutes). */
  recentSeconds?: number
  /** How long 1-minute history is kept in the state store (default 14 days). */
  retentionDays?: number
  /** Series beyond this many are dropped and counted (default 10,000). */
  maxSeries?: number
  /** Live 1-second buckets across all series (default 500,000); past it the 1-second window shrinks. */
  maxSecondBuckets?: number
  /** How long after a minute ends it is written to history (default 2 s, for stragglers). */
  flushDelayMs?: number
}

/** Like GetMetricStatistics: one statistic of one series, per period, in [start, end). */
export interface MetricQuery {
  namespace: string
  name: string
  dimensions?: Readonly<Record<string, string>>
  stat: Statistic
  /** Seconds. Multiples of 60 read 1-minute data (memory, then history); others 1-second buckets. */
  period: number
  /** ms since epoch, inclusive; periods are aligned to multiples of `period` since the epoch. */
  start: number
  /** ms since epoch, exclusive. */
  end: number
}

export interface Datapoint {
  timestamp: number
  value: number
}

export interface SeriesInfo {
  namespace: string
  name: string
  dimensions: Readonly<Record<string, string>>
  unit: MetricUnit
}

/** Lifetime totals of a series since this process started (what /metrics exports). */
export interface SeriesTotals extends SeriesInfo {
  sum: number
  count: number
  last: number
}

interface MinuteEntry {
  total: Aggregate
  /** Recorded since the last flush: merged into the stored row, so restarts never lose a minute. */
  pending: Aggregate | undefined
}

interface Series extends SeriesIdentity {
  seconds: Map<number, Aggregate>
  minutes: Map<number, MinuteEntry>
  sum: number
  count: number
  last: number
  lastSeen: number
}

export interface MetricStoreStats {
  series: number
  secondBuckets: number
  droppedSeries: number
  droppedDatapoints: number
}

/**
 * The metric store behind alarms, the dashboard and /metrics: 1-second buckets for the recent
 * window, 1-minute roll-ups persisted to `metric_history` with bounded retention, and
 * CloudWatch's statistics over any period. Memory is bounded by `maxSeries` and
 * `maxSecondBuckets` whatever is published.
 *
 * @example
 * const store = new MetricStore({ state, clock })
 * store.start()
 * store.record({ namespace: 'AWS/Lambda', name: 'Errors', dimensions: { FunctionName: 'f' }, value: 1, unit: 'Count', timestamp: clock.now() })
 * store.query({ namespace: 'AWS/Lambda', name: 'Errors', dimensions: { FunctionName: 'f' }, stat: 'Sum', period: 60, start, end })
 */
export class MetricStore implements MetricSink {
  readonly #clock: Clock
  readonly #logger: Logger
  readonly #history: MetricHistory | undefined
  readonly #series = new Map<string, Series>()
  /** Pending data for minutes already out of the memory window: merged into history at flush. */
  readonly #late = new Map<string, { series: Series; minute: number; agg: Aggregate }>()
  readonly #recentMs: number
  readonly #retentionMs: number
  readonly #maxSeries: number
  readonly #maxSecondBuckets: number
  readonly #flushDelayMs: number
  /** Minutes from here on are complete in memory; older ones come from history. */
  #memoryFrom: number
  #secondWindowMs: number
  #secondBuckets = 0
  #droppedSeries = 0
  #droppedDatapoints = 0
  #warnedCap = false
  #lastPrune = 0
  #timer: TimerHandle | undefined

  constructor(options: MetricStoreOptions = {}) {
    this.#clock = options.clock ?? systemClock
    this.#logger = options.logger ?? silentLogger
    this.#history = options.state ? new MetricHistory(options.state) : undefined
    this.#recentMs = (options.recentSeconds ?? 900) * SECOND
    this.#secondWindowMs = this.#recentMs
    this.#retentionMs = (options.retentionDays ?? 14) * DAY
    this.#maxSeries = options.maxSeries ?? 10_000
    this.#maxSecondBuckets = options.maxSecondBuckets ?? 500_000
    this.#flushDelayMs = options.flushDelayMs ?? 2000
    // Data for the minute in progress at open may already be partly in history.
    this.#memoryFrom = this.#history
      ? Math.ceil(this.#clock.now() / MINUTE) * MINUTE
      : Number.NEGATIVE_INFINITY
  }

  record(datum: MetricDatum): void {
    if (!Number.isFinite(datum.value) || !Number.isFinite(datum.timestamp)) {
      this.#droppedDatapoints++
      return
    }
    const now = this.#clock.now()
    if (datum.timestamp < now - this.#retentionMs) {
      this.#droppedDatapoints++
      return
    }
    const series = this.#seriesFor(datum, now)
    if (!series) return
    series.sum += datum.value
    series.count++
    if (datum.timestamp >= series.lastSeen) {
      series.last = datum.value
      series.lastSeen = datum.timestamp
    }
    if (datum.timestamp >= now - this.#secondWindowMs) {
      const second = Math.floor(datum.timestamp / SECOND)
      let bucket = series.seconds.get(second)
      if (!bucket) {
        bucket = new Aggregate()
        series.seconds.set(second, bucket)
        if (++this.#secondBuckets > this.#maxSecondBuckets) this.#shrinkSecondWindow(now)
      }
      bucket.add(datum.value)
    }
    const minute = Math.floor(datum.timestamp / MINUTE) * MINUTE
    if (minute >= this.#memoryCutoff(now)) {
      let entry = series.minutes.get(minute)
      if (!entry) {
        entry = { total: new Aggregate(), pending: undefined }
        series.minutes.set(minute, entry)
      }
      entry.total.add(datum.value)
      if (this.#history) {
        entry.pending ??= new Aggregate()
        entry.pending.add(datum.value)
      }
    } else if (this.#history) {
      const key = `${series.key}@${minute}`
      let late = this.#late.get(key)
      if (!late) {
        if (this.#late.size >= this.#maxSeries) {
          this.#droppedDatapoints++
          return
        }
        late = { series, minute, agg: new Aggregate() }
        this.#late.set(key, late)
      }
      late.agg.add(datum.value)
    }
  }

  query(q: MetricQuery): Datapoint[] {
    if (!Number.isInteger(q.period) || q.period < 1)
      throw new RangeError(`period must be a positive integer: ${q.period}`)
    const periodMs = q.period * SECOND
    const key = MetricTotals.key(q.namespace, q.name, q.dimensions ?? {})
    const windows = new Map<number, Aggregate>()
    const into = (timestamp: number, agg: Aggregate) => {
      const w = Math.floor(timestamp / periodMs) * periodMs
      if (w + periodMs <= q.start || w >= q.end || timestamp >= q.end) return
      let target = windows.get(w)
      if (!target) {
        target = new Aggregate()
        windows.set(w, target)
      }
      target.merge(agg)
    }
    const from = Math.floor(q.start / periodMs) * periodMs
    const series = this.#series.get(key)
    if (q.period % 60 === 0) {
      const memoryFrom = Math.max(this.#memoryFrom, from)
      if (this.#history && from < memoryFrom) {
        const to = Math.min(q.end, memoryFrom)
        const minutes = this.#history.read(key, from, to)
        // What was recorded for these minutes and not yet flushed: merged into the stored row, or
        // the whole minute when none is stored yet (the minute in progress when the store opened).
        const unflushed = (minute: number, agg: Aggregate | undefined) => {
          if (!agg || minute < from || minute >= to) return
          let target = minutes.get(minute)
          if (!target) {
            target = new Aggregate()
            minutes.set(minute, target)
          }
          target.merge(agg)
        }
        for (const [minute, entry] of series?.minutes ?? []) unflushed(minute, entry.pending)
        for (const late of this.#late.values()) if (late.series.key === key) unflushed(late.minute, late.agg)
        for (const [minute, agg] of minutes) into(minute, agg)
      }
      for (const [minute, entry] of series?.minutes ?? []) if (minute >= memoryFrom) into(minute, entry.total)
    } else {
      for (const [second, agg] of series?.seconds ?? []) into(second * SECOND, agg)
    }
    const out: Datapoint[] = []
    for (const [timestamp, agg] of windows) {
      const value = agg.stat(q.stat)
      if (value !== undefined) out.push({ timestamp, value })
    }
    return out.sort((a, b) => a.timestamp - b.timestamp)
  }

  /** Every known series: in memory now or in history. */
  series(): SeriesInfo[] {
    const out = new Map<string, SeriesInfo>()
    for (const s of this.#history?.series() ?? []) out.set(s.key, info(s))
    for (const s of this.#series.values()) out.set(s.key, info(s))
    return [...out.values()]
  }

  /** Lifetime totals of the series in memory. */
  totals(): SeriesTotals[] {
    return [...this.#series.values()].map((s) => ({ ...info(s), sum: s.sum, count: s.count, last: s.last }))
  }

  stats(): MetricStoreStats {
    return {
      series: this.#series.size,
      secondBuckets: this.#secondBuckets,
      droppedSeries: this.#droppedSeries,
      droppedDatapoints: this.#droppedDatapoints,
    }
  }

  /** Writes completed minutes to history, drops what left the window, prunes history hourly. */
  flush(): void {
    const now = this.#clock.now()
    const batch: { series: SeriesIdentity; minute: number; agg: Aggregate }[] = []
    for (const series of this.#series.values()) {
      for (const [minute, entry] of series.minutes) {
        if (entry.pending && minute + MINUTE <= now) {
          batch.push({ series, minute, agg: entry.pending })
          entry.pending = undefined
        }
      }
    }
    for (const late of this.#late.values()) batch.push(late)
    this.#late.clear()
    this.#history?.write(batch)
    this.#evict(now)
    if (this.#history && now - this.#lastPrune >= 3_600_000) this.prune()
  }

  /** Deletes history older than the retention. */
  prune(): number {
    const now = this.#clock.now()
    this.#lastPrune = now
    return this.#history?.prune(now - this.#retentionMs) ?? 0
  }

  /** Flushes once a minute (just after each minute ends) on the injected clock. */
  start(): void {
    if (this.#timer) return
    const schedule = () => {
      const now = this.#clock.now()
      const next = Math.floor(now / MINUTE) * MINUTE + MINUTE + this.#flushDelayMs
      this.#timer = this.#clock.setTimeout(() => {
        this.flush()
        schedule()
      }, next - now)
      this.#timer.unref?.()
    }
    schedule()
  }

  /** Stops the timer and writes everything recorded so far. */
  stop(): void {
    if (this.#timer) this.#clock.clearTimeout(this.#timer)
    this.#timer = undefined
    const now = this.#clock.now()
    const batch: { series: SeriesIdentity; minute: number; agg: Aggregate }[] = []
    for (const series of this.#series.values()) {
      for (const [minute, entry] of series.minutes) {
        if (entry.pending) batch.push({ series, minute, agg: entry.pending })
        entry.pending = undefined
      }
    }
    for (const late of this.#late.values()) batch.push(late)
    this.#late.clear()
    this.#history?.write(batch)
    // What was written for the current minute is no longer only in memory.
    if (this.#history) this.#memoryFrom = Math.ceil(now / MINUTE) * MINUTE + MINUTE
  }

  #memoryCutoff(now: number): number {
    return Math.floor((now - this.#recentMs) / MINUTE) * MINUTE
  }

  #seriesFor(datum: MetricDatum, now: number): Series | undefined {
    const key = MetricTotals.key(datum.namespace, datum.name, datum.dimensions)
    const existing = this.#series.get(key)
    if (existing) return existing
    if (this.#series.size >= this.#maxSeries && !this.#evictIdleSeries(now)) {
      this.#droppedSeries++
      this.#droppedDatapoints++
      if (!this.#warnedCap) {
        this.#warnedCap = true
        this.#logger.warn(`metric store: more than ${this.#maxSeries} series; new series are dropped`)
      }
      return undefined
    }
    const series: Series = {
      key,
      namespace: datum.namespace,
      name: datum.name,
      dimensions: { ...datum.dimensions },
      unit: datum.unit,
      seconds: new Map(),
      minutes: new Map(),
      sum: 0,
      count: 0,
      last: 0,
      lastSeen: Number.NEGATIVE_INFINITY,
    }
    this.#series.set(key, series)
    return series
  }

  /** Frees one slot by forgetting a series with nothing left in memory. */
  #evictIdleSeries(now: number): boolean {
    const cutoff = this.#memoryCutoff(now)
    for (const [key, s] of this.#series) {
      if (s.lastSeen < cutoff && s.seconds.size === 0 && [...s.minutes.values()].every((m) => !m.pending)) {
        this.#series.delete(key)
        return true
      }
    }
    return false
  }

  #evict(now: number): void {
    const minuteCutoff = this.#memoryCutoff(now)
    const secondCutoff = Math.floor((now - this.#secondWindowMs) / SECOND)
    for (const series of this.#series.values()) {
      for (const [minute, entry] of series.minutes) {
        if (minute < minuteCutoff && !entry.pending) series.minutes.delete(minute)
      }
      for (const second of series.seconds.keys()) {
        if (second < secondCutoff) {
          series.seconds.delete(second)
          this.#secondBuckets--
        }
      }
    }
    if (this.#history) this.#memoryFrom = Math.max(this.#memoryFrom, minuteCutoff)
    // Let the 1-second window grow back once there is room again.
    if (this.#secondBuckets < this.#maxSecondBuckets / 2) {
      this.#secondWindowMs = Math.min(this.#recentMs, this.#secondWindowMs * 2)
    }
  }

  #shrinkSecondWindow(now: number): void {
    this.#secondWindowMs = Math.max(10 * SECOND, Math.floor(this.#secondWindowMs * 0.75))
    this.#logger.warn(
      `metric store: more than ${this.#maxSecondBuckets} 1-second buckets; keeping ${this.#secondWindowMs / SECOND} s`,
    )
    const cutoff = Math.floor((now - this.#secondWindowMs) / SECOND)
    for (const series of this.#series.values()) {
      for (const second of series.seconds.keys()) {
        if (second < cutoff) {
          series.seconds.delete(second)
          this.#secondBuckets--
        }
      }
    }
  }
}

function info(s: SeriesInfo): SeriesInfo {
  return { namespace: s.namespace, name: s.name, dimensions: s.dimensions, unit: s.unit }
}

import type { StateStore } from '../storage/state/state-store.ts'
import type { MetricUnit } from './metrics.ts'
import { Sketch } from './sketch.ts'
import { Aggregate } from './statistics.ts'

/** Append-only, like every component's migrations. */
const MIGRATIONS = [
  `CREATE TABLE metric_series (
     id INTEGER PRIMARY KEY,
     key TEXT NOT NULL UNIQUE,
     namespace TEXT NOT NULL,
     name TEXT NOT NULL,
     dimensions TEXT NOT NULL,
     unit TEXT NOT NULL
   );
   CREATE TABLE metric_history (
     series_id INTEGER NOT NULL,
     minute INTEGER NOT NULL,
     sum REAL NOT NULL,
     count INTEGER NOT NULL,
     min REAL NOT NULL,
     max REAL NOT NULL,
     sketch TEXT NOT NULL,
     PRIMARY KEY (series_id, minute)
   ) WITHOUT ROWID;
   CREATE INDEX metric_history_minute ON metric_history (minute);`,
]

export interface SeriesIdentity {
  key: string
  namespace: string
  name: string
  dimensions: Readonly<Record<string, string>>
  unit: MetricUnit
}

interface HistoryRow {
  minute: number
  sum: number
  count: number
  min: number
  max: number
  sketch: string
}

/** The 1-minute roll-ups in the state store: one row per series and minute. */
export class MetricHistory {
  readonly #store: StateStore
  readonly #ids = new Map<string, number>()
  readonly #sql

  constructor(store: StateStore) {
    this.#store = store
    store.ensureSchema('metrics', MIGRATIONS)
    const db = store.db
    this.#sql = {
      insertSeries: db.prepare(
        'INSERT OR IGNORE INTO metric_series (key, namespace, name, dimensions, unit) VALUES (?, ?, ?, ?, ?)',
      ),
      seriesId: db.prepare('SELECT id FROM metric_series WHERE key = ?'),
      allSeries: db.prepare('SELECT key, namespace, name, dimensions, unit FROM metric_series'),
      row: db.prepare(
        'SELECT minute, sum, count, min, max, sketch FROM metric_history WHERE series_id = ? AND minute = ?',
      ),
      range: db.prepare(
        'SELECT minute, sum, count, min, max, sketch FROM metric_history WHERE series_id = ? AND minute >= ? AND minute < ? ORDER BY minute',
      ),
      upsert: db.prepare(
        'INSERT OR REPLACE INTO metric_history (series_id, minute, sum, count, min, max, sketch) VALUES (?, ?, ?, ?, ?, ?, ?)',
      ),
      prune: db.prepare('DELETE FROM metric_history WHERE minute < ?'),
      orphans: db.prepare(
        'DELETE FROM metric_series WHERE NOT EXISTS (SELECT 1 FROM metric_history h WHERE h.series_id = metric_series.id)',
      ),
    }
  }

  /** Merges each pending aggregate into its stored minute; one transaction for the batch. */
  write(batch: readonly { series: SeriesIdentity; minute: number; agg: Aggregate }[]): void {
    if (batch.length === 0) return
    this.#store.transaction(() => {
      for (const { series, minute, agg } of batch) {
        const id = this.#id(series)
        const existing = this.#sql.row.get(id, minute) as HistoryRow | undefined
        const merged = existing ? toAggregate(existing) : new Aggregate()
        merged.merge(agg)
        this.#sql.upsert.run(
          id,
          minute,
          merged.sum,
          merged.count,
          merged.min,
          merged.max,
          JSON.stringify(merged.sketch),
        )
      }
    })
  }

  /** Stored minutes of one series in [from, to), by minute start. */
  read(key: string, from: number, to: number): Map<number, Aggregate> {
    const out = new Map<number, Aggregate>()
    const id = this.#lookup(key)
    if (id === undefined) return out
    for (const row of this.#sql.range.all(id, from, to) as HistoryRow[]) out.set(row.minute, toAggregate(row))
    return out
  }

  series(): SeriesIdentity[] {
    return (this.#sql.allSeries.all() as (Omit<SeriesIdentity, 'dimensions'> & { dimensions: string })[]).map(
      (r) => ({ ...r, dimensions: JSON.parse(r.dimensions) as Record<string, string> }),
    )
  }

  /** Deletes minutes before `cutoff` and series left without any. */
  prune(cutoff: number): number {
    const deleted = this.#store.transaction(() => {
      const n = this.#sql.prune.run(cutoff).changes
      this.#sql.orphans.run()
      return n
    })
    this.#ids.clear()
    return deleted
  }

  #lookup(key: string): number | undefined {
    const cached = this.#ids.get(key)
    if (cached !== undefined) return cached
    const row = this.#sql.seriesId.get(key) as { id: number } | undefined
    if (row) this.#ids.set(key, row.id)
    return row?.id
  }

  #id(series: SeriesIdentity): number {
    const known = this.#lookup(series.key)
    if (known !== undefined) return known
    this.#sql.insertSeries.run(
      series.key,
      series.namespace,
      series.name,
      JSON.stringify(series.dimensions),
      series.unit,
    )
    return this.#lookup(series.key)!
  }
}

function toAggregate(row: HistoryRow): Aggregate {
  const agg = new Aggregate()
  agg.sum = row.sum
  agg.count = row.count
  agg.min = row.min
  agg.max = row.max
  agg.sketch = Sketch.fromJSON(JSON.parse(row.sketch) as [number, number][])
  return agg
}

import type { StateStore } from '../../storage/state/state-store.ts'
import type { AlarmState } from './evaluate.ts'

const MIGRATIONS = [
  `CREATE TABLE alarm_state (
     name TEXT PRIMARY KEY,
     state TEXT NOT NULL,
     reason TEXT NOT NULL,
     reason_data TEXT,
     updated_at INTEGER NOT NULL,
     config TEXT NOT NULL,
     config_updated_at INTEGER NOT NULL
   );
   CREATE TABLE alarm_history (
     id INTEGER PRIMARY KEY,
     name TEXT NOT NULL,
     timestamp INTEGER NOT NULL,
     type TEXT NOT NULL,
     summary TEXT NOT NULL,
     old_state TEXT,
     new_state TEXT,
     reason TEXT,
     data TEXT
   );
   CREATE INDEX alarm_history_name ON alarm_history (name, timestamp);`,
]

/** CloudWatch keeps alarm history for two weeks. */
export const ALARM_HISTORY_RETENTION_MS = 14 * 86_400_000

export interface AlarmStatus {
  name: string
  state: AlarmState
  reason: string
  reasonData: unknown
  /** ms since epoch of the last state change. */
  updatedAt: number
  configUpdatedAt: number
  config: unknown
}

export interface AlarmHistoryItem {
  name: string
  timestamp: number
  type: 'StateUpdate' | 'ConfigurationUpdate'
  summary: string
  oldState: AlarmState | undefined
  newState: AlarmState | undefined
  reason: string | undefined
  data: unknown
}

interface StateRow {
  name: string
  state: AlarmState
  reason: string
  reason_data: string | null
  updated_at: number
  config: string
  config_updated_at: number
}

interface HistoryRow {
  name: string
  timestamp: number
  type: AlarmHistoryItem['type']
  summary: string
  old_state: AlarmState | null
  new_state: AlarmState | null
  reason: string | null
  data: string | null
}

/** Alarm states and history in the state store (`alarm_state`, `alarm_history`). */
export class AlarmStore {
  readonly #store: StateStore

  constructor(store: StateStore) {
    this.#store = store
    store.ensureSchema('alarms', MIGRATIONS)
  }

  get(name: string): AlarmStatus | undefined {
    const row = this.#store.db.prepare('SELECT * FROM alarm_state WHERE name = ?').get(name) as
      | StateRow
      | undefined
    return row && toStatus(row)
  }

  list(): AlarmStatus[] {
    return (this.#store.db.prepare('SELECT * FROM alarm_state ORDER BY name').all() as StateRow[]).map(
      toStatus,
    )
  }

  /** Newest first. */
  history(name: string, limit = 100): AlarmHistoryItem[] {
    const rows = this.#store.db
      .prepare('SELECT * FROM alarm_history WHERE name = ? ORDER BY timestamp DESC, id DESC LIMIT ?')
      .all(name, limit) as HistoryRow[]
    return rows.map((r) => ({
      name: r.name,
      timestamp: r.timestamp,
      type: r.type,
      summary: r.summary,
      oldState: r.old_state ?? undefined,
      newState: r.new_state ?? undefined,
      reason: r.reason ?? undefined,
      data: r.data === null ? undefined : JSON.parse(r.data),
    }))
  }

  /** Creates or reconfigures an alarm; its state is kept across configuration changes, as PutMetricAlarm does. */
  configure(name: string, config: unknown, now: number): AlarmStatus {
    const json = JSON.stringify(config)
    const existing = this.get(name)
    if (existing && JSON.stringify(existing.config) === json) return existing
    this.#store.transaction(() => {
      if (existing) {
        this.#store.db
          .prepare('UPDATE alarm_state SET config = ?, config_updated_at = ? WHERE name = ?')
          .run(json, now, name)
      } else {
        this.#store.db
          .prepare(
            'INSERT INTO alarm_state (name, state, reason, reason_data, updated_at, config, config_updated_at) VALUES (?, ?, ?, NULL, ?, ?, ?)',
          )
          .run(name, 'INSUFFICIENT_DATA', 'Unchecked: Initial alarm creation', now, json, now)
      }
      this.#insertHistory({
        name,
        timestamp: now,
        type: 'ConfigurationUpdate',
        summary: `Alarm "${name}" ${existing ? 'updated' : 'created'}`,
        oldState: undefined,
        newState: undefined,
        reason: undefined,
        data: config,
      })
    })
    return this.get(name)!
  }

  /** Records a state change and its history item in one transaction. */
  transition(
    name: string,
    from: AlarmState,
    to: AlarmState,
    reason: string,
    reasonData: unknown,
    now: number,
  ): void {
    this.#store.transaction(() => {
      this.#store.db
        .prepare(
          'UPDATE alarm_state SET state = ?, reason = ?, reason_data = ?, updated_at = ? WHERE name = ?',
        )
        .run(to, reason, JSON.stringify(reasonData), now, name)
      this.#insertHistory({
        name,
        timestamp: now,
        type: 'StateUpdate',
        summary: `Alarm updated from ${from} to ${to}`,
        oldState: from,
        newState: to,
        reason,
        data: reasonData,
      })
    })
  }

  pruneHistory(cutoff: number): number {
    return this.#store.db.prepare('DELETE FROM alarm_history WHERE timestamp < ?').run(cutoff).changes
  }

  #insertHistory(item: AlarmHistoryItem): void {
    this.#store.db
      .prepare(
        'INSERT INTO alarm_history (name, timestamp, type, summary, old_state, new_state, reason, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      )
      .run(
        item.name,
        item.timestamp,
        item.type,
        item.summary,
        item.oldState ?? null,
        item.newState ?? null,
        item.reason ?? null,
        item.data === undefined ? null : JSON.stringify(item.data),
      )
  }
}

function toStatus(row: StateRow): AlarmStatus {
  return {
    name: row.name,
    state: row.state,
    reason: row.reason,
    reasonData: row.reason_data === null ? undefined : JSON.parse(row.reason_data),
    updatedAt: row.updated_at,
    configUpdatedAt: row.config_updated_at,
    config: JSON.parse(row.config),
  }
}

/** For `tributary alarms` without a running evaluator: every stored alarm's state. */
export function listAlarms(store: StateStore): AlarmStatus[] {
  return new AlarmStore(store).list()
}

/** For `tributary alarms history <name>`: newest first. */
export function alarmHistory(store: StateStore, name: string, limit?: number): AlarmHistoryItem[] {
  return new AlarmStore(store).history(name, limit)
}

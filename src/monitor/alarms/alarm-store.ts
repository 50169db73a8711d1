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
  // Alarms created through the API (PutMetricAlarm) are kept beside the declared ones, and any
  // alarm's actions can be disabled (DisableAlarmActions).
  `ALTER TABLE alarm_state ADD COLUMN origin TEXT NOT NULL DEFAULT 'definition';
   ALTER TABLE alarm_state ADD COLUMN actions_enabled INTEGER NOT NULL DEFAULT 1;`,
]

/** Where an alarm comes from: the pipeline definition, or PutMetricAlarm. */
export type AlarmOrigin = 'definition' | 'api'

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
  origin: AlarmOrigin
  /** Whether state changes fire the alarm's actions (EnableAlarmActions / DisableAlarmActions). */
  actionsEnabled: boolean
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
  origin: AlarmOrigin
  actions_enabled: number
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
    return rows.map(toHistoryItem)
  }

  /**
   * Creates or reconfigures an alarm; its state is kept across configuration changes, as
   * PutMetricAlarm does. `actionsEnabled`, when given, is set too (PutMetricAlarm's
   * ActionsEnabled); otherwise an existing alarm keeps its own.
   */
  configure(
    name: string,
    config: unknown,
    now: number,
    origin: AlarmOrigin = 'definition',
    actionsEnabled?: boolean,
  ): AlarmStatus {
    const json = JSON.stringify(config)
    const existing = this.get(name)
    if (
      existing &&
      JSON.stringify(existing.config) === json &&
      existing.origin === origin &&
      (actionsEnabled === undefined || existing.actionsEnabled === actionsEnabled)
    )
      return existing
    const enabled = (actionsEnabled ?? existing?.actionsEnabled ?? true) ? 1 : 0
    this.#store.transaction(() => {
      if (existing) {
        this.#store.db
          .prepare(
            'UPDATE alarm_state SET config = ?, config_updated_at = ?, origin = ?, actions_enabled = ? WHERE name = ?',
          )
          .run(json, now, origin, enabled, name)
      } else {
        this.#store.db
          .prepare(
            'INSERT INTO alarm_state (name, state, reason, reason_data, updated_at, config, config_updated_at, origin, actions_enabled) VALUES (?, ?, ?, NULL, ?, ?, ?, ?, ?)',
          )
          .run(
            name,
            'INSUFFICIENT_DATA',
            'Unchecked: Initial alarm creation',
            now,
            json,
            now,
            origin,
            enabled,
          )
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

  /** EnableAlarmActions / DisableAlarmActions: whether state changes fire the alarm's actions. */
  setActionsEnabled(name: string, enabled: boolean): void {
    this.#store.db
      .prepare('UPDATE alarm_state SET actions_enabled = ? WHERE name = ?')
      .run(enabled ? 1 : 0, name)
  }

  /**
   * DeleteAlarms: the alarms go, their history stays (CloudWatch keeps an alarm's history after
   * it is deleted), with a configuration item saying so. One transaction for all of them.
   */
  delete(names: readonly string[], now: number): void {
    this.#store.transaction(() => {
      for (const name of names) {
        const existing = this.get(name)
        if (!existing) continue
        this.#store.db.prepare('DELETE FROM alarm_state WHERE name = ?').run(name)
        this.#insertHistory({
          name,
          timestamp: now,
          type: 'ConfigurationUpdate',
          summary: `Alarm "${name}" deleted`,
          oldState: undefined,
          newState: undefined,
          reason: undefined,
          data: existing.config,
        })
      }
    })
  }

  /** Every alarm's history (deleted alarms' too), newest first. */
  allHistory(limit = 100): AlarmHistoryItem[] {
    const rows = this.#store.db
      .prepare('SELECT * FROM alarm_history ORDER BY timestamp DESC, id DESC LIMIT ?')
      .all(limit) as HistoryRow[]
    return rows.map(toHistoryItem)
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

function toHistoryItem(r: HistoryRow): AlarmHistoryItem {
  return {
    name: r.name,
    timestamp: r.timestamp,
    type: r.type,
    summary: r.summary,
    oldState: r.old_state ?? undefined,
    newState: r.new_state ?? undefined,
    reason: r.reason ?? undefined,
    data: r.data === null ? undefined : JSON.parse(r.data),
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
    origin: row.origin,
    actionsEnabled: row.actions_enabled !== 0,
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

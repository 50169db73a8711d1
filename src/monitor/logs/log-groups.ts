import type { Statement } from 'better-sqlite3'
import type { StateStore } from '../../storage/state/state-store.ts'

/**
 * The `logs` schema's tables of groups and streams that exist apart from their events (its
 * migration list, in log-store.ts, creates them): groups created through the API (CreateLogGroup,
 * `created = 1`) and functions' groups given a retention policy (`created = 0`); streams created
 * through the API (CreateLogStream). A group or stream holding events exists whether or not it has
 * a row.
 */
export const LOG_GROUP_TABLES = `CREATE TABLE log_groups (
   name TEXT PRIMARY KEY, creation_time INTEGER NOT NULL, created INTEGER NOT NULL,
   retention_days INTEGER, kms_key_id TEXT, log_group_class TEXT NOT NULL);
 CREATE TABLE log_streams (
   log_group TEXT NOT NULL, name TEXT NOT NULL, creation_time INTEGER NOT NULL,
   PRIMARY KEY (log_group, name));`

export interface GroupRow {
  name: string
  creation_time: number
  created: number
  retention_days: number | null
  kms_key_id: string | null
  log_group_class: string
}

/** The rows of {@link LOG_GROUP_TABLES}; every write runs inside the caller's transaction. */
export class LogGroupRows {
  readonly #s: Record<
    | 'group'
    | 'groups'
    | 'stream'
    | 'streams'
    | 'retained'
    | 'insertGroup'
    | 'insertStream'
    | 'deleteGroup'
    | 'deleteStreams'
    | 'deleteStream'
    | 'clearRetention'
    | 'dropUncreated'
    | 'setRetention',
    Statement
  >

  constructor(store: StateStore) {
    const p = (sql: string) => store.db.prepare(sql)
    this.#s = {
      group: p('SELECT * FROM log_groups WHERE name = ?'),
      groups: p('SELECT * FROM log_groups WHERE name >= ? ORDER BY name'),
      stream: p('SELECT 1 FROM log_streams WHERE log_group = ? AND name = ?'),
      streams: p('SELECT name, creation_time FROM log_streams WHERE log_group = ?'),
      retained: p('SELECT name, retention_days FROM log_groups WHERE retention_days IS NOT NULL'),
      insertGroup: p(
        `INSERT INTO log_groups (name, creation_time, created, retention_days, kms_key_id, log_group_class)
         VALUES (?, ?, 1, NULL, ?, ?)`,
      ),
      insertStream: p('INSERT INTO log_streams (log_group, name, creation_time) VALUES (?, ?, ?)'),
      deleteGroup: p('DELETE FROM log_groups WHERE name = ?'),
      deleteStreams: p('DELETE FROM log_streams WHERE log_group = ?'),
      deleteStream: p('DELETE FROM log_streams WHERE log_group = ? AND name = ?'),
      clearRetention: p('UPDATE log_groups SET retention_days = NULL WHERE name = ?'),
      dropUncreated: p('DELETE FROM log_groups WHERE name = ? AND created = 0'),
      setRetention: p(
        `INSERT INTO log_groups (name, creation_time, created, retention_days, kms_key_id, log_group_class)
         VALUES (?, ?, 0, ?, NULL, 'STANDARD')
         ON CONFLICT(name) DO UPDATE SET retention_days = excluded.retention_days`,
      ),
    }
  }

  group(name: string): GroupRow | undefined {
    return this.#s.group.get(name) as GroupRow | undefined
  }

  /** Rows of the groups named `prefix` or after it, by name (the caller keeps those it starts). */
  groupsFrom(prefix: string): GroupRow[] {
    return this.#s.groups.all(prefix) as GroupRow[]
  }

  hasStream(group: string, stream: string): boolean {
    return this.#s.stream.get(group, stream) !== undefined
  }

  streams(group: string): { name: string; creation_time: number }[] {
    return this.#s.streams.all(group) as { name: string; creation_time: number }[]
  }

  /** The groups with a retention policy. */
  retained(): { name: string; retention_days: number }[] {
    return this.#s.retained.all() as { name: string; retention_days: number }[]
  }

  createGroup(name: string, now: number, kmsKeyId: string | undefined, logGroupClass: string): void {
    this.#s.insertGroup.run(name, now, kmsKeyId ?? null, logGroupClass)
  }

  createStream(group: string, stream: string, now: number): void {
    this.#s.insertStream.run(group, stream, now)
  }

  /** Forgets a group and its streams. */
  deleteGroup(name: string): void {
    this.#s.deleteStreams.run(name)
    this.#s.deleteGroup.run(name)
  }

  deleteStream(group: string, stream: string): void {
    this.#s.deleteStream.run(group, stream)
  }

  /**
   * Sets (days) or removes (undefined) a group's policy. A function's group gets a row for its
   * policy, created when it was (`creationTime`), and loses it with the policy.
   */
  setRetention(name: string, days: number | undefined, creationTime: number): void {
    if (days !== undefined) {
      this.#s.setRetention.run(name, creationTime, days)
      return
    }
    this.#s.clearRetention.run(name)
    this.#s.dropUncreated.run(name)
  }
}

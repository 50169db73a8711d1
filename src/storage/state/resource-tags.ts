import type { Statement } from 'better-sqlite3'
import type { StateStore } from './state-store.ts'

/**
 * Tags of resources the AWS APIs tag by ARN or URL (SQS queues, SNS topics), kept in the state
 * store: a TagQueue or TagResource answered is committed. Kinesis streams keep theirs beside the
 * stream (stream-repository).
 */
export class ResourceTags {
  readonly #store: StateStore
  readonly #s: { list: Statement; put: Statement; remove: Statement; removeAll: Statement }

  constructor(store: StateStore) {
    store.ensureSchema('resource-tags', [
      `CREATE TABLE resource_tags (
         resource TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (resource, key))`,
    ])
    this.#store = store
    const p = (sql: string) => store.db.prepare(sql)
    this.#s = {
      list: p('SELECT key, value FROM resource_tags WHERE resource = ? ORDER BY key'),
      put: p(`INSERT INTO resource_tags (resource, key, value) VALUES (?, ?, ?)
              ON CONFLICT(resource, key) DO UPDATE SET value = excluded.value`),
      remove: p('DELETE FROM resource_tags WHERE resource = ? AND key = ?'),
      removeAll: p('DELETE FROM resource_tags WHERE resource = ?'),
    }
  }

  /** The resource's tags, by key in key order. */
  get(resource: string): Record<string, string> {
    const rows = this.#s.list.all(resource) as { key: string; value: string }[]
    return Object.fromEntries(rows.map((r) => [r.key, r.value]))
  }

  /** Adds or overwrites tags, in one transaction. */
  put(resource: string, tags: Readonly<Record<string, string>>): void {
    this.#store.transaction(() => {
      for (const [key, value] of Object.entries(tags)) this.#s.put.run(resource, key, value)
    })
  }

  /** Replaces every tag of the resource with `tags` (S3's PutBucketTagging), in one transaction. */
  replace(resource: string, tags: Readonly<Record<string, string>>): void {
    this.#store.transaction(() => {
      this.#s.removeAll.run(resource)
      for (const [key, value] of Object.entries(tags)) this.#s.put.run(resource, key, value)
    })
  }

  /** Removes the named tags (keys it doesn't have are ignored, as AWS does). */
  remove(resource: string, keys: Iterable<string>): void {
    this.#store.transaction(() => {
      for (const key of keys) this.#s.remove.run(resource, key)
    })
  }

  /** Forgets every tag of a deleted resource. */
  removeAll(resource: string): void {
    this.#s.removeAll.run(resource)
  }
}

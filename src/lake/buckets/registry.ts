import type { Statement } from 'better-sqlite3'
import { ResourceTags } from '../../storage/state/resource-tags.ts'
import type { StateStore } from '../../storage/state/state-store.ts'
import type { BucketStore } from './bucket-store.ts'
import { BucketError, noSuchBucket } from './errors.ts'
import type { BucketNotifications } from './notifications.ts'

/**
 * The buckets created through the S3 API (CreateBucket), kept in the state store so the bucket
 * kind opens them beside the declared ones at every build. Declared buckets stay the
 * definition's: DeleteBucket refuses them.
 *
 * @example
 * const created = BucketRegistry.load(state)
 * const store = await BucketStore.open({ root, buckets: [...declared, ...created.keys()] })
 * const buckets = new BucketRegistry(state, store, new Set(declared), created, Date.now)
 * await buckets.create('uploads')
 */
export class BucketRegistry {
  readonly #store: BucketStore
  readonly #declared: ReadonlySet<string>
  readonly #created: Map<string, number>
  readonly #now: () => number
  readonly #insert: Statement
  readonly #delete: Statement
  readonly #notifications: BucketNotifications | undefined

  /** The buckets created through the API, with when (ms since epoch). */
  static load(state: StateStore): Map<string, number> {
    BucketRegistry.#schema(state)
    const rows = state.db.prepare('SELECT name, created_at FROM api_buckets').all() as {
      name: string
      created_at: number
    }[]
    return new Map(rows.map((r) => [r.name, r.created_at]))
  }

  static #schema(state: StateStore): void {
    state.ensureSchema('api-buckets', [
      'CREATE TABLE api_buckets (name TEXT PRIMARY KEY, created_at INTEGER NOT NULL)',
    ])
  }

  readonly #tags: ResourceTags

  constructor(
    state: StateStore,
    store: BucketStore,
    declared: ReadonlySet<string>,
    created: Map<string, number>,
    now: () => number,
    notifications?: BucketNotifications,
  ) {
    this.#notifications = notifications
    this.#tags = new ResourceTags(state)
    BucketRegistry.#schema(state)
    this.#store = store
    this.#declared = declared
    // A bucket the definition now declares is the definition's.
    this.#created = new Map([...created].filter(([name]) => !declared.has(name)))
    this.#now = now
    this.#insert = state.db.prepare('INSERT OR IGNORE INTO api_buckets (name, created_at) VALUES (?, ?)')
    this.#delete = state.db.prepare('DELETE FROM api_buckets WHERE name = ?')
  }

  /** The bucket's tags (PutBucketTagging), by key; undefined when it has none (S3's NoSuchTagSet). */
  tags(name: string): Record<string, string> | undefined {
    if (!this.#store.has(name)) throw noSuchBucket(name)
    const tags = this.#tags.get(tagKey(name))
    return Object.keys(tags).length === 0 ? undefined : tags
  }

  /** PutBucketTagging: replaces the bucket's tags (an empty set removes them), committed. */
  setTags(name: string, tags: Readonly<Record<string, string>>): void {
    if (!this.#store.has(name)) throw noSuchBucket(name)
    this.#tags.replace(tagKey(name), tags)
  }

  /** Every bucket, declared and created, with its creation time when known. */
  list(): { name: string; createdAt: number | undefined }[] {
    return this.#store.names().map((name) => ({ name, createdAt: this.#created.get(name) }))
  }

  has(name: string): boolean {
    return this.#store.has(name)
  }

  /** The buckets' notifications (Get/PutBucketNotificationConfiguration). */
  notifications(): BucketNotifications {
    if (!this.#notifications) throw new Error('this registry was built without bucket notifications')
    return this.#notifications
  }

  /** CreateBucket: durable; creating one that exists keeps it (us-east-1 answers 200). */
  async create(name: string): Promise<void> {
    if (this.#store.has(name)) return
    await this.#store.createBucket(name)
    const at = this.#now()
    this.#insert.run(name, at)
    this.#created.set(name, at)
  }

  /** DeleteBucket: an empty bucket created through the API. */
  async delete(name: string): Promise<void> {
    if (!this.#store.has(name)) throw noSuchBucket(name)
    if (this.#declared.has(name))
      throw new BucketError(
        'InvalidBucketState',
        `The bucket ${name} is declared in the pipeline definition; remove it there to delete it`,
      )
    await this.#store.deleteBucket(name)
    this.#delete.run(name)
    this.#created.delete(name)
    this.#notifications?.forget(name)
    this.#tags.removeAll(tagKey(name))
  }
}

/** Where a bucket's tags are kept in the shared resource-tags table. */
const tagKey = (bucket: string) => `s3:bucket/${bucket}`

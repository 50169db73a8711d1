import { randomBytes } from 'node:crypto'
import type { Statement } from 'better-sqlite3'
import type { StateStore } from '../../storage/state/state-store.ts'
import { type Logger, stderrLogger } from '../../util/logger.ts'
import type { BucketStore } from './bucket-store.ts'
import type { BucketConfig } from './config.ts'
import { type S3Event, s3Event } from './s3-event.ts'
import type { ObjectCreated } from './types.ts'

type Notification = BucketConfig['notifications'][number]

export interface BucketNotificationsOptions {
  /** The pipeline's `buckets` section. */
  buckets: Readonly<Record<string, BucketConfig>>
  /** Lambda's asynchronous invocation (S3 invokes functions asynchronously). */
  invokeAsync: (functionName: string, event: S3Event) => unknown
  region: string
  accountId: string
  /** Where a failed `invokeAsync` is reported. */
  logger?: Logger
  /** `x-amz-request-id` and `x-amz-id-2` of each put; random by default (tests fix them). */
  requestIds?: () => { requestId: string; hostId: string }
  /**
   * Where puts that owe an event are recorded until their event is handed over (in the same
   * transaction as `invokeAsync`, when that writes to this store too). Without it an event is
   * lost if the process dies between the object appearing and `invokeAsync`.
   */
  state?: StateStore
}

export const S3_EVENT_INTENT_MIGRATIONS: readonly string[] = [
  `CREATE TABLE s3_event_intents (
     bucket TEXT NOT NULL,
     sequencer TEXT NOT NULL,
     created TEXT NOT NULL,
     PRIMARY KEY (bucket, sequencer)
   )`,
]

const randomRequestIds = () => ({
  requestId: randomBytes(8).toString('hex').toUpperCase(),
  hostId: randomBytes(48).toString('base64'),
})

/**
 * Whether a notification wants an event: S3 matches the event type (`s3:ObjectCreated:*` covers
 * every creation) and the key's prefix and suffix filters, compared on the raw key.
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/notification-how-to-filtering.html
 */
export function notificationMatches(notification: Notification, created: ObjectCreated): boolean {
  const type = `s3:${created.eventName}`
  const family = `${type.slice(0, type.lastIndexOf(':'))}:*`
  if (!notification.events.some((e) => e === type || e === family)) return false
  if (notification.prefix !== undefined && !created.key.startsWith(notification.prefix)) return false
  if (notification.suffix !== undefined && !created.key.endsWith(notification.suffix)) return false
  return true
}

/**
 * S3 event notifications to functions: for each object created in a bucket, every matching
 * notification of that bucket invokes its function asynchronously with S3's event message.
 * The `configurationId` of the `i`-th notification of a bucket is `<bucket>-<function>-<i>`.
 *
 * @example
 * const notifications = new BucketNotifications({ buckets: pipeline.buckets, region, accountId,
 *   invokeAsync: (fn, event) => asyncInvocations.enqueue(fn, event) })
 * const detach = notifications.attach(store)
 */
export class BucketNotifications {
  readonly #options: BucketNotificationsOptions
  readonly #requestIds: () => { requestId: string; hostId: string }
  readonly #logger: Logger
  readonly #sql: Record<'insert' | 'delete' | 'all', Statement> | undefined

  constructor(options: BucketNotificationsOptions) {
    this.#options = options
    this.#requestIds = options.requestIds ?? randomRequestIds
    this.#logger = options.logger ?? stderrLogger
    const state = options.state
    if (state) {
      state.ensureSchema('s3-event-intents', S3_EVENT_INTENT_MIGRATIONS)
      this.#sql = {
        insert: state.db.prepare('INSERT OR REPLACE INTO s3_event_intents VALUES (?, ?, ?)'),
        delete: state.db.prepare('DELETE FROM s3_event_intents WHERE bucket = ? AND sequencer = ?'),
        all: state.db.prepare('SELECT created FROM s3_event_intents ORDER BY bucket, sequencer'),
      }
    }
  }

  /**
   * Listens to a store's puts: a put that owes an event is recorded before its object appears
   * (with a state store), and its event handed to `invokeAsync` once it is durable. Returns the
   * function that stops listening.
   */
  attach(store: Pick<BucketStore, 'onObjectCreated' | 'onPutIntent'>): () => void {
    const sql = this.#sql
    const detachIntents = sql
      ? store.onPutIntent((created) => {
          if (this.#matching(created).length > 0)
            sql.insert.run(created.bucket, created.sequencer, JSON.stringify(created))
        })
      : () => undefined
    const detachCreated = store.onObjectCreated((created) => {
      this.#settle(created)
    })
    return () => {
      detachIntents()
      detachCreated()
    }
  }

  /**
   * After a crash: the events of puts whose objects appeared but whose events were never handed
   * over (the object is there, as that put wrote it) are handed over now; puts that never became
   * visible are forgotten, as they were never acknowledged. Returns how many events were sent.
   */
  async recover(store: Pick<BucketStore, 'headObject'>): Promise<number> {
    const sql = this.#sql
    if (!sql) return 0
    let sent = 0
    for (const row of sql.all.all() as { created: string }[]) {
      const created = JSON.parse(row.created) as ObjectCreated
      const head = await store.headObject(created.bucket, created.key).catch(() => undefined)
      if (head && head.etag === created.etag && head.lastModified === created.eventTime) {
        sent += this.#settle(created)
      } else sql.delete.run(created.bucket, created.sequencer)
    }
    return sent
  }

  /** Hands the events over and forgets the put's record, in one transaction. */
  #settle(created: ObjectCreated): number {
    const sql = this.#sql
    if (!sql || !this.#options.state) return this.notify(created)
    return this.#options.state.db.transaction(() => {
      const n = this.notify(created)
      sql.delete.run(created.bucket, created.sequencer)
      return n
    })()
  }

  #matching(created: ObjectCreated): number[] {
    const notifications = this.#options.buckets[created.bucket]?.notifications ?? []
    const out: number[] = []
    notifications.forEach((n, i) => {
      if (notificationMatches(n, created)) out.push(i)
    })
    return out
  }

  /** Invokes every matching function for one created object; returns how many were invoked. */
  notify(created: ObjectCreated): number {
    const notifications = this.#options.buckets[created.bucket]?.notifications ?? []
    const { requestId, hostId } = this.#requestIds()
    let invoked = 0
    for (const index of this.#matching(created)) {
      const notification = notifications[index]!
      const event = s3Event(created, {
        region: this.#options.region,
        configurationId: `${created.bucket}-${notification.function}-${index + 1}`,
        principalId: `AWS:${this.#options.accountId}`,
        ownerPrincipalId: this.#options.accountId,
        sourceIPAddress: '127.0.0.1',
        requestId,
        hostId,
      })
      invoked++
      this.#invoke(notification.function, event, created)
    }
    return invoked
  }

  #invoke(functionName: string, event: S3Event, created: ObjectCreated): void {
    const report = (error: unknown) =>
      this.#logger.error(
        `S3 notification of ${created.bucket}/${created.key} to function '${functionName}' failed: ${String(error)}`,
      )
    try {
      const result = this.#options.invokeAsync(functionName, event)
      if (result instanceof Promise) result.catch(report)
    } catch (error) {
      report(error)
    }
  }
}

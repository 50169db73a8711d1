import type { Statement } from 'better-sqlite3'
import type { StateStore } from '../../storage/state/state-store.ts'
import { type Logger, stderrLogger } from '../../util/logger.ts'
import { randomBase64, randomHex } from '../../util/random-ids.ts'
import type { BucketStore } from './bucket-store.ts'
import type { BucketConfig } from './config.ts'
import {
  checkRules,
  type NotificationRule,
  type NotificationTarget,
  parseTargetArn,
  ruleMatches,
  targetArn,
} from './notification-rules.ts'
import { type S3Event, s3Event, s3TestEvent } from './s3-event.ts'
import type { ObjectCreated } from './types.ts'

type Notification = BucketConfig['notifications'][number]

/** Sends S3's messages to queues and topics (SendMessage, Publish). */
export interface QueueTopicSender {
  queue(name: string, body: string): unknown
  topic(name: string, body: string, subject: string): unknown
}

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
  /**
   * Delivers to queues and topics (the configurations set through PutBucketNotificationConfiguration
   * may name them). Called inside the state store's transaction that forgets the put's record.
   */
  send?: QueueTopicSender
  /** Whether a destination exists (checked when a configuration is set); none by default. */
  exists?: (target: NotificationTarget) => boolean
  /** The clock of the test events' `Time` (default `Date.now`). */
  now?: () => number
}

export const S3_EVENT_INTENT_MIGRATIONS: readonly string[] = [
  `CREATE TABLE s3_event_intents (
     bucket TEXT NOT NULL,
     sequencer TEXT NOT NULL,
     created TEXT NOT NULL,
     PRIMARY KEY (bucket, sequencer)
   )`,
]

export const API_NOTIFICATION_MIGRATIONS: readonly string[] = [
  `CREATE TABLE api_bucket_notifications (
     bucket TEXT PRIMARY KEY,
     rules TEXT NOT NULL
   )`,
]

const describe = (target: NotificationTarget) =>
  'function' in target
    ? `function '${target.function}'`
    : 'queue' in target
      ? `queue '${target.queue}'`
      : `topic '${target.topic}'`

/** The `Subject` S3 gives the messages it publishes to topics. */
const TOPIC_SUBJECT = 'Amazon S3 Notification'

const randomRequestIds = () => ({
  requestId: randomHex(8).toUpperCase(),
  hostId: randomBase64(48),
})

/**
 * Whether a notification wants an event: S3 matches the event type (`s3:ObjectCreated:*` covers
 * every creation) and the key's prefix and suffix filters, compared on the raw key.
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/notification-how-to-filtering.html
 */
export function notificationMatches(notification: Notification, created: ObjectCreated): boolean {
  return ruleMatches(notification, created)
}

/**
 * S3 event notifications: for each object created (or deleted) in a bucket, every matching
 * notification of that bucket gets S3's event message: a function is invoked asynchronously, a
 * queue receives it as a message, a topic publishes it. A bucket's notifications are the declared
 * ones (the definition's, always in effect; the `configurationId` of the `i`-th is
 * `<bucket>-<function>-<i>`) and those set through PutBucketNotificationConfiguration (kept in
 * the state store; a new configuration replaces them).
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
  readonly #rulesSql: Record<'upsert' | 'delete', Statement> | undefined
  /** The configurations set through the API, by bucket. */
  readonly #configured = new Map<string, NotificationRule[]>()

  constructor(options: BucketNotificationsOptions) {
    this.#options = options
    this.#requestIds = options.requestIds ?? randomRequestIds
    this.#logger = options.logger ?? stderrLogger
    const state = options.state
    if (state) {
      state.ensureSchema('api-bucket-notifications', API_NOTIFICATION_MIGRATIONS)
      this.#rulesSql = {
        upsert: state.db.prepare('INSERT OR REPLACE INTO api_bucket_notifications VALUES (?, ?)'),
        delete: state.db.prepare('DELETE FROM api_bucket_notifications WHERE bucket = ?'),
      }
      const rows = state.db.prepare('SELECT bucket, rules FROM api_bucket_notifications').all() as {
        bucket: string
        rules: string
      }[]
      for (const row of rows) this.#configured.set(row.bucket, JSON.parse(row.rules) as NotificationRule[])
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
  attach(
    store: Pick<BucketStore, 'onObjectCreated' | 'onPutIntent'> &
      Partial<Pick<BucketStore, 'onObjectRemoved' | 'onRemoveIntent'>>,
  ): () => void {
    const sql = this.#sql
    const record = (created: ObjectCreated) => {
      if (sql && this.#matching(created).length > 0)
        sql.insert.run(created.bucket, created.sequencer, JSON.stringify(created))
    }
    const settle = (created: ObjectCreated) => {
      this.#settle(created)
    }
    const detach = [
      store.onPutIntent(record),
      store.onObjectCreated(settle),
      store.onRemoveIntent?.(record),
      store.onObjectRemoved?.(settle),
    ]
    return () => {
      for (const d of detach) d?.()
    }
  }

  /** The ARN of a destination, as S3 names it in configurations and errors. */
  arnOf(target: NotificationTarget): string {
    return targetArn(target, this.#options.region, this.#options.accountId)
  }

  /** The destination an ARN of this region and account names (undefined: not an ARN of that kind). */
  parseArn(kind: 'function' | 'queue' | 'topic', arn: string): NotificationTarget | undefined {
    return parseTargetArn(kind, arn, this.#options.region, this.#options.accountId)
  }

  /** GetBucketNotificationConfiguration: the declared notifications, then those set through the API. */
  configuration(bucket: string): { declared: NotificationRule[]; configured: NotificationRule[] } {
    return { declared: this.#declared(bucket), configured: this.#configured.get(bucket) ?? [] }
  }

  /**
   * PutBucketNotificationConfiguration: checks `rules` as S3 does, then replaces the bucket's
   * configuration set through the API, durably (committed to the state store, fsynced, before
   * it returns) and in effect for the next object. A rule equal to a declared one (what a Get
   * returned) stays the definition's and is not stored again. Queues and topics of the new
   * configuration get S3's `s3:TestEvent` message. `skipDestinationValidation` is S3's
   * `x-amz-skip-destination-validation`: destinations are not looked up (events to one that does
   * not exist are reported to the logger).
   */
  configure(
    bucket: string,
    rules: readonly NotificationRule[],
    options: { skipDestinationValidation?: boolean } = {},
  ): NotificationRule[] {
    const declared = this.#declared(bucket)
    const same = (a: NotificationRule, b: NotificationRule) => JSON.stringify(a) === JSON.stringify(b)
    const own = rules.filter((r) => !declared.some((d) => same(d, r)))
    const checked = checkRules(own, {
      alsoInEffect: declared,
      exists: (target) =>
        options.skipDestinationValidation === true || (this.#options.exists?.(target) ?? false),
      arnOf: (target) => this.arnOf(target),
    })
    const commit = () => {
      if (checked.length === 0) this.#rulesSql?.delete.run(bucket)
      else this.#rulesSql?.upsert.run(bucket, JSON.stringify(checked))
      this.#sendTestEvents(bucket, checked)
    }
    if (this.#options.state) this.#options.state.transaction(commit)
    else commit()
    if (checked.length === 0) this.#configured.delete(bucket)
    else this.#configured.set(bucket, checked)
    return checked
  }

  /** Forgets a deleted bucket's configuration. */
  forget(bucket: string): void {
    this.#rulesSql?.delete.run(bucket)
    this.#configured.delete(bucket)
  }

  #sendTestEvents(bucket: string, rules: readonly NotificationRule[]): void {
    const send = this.#options.send
    if (!send) return
    const { requestId, hostId } = this.#requestIds()
    const body = JSON.stringify(s3TestEvent(bucket, (this.#options.now ?? Date.now)(), requestId, hostId))
    for (const { target } of rules) {
      if ('function' in target) continue
      // The configuration is accepted once checked: a test message that cannot be sent is reported.
      const report = (error: unknown) =>
        this.#logger.error(`S3 test event of ${bucket} to ${describe(target)} failed: ${String(error)}`)
      try {
        const result =
          'queue' in target ? send.queue(target.queue, body) : send.topic(target.topic, body, TOPIC_SUBJECT)
        if (result instanceof Promise) result.catch(report)
      } catch (error) {
        report(error)
      }
    }
  }

  #declared(bucket: string): NotificationRule[] {
    const notifications = this.#options.buckets[bucket]?.notifications ?? []
    return notifications.map((n, i) => ({
      id: `${bucket}-${n.function}-${i + 1}`,
      target: { function: n.function },
      events: [...n.events],
      ...(n.prefix !== undefined ? { prefix: n.prefix } : {}),
      ...(n.suffix !== undefined ? { suffix: n.suffix } : {}),
    }))
  }

  #rules(bucket: string): NotificationRule[] {
    const configured = this.#configured.get(bucket)
    const declared = this.#declared(bucket)
    return configured ? [...declared, ...configured] : declared
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
      const happened = created.eventName.startsWith('ObjectRemoved')
        ? head === undefined || head.lastModified > created.eventTime
        : head && head.etag === created.etag && head.lastModified === created.eventTime
      if (happened) {
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

  #matching(created: ObjectCreated): NotificationRule[] {
    return this.#rules(created.bucket).filter((rule) => ruleMatches(rule, created))
  }

  /** Sends one object's event to every matching notification; returns how many were sent. */
  notify(created: ObjectCreated): number {
    const { requestId, hostId } = this.#requestIds()
    let invoked = 0
    for (const rule of this.#matching(created)) {
      const event = s3Event(created, {
        region: this.#options.region,
        configurationId: rule.id,
        principalId: `AWS:${this.#options.accountId}`,
        ownerPrincipalId: this.#options.accountId,
        sourceIPAddress: '127.0.0.1',
        requestId,
        hostId,
      })
      invoked++
      this.#send(rule.target, event, created)
    }
    return invoked
  }

  #send(target: NotificationTarget, event: S3Event, created: ObjectCreated): void {
    const report = (error: unknown) =>
      this.#logger.error(
        `S3 notification of ${created.bucket}/${created.key} to ${describe(target)} failed: ${String(error)}`,
      )
    try {
      const send = this.#options.send
      const result =
        'function' in target
          ? this.#options.invokeAsync(target.function, event)
          : !send
            ? undefined
            : 'queue' in target
              ? send.queue(target.queue, JSON.stringify(event))
              : send.topic(target.topic, JSON.stringify(event), TOPIC_SUBJECT)
      if (result instanceof Promise) result.catch(report)
    } catch (error) {
      report(error)
    }
  }
}

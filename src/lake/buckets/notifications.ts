import { randomBytes } from 'node:crypto'
import type { BucketConfig } from '../../pipeline/schema.ts'
import { type Logger, stderrLogger } from '../../util/logger.ts'
import type { BucketStore } from './bucket-store.ts'
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
}

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

  constructor(options: BucketNotificationsOptions) {
    this.#options = options
    this.#requestIds = options.requestIds ?? randomRequestIds
    this.#logger = options.logger ?? stderrLogger
  }

  /** Listens to a store's puts. Returns the function that stops listening. */
  attach(store: Pick<BucketStore, 'onObjectCreated'>): () => void {
    return store.onObjectCreated((created) => {
      this.notify(created)
    })
  }

  /** Invokes every matching function for one created object; returns how many were invoked. */
  notify(created: ObjectCreated): number {
    const notifications = this.#options.buckets[created.bucket]?.notifications ?? []
    const { requestId, hostId } = this.#requestIds()
    let invoked = 0
    notifications.forEach((notification, index) => {
      if (!notificationMatches(notification, created)) return
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
    })
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

import { randomBytes } from 'node:crypto'
import { BucketError } from './errors.ts'
import type { ObjectCreated } from './types.ts'

/** Where a notification goes: a function (invoked asynchronously), a queue or a topic. */
export type NotificationTarget = { function: string } | { queue: string } | { topic: string }

/**
 * One notification of a bucket, as S3's NotificationConfiguration holds it (camelCased): its id,
 * where it goes, the event types and the key filter.
 */
export interface NotificationRule {
  id: string
  target: NotificationTarget
  /** S3 event types, e.g. `s3:ObjectCreated:*`, `s3:ObjectRemoved:Delete`. */
  events: string[]
  prefix?: string
  suffix?: string
}

/**
 * The event types S3 accepts in a notification configuration. Tributary fires the
 * `s3:ObjectCreated:*` and `s3:ObjectRemoved:Delete` ones; the others are accepted and kept as S3
 * does but never fire (no restores, replication, lifecycle, tagging or ACLs here).
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/notification-how-to-event-types-and-destinations.html
 */
export const S3_EVENT_TYPES: ReadonlySet<string> = new Set([
  's3:ObjectCreated:*',
  's3:ObjectCreated:Put',
  's3:ObjectCreated:Post',
  's3:ObjectCreated:Copy',
  's3:ObjectCreated:CompleteMultipartUpload',
  's3:ObjectRemoved:*',
  's3:ObjectRemoved:Delete',
  's3:ObjectRemoved:DeleteMarkerCreated',
  's3:ObjectRestore:*',
  's3:ObjectRestore:Post',
  's3:ObjectRestore:Completed',
  's3:ObjectRestore:Delete',
  's3:ReducedRedundancyLostObject',
  's3:Replication:*',
  's3:Replication:OperationFailedReplication',
  's3:Replication:OperationMissedThreshold',
  's3:Replication:OperationReplicatedAfterThreshold',
  's3:Replication:OperationNotTracked',
  's3:LifecycleExpiration:*',
  's3:LifecycleExpiration:Delete',
  's3:LifecycleExpiration:DeleteMarkerCreated',
  's3:LifecycleTransition',
  's3:IntelligentTiering',
  's3:ObjectTagging:*',
  's3:ObjectTagging:Put',
  's3:ObjectTagging:Delete',
  's3:ObjectAcl:Put',
])

/** Whether a rule (or a declared notification) wants an object's event: type, prefix, suffix. */
export function ruleMatches(
  rule: { events: readonly string[]; prefix?: string | undefined; suffix?: string | undefined },
  created: ObjectCreated,
): boolean {
  const type = `s3:${created.eventName}`
  const family = `${type.slice(0, type.lastIndexOf(':'))}:*`
  if (!rule.events.some((e) => e === type || e === family)) return false
  if (rule.prefix !== undefined && !created.key.startsWith(rule.prefix)) return false
  if (rule.suffix !== undefined && !created.key.endsWith(rule.suffix)) return false
  return true
}

/** Two event types overlap when equal or one is the other's `<family>:*`. */
function eventsOverlap(a: string, b: string): boolean {
  if (a === b) return true
  const family = (e: string) => (e.endsWith(':*') ? e.slice(0, -1) : undefined)
  const fa = family(a)
  const fb = family(b)
  return (fa !== undefined && b.startsWith(fa)) || (fb !== undefined && a.startsWith(fb))
}

/**
 * S3's rule: two configurations overlap when they share an event type and some key could match
 * both filters (their prefixes are prefixes of one another, and their suffixes suffixes).
 */
export function rulesOverlap(a: NotificationRule, b: NotificationRule): boolean {
  if (!a.events.some((x) => b.events.some((y) => eventsOverlap(x, y)))) return false
  const pa = a.prefix ?? ''
  const pb = b.prefix ?? ''
  const sa = a.suffix ?? ''
  const sb = b.suffix ?? ''
  return (pa.startsWith(pb) || pb.startsWith(pa)) && (sa.endsWith(sb) || sb.endsWith(sa))
}

/** S3's InvalidArgument, with its ArgumentName/ArgumentValue elements. */
export function notificationError(message: string, fields: Record<string, string>): BucketError {
  return new BucketError('InvalidArgument', message, fields)
}

/**
 * Checks a configuration as S3 does before it accepts it: known event types, ids unique, no two
 * rules overlapping (among themselves and with `alsoInEffect`), and every destination there
 * (`exists`, checked last as S3 reaches the destinations after validating the document).
 * Fills in the ids S3 generates for rules without one.
 */
export function checkRules(
  rules: readonly NotificationRule[],
  options: {
    alsoInEffect: readonly NotificationRule[]
    exists: (target: NotificationTarget) => boolean
    arnOf: (target: NotificationTarget) => string
  },
): NotificationRule[] {
  const out = rules.map((r) => ({ ...r, id: r.id || randomBytes(30).toString('base64').replace(/=+$/, '') }))
  for (const rule of out) {
    for (const event of rule.events)
      if (!S3_EVENT_TYPES.has(event))
        throw notificationError('The event is not supported for notifications', {
          ArgumentName: 'Event',
          ArgumentValue: event,
        })
    if (rule.events.length === 0)
      throw new BucketError(
        'MalformedXML',
        'The XML you provided was not well-formed or did not validate against our published schema',
      )
  }
  const ids = new Set<string>()
  for (const rule of out) {
    if (ids.has(rule.id))
      throw notificationError('Same ID used for multiple configurations', {
        ArgumentName: 'Id',
        ArgumentValue: rule.id,
      })
    ids.add(rule.id)
  }
  const all = [...options.alsoInEffect, ...out]
  for (let i = 0; i < all.length; i++)
    for (let j = Math.max(i + 1, options.alsoInEffect.length); j < all.length; j++)
      if (rulesOverlap(all[i]!, all[j]!))
        throw notificationError(
          'Configurations overlap. Configurations on the same bucket cannot share a common event type.',
          { ArgumentName: 'Event', ArgumentValue: 'null' },
        )
  // S3 sends to standard queues only: a FIFO queue is refused as a destination, like a missing one.
  const fifo = (r: NotificationRule) => 'queue' in r.target && r.target.queue.endsWith('.fifo')
  const invalid = out.filter((r) => fifo(r) || !options.exists(r.target))
  if (invalid.length > 0) {
    const fields: Record<string, string> = {}
    invalid.forEach((r, i) => {
      const what = 'function' in r.target ? 'function' : 'queue' in r.target ? 'queue' : 'topic'
      fields[`ArgumentName${i + 1}`] = options.arnOf(r.target)
      fields[`ArgumentValue${i + 1}`] = fifo(r)
        ? 'FIFO queues are not allowed as event notification destinations'
        : what === 'function'
          ? `Not authorized to invoke function [${options.arnOf(r.target)}]`
          : `The destination ${what} does not exist`
    })
    throw notificationError('Unable to validate the following destination configurations', fields)
  }
  return out
}

const SERVICE = { function: 'lambda', queue: 'sqs', topic: 'sns' } as const

/** The ARN of a destination in this account and region. */
export function targetArn(target: NotificationTarget, region: string, account: string): string {
  // A destination named by a foreign ARN keeps that ARN as its name (it never exists here).
  const name = 'function' in target ? target.function : 'queue' in target ? target.queue : target.topic
  if (name.startsWith('arn:')) return name
  if ('function' in target) return `arn:aws:lambda:${region}:${account}:function:${name}`
  return `arn:aws:${'queue' in target ? SERVICE.queue : SERVICE.topic}:${region}:${account}:${name}`
}

/**
 * The destination an ARN names: `arn:aws:lambda:<region>:<account>:function:<name>[:<qualifier>]`,
 * `arn:aws:sqs:<region>:<account>:<name>`, `arn:aws:sns:<region>:<account>:<name>`. An ARN of
 * another region or account names a destination that does not exist here. Undefined when the
 * text is not an ARN of that service.
 */
export function parseTargetArn(
  kind: keyof typeof SERVICE,
  arn: string,
  region: string,
  account: string,
): NotificationTarget | undefined {
  const parts = arn.split(':')
  if (parts.length < 6 || parts[0] !== 'arn' || parts[2] !== SERVICE[kind]) return undefined
  const local = parts[3] === region && parts[4] === account
  if (kind === 'function') {
    if (parts[5] !== 'function' || !parts[6] || parts.length > 8) return undefined
    return { function: local ? parts[6] : arn }
  }
  if (parts.length !== 6 || parts[5] === '') return undefined
  return kind === 'queue' ? { queue: local ? parts[5]! : arn } : { topic: local ? parts[5]! : arn }
}

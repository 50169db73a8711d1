/**
 * GetBucketNotificationConfiguration and PutBucketNotificationConfiguration (`?notification`):
 * S3's `NotificationConfiguration` document to and from the bucket notifications' rules. The
 * declared notifications (the definition's) are returned as `CloudFunctionConfiguration`s and
 * stay in effect whatever is put; a put replaces the configuration set through the API.
 */
import type { NotificationRule, NotificationTarget } from '../../lake/buckets/notification-rules.ts'
import type { AwsResponse } from '../dispatch.ts'
import type { S3Call, S3Context } from './call.ts'
import { readPayload } from './payload.ts'
import { noSuchBucket, notImplemented, S3Error, type XmlNode, xmlDocument } from './xml.ts'
import { childrenNamed, childText, malformedXml, parseXml, type XmlElement } from './xml-parse.ts'

/** The three kinds of configuration: element, the element of its ARN, and the target it names. */
const KINDS = [
  { element: 'TopicConfiguration', arn: 'Topic', target: 'topic' },
  { element: 'QueueConfiguration', arn: 'Queue', target: 'queue' },
  { element: 'CloudFunctionConfiguration', arn: 'CloudFunction', target: 'function' },
] as const

const kindOf = (target: NotificationTarget) => KINDS.find((k) => k.target in target)!

function checkBucket(call: S3Call, ctx: S3Context): void {
  if (!ctx.store.has(call.bucket!)) throw noSuchBucket(call.bucket!)
}

function ruleXml(rule: NotificationRule, arn: string): XmlNode {
  const filters: XmlNode[] = []
  if (rule.prefix !== undefined) filters.push({ Name: 'Prefix', Value: rule.prefix })
  if (rule.suffix !== undefined) filters.push({ Name: 'Suffix', Value: rule.suffix })
  return {
    Id: rule.id,
    [kindOf(rule.target).arn]: arn,
    Event: rule.events,
    Filter: filters.length > 0 ? { S3Key: { FilterRule: filters } } : undefined,
  }
}

export async function getBucketNotification(call: S3Call, ctx: S3Context): Promise<AwsResponse> {
  checkBucket(call, ctx)
  const notifications = ctx.buckets().notifications()
  const { declared, configured } = notifications.configuration(call.bucket!)
  const body: XmlNode = {}
  for (const kind of KINDS) {
    const rules = [...declared, ...configured].filter((r) => kind.target in r.target)
    if (rules.length > 0) body[kind.element] = rules.map((r) => ruleXml(r, notifications.arnOf(r.target)))
  }
  return {
    status: 200,
    headers: { 'content-type': 'application/xml' },
    body: xmlDocument('NotificationConfiguration', body),
  }
}

function filterOf(configuration: XmlElement): { prefix?: string; suffix?: string } {
  const filters = childrenNamed(configuration, 'Filter')
  if (filters.length > 1) throw malformedXml()
  const out: { prefix?: string; suffix?: string } = {}
  if (filters.length === 0) return out
  for (const key of childrenNamed(filters[0]!, 'S3Key'))
    for (const rule of childrenNamed(key, 'FilterRule')) {
      const name = (childText(rule, 'Name') ?? '').toLowerCase()
      const value = childrenNamed(rule, 'Value')[0]?.text ?? ''
      if (name !== 'prefix' && name !== 'suffix')
        throw new S3Error('InvalidArgument', 'filter rule name must be either prefix or suffix', {
          ArgumentName: 'FilterRule.Name',
          ArgumentValue: childText(rule, 'Name') ?? '',
        })
      if (out[name] !== undefined)
        throw new S3Error('InvalidArgument', `Cannot specify more than one ${name} rule in a filter.`, {
          ArgumentName: 'FilterRule.Name',
          ArgumentValue: name,
        })
      out[name] = value
    }
  return out
}

/** The rules a NotificationConfiguration document describes (MalformedXML, InvalidArgument). */
function rulesOf(document: XmlElement, ctx: S3Context): NotificationRule[] {
  if (document.name !== 'NotificationConfiguration') throw malformedXml()
  if (childrenNamed(document, 'EventBridgeConfiguration').length > 0)
    throw notImplemented('EventBridgeConfiguration')
  const notifications = ctx.buckets().notifications()
  const rules: NotificationRule[] = []
  for (const kind of KINDS)
    for (const configuration of childrenNamed(document, kind.element)) {
      const arn = childText(configuration, kind.arn)
      const events = childrenNamed(configuration, 'Event').map((e) => e.text.trim())
      if (arn === undefined || events.length === 0) throw malformedXml()
      const target = notifications.parseArn(kind.target, arn)
      if (!target)
        throw new S3Error('InvalidArgument', 'The ARN is not well formed', {
          ArgumentName: kind.arn,
          ArgumentValue: arn,
        })
      rules.push({ id: childText(configuration, 'Id') ?? '', target, events, ...filterOf(configuration) })
    }
  return rules
}

export async function putBucketNotification(call: S3Call, ctx: S3Context): Promise<AwsResponse> {
  checkBucket(call, ctx)
  const { bytes } = readPayload(call.headers, call.body)
  const rules = rulesOf(parseXml(bytes.toString('utf8')), ctx)
  const skip = String(call.headers['x-amz-skip-destination-validation'] ?? '').toLowerCase() === 'true'
  ctx.buckets().notifications().configure(call.bucket!, rules, { skipDestinationValidation: skip })
  return { status: 200, headers: {}, body: Buffer.alloc(0) }
}

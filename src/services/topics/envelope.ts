import { createHash, createHmac } from 'node:crypto'
import type { Notification } from '../../contracts/topics.ts'

/** Where SNS lives for a region: the host of SigningCertURL and UnsubscribeURL. */
export function snsEndpoint(region: string): string {
  return `https://sns.${region}.amazonaws.com`
}

/** A fixed certificate name in SNS's pattern (`SimpleNotificationService-<hex>.pem`). */
export function signingCertUrl(region: string): string {
  const id = createHash('md5').update('tributary').digest('hex')
  return `${snsEndpoint(region)}/SimpleNotificationService-${id}.pem`
}

export function unsubscribeUrl(region: string, subscriptionArn: string): string {
  return `${snsEndpoint(region)}/?Action=Unsubscribe&SubscriptionArn=${subscriptionArn}`
}

/**
 * A subscription ARN is the topic ARN plus a UUID. Derived from what the subscription connects, so
 * it stays the same across restarts without being stored.
 */
export function subscriptionArn(topicArn: string, protocol: string, endpoint: string): string {
  const h = createHash('sha1').update(`${topicArn}\0${protocol}\0${endpoint}`).digest('hex')
  return `${topicArn}:${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`
}

/**
 * Signs the fields SNS signs (Message, MessageId, Subject if present, Timestamp, TopicArn, Type,
 * each as `Name\nvalue\n`) with a key local to the data directory.
 */
export function sign(key: Buffer, n: Omit<Notification, 'signature' | 'signingCertUrl'>): string {
  const fields: [string, string | undefined][] = [
    ['Message', n.message],
    ['MessageId', n.messageId],
    ['Subject', n.subject],
    ['Timestamp', n.timestamp],
    ['TopicArn', n.topicArn],
    ['Type', 'Notification'],
  ]
  const text = fields
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}\n${v}\n`)
    .join('')
  return createHmac('sha256', key).update(text).digest('base64')
}

/**
 * The body SNS puts in a subscribed queue: its notification JSON, laid out as SNS lays it out
 * (`"Name" : value`, one field a line). `Subject` and `MessageAttributes` appear only when set.
 */
export function sqsEnvelope(n: Notification, unsubscribe: string): string {
  const fields: [string, string][] = [
    ['Type', 'Notification'],
    ['MessageId', n.messageId],
    ['TopicArn', n.topicArn],
  ]
  if (n.subject !== undefined) fields.push(['Subject', n.subject])
  fields.push(
    ['Message', n.message],
    ['Timestamp', n.timestamp],
    ['SignatureVersion', '1'],
    ['Signature', n.signature],
    ['SigningCertURL', n.signingCertUrl],
    ['UnsubscribeURL', unsubscribe],
  )
  const lines = fields.map(([k, v]) => `  ${JSON.stringify(k)} : ${JSON.stringify(v)}`)
  const names = Object.keys(n.attributes)
  if (names.length > 0) {
    const attributes = names.map(
      (name) =>
        `    ${JSON.stringify(name)} : ${JSON.stringify({ Type: n.attributeTypes?.[name] ?? 'String', Value: n.attributes[name] })}`,
    )
    lines.push(`  "MessageAttributes" : {\n${attributes.join(',\n')}\n  }`)
  }
  return `{\n${lines.join(',\n')}\n}`
}

/** One record of Lambda's SNS event (`SNSEventRecord` in @types/aws-lambda, Subject null when unset). */
export interface SnsEventRecord {
  EventSource: 'aws:sns'
  EventVersion: '1.0'
  EventSubscriptionArn: string
  Sns: {
    Type: 'Notification'
    MessageId: string
    TopicArn: string
    Subject: string | null
    Message: string
    Timestamp: string
    SignatureVersion: '1'
    Signature: string
    SigningCertUrl: string
    UnsubscribeUrl: string
    MessageAttributes: Record<string, { Type: string; Value: string }>
  }
}

export function snsEventRecord(n: Notification, subscription: string, unsubscribe: string): SnsEventRecord {
  const attributes: SnsEventRecord['Sns']['MessageAttributes'] = {}
  for (const [name, value] of Object.entries(n.attributes))
    attributes[name] = { Type: n.attributeTypes?.[name] ?? 'String', Value: value }
  return {
    EventSource: 'aws:sns',
    EventVersion: '1.0',
    EventSubscriptionArn: subscription,
    Sns: {
      Type: 'Notification',
      MessageId: n.messageId,
      TopicArn: n.topicArn,
      Subject: n.subject ?? null,
      Message: n.message,
      Timestamp: n.timestamp,
      SignatureVersion: '1',
      Signature: n.signature,
      SigningCertUrl: n.signingCertUrl,
      UnsubscribeUrl: unsubscribe,
      MessageAttributes: attributes,
    },
  }
}

import type { ObjectCreated } from './types.ts'

/**
 * The S3 event notification message (event structure version 2.1), as Lambda receives it.
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/notification-content-structure.html
 */
export interface S3EventRecord {
  eventVersion: '2.1'
  eventSource: 'aws:s3'
  awsRegion: string
  eventTime: string
  eventName: string
  userIdentity: { principalId: string }
  requestParameters: { sourceIPAddress: string }
  responseElements: { 'x-amz-request-id': string; 'x-amz-id-2': string }
  s3: {
    s3SchemaVersion: '1.0'
    configurationId: string
    bucket: { name: string; ownerIdentity: { principalId: string }; arn: string }
    /** A removal's event carries only `key` and `sequencer`. */
    object: { key: string; size?: number; eTag?: string; sequencer: string }
  }
}

export interface S3Event {
  Records: S3EventRecord[]
}

/** Who and where, for the parts of the message that describe the request rather than the object. */
export interface S3EventContext {
  region: string
  configurationId: string
  /** `userIdentity.principalId`: who made the put. */
  principalId: string
  /** `s3.bucket.ownerIdentity.principalId`. */
  ownerPrincipalId: string
  sourceIPAddress: string
  requestId: string
  hostId: string
}

// Characters S3 leaves as they are in `s3.object.key`; everything else is percent-encoded as
// UTF-8 and a space becomes '+' (HTML form encoding), except '/' which S3 keeps.
const UNRESERVED = /[A-Za-z0-9\-_.*/]/

/**
 * Encodes a key the way S3 writes it into event messages: form-URL-encoded with '/' kept, so
 * `year=2026/my file.json` becomes `year%3D2026/my+file.json`. Handlers decode it with
 * `decodeURIComponent(key.replace(/\+/g, ' '))`.
 */
export function encodeEventKey(key: string): string {
  let out = ''
  for (const char of key) {
    if (char === ' ') out += '+'
    else if (UNRESERVED.test(char)) out += char
    else
      for (const byte of Buffer.from(char, 'utf8'))
        out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`
  }
  return out
}

/**
 * Builds the message S3 sends for one created object.
 *
 * @example
 * const event = s3Event(created, { region: 'us-east-1', configurationId: 'raw-to-transform', ... })
 * event.Records[0].s3.object.key // 'year%3D2026/a.json'
 */
export function s3Event(created: ObjectCreated, context: S3EventContext): S3Event {
  return {
    Records: [
      {
        eventVersion: '2.1',
        eventSource: 'aws:s3',
        awsRegion: context.region,
        eventTime: new Date(created.eventTime).toISOString(),
        eventName: created.eventName,
        userIdentity: { principalId: context.principalId },
        requestParameters: { sourceIPAddress: context.sourceIPAddress },
        responseElements: { 'x-amz-request-id': context.requestId, 'x-amz-id-2': context.hostId },
        s3: {
          s3SchemaVersion: '1.0',
          configurationId: context.configurationId,
          bucket: {
            name: created.bucket,
            ownerIdentity: { principalId: context.ownerPrincipalId },
            arn: `arn:aws:s3:::${created.bucket}`,
          },
          object: created.eventName.startsWith('ObjectRemoved')
            ? { key: encodeEventKey(created.key), sequencer: created.sequencer }
            : {
                key: encodeEventKey(created.key),
                size: created.size,
                // The message carries the ETag without the quotes of the HTTP header.
                eTag: created.etag.replace(/^"|"$/g, ''),
                sequencer: created.sequencer,
              },
        },
      },
    ],
  }
}

/** The message S3 sends a queue or topic when a notification configuration names it. */
export interface S3TestEvent {
  Service: 'Amazon S3'
  Event: 's3:TestEvent'
  Time: string
  Bucket: string
  RequestId: string
  HostId: string
}

/**
 * S3's `s3:TestEvent`, sent to the queues and topics of a configuration when it is set.
 *
 * @example
 * s3TestEvent('uploads', Date.now(), 'C3D13FE58DE4C810', 'FMyUVURIY8/IgAtTv8xRjskZQpcIZ9KG4V5Wp6S7S/JRWeUWerMUE5JgHvANOjpD')
 */
export function s3TestEvent(bucket: string, now: number, requestId: string, hostId: string): S3TestEvent {
  return {
    Service: 'Amazon S3',
    Event: 's3:TestEvent',
    Time: new Date(now).toISOString(),
    Bucket: bucket,
    RequestId: requestId,
    HostId: hostId,
  }
}

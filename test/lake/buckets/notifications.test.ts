import { join } from 'node:path'
import { describe, expect, it, onTestFinished } from 'vitest'
import type { BucketConfig } from '../../../src/lake/buckets/config.ts'
import {
  BucketNotifications,
  encodeEventKey,
  notificationMatches,
  type ObjectCreated,
  type S3Event,
} from '../../../src/lake/buckets/index.ts'
import { StateStore } from '../../../src/storage/state/state-store.ts'
import { openStore } from './helpers.ts'

type Notification = BucketConfig['notifications'][number]

const created = (key: string, overrides: Partial<ObjectCreated> = {}): ObjectCreated => ({
  bucket: 'raw',
  key,
  size: 12,
  etag: '"0cc175b9c0f1b6a831c399e269772661"',
  eventName: 'ObjectCreated:Put',
  eventTime: Date.UTC(2026, 10, 5, 12, 0, 0, 123),
  sequencer: '00018F2A1B2C3D0000',
  ...overrides,
})

const fixedIds = () => ({
  requestId: 'C3D13FE58DE4C810',
  hostId: 'FMyUVURIY8/IgAtTv8xRjskZQpcIZ9KG4V5Wp6S7S/JRWeUWerMUE5JgHvANOjpD',
})

function recorder(buckets: Record<string, BucketConfig>) {
  const calls: { functionName: string; event: S3Event }[] = []
  const notifications = new BucketNotifications({
    buckets,
    region: 'eu-west-1',
    accountId: '000000000000',
    requestIds: fixedIds,
    invokeAsync: (functionName, event) => {
      calls.push({ functionName, event })
    },
  })
  return { calls, notifications }
}

describe('S3 event message', () => {
  it("has S3's exact shape (event structure 2.1)", () => {
    const { calls, notifications } = recorder({
      raw: { notifications: [{ function: 'transform', events: ['s3:ObjectCreated:*'] }] },
    })
    expect(notifications.notify(created('year=2026/month=11/my file (1).json'))).toBe(1)
    expect(calls).toMatchInlineSnapshot(`
      [
        {
          "event": {
            "Records": [
              {
                "awsRegion": "eu-west-1",
                "eventName": "ObjectCreated:Put",
                "eventSource": "aws:s3",
                "eventTime": "2026-11-05T12:00:00.123Z",
                "eventVersion": "2.1",
                "requestParameters": {
                  "sourceIPAddress": "127.0.0.1",
                },
                "responseElements": {
                  "x-amz-id-2": "FMyUVURIY8/IgAtTv8xRjskZQpcIZ9KG4V5Wp6S7S/JRWeUWerMUE5JgHvANOjpD",
                  "x-amz-request-id": "C3D13FE58DE4C810",
                },
                "s3": {
                  "bucket": {
                    "arn": "arn:aws:s3:::raw",
                    "name": "raw",
                    "ownerIdentity": {
                      "principalId": "000000000000",
                    },
                  },
                  "configurationId": "raw-transform-1",
                  "object": {
                    "eTag": "0cc175b9c0f1b6a831c399e269772661",
                    "key": "year%3D2026/month%3D11/my+file+%281%29.json",
                    "sequencer": "00018F2A1B2C3D0000",
                    "size": 12,
                  },
                  "s3SchemaVersion": "1.0",
                },
                "userIdentity": {
                  "principalId": "AWS:000000000000",
                },
              },
            ],
          },
          "functionName": "transform",
        },
      ]
    `)
  })

  it.each([
    ['plain/key.json', 'plain/key.json'],
    ['a b', 'a+b'],
    ['a+b', 'a%2Bb'],
    ['k=v:1,2;3&4', 'k%3Dv%3A1%2C2%3B3%264'],
    ['données/😀', 'donn%C3%A9es/%F0%9F%98%80'],
    ["x~!'*-_.", 'x%7E%21%27*-_.'],
    ['%2e%2e', '%252e%252e'],
  ])('encodes the key %j as S3 does', (key, encoded) => {
    expect(encodeEventKey(key)).toBe(encoded)
    expect(decodeURIComponent(encoded.replace(/\+/g, ' '))).toBe(key)
  })
})

describe('notification filters', () => {
  const n = (events: Notification['events'], prefix?: string, suffix?: string): Notification => ({
    function: 'f',
    events,
    ...(prefix === undefined ? {} : { prefix }),
    ...(suffix === undefined ? {} : { suffix }),
  })

  it.each<[string, Notification, string, boolean]>([
    ['all creations', n(['s3:ObjectCreated:*']), 'any/key', true],
    ['Put', n(['s3:ObjectCreated:Put']), 'any/key', true],
    ['only multipart uploads', n(['s3:ObjectCreated:CompleteMultipartUpload']), 'any/key', false],
    [
      'one of several types',
      n(['s3:ObjectCreated:CompleteMultipartUpload', 's3:ObjectCreated:Put']),
      'k',
      true,
    ],
    ['prefix matches', n(['s3:ObjectCreated:*'], 'raw/'), 'raw/a.json', true],
    ['prefix differs', n(['s3:ObjectCreated:*'], 'raw/'), 'curated/a.json', false],
    ['prefix is case-sensitive', n(['s3:ObjectCreated:*'], 'Raw/'), 'raw/a.json', false],
    [
      'prefix on the raw key, not the encoded one',
      n(['s3:ObjectCreated:*'], 'year=2026/'),
      'year=2026/x',
      true,
    ],
    ['suffix matches', n(['s3:ObjectCreated:*'], undefined, '.json.gz'), 'a/b.json.gz', true],
    ['suffix differs', n(['s3:ObjectCreated:*'], undefined, '.json.gz'), 'a/b.json', false],
    ['prefix and suffix both match', n(['s3:ObjectCreated:*'], 'in/', '.csv'), 'in/x.csv', true],
    ['prefix matches, suffix does not', n(['s3:ObjectCreated:*'], 'in/', '.csv'), 'in/x.json', false],
    ['suffix matches, prefix does not', n(['s3:ObjectCreated:*'], 'in/', '.csv'), 'out/x.csv', false],
    ['empty prefix and suffix match everything', n(['s3:ObjectCreated:*'], '', ''), 'x', true],
    ['the whole key as prefix and suffix', n(['s3:ObjectCreated:*'], 'x.csv', 'x.csv'), 'x.csv', true],
  ])('%s', (_label, notification, key, expected) => {
    expect(notificationMatches(notification, created(key))).toBe(expected)
  })

  it('invokes every matching notification of the bucket, and none of other buckets', () => {
    const { calls, notifications } = recorder({
      raw: {
        notifications: [
          { function: 'json', events: ['s3:ObjectCreated:*'], suffix: '.json' },
          { function: 'csv', events: ['s3:ObjectCreated:*'], suffix: '.csv' },
          { function: 'all', events: ['s3:ObjectCreated:Put'] },
        ],
      },
      other: { notifications: [{ function: 'other', events: ['s3:ObjectCreated:*'] }] },
    })
    notifications.notify(created('a.json'))
    expect(calls.map((c) => [c.functionName, c.event.Records[0]!.s3.configurationId])).toEqual([
      ['json', 'raw-json-1'],
      ['all', 'raw-all-3'],
    ])
    expect(notifications.notify(created('a.json', { bucket: 'unconfigured' }))).toBe(0)
  })

  it('follows the store: one event per durable put, reported failures do not fail puts', async () => {
    const { store } = await openStore(['raw'], { fsync: false })
    const events: S3Event[] = []
    const errors: string[] = []
    const notifications = new BucketNotifications({
      buckets: { raw: { notifications: [{ function: 'f', events: ['s3:ObjectCreated:*'], prefix: 'in/' }] } },
      region: 'us-east-1',
      accountId: '123456789012',
      logger: { info() {}, warn() {}, error: (m) => errors.push(m) },
      invokeAsync: async (_fn, event) => {
        events.push(event)
        if (event.Records[0]!.s3.object.key === 'in/bad') throw new Error('queue full')
      },
    })
    const detach = notifications.attach(store)
    await store.putObject('raw', 'in/a.json', '{"a":1}')
    await store.putObject('raw', 'out/b.json', '{}')
    await store.putObject('raw', 'in/bad', 'x')
    detach()
    await store.putObject('raw', 'in/c.json', '{}')
    await new Promise((resolve) => setImmediate(resolve))
    expect(events.map((e) => e.Records[0]!.s3.object.key)).toEqual(['in/a.json', 'in/bad'])
    expect(events[0]!.Records[0]!.s3.object).toMatchObject({
      size: 7,
      eTag: expect.stringMatching(/^[0-9a-f]{32}$/),
    })
    const [first, second] = events.map((e) => e.Records[0]!.s3.object.sequencer)
    expect(second! > first!).toBe(true)
    expect(errors).toEqual(["S3 notification of raw/in/bad to function 'f' failed: Error: queue full"])
  })

  it('records a put that owes an event until the event is handed over, and forgets puts that never appeared', async () => {
    const { dir, store } = await openStore(['raw'])
    const state = StateStore.open(join(dir, 'state.db'))
    onTestFinished(() => state.close())
    const keys: string[] = []
    const notifications = new BucketNotifications({
      buckets: { raw: { notifications: [{ function: 'f', events: ['s3:ObjectCreated:*'], prefix: 'in/' }] } },
      region: 'us-east-1',
      accountId: '123456789012',
      state,
      invokeAsync: (_fn, event) => {
        keys.push(event.Records[0]!.s3.object.key)
      },
    })
    const intents = () =>
      (state.db.prepare('SELECT count(*) AS n FROM s3_event_intents').get() as { n: number }).n
    let pending = -1
    notifications.attach(store)
    // Runs after the notifications' own intent listener: the put is recorded before it appears.
    store.onPutIntent(() => {
      pending = intents()
    })
    await store.putObject('raw', 'in/a.json', '{}')
    expect([pending, intents(), keys]).toEqual([1, 0, ['in/a.json']])
    await store.putObject('raw', 'out/b.json', '{}') // no notification wants it: nothing recorded
    expect(pending).toBe(0)

    // A put that fails before its object appears leaves its record: recovery forgets it.
    store.onPutIntent((created) => {
      if (created.key === 'in/lost.json') throw new Error('disk full')
    })
    await expect(store.putObject('raw', 'in/lost.json', '{}')).rejects.toThrow('disk full')
    expect(intents()).toBe(1)
    expect(await notifications.recover(store)).toBe(0)
    expect([intents(), keys]).toEqual([0, ['in/a.json']])
  })
})

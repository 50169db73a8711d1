import { join } from 'node:path'
import { describe, expect, it, onTestFinished } from 'vitest'
import { BucketNotifications, type S3Event } from '../../../src/lake/buckets/index.ts'
import {
  checkRules,
  type NotificationRule,
  parseTargetArn,
  rulesOverlap,
} from '../../../src/lake/buckets/notification-rules.ts'
import { StateStore } from '../../../src/storage/state/state-store.ts'
import { openStore } from './helpers.ts'

const rule = (events: string[], prefix?: string, suffix?: string): NotificationRule => ({
  id: '',
  target: { queue: 'q' },
  events,
  ...(prefix !== undefined ? { prefix } : {}),
  ...(suffix !== undefined ? { suffix } : {}),
})

describe('notification rules', () => {
  it.each([
    ['the same event, no filters', rule(['s3:ObjectCreated:Put']), rule(['s3:ObjectCreated:Put']), true],
    ['a family and one of its events', rule(['s3:ObjectCreated:*']), rule(['s3:ObjectCreated:Copy']), true],
    ['different events', rule(['s3:ObjectCreated:Put']), rule(['s3:ObjectCreated:Copy']), false],
    ['different families', rule(['s3:ObjectCreated:*']), rule(['s3:ObjectRemoved:*']), false],
    ['nested prefixes', rule(['s3:ObjectCreated:*'], 'a/'), rule(['s3:ObjectCreated:*'], 'a/b'), true],
    ['disjoint prefixes', rule(['s3:ObjectCreated:*'], 'a/'), rule(['s3:ObjectCreated:*'], 'b/'), false],
    [
      'disjoint suffixes',
      rule(['s3:ObjectCreated:*'], 'a/', '.json'),
      rule(['s3:ObjectCreated:*'], 'a/', '.csv'),
      false,
    ],
    [
      'a suffix and none',
      rule(['s3:ObjectCreated:*'], undefined, '.json'),
      rule(['s3:ObjectCreated:*']),
      true,
    ],
  ])('%s: overlap is %s', (_, a, b, overlap) => {
    expect(rulesOverlap(a, b)).toBe(overlap)
    expect(rulesOverlap(b, a)).toBe(overlap)
  })

  it('checks rules as S3 does: events, ids, overlaps (also with rules in effect), destinations last', () => {
    const options = {
      alsoInEffect: [] as NotificationRule[],
      exists: () => true,
      arnOf: () => 'arn:aws:sqs:us-east-1:000000000000:q',
    }
    const [filled] = checkRules([rule(['s3:ObjectCreated:*'])], options)
    expect(filled!.id).toMatch(/^\S{20,}$/)
    const refusal = (rules: NotificationRule[], more: Partial<typeof options> = {}) => {
      try {
        checkRules(rules, { ...options, ...more })
      } catch (error) {
        const e = error as Error & { fields: Record<string, string> }
        return { name: e.name, message: e.message, fields: e.fields }
      }
      throw new Error('expected a refusal')
    }
    expect(refusal([rule(['s3:Nope'])])).toEqual({
      name: 'InvalidArgument',
      message: 'The event is not supported for notifications',
      fields: { ArgumentName: 'Event', ArgumentValue: 's3:Nope' },
    })
    expect(
      refusal([
        { ...rule(['s3:ObjectCreated:Put']), id: 'x' },
        { ...rule(['s3:ObjectCreated:Copy']), id: 'x' },
      ]).message,
    ).toBe('Same ID used for multiple configurations')
    expect(
      refusal([rule(['s3:ObjectCreated:Put'])], { alsoInEffect: [rule(['s3:ObjectCreated:*'])] }).message,
    ).toMatch(/^Configurations overlap/)
    expect(refusal([rule(['s3:ObjectCreated:Put'])], { exists: () => false })).toEqual({
      name: 'InvalidArgument',
      message: 'Unable to validate the following destination configurations',
      fields: {
        ArgumentName1: 'arn:aws:sqs:us-east-1:000000000000:q',
        ArgumentValue1: 'The destination queue does not exist',
      },
    })
    // S3 sends to standard queues only: a FIFO queue that exists is refused all the same.
    expect(
      refusal([{ ...rule(['s3:ObjectCreated:*']), target: { queue: 'orders.fifo' } }], {
        arnOf: () => 'arn:aws:sqs:us-east-1:000000000000:orders.fifo',
      }),
    ).toEqual({
      name: 'InvalidArgument',
      message: 'Unable to validate the following destination configurations',
      fields: {
        ArgumentName1: 'arn:aws:sqs:us-east-1:000000000000:orders.fifo',
        ArgumentValue1: 'FIFO queues are not allowed as event notification destinations',
      },
    })
  })

  it.each([
    ['function', 'arn:aws:lambda:us-east-1:000000000000:function:f', { function: 'f' }],
    ['function', 'arn:aws:lambda:us-east-1:000000000000:function:f:$LATEST', { function: 'f' }],
    ['queue', 'arn:aws:sqs:us-east-1:000000000000:q', { queue: 'q' }],
    ['topic', 'arn:aws:sns:us-east-1:000000000000:t', { topic: 't' }],
    ['queue', 'arn:aws:sqs:eu-west-1:000000000000:q', { queue: 'arn:aws:sqs:eu-west-1:000000000000:q' }],
    ['queue', 'arn:aws:sns:us-east-1:000000000000:t', undefined],
    ['topic', 'not-an-arn', undefined],
  ] as const)('parses a %s ARN %s', (kind, arn, target) => {
    expect(parseTargetArn(kind, arn, 'us-east-1', '000000000000')).toEqual(target)
  })
})

describe('BucketNotifications with configurations set through the API', () => {
  it('keeps them in the state store, sends to queues and topics, and announces deletes', async () => {
    const { dir, store } = await openStore(['raw'], { fsync: false })
    const state = StateStore.open(join(dir, 'state.db'))
    onTestFinished(() => state.close())
    const sent: [string, string, unknown][] = []
    const make = () =>
      new BucketNotifications({
        buckets: {
          raw: { notifications: [{ function: 'f', events: ['s3:ObjectCreated:*'], prefix: 'in/' }] },
        },
        region: 'us-east-1',
        accountId: '000000000000',
        state,
        now: () => Date.UTC(2026, 0, 1),
        invokeAsync: (fn, event) => {
          sent.push(['function', fn, event])
        },
        send: {
          queue: (name, body) => sent.push(['queue', name, JSON.parse(body)]),
          topic: (name, body) => sent.push(['topic', name, JSON.parse(body)]),
        },
        exists: () => true,
      })
    const notifications = make()
    notifications.configure('raw', [
      { id: 'gone', target: { queue: 'q' }, events: ['s3:ObjectRemoved:*'], prefix: 'in/' },
      { id: 'made', target: { topic: 't' }, events: ['s3:ObjectCreated:Put'], prefix: 'out/' },
    ])
    expect(sent.map(([kind, name, body]) => [kind, name, (body as { Event: string }).Event])).toEqual([
      ['queue', 'q', 's3:TestEvent'],
      ['topic', 't', 's3:TestEvent'],
    ])
    sent.length = 0

    // Another instance over the same state store: the configuration is there.
    const reopened = make()
    expect(reopened.configuration('raw').configured.map((r) => r.id)).toEqual(['gone', 'made'])
    reopened.attach(store)
    await store.putObject('raw', 'in/a', 'a')
    await store.putObject('raw', 'out/b', 'b')
    await store.deleteObject('raw', 'in/a')
    await store.deleteObject('raw', 'in/never')
    const summary = sent.map(([kind, name, body]) => {
      const record = (body as S3Event).Records[0]!
      return [kind, name, record.eventName, record.s3.configurationId, record.s3.object.key]
    })
    expect(summary).toEqual([
      ['function', 'f', 'ObjectCreated:Put', 'raw-f-1', 'in/a'],
      ['topic', 't', 'ObjectCreated:Put', 'made', 'out/b'],
      ['queue', 'q', 'ObjectRemoved:Delete', 'gone', 'in/a'],
    ])

    reopened.configure('raw', [])
    expect(make().configuration('raw')).toMatchObject({ configured: [], declared: [{ id: 'raw-f-1' }] })
  })
})

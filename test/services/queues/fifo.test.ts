import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { validatePipeline } from '../../../src/pipeline/validate.ts'
import { QueueService } from '../../../src/services/queues/queue-service.ts'
import { QUEUE_MIGRATIONS } from '../../../src/services/queues/queue-store.ts'
import { StateStore } from '../../../src/storage/state/state-store.ts'
import { ManualClock } from '../../../src/util/clock.ts'
import { tempDir } from '../../helpers/tmp.ts'
import { openQueues, T0 } from './fixtures.ts'

const bodies = (messages: Array<{ body: string }>) => messages.map((m) => m.body)

describe('FIFO queues in a pipeline definition', () => {
  it.each([
    [{ 'a.fifo': {} }, 'queues.a.fifo.fifo: a queue named .fifo must be declared with fifo: true'],
    [{ a: { fifo: true } }, "queues.a.fifo: a FIFO queue's name must end in .fifo"],
    [
      { a: { contentBasedDeduplication: true } },
      'queues.a.contentBasedDeduplication: only a FIFO queue (fifo: true) has it',
    ],
    [
      { a: { deduplicationScope: 'queue' } },
      'queues.a.deduplicationScope: only a FIFO queue (fifo: true) has it',
    ],
    [
      { 'a.fifo': { fifo: true, deadLetterQueue: { queue: 'd', maxReceiveCount: 2 } }, d: {} },
      'queues.a.fifo.deadLetterQueue.queue: Dead-letter queue must be same type of queue as the source.',
    ],
    [
      { a: { deadLetterQueue: { queue: 'd.fifo', maxReceiveCount: 2 } }, 'd.fifo': { fifo: true } },
      'queues.a.deadLetterQueue.queue: Dead-letter queue must be same type of queue as the source.',
    ],
  ])('refuses %o, naming the field', (queues, message) => {
    expect(() => validatePipeline({ name: 'fifo', queues }, process.cwd())).toThrow(message)
  })

  it('accepts FIFO queues with a FIFO dead-letter queue', () => {
    expect(() =>
      validatePipeline(
        {
          name: 'fifo',
          queues: {
            'a.fifo': { fifo: true, deadLetterQueue: { queue: 'd.fifo', maxReceiveCount: 2 } },
            'd.fifo': { fifo: true, contentBasedDeduplication: true },
          },
        },
        process.cwd(),
      ),
    ).not.toThrow()
  })
})

describe('FIFO queues in the queue service', () => {
  it('upgrades a state store from before FIFO queues: its queues and messages stay, FIFO queues can be made', async () => {
    const dir = await tempDir()
    const path = join(dir, 'state.db')
    const old = StateStore.open(path)
    old.ensureSchema('queues', QUEUE_MIGRATIONS.slice(0, 1))
    old.db.prepare(`INSERT INTO queues (name, config, created_at) VALUES ('jobs', ?, 0)`).run(
      JSON.stringify({
        visibilityTimeoutSeconds: 30,
        delaySeconds: 0,
        messageRetentionSeconds: 345_600,
        maximumMessageSize: 262_144,
      }),
    )
    old.db
      .prepare(`INSERT INTO queue_messages (queue, message_id, body, md5_of_body, sender_id, sent_at, visible_at)
                VALUES ('jobs', 'm-1', 'from before', 'x', 'me', ?, ?)`)
      .run(T0, T0)
    old.close()

    const store = StateStore.open(path)
    const queues = new QueueService({ store, clock: new ManualClock(T0) })
    try {
      expect(queues.config('jobs').fifo).toBeUndefined()
      const [message] = await queues.receive('jobs')
      expect(message).toMatchObject({ messageId: 'm-1', body: 'from before' })
      expect(message!.attributes).not.toHaveProperty('SequenceNumber')
      queues.declare('new.fifo', { fifo: true })
      expect(
        queues.send('new.fifo', 'x', { messageGroupId: 'g', messageDeduplicationId: 'd' }).sequenceNumber,
      ).toMatch(/^\d{20}$/)
    } finally {
      queues.close()
      store.close()
    }
  })

  it("a group's delayed first message holds back the group; other groups are not held", async () => {
    const { queues, clock } = await openQueues()
    queues.declare('q.fifo', { fifo: true, contentBasedDeduplication: true, delaySeconds: 10 })
    queues.send('q.fifo', 'a1', { messageGroupId: 'a' })
    // The queue's delay shrinks: a2 would be visible before a1, but a1 comes first.
    queues.declare('q.fifo', { fifo: true, contentBasedDeduplication: true })
    queues.send('q.fifo', 'a2', { messageGroupId: 'a' })
    queues.send('q.fifo', 'b1', { messageGroupId: 'b' })
    expect(bodies(await queues.receive('q.fifo', { max: 10 }))).toEqual(['b1'])
    clock.advance(10_000)
    expect(bodies(await queues.receive('q.fifo', { max: 10 }))).toEqual(['a1', 'a2'])
  })

  it('a repeated deduplication ID with another group on a queue-scoped queue is still a duplicate', async () => {
    const { queues } = await openQueues()
    queues.declare('q.fifo', { fifo: true })
    const first = queues.send('q.fifo', 'one', { messageGroupId: 'a', messageDeduplicationId: 'd' })
    expect(queues.send('q.fifo', 'two', { messageGroupId: 'b', messageDeduplicationId: 'd' })).toEqual({
      ...first,
      md5OfBody: expect.any(String),
    })
    expect(queues.depth('q.fifo').visible).toBe(1)
  })

  it('ChangeMessageVisibility to 0 on the message in flight releases its group', async () => {
    const { queues } = await openQueues()
    queues.declare('q.fifo', { fifo: true, contentBasedDeduplication: true })
    for (const body of ['1', '2']) queues.send('q.fifo', body, { messageGroupId: 'g' })
    const [one] = await queues.receive('q.fifo')
    expect(await queues.receive('q.fifo')).toEqual([])
    queues.changeVisibility('q.fifo', one!.receiptHandle, 0)
    expect(bodies(await queues.receive('q.fifo', { max: 10 }))).toEqual(['1', '2'])
  })

  it('redrives a FIFO dead-letter queue back to its source, group kept; not into a standard queue', async () => {
    const { queues, clock } = await openQueues()
    queues.declareAll({
      'dlq.fifo': { fifo: true },
      'q.fifo': {
        fifo: true,
        contentBasedDeduplication: true,
        maxReceiveCount: 1,
        deadLetterQueue: 'dlq.fifo',
      },
      plain: {},
    })
    queues.send('q.fifo', 'poison', { messageGroupId: 'g' })
    await queues.receive('q.fifo')
    clock.advance(30_000)
    expect(await queues.receive('q.fifo')).toEqual([])
    expect(() => queues.redrive('dlq.fifo', { destination: 'plain' })).toThrow(
      'The destination queue must be the same type of queue (standard or FIFO) as the dead-letter queue.',
    )
    expect(queues.redrive('dlq.fifo')).toEqual({ moved: 1, skipped: 0 })
    const [back] = await queues.receive('q.fifo')
    expect(back).toMatchObject({
      body: 'poison',
      attributes: { MessageGroupId: 'g', ApproximateReceiveCount: '1' },
    })
  })
})

import { describe, expect, it } from 'vitest'
import type { BindingCall } from '../../../src/contracts/functions.ts'
import { createQueueTopicBindings } from '../../../src/services/topics/bindings.ts'
import { openTopics } from './fixtures.ts'

async function setup() {
  const fixture = await openTopics()
  fixture.queues.declare('jobs')
  fixture.queues.declare('events')
  fixture.topics.declare('alerts', { subscriptions: [{ queue: 'events', rawMessageDelivery: true }] })
  const host = createQueueTopicBindings(fixture.queues, fixture.topics)
  const call = (service: string, resource: string, method: string, ...args: unknown[]) =>
    host.call({ service, resource, method, args } satisfies BindingCall)
  return { ...fixture, call }
}

async function failure(promise: Promise<unknown>): Promise<string> {
  try {
    await promise
  } catch (error) {
    return `${(error as Error).name}: ${(error as Error).message}`
  }
  throw new Error('expected a rejection')
}

describe('queue and topic bindings', () => {
  it('queue.send sends strings as they are and anything else as JSON', async () => {
    const { queues, call } = await setup()
    const sent = await call('queue', 'jobs', 'send', 'plain text')
    expect(sent).toEqual({ messageId: expect.stringMatching(/^[0-9a-f-]{36}$/) })
    await call('queue', 'jobs', 'send', { id: 1, tags: ['a'] })
    await call('queue', 'jobs', 'send', 42)
    await call('queue', 'jobs', 'send', 'later', { delaySeconds: 10, attributes: { kind: 'x' } })
    const messages = await queues.receive('jobs', { max: 10 })
    expect(messages.map((m) => m.body)).toEqual(['plain text', '{"id":1,"tags":["a"]}', '42'])
    expect(queues.depth('jobs').delayed).toBe(1)
  })

  it('queue.send to a FIFO queue takes messageGroupId and messageDeduplicationId', async () => {
    const { queues, call } = await setup()
    queues.declare('orders.fifo', { fifo: true })
    const first = await call('queue', 'orders.fifo', 'send', 'a', {
      messageGroupId: 'g',
      messageDeduplicationId: 'd1',
    })
    const repeat = await call('queue', 'orders.fifo', 'send', 'a', {
      messageGroupId: 'g',
      messageDeduplicationId: 'd1',
    })
    expect(repeat).toEqual(first)
    expect(await failure(call('queue', 'orders.fifo', 'send', 'b', { messageDeduplicationId: 'd2' }))).toBe(
      'MissingParameter: The request must contain the parameter MessageGroupId.',
    )
    const [message] = await queues.receive('orders.fifo', { max: 10 })
    expect(message?.attributes).toMatchObject({ MessageGroupId: 'g', MessageDeduplicationId: 'd1' })
  })

  it('topic.publish fans out, JSON-encoding objects, with subject and attributes', async () => {
    const { queues, call } = await setup()
    const published = await call(
      'topic',
      'alerts',
      'publish',
      { level: 'warn' },
      { attributes: { source: 'test' } },
    )
    expect(published).toEqual({ messageId: expect.any(String) })
    const [message] = await queues.receive('events')
    expect(message!.body).toBe('{"level":"warn"}')
    expect(message!.messageAttributes).toEqual({ source: { dataType: 'String', stringValue: 'test' } })
  })

  it('names unknown resources ResourceNotFoundException', async () => {
    const { call } = await setup()
    expect(await failure(call('queue', 'nope', 'send', 'x'))).toMatchInlineSnapshot(
      `"ResourceNotFoundException: queue 'nope' is not defined in this pipeline"`,
    )
    expect(await failure(call('topic', 'nope', 'publish', 'x'))).toMatchInlineSnapshot(
      `"ResourceNotFoundException: topic 'nope' is not defined in this pipeline"`,
    )
  })

  it('passes SQS and SNS errors on under their AWS names', async () => {
    const { call } = await setup()
    expect(await failure(call('queue', 'jobs', 'send', 'x', { delaySeconds: 901 }))).toMatchInlineSnapshot(
      `"InvalidParameterValue: Value 901 for parameter DelaySeconds is invalid. Reason: DelaySeconds must be >= 0 and <= 900."`,
    )
    expect(await failure(call('queue', 'jobs', 'send', undefined))).toMatchInlineSnapshot(
      `"MissingParameter: The request must contain the parameter MessageBody."`,
    )
    expect(await failure(call('topic', 'alerts', 'publish', 'x', { subject: 'a\nb' }))).toMatchInlineSnapshot(
      `"InvalidParameterException: Invalid parameter: Subject"`,
    )
  })

  it('refuses unknown methods and services', async () => {
    const { call } = await setup()
    expect(await failure(call('queue', 'jobs', 'receive'))).toMatchInlineSnapshot(
      `"UnknownOperationException: queue bindings have no method 'receive'"`,
    )
    expect(await failure(call('queue', 'jobs', 'constructor'))).toMatchInlineSnapshot(
      `"UnknownOperationException: queue bindings have no method 'constructor'"`,
    )
    expect(await failure(call('table', 'jobs', 'get'))).toMatchInlineSnapshot(
      `"UnknownOperationException: 'table' is not a queue or topic binding"`,
    )
    expect(await failure(call('queue', 'jobs', 'send', 'x', 'not options'))).toMatchInlineSnapshot(
      `"InvalidParameterValue: the options of queue.send must be an object"`,
    )
  })
})

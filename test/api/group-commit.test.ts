import { GetItemCommand, PutItemCommand, TransactWriteItemsCommand } from '@aws-sdk/client-dynamodb'
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs'
import { describe, expect, it, onTestFinished } from 'vitest'
import { BindingRouter } from '../../src/functions/bindings-host.ts'
import type { StateStore } from '../../src/storage/state/state-store.ts'
import { StateStoreToken } from '../../src/storage/state/token.ts'
import { startPipeline, type TestPipeline } from '../../src/testing/index.ts'
import { clientFor } from './dynamodb/client.ts'

/**
 * Table and queue writes are group committed (`StateStore.commitRelaxed`): visible at once, fsynced
 * by one fdatasync for every write of the last few ms. What makes a 200 still mean "fsynced" is
 * that each answer waits for `StateStore.durable()`. These tests hold that barrier closed and check
 * the answer waits for it, with the write already committed behind it.
 */

/** Replaces the store's `durable()` with one that waits until `open()` is called. */
function gateDurable(store: StateStore) {
  const real = store.durable.bind(store)
  let opened = false
  let release!: () => void
  const gate = new Promise<void>((resolve) => {
    release = resolve
  })
  const waiting: number[] = []
  store.durable = async () => {
    if (!opened) {
      waiting.push(Date.now())
      await gate
    }
    await real()
  }
  onTestFinished(() => {
    store.durable = real
  })
  return {
    /** How many answers are waiting at the barrier. */
    waiting: () => waiting.length,
    open: () => {
      opened = true
      release()
    },
  }
}

function tracked<T>(promise: Promise<T>) {
  const state = { settled: false }
  const done = promise.finally(() => {
    state.settled = true
  })
  return { state, done }
}

async function pipeline(): Promise<{ p: TestPipeline; store: StateStore }> {
  const p = await startPipeline(
    { name: 'group-commit', tables: { devices: { partitionKey: 'deviceId' } }, queues: { jobs: {} } },
    { serve: true, teardown: onTestFinished },
  )
  return { p, store: p.runtime.offered(StateStoreToken)! }
}

describe('group commit: an answer waits for the fsync that covers its write', () => {
  it('DynamoDB PutItem and TransactWriteItems', async () => {
    const { p, store } = await pipeline()
    const ddb = clientFor(p)
    const gate = gateDurable(store)
    const put = tracked(
      ddb.send(new PutItemCommand({ TableName: 'devices', Item: { deviceId: { S: 'd-1' }, n: { N: '1' } } })),
    )
    const transact = tracked(
      ddb.send(
        new TransactWriteItemsCommand({
          TransactItems: [
            { Put: { TableName: 'devices', Item: { deviceId: { S: 'd-2' } } } },
            { Put: { TableName: 'devices', Item: { deviceId: { S: 'd-3' } } } },
          ],
        }),
      ),
    )
    await expect.poll(() => gate.waiting()).toBe(2)
    // Committed (readable in the store) but not yet answered.
    const devices = p.table('devices')
    expect(await devices.get({ deviceId: 'd-1' })).toEqual({ deviceId: 'd-1', n: 1 })
    expect(await devices.get({ deviceId: 'd-3' })).toEqual({ deviceId: 'd-3' })
    expect(put.state.settled).toBe(false)
    expect(transact.state.settled).toBe(false)
    gate.open()
    await put.done
    await transact.done
    const got = await ddb.send(new GetItemCommand({ TableName: 'devices', Key: { deviceId: { S: 'd-2' } } }))
    expect(got.Item).toEqual({ deviceId: { S: 'd-2' } })
  })

  it('SQS SendMessage', async () => {
    const { p, store } = await pipeline()
    const sqs = new SQSClient({
      endpoint: p.endpoint!,
      region: 'us-east-1',
      credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
      maxAttempts: 1,
    })
    onTestFinished(() => sqs.destroy())
    const gate = gateDurable(store)
    const sent = tracked(
      sqs.send(new SendMessageCommand({ QueueUrl: `${p.endpoint}/000000000000/jobs`, MessageBody: 'hi' })),
    )
    await expect.poll(() => gate.waiting()).toBe(1)
    expect(p.queue('jobs').depth().visible).toBe(1)
    expect(sent.state.settled).toBe(false)
    gate.open()
    expect((await sent.done).MessageId).toBeTypeOf('string')
  })
})

describe('group commit: binding calls', () => {
  it('answer a handler once the state store is durable, except stream calls', async () => {
    let release!: () => void
    const gate = new Promise<void>((resolve) => {
      release = resolve
    })
    const durableFor: string[] = []
    const router = new BindingRouter(
      { table: async () => 'written', stream: async () => 'put' },
      undefined,
      (call) => {
        durableFor.push(call.service)
        return call.service === 'stream' ? undefined : gate
      },
    )
    expect(await router.call({ service: 'stream', resource: 's', method: 'put', args: [] })).toBe('put')
    const write = tracked(router.call({ service: 'table', resource: 't', method: 'put', args: [] }))
    await expect.poll(() => durableFor).toEqual(['stream', 'table'])
    expect(write.state.settled).toBe(false)
    release()
    expect(await write.done).toBe('written')
  })
})

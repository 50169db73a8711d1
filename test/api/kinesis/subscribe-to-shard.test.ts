import {
  KinesisClient,
  PutRecordsCommand,
  RegisterStreamConsumerCommand,
  SplitShardCommand,
  type StartingPosition,
  SubscribeToShardCommand,
  type SubscribeToShardEvent,
  type SubscribeToShardEventStream,
} from '@aws-sdk/client-kinesis'
import { describe, expect, it, onTestFinished } from 'vitest'
import { ACCOUNT, arnOf, expectAwsError, MAX_HASH, shardId } from '../../helpers/kinesis.ts'
import { createActiveStream, startServer, type TestServer } from '../../helpers/server.ts'

/** The SDK's own client with its default settings: HTTP/2 (NodeHttp2Handler), as SubscribeToShard needs. */
function defaultClient(t: TestServer): KinesisClient {
  const client = new KinesisClient({
    endpoint: t.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
  })
  onTestFinished(() => client.destroy())
  return client
}

async function registerActive(t: TestServer, name = 'reader', stream = 's'): Promise<string> {
  const out = await t.client.send(
    new RegisterStreamConsumerCommand({ StreamARN: arnOf(stream), ConsumerName: name }),
  )
  await t.settle()
  return out.Consumer!.ConsumerARN!
}

async function put(t: TestServer, records: { key: string; data: string; hashKey?: string }[], stream = 's') {
  const out = await t.client.send(
    new PutRecordsCommand({
      StreamName: stream,
      Records: records.map((r) => ({
        PartitionKey: r.key,
        ExplicitHashKey: r.hashKey,
        Data: new TextEncoder().encode(r.data),
      })),
    }),
  )
  expect(out.FailedRecordCount).toBe(0)
  return out.Records!.map((r) => r.SequenceNumber!)
}

/**
 * A subscription read event by event: `next()` resolves with the next SubscribeToShardEvent
 * (undefined once the stream ended). Closed with the test.
 */
async function subscribe(client: KinesisClient, consumerArn: string, shard: number, start: StartingPosition) {
  const abort = new AbortController()
  onTestFinished(() => abort.abort())
  const out = await client.send(
    new SubscribeToShardCommand({
      ConsumerARN: consumerArn,
      ShardId: shardId(shard),
      StartingPosition: start,
    }),
    { abortSignal: abort.signal },
  )
  const iterator = (out.EventStream as AsyncIterable<SubscribeToShardEventStream>)[Symbol.asyncIterator]()
  const next = async (): Promise<SubscribeToShardEvent | undefined> => {
    const step = await iterator.next()
    if (step.done) return undefined
    if (!step.value.SubscribeToShardEvent) throw new Error(`unexpected event ${JSON.stringify(step.value)}`)
    return step.value.SubscribeToShardEvent
  }
  /** Events until `count` records arrived in all. */
  const records = async (count: number) => {
    const got: SubscribeToShardEvent[] = []
    let n = 0
    while (n < count) {
      const event = await next()
      if (!event) throw new Error(`stream ended after ${n} of ${count} records`)
      got.push(event)
      n += event.Records!.length
    }
    return got
  }
  return { next, records, abort: () => abort.abort() }
}

const text = (e: SubscribeToShardEvent[]) =>
  e.flatMap((ev) => ev.Records!.map((r) => new TextDecoder().decode(r.Data)))

describe('SubscribeToShard with the SDK v3 client (HTTP/2, event stream)', () => {
  it('pushes stored and new records in order, with AWS shapes and a continuation number', async () => {
    const t = await startServer()
    await createActiveStream(t, 's')
    const consumer = await registerActive(t)
    const client = defaultClient(t)
    const stored = await put(t, [
      { key: 'a', data: 'one' },
      { key: 'b', data: 'two' },
    ])

    const sub = await subscribe(client, consumer, 0, { Type: 'TRIM_HORIZON' })
    const first = await sub.records(2)
    const live = await put(t, [{ key: 'c', data: 'three' }])
    const second = await sub.records(1)

    expect(text([...first, ...second])).toEqual(['one', 'two', 'three'])
    expect(first.flatMap((e) => e.Records!.map((r) => r.SequenceNumber))).toEqual(stored)
    expect(first[0]!.Records![0]).toMatchObject({
      PartitionKey: 'a',
      ApproximateArrivalTimestamp: new Date(Math.floor(t.clock.now())),
    })
    expect(first.at(-1)).toMatchObject({ ContinuationSequenceNumber: stored[1], MillisBehindLatest: 0 })
    expect(second.at(-1)!.ContinuationSequenceNumber).toBe(live[0])
    expect(t.server.transportStats.h2.requests).toBeGreaterThan(0)
  })

  it('resumes after a continuation number (AFTER_SEQUENCE_NUMBER), and from AT/AFTER_SEQUENCE_NUMBER, LATEST and AT_TIMESTAMP', async () => {
    const t = await startServer()
    await createActiveStream(t, 's')
    const consumer = await registerActive(t)
    const client = defaultClient(t)
    const before = t.clock.now()
    const seqs = await put(
      t,
      ['r0', 'r1', 'r2'].map((data) => ({ key: 'k', data })),
    )
    t.clock.advance(1_000)
    const later = t.clock.now()
    await put(t, [{ key: 'k', data: 'r3' }])

    const at = await subscribe(client, consumer, 0, { Type: 'AT_SEQUENCE_NUMBER', SequenceNumber: seqs[1] })
    const atRecords = text(await at.records(3))
    at.abort()
    t.clock.advance(5_000)
    const after = await subscribe(client, consumer, 0, {
      Type: 'AFTER_SEQUENCE_NUMBER',
      SequenceNumber: seqs[1],
    })
    const afterRecords = text(await after.records(2))
    after.abort()
    t.clock.advance(5_000)
    const byTime = await subscribe(client, consumer, 0, { Type: 'AT_TIMESTAMP', Timestamp: new Date(later) })
    const timeRecords = text(await byTime.records(1))
    byTime.abort()
    t.clock.advance(5_000)
    const latest = await subscribe(client, consumer, 0, { Type: 'LATEST' })
    await put(t, [{ key: 'k', data: 'r4' }])
    const latestEvents = await latest.records(1)

    expect(before).toBeLessThan(later)
    expect(atRecords).toEqual(['r1', 'r2', 'r3'])
    expect(afterRecords).toEqual(['r2', 'r3'])
    expect(timeRecords).toEqual(['r3'])
    expect(text(latestEvents)).toEqual(['r4'])
    latest.abort()
    t.clock.advance(5_000)
    const resumed = await subscribe(client, consumer, 0, {
      Type: 'AFTER_SEQUENCE_NUMBER',
      SequenceNumber: latestEvents.at(-1)!.ContinuationSequenceNumber,
    })
    await put(t, [{ key: 'k', data: 'r5' }])
    expect(text(await resumed.records(1))).toEqual(['r5'])
  })

  it('delivers every record in order across a split: the parent ends with ChildShards, the children follow', async () => {
    const t = await startServer()
    await createActiveStream(t, 's')
    const consumer = await registerActive(t)
    const client = defaultClient(t)
    const low = '0'
    const high = (MAX_HASH - 1n).toString()
    await put(
      t,
      [0, 1, 2].flatMap((i) => [
        { key: 'lo', hashKey: low, data: `lo${i}` },
        { key: 'hi', hashKey: high, data: `hi${i}` },
      ]),
    )
    const parent = await subscribe(client, consumer, 0, { Type: 'TRIM_HORIZON' })
    const beforeSplit = await parent.records(6)

    await t.client.send(
      new SplitShardCommand({
        StreamName: 's',
        ShardToSplit: shardId(0),
        NewStartingHashKey: (MAX_HASH / 2n).toString(),
      }),
    )
    await t.settle()
    await put(
      t,
      [3, 4].flatMap((i) => [
        { key: 'lo', hashKey: low, data: `lo${i}` },
        { key: 'hi', hashKey: high, data: `hi${i}` },
      ]),
    )
    const end = await parent.next()
    const closed = await parent.next()
    const children = end!.ChildShards!.map((c) => c.ShardId!)
    const left = await subscribe(client, consumer, 1, { Type: 'TRIM_HORIZON' })
    const right = await subscribe(client, consumer, 2, { Type: 'TRIM_HORIZON' })
    const all = [...text(beforeSplit), ...text(await left.records(2)), ...text(await right.records(2))]

    expect(end).toMatchObject({ Records: [], MillisBehindLatest: 0 })
    expect(end!.ContinuationSequenceNumber).toBeUndefined()
    expect(end!.ChildShards).toEqual([
      {
        ShardId: shardId(1),
        ParentShards: [shardId(0)],
        HashKeyRange: { StartingHashKey: '0', EndingHashKey: (MAX_HASH / 2n - 1n).toString() },
      },
      {
        ShardId: shardId(2),
        ParentShards: [shardId(0)],
        HashKeyRange: { StartingHashKey: (MAX_HASH / 2n).toString(), EndingHashKey: MAX_HASH.toString() },
      },
    ])
    expect(closed).toBeUndefined()
    expect(children).toEqual([shardId(1), shardId(2)])
    expect(all.filter((r) => r.startsWith('lo'))).toEqual(['lo0', 'lo1', 'lo2', 'lo3', 'lo4'])
    expect(all.filter((r) => r.startsWith('hi'))).toEqual(['hi0', 'hi1', 'hi2', 'hi3', 'hi4'])
  })

  it('ends a subscription after 5 minutes on the engine clock; an idle one sends empty events every 5 s meanwhile', async () => {
    const t = await startServer()
    await createActiveStream(t, 's')
    const consumer = await registerActive(t)
    const client = defaultClient(t)
    // The server starts the subscription's clock before the initial response reaches the client.
    const sub = await subscribe(client, consumer, 0, { Type: 'TRIM_HORIZON' })

    t.clock.advance(5_000)
    const heartbeat = await sub.next()
    t.clock.advance(300_000)
    const events: (SubscribeToShardEvent | undefined)[] = []
    for (let e = await sub.next(); e; e = await sub.next()) events.push(e)

    expect(heartbeat).toMatchObject({ Records: [], MillisBehindLatest: 0 })
    // The continuation of an empty shard resumes at its start.
    expect(heartbeat!.ContinuationSequenceNumber).toMatch(/^\d+$/)
    expect(events.every((e) => e?.Records?.length === 0)).toBe(true)
  })

  it('refuses a second subscription of the consumer to the shard within 5 s; later, the new one takes over', async () => {
    const t = await startServer()
    await createActiveStream(t, 's')
    const consumer = await registerActive(t)
    const client = defaultClient(t)
    const first = await subscribe(client, consumer, 0, { Type: 'LATEST' })

    await expectAwsError(subscribe(client, consumer, 0, { Type: 'LATEST' }), {
      name: 'ResourceInUseException',
      message: `Another active subscription exists for this consumer: ${ACCOUNT}:s:${shardId(0)}:reader`,
    })
    t.clock.advance(5_000)
    const second = await subscribe(client, consumer, 0, { Type: 'LATEST' })
    await put(t, [{ key: 'k', data: 'x' }])

    expect(text(await second.records(1))).toEqual(['x'])
    // The first one was ended when the second one started (a heartbeat may come before its end).
    let ended = false
    for (let i = 0; i < 3 && !ended; i++) ended = (await first.next()) === undefined
    expect(ended).toBe(true)
  })

  it('serves HTTP/1.1 clients too (the SDK with NodeHttpHandler)', async () => {
    const t = await startServer()
    await createActiveStream(t, 's')
    const consumer = await registerActive(t)
    await put(t, [{ key: 'k', data: 'h1' }])

    const sub = await subscribe(t.client, consumer, 0, { Type: 'TRIM_HORIZON' })

    expect(text(await sub.records(1))).toEqual(['h1'])
    expect(t.server.transportStats.h2.requests).toBe(0)
  })

  it('answers errors before the stream starts: unknown consumer, consumer not ACTIVE, unknown shard', async () => {
    const t = await startServer()
    await createActiveStream(t, 's')
    const client = defaultClient(t)
    const creating = (
      await t.client.send(new RegisterStreamConsumerCommand({ StreamARN: arnOf('s'), ConsumerName: 'new' }))
    ).Consumer!
    const unknown = `${arnOf('s')}/consumer/ghost:1700000000`

    await expectAwsError(subscribe(client, unknown, 0, { Type: 'LATEST' }), {
      name: 'ResourceNotFoundException',
      message: `Consumer ${unknown} not found.`,
    })
    await expectAwsError(subscribe(client, creating.ConsumerARN!, 0, { Type: 'LATEST' }), {
      name: 'ResourceInUseException',
      message: `Consumer new with creation timestamp ${creating.ConsumerCreationTimestamp!.getTime() / 1000} under stream s and account ${ACCOUNT} is not in ACTIVE status.`,
    })
    await t.settle()
    await expectAwsError(subscribe(client, creating.ConsumerARN!, 7, { Type: 'LATEST' }), {
      name: 'ResourceNotFoundException',
      message: `Shard ${shardId(7)} in stream s under account ${ACCOUNT} does not exist`,
    })
  })
})
